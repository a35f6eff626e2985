"""A gateway that does nothing but speak XEP-0114: the XMPP side's own limit.

A benchmark that times messages through a gateway (IRC → XMPP, XMPP → IRC)
measures Prosody and the XMPP test client as much as the gateway. This
component is the reference for that half: it writes pre-serialized
groupchat messages to a client as fast as its socket takes them, or reads
a client's groupchat messages and notes when each body arrived, with no
work in between. No gateway can beat what it measures in the same run.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from xml.sax.saxutils import escape

BODY = re.compile(rb"<body>([^<]*)</body>")


class NullGateway:
    """A raw XEP-0114 component on asyncio streams."""

    def __init__(self, host: str, port: int, domain: str, secret: str):
        self.host, self.port, self.domain, self.secret = host, port, domain, secret
        self.arrivals: list[tuple[float, str]] = []  # (time, body) of what clients sent to it

    async def connect(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(("<stream:stream xmlns='jabber:component:accept' "
                           "xmlns:stream='http://etherx.jabber.org/streams' "
                           f"to='{self.domain}'>").encode())
        header = await self._read_until(b">")
        found = re.search(rb"id=['\"]([^'\"]+)['\"]", header)
        if not found:
            raise RuntimeError(f"no stream id from the server: {header!r}")
        digest = hashlib.sha1(found.group(1) + self.secret.encode()).hexdigest()
        self.writer.write(f"<handshake>{digest}</handshake>".encode())
        answer = await self._read_until(b"handshake")
        if b"<handshake" not in answer or b"error" in answer:
            raise RuntimeError(f"handshake refused: {answer!r}")
        self.task = asyncio.create_task(self._read())

    async def _read_until(self, marker: bytes) -> bytes:
        data = b""
        while marker not in data.split(b"?>")[-1]:
            chunk = await asyncio.wait_for(self.reader.read(4096), 10)
            if not chunk:
                raise RuntimeError(f"stream closed: {data!r}")
            data += chunk
        return data

    async def _read(self) -> None:
        pending = b""
        while chunk := await self.reader.read(65536):
            now = time.time()
            pending += chunk
            # Only complete bodies; the tail may hold half of one.
            cut = pending.rfind(b"</body>")
            if cut < 0:
                continue
            head, pending = pending[:cut + 7], pending[cut + 7:]
            self.arrivals += [(now, m.decode()) for m in BODY.findall(head)]

    def send_groupchat(self, room: str, nick: str, to: str, texts: list[str]) -> None:
        """Writes every message at once, as one buffer."""
        sender = f"{room}@{self.domain}/{nick}"
        self.writer.write("".join(
            f"<message from='{sender}' to='{to}' type='groupchat' id='n{i}'><body>{escape(text)}</body></message>"
            for i, text in enumerate(texts)).encode())

    def close(self) -> None:
        self.writer.close()
