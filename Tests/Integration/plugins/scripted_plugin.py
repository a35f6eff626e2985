#!/usr/bin/env python3
"""A scripted Trestle plugin for tests (standard library only, protocol 1).

    scripted_plugin.py --record FILE --control FILE [--poll SECONDS]

- Answers the hello with every capability.
- Appends every line it reads from Trestle to the JSON-lines file --record,
  as read, plus markers of its own: {"type":"_stdin_closed"} when stdin
  reaches end of file and {"type":"_signal","signal":N} on SIGTERM.
- Answers each `deliver` with `delivered` and a remote id of its own,
  `p-<delivery id>`.
- Writes to Trestle every line appended to the --control file (the test
  drives it), as is: the test writes whole `event` objects.
- Exits 0 once stdin is closed.
"""

import argparse
import json
import os
import signal
import sys
import threading
import time

PROTOCOL = 1
CAPABILITIES = ["edits", "retractions", "reactions", "replies", "attachments"]

output_lock = threading.Lock()
record_lock = threading.Lock()


def send(obj):
    line = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    with output_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--record", required=True)
    parser.add_argument("--control", required=True)
    parser.add_argument("--poll", type=float, default=0.05)
    args = parser.parse_args()

    def record(obj):
        with record_lock, open(args.record, "a", encoding="utf-8") as out:
            out.write(json.dumps(obj, ensure_ascii=False) + "\n")
            out.flush()
            os.fsync(out.fileno())

    def on_term(signum, _frame):
        record({"type": "_signal", "signal": signum})
        os._exit(0)

    signal.signal(signal.SIGTERM, on_term)
    record({"type": "_started", "pid": os.getpid()})

    # Lines written before this run started were for an earlier run.
    try:
        start = os.path.getsize(args.control)
    except FileNotFoundError:
        start = 0

    def control_loop():
        offset = start
        pending = ""
        while True:
            try:
                with open(args.control, encoding="utf-8") as control:
                    control.seek(offset)
                    chunk = control.read()
                    offset = control.tell()
            except FileNotFoundError:
                chunk = ""
            pending += chunk
            while "\n" in pending:
                line, pending = pending.split("\n", 1)
                if line.strip():
                    with output_lock:
                        sys.stdout.write(line.strip() + "\n")
                        sys.stdout.flush()
            time.sleep(args.poll)

    threading.Thread(target=control_loop, daemon=True).start()

    for raw in sys.stdin:
        raw = raw.strip()
        if not raw:
            continue
        try:
            obj = json.loads(raw)
        except ValueError:
            record({"type": "_unparsable", "line": raw})
            continue
        record(obj)
        kind = obj.get("type")
        if kind == "hello":
            send({"type": "hello", "protocol": PROTOCOL, "capabilities": CAPABILITIES})
        elif kind == "deliver":
            send({"type": "delivered", "id": obj["id"], "remote_id": f"p-{obj['id']}"})
    record({"type": "_stdin_closed"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
