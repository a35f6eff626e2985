#!/usr/bin/env python3
"""A Trestle plugin that mirrors bridged rooms to plain files.

For each room Trestle opens, messages delivered to the room are appended
to `<dir>/<room>.log` as `[sender] text` lines, and every line appended to
`<dir>/<room>.in` is sent into the room. A line of the form `name: text`
comes from `name`; any other line from `file`. So a room can be read with
`tail -f <dir>/<room>.log` and written with `echo 'bob: hi' >> <dir>/<room>.in`.

Usage (in Trestle's configuration):

    plugins:
      files:
        command: [python3, Examples/plugins/file_mirror.py, --dir, /var/lib/trestle/rooms]

Standard library only. Speaks protocol 1 (see Bridges/Process/PROTOCOL.md).
"""

import argparse
import json
import os
import re
import sys
import threading
import time
from datetime import datetime, timezone

PROTOCOL = 1
SAFE_ROOM = re.compile(r"[^A-Za-z0-9._@#+-]")

output_lock = threading.Lock()


def send(obj):
    """Write one line to Trestle (stdout is shared by two threads)."""
    line = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    with output_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def file_name(room):
    """The room's name made safe as a file name."""
    name = SAFE_ROOM.sub("_", room)
    return "_" + name if name.startswith(".") else name


class Mirror:
    def __init__(self, directory, poll):
        self.directory = directory
        self.poll = poll
        self.rooms = {}  # room -> offset read so far in its .in file
        self.lock = threading.Lock()
        self.counter = 0

    def path(self, room, suffix):
        return os.path.join(self.directory, file_name(room) + suffix)

    def open(self, room):
        with self.lock:
            if room in self.rooms:
                return
            inbox = self.path(room, ".in")
            # Start at the end: only lines written from now on are sent.
            self.rooms[room] = os.path.getsize(inbox) if os.path.exists(inbox) else 0
        log(f"file_mirror: opened {room}")

    def close(self, room):
        with self.lock:
            self.rooms.pop(room, None)
        log(f"file_mirror: closed {room}")

    def deliver(self, line):
        kind = line.get("kind")
        sender = line.get("sender", {}).get("name", "?")
        if kind == "message":
            text = line.get("text", "")
            if line.get("message_kind") == "action":
                entry = f"* {sender} {text}"
            elif line.get("message_kind") == "notice":
                entry = f"-{sender}- {text}"
            else:
                entry = f"[{sender}] {text}"
            for attachment in line.get("attachments", []) or []:
                entry += f" <{attachment.get('url')}>"
        elif kind == "edit":
            entry = f"[{sender}] (edited) {line.get('text', '')}"
        elif kind == "topic":
            entry = f"-- {sender} set the topic: {line.get('text', '')}"
        elif kind == "join":
            entry = f"-- {sender} joined"
        elif kind == "part":
            entry = f"-- {sender} left" + (f" ({line['reason']})" if line.get("reason") else "")
        elif kind == "rename":
            entry = f"-- {sender} is now {line.get('name', '')}"
        else:
            entry = None  # retractions and reactions: nothing to show in a log
        remote_id = None
        if entry is not None:
            with open(self.path(line["room"], ".log"), "a", encoding="utf-8") as out:
                out.write(entry.replace("\n", "\n    ") + "\n")
            with self.lock:
                self.counter += 1
                remote_id = f"log-{os.getpid()}-{self.counter}"
        answer = {"type": "delivered", "id": line["id"]}
        if remote_id and kind == "message":
            answer["remote_id"] = remote_id
        send(answer)

    def watch(self):
        """Sends the lines appended to each open room's .in file."""
        partial = {}
        while True:
            with self.lock:
                rooms = dict(self.rooms)
            for room, offset in rooms.items():
                inbox = self.path(room, ".in")
                try:
                    size = os.path.getsize(inbox)
                except FileNotFoundError:
                    continue
                if size < offset:  # truncated: start again
                    offset = 0
                if size == offset:
                    continue
                with open(inbox, "rb") as f:
                    f.seek(offset)
                    data = partial.pop(room, b"") + f.read(size - offset)
                with self.lock:
                    if room in self.rooms:
                        self.rooms[room] = size
                *lines, rest = data.split(b"\n")
                if rest:
                    partial[room] = rest
                for raw in lines:
                    text = raw.decode("utf-8", "replace").rstrip("\r")
                    if text.strip():
                        self.send_line(room, text)
            time.sleep(self.poll)

    def send_line(self, room, text):
        match = re.match(r"^([A-Za-z0-9_.-]{1,32}): (.*)$", text)
        name, body = (match.group(1), match.group(2)) if match else ("file", text)
        with self.lock:
            self.counter += 1
            remote_id = f"in-{os.getpid()}-{self.counter}"
        send({
            "type": "event", "room": room, "remote_id": remote_id,
            "sender": {"id": name, "name": name},
            "timestamp": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "kind": "message", "text": body, "message_kind": "normal",
        })


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True, help="folder for the .log and .in files")
    parser.add_argument("--poll", type=float, default=0.2, help="seconds between looks at the .in files")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    mirror = Mirror(args.dir, args.poll)

    hello = json.loads(sys.stdin.readline() or "{}")
    if hello.get("type") != "hello" or hello.get("protocol") != PROTOCOL:
        log(f"file_mirror: expected a protocol {PROTOCOL} hello, got {hello!r}")
        return 1
    send({"type": "hello", "protocol": PROTOCOL, "capabilities": []})
    threading.Thread(target=mirror.watch, daemon=True).start()

    for raw in sys.stdin:
        try:
            line = json.loads(raw)
        except ValueError:
            log(f"file_mirror: not JSON: {raw!r}")
            continue
        kind = line.get("type")
        try:
            if kind == "open":
                mirror.open(line["room"])
            elif kind == "close":
                mirror.close(line["room"])
            elif kind == "deliver":
                mirror.deliver(line)
        except (KeyError, OSError) as error:
            if kind == "deliver" and "id" in line:
                send({"type": "failed", "id": line["id"], "retryable": isinstance(error, OSError),
                      "reason": str(error)})
            log(f"file_mirror: {kind}: {error}")
    return 0  # stdin closed: Trestle is stopping


if __name__ == "__main__":
    sys.exit(main())
