#!/usr/bin/env bash
# Fuzzes a parser with libFuzzer for the given number of seconds (default
# 600): `xml` (the XML stream parser, the default) or `irc` (the IRC line
# parser). Builds the <target>-fuzz executable with the fuzzer and
# AddressSanitizer in its own build folder, seeds it with samples, and
# keeps the corpus in fuzz-corpus/<target>/. Crashing inputs are written as
# crash-* files; replay one with `swift run <target>-fuzz crash-…`.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
target="${2:-xml}"
case "$target" in xml|irc) ;; *) echo "unknown fuzz target '$target' (xml or irc)" >&2; exit 2 ;; esac
swift build -c release --scratch-path .build-fuzz --product "$target-fuzz" \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING
corpus="fuzz-corpus/$target"
mkdir -p "$corpus"
if [ "$target" = xml ]; then
    header="<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' id='x'>"
    printf '\x07%s<message to="a@b" type="chat"><body>hi &amp; bye</body></message>' "$header" > "$corpus/seed-message"
    printf '\x01%s<iq type="get" id="1"><query xmlns="http://jabber.org/protocol/disco#info"/></iq><presence/>' "$header" > "$corpus/seed-iq"
    printf '\x20%s<message xml:lang="en"><x xmlns="urn:a" xmlns:b="urn:b" b:c="d"><![CDATA[<x>]]></x></message>' "$header" > "$corpus/seed-ns"
    max_len=16384
else
    printf '@time=2024-01-01T00:00:00.000Z;msgid=a\\sb;+draft/reply=x :nick!user@host PRIVMSG #chan :hello \x02world\x02\r\n' > "$corpus/seed-privmsg"
    printf ':irc.example.net 353 me = #chan :@op +voice plain\r\n' > "$corpus/seed-names"
    printf ':nick!u@h PRIVMSG #chan :\x01ACTION waves \x0304,12colour\x03\x01' > "$corpus/seed-action"
    printf 'CAP * LS * :sasl=PLAIN,EXTERNAL server-time message-tags\r\n' > "$corpus/seed-cap"
    max_len=8704
fi
".build-fuzz/release/$target-fuzz" "$corpus" -max_total_time="$seconds" -max_len="$max_len" -print_final_stats=1
