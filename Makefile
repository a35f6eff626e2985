# The commands a newcomer needs; see README.md.
.PHONY: quickstart test build bench fuzz fuzz-irc

quickstart:
	Scripts/install-dependencies.sh
	swift build --product trestle
	.venv/bin/python Examples/quickstart/quickstart.py

test:
	Scripts/test.sh

build:
	swift build

bench:
	swift build -c release --product trestle-bench
	.build/release/trestle-bench parse
	.build/release/trestle-bench router 50000

FUZZ_SECONDS ?= 600
fuzz:
	Scripts/fuzz.sh $(FUZZ_SECONDS) xml

fuzz-irc:
	Scripts/fuzz.sh $(FUZZ_SECONDS) irc
