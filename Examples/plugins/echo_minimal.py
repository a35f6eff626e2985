#!/usr/bin/env python3
"""The smallest useful Trestle plugin: it accepts every delivery and says
back into the room, as `echo`, each message it is given.

Handy as a template and for measuring the plugin path. Standard library
only; protocol 1 (Bridges/Process/PROTOCOL.md).
"""

import json
import sys


def send(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main():
    counter = 0
    for raw in sys.stdin:
        line = json.loads(raw)
        if line["type"] == "hello":
            send({"type": "hello", "protocol": 1, "capabilities": ["edits", "retractions", "reactions", "replies"]})
        elif line["type"] == "deliver":
            counter += 1
            delivered = f"echo-{counter}"
            send({"type": "delivered", "id": line["id"], "remote_id": delivered})
            if line["kind"] == "message":
                counter += 1
                send({"type": "event", "room": line["room"], "remote_id": f"echo-{counter}",
                      "sender": {"id": "echo", "name": "echo"}, "kind": "message",
                      "text": line["text"], "reply_to": delivered})
    return 0


if __name__ == "__main__":
    sys.exit(main())
