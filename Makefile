# The commands a newcomer needs; see README.md.
.PHONY: test build bench fuzz

test:
	Scripts/test.sh

build:
	swift build

bench:
	swift run -c release trestle-bench parse

FUZZ_SECONDS ?= 600
fuzz:
	Scripts/fuzz.sh $(FUZZ_SECONDS)
