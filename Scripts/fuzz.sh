#!/usr/bin/env bash
# Fuzzes the XML stream parser with libFuzzer for the given number of
# seconds (default 600). Builds the xml-fuzz target with the fuzzer and
# AddressSanitizer in its own build folder, seeds it with stream samples,
# and keeps the corpus in fuzz-corpus/. Crashing inputs are written as
# crash-* files; replay one with `swift run xml-fuzz crash-…`.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
swift build -c release --scratch-path .build-fuzz --product xml-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING
mkdir -p fuzz-corpus
header="<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' id='x'>"
printf '\x07%s<message to="a@b" type="chat"><body>hi &amp; bye</body></message>' "$header" > fuzz-corpus/seed-message
printf '\x01%s<iq type="get" id="1"><query xmlns="http://jabber.org/protocol/disco#info"/></iq><presence/>' "$header" > fuzz-corpus/seed-iq
printf '\x20%s<message xml:lang="en"><x xmlns="urn:a" xmlns:b="urn:b" b:c="d"><![CDATA[<x>]]></x></message>' "$header" > fuzz-corpus/seed-ns
.build-fuzz/release/xml-fuzz fuzz-corpus -max_total_time="$seconds" -max_len=16384 -print_final_stats=1
