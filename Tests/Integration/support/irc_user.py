"""A person on IRC, driven through the `irc` library (jaraco's, its asyncio reactor):
connects to the test server, registers, joins, talks, and records every line
the server sends so tests can wait for what they expect to see."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Callable

import irc.client
import irc.client_aio
from jaraco.stream import buffer


@dataclass
class Line:
    """One line from the server, split the IRC way."""
    raw: str
    tags: dict = field(default_factory=dict)
    source: str = ""
    command: str = ""
    params: list = field(default_factory=list)
    received: float = 0.0

    @property
    def nick(self) -> str:
        return self.source.split("!", 1)[0]

    @property
    def text(self) -> str:
        return self.params[-1] if self.params else ""

    @staticmethod
    def parse(raw: str) -> "Line":
        rest = raw
        tags = {}
        if rest.startswith("@"):
            section, _, rest = rest.partition(" ")
            for item in section[1:].split(";"):
                key, _, value = item.partition("=")
                tags[key] = value
        source = ""
        if rest.startswith(":"):
            source, _, rest = rest.partition(" ")
            source = source[1:]
        trailing = None
        if " :" in rest:
            rest, _, trailing = rest.partition(" :")
        parts = rest.split()
        command, params = (parts[0].upper() if parts else ""), parts[1:]
        if trailing is not None:
            params.append(trailing)
        return Line(raw=raw, tags=tags, source=source, command=command, params=params, received=time.monotonic())


class IRCUser:
    def __init__(self, server, nick: str):
        self.server = server
        self.nick = nick
        self.lines: list[Line] = []
        self._changed = asyncio.Event()
        self.reactor = irc.client_aio.AioReactor(loop=asyncio.get_running_loop())
        self.connection = self.reactor.server()
        # Lines that are not UTF-8 are kept (with replacement characters), not fatal.
        self.connection.buffer_class = buffer.LenientDecodingLineBuffer

        def record(_connection, event):
            self.lines.append(Line.parse(event.arguments[0]))
            self._changed.set()

        self.reactor.add_global_handler("all_raw_messages", record)

    async def connect(self, timeout: float = 10.0) -> "IRCUser":
        await self.connection.connect(self.server.host, self.server.port, self.nick, username=self.nick.lower(),
                                      ircname=f"{self.nick} (test)")
        await self.wait_for(lambda l: l.command in ("376", "422"), timeout=timeout, what="end of MOTD")
        return self

    async def __aenter__(self) -> "IRCUser":
        return await self.connect()

    async def __aexit__(self, *exc) -> None:
        try:
            self.connection.disconnect("bye")
        except Exception:
            pass

    def raw(self, line: str) -> None:
        self.connection.send_raw(line)

    async def join(self, channel: str, timeout: float = 10.0) -> None:
        start = len(self.lines)
        self.raw(f"JOIN {channel}")
        await self.wait_for(lambda l: l.command == "366" and l.params[1].lower() == channel.lower(),
                            timeout=timeout, start=start, what=f"NAMES of {channel}")

    def say(self, target: str, text: str) -> None:
        self.raw(f"PRIVMSG {target} :{text}")

    def act(self, target: str, text: str) -> None:
        self.raw(f"PRIVMSG {target} :\x01ACTION {text}\x01")

    def names(self, channel: str, start: int = 0) -> set[str]:
        """The nicks in the last complete NAMES reply for channel."""
        names: set[str] = set()
        collecting: set[str] = set()
        for line in self.lines[start:]:
            if line.command == "353" and line.params[2].lower() == channel.lower():
                collecting |= {n.lstrip("@+%~&") for n in line.text.split()}
            elif line.command == "366" and line.params[1].lower() == channel.lower():
                names, collecting = collecting, set()
        return names

    async def wait_for(self, predicate: Callable[[Line], bool], timeout: float = 10.0, start: int = 0,
                       what: str = "line") -> Line:
        deadline = time.monotonic() + timeout
        seen = start
        while True:
            for line in self.lines[seen:]:
                if predicate(line):
                    return line
            seen = len(self.lines)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                tail = "\n".join(l.raw for l in self.lines[-15:])
                raise AssertionError(f"{self.nick}: no {what} within {timeout} s; last lines:\n{tail}")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except asyncio.TimeoutError:
                pass

    def privmsgs(self, channel: str, start: int = 0) -> list[Line]:
        return [l for l in self.lines[start:] if l.command == "PRIVMSG" and l.params[0].lower() == channel.lower()]
