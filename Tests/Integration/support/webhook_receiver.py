"""A receiver of Trestle's outgoing webhooks, as a separate process that a
test can stop and start again: it answers every POST with 200 and appends
one JSON line per request to a record file (delivery id, content type,
body, whether Slack's request signature checks out).

    python webhook_receiver.py --port 8123 --record posts.jsonl [--signing-secret S]
        [--reply-to WORD --reply TEXT --reply-name NAME]

With --reply-to, a post whose text starts with WORD is answered with
{"text": TEXT, "username": NAME}, as a Slack webhook bot would answer.
Signature checking is the code Slack documents, nothing of Trestle's."""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--record", required=True)
    parser.add_argument("--signing-secret")
    parser.add_argument("--reply-to")
    parser.add_argument("--reply", default="")
    parser.add_argument("--reply-name", default="bot")
    options = parser.parse_args()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            body = raw.decode("utf-8")
            content_type = self.headers.get("Content-Type", "")
            if content_type.startswith("application/x-www-form-urlencoded"):
                fields = dict(urllib.parse.parse_qsl(body, keep_blank_values=True))
            else:
                fields = json.loads(body)
            signature_ok = None
            if options.signing_secret:
                timestamp = self.headers.get("X-Slack-Request-Timestamp", "")
                base = f"v0:{timestamp}:".encode() + raw
                expected = "v0=" + hmac.new(options.signing_secret.encode(), base, hashlib.sha256).hexdigest()
                signature_ok = hmac.compare_digest(expected, self.headers.get("X-Slack-Signature", ""))
            record = {"delivery": self.headers.get("X-Trestle-Delivery"), "content_type": content_type,
                      "fields": fields, "signature_ok": signature_ok}
            with lock, open(options.record, "a", encoding="utf-8") as out:
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
            answer = b"ok"
            if options.reply_to and str(fields.get("text", "")).startswith(options.reply_to):
                answer = json.dumps({"text": options.reply, "username": options.reply_name}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json" if answer != b"ok" else "text/plain")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", options.port), Handler)
    print("listening", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
