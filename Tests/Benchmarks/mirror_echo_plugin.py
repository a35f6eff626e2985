#!/usr/bin/env python3
"""Benchmark-only plugin: the example `file_mirror.py`, unchanged, plus an
echo.

`Examples/plugins/file_mirror.py` cannot echo by itself: it appends each
delivered message to `<dir>/<room>.log` and sends into the room only the
lines appended to `<dir>/<room>.in`, which it polls (every 0.2 s), so a
round trip through it would mostly measure the poll. This plugin runs the
example's own code (its `main`, framing, handshake, `Mirror.deliver` with
its file append, and `Mirror.send_line` with its timestamped, compact,
non-ASCII JSON and thread lock) and, after answering a delivered
message, passes its text straight to `send_line` instead of through the
`.in` file. The echo therefore comes from the occupant `file`.

    python3 Tests/Benchmarks/mirror_echo_plugin.py --dir DIR
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "Examples" / "plugins"))

import file_mirror  # noqa: E402


class EchoMirror(file_mirror.Mirror):
    def deliver(self, line):
        super().deliver(line)  # appends to <room>.log, answers `delivered`
        if line.get("kind") == "message":
            self.send_line(line["room"], line.get("text", ""))


if __name__ == "__main__":
    file_mirror.Mirror = EchoMirror
    sys.exit(file_mirror.main())
