"""Client processes for the MUC benchmark.

Each worker is a separate process with one asyncio loop and any number of
logged-in `MUCUser`s (the integration tests' client). The benchmark drives
workers through a command queue and reads their answers from a shared result
queue, so the client load can be spread over several cores:

    ("login", users, password, concurrency, timeout)   -> {"logged_in", "failed", ...}
    ("join", room, start_at, timeout)                   -> self-presence times per client
    ("collect", room, prefix, count, timeout)           -> "armed", then the messages' times
    ("send", room, prefix, count, timeout)              -> "sent", then the reflections seen
    ("quit",)

Times are `time.monotonic()` / `monotonic_ns()`, which is one clock for all
processes of a Linux machine, so a worker's send time and another worker's
receive time can be compared.
"""

from __future__ import annotations

import asyncio
import os
import time
import traceback
import xml.etree.ElementTree as ET
from types import SimpleNamespace

from support.lifetime import die_with_parent
from support.muc import MUC_USER, MUCUser

PRESENCE = "{jabber:client}presence"
MESSAGE = "{jabber:client}message"
BODY = "{jabber:client}body"
STATUS = f"{{{MUC_USER}}}status"


def _short(element: ET.Element, limit: int = 400) -> str:
    return ET.tostring(element, encoding="unicode")[:limit]


def _bare(jid: str) -> str:
    return jid.split("/", 1)[0]


class Burst:
    """What one client collects of a burst: (seq, sent ns, received ns)."""

    def __init__(self, room: str, prefix: str, expected: int):
        self.room, self.prefix, self.expected = room, prefix + " ", expected
        self.records: list[tuple[int, int, int]] = []
        self.errors: list[str] = []
        self.done = asyncio.Event()
        self.last_arrival = time.monotonic()


class BenchUser(MUCUser):
    """A `MUCUser` that keeps no log of every stanza (with hundreds of
    occupants that log, and scanning it, would be the benchmark): it
    resolves a future on its self-presence in a room and records the
    messages of a burst as they arrive."""

    def __init__(self, jid: str, password: str, server, nick: str):
        super().__init__(jid, password, server, resource="bench")
        self.nick = nick
        self.joins: dict[str, asyncio.Future] = {}
        self.presences: dict[str, int] = {}  # presences seen per room
        self.occupants: dict[str, set[str]] = {}  # nicks seen available per room
        self.roster_change = asyncio.Event()
        self.burst: Burst | None = None

    def _on_message(self, msg) -> None:
        pass  # UserClient would keep every message; we only need bursts

    def _keep(self, stanza) -> None:
        xml = stanza.xml
        if xml.tag == PRESENCE:
            sender = xml.get("from", "")
            room = _bare(sender)
            self.presences[room] = self.presences.get(room, 0) + 1
            if xml.get("type") is None and "/" in sender:
                self.occupants.setdefault(room, set()).add(sender.split("/", 1)[1])
                self.roster_change.set()
            waiter = self.joins.get(room)
            if waiter is None or waiter.done():
                return
            if xml.get("type") == "error":
                waiter.set_exception(RuntimeError(f"join refused: {_short(xml)}"))
            elif any(status.get("code") == "110" for status in xml.iter(STATUS)):
                waiter.set_result(time.monotonic())
        elif xml.tag == MESSAGE and self.burst is not None:
            burst = self.burst
            if _bare(xml.get("from", "")) != burst.room:
                return
            if xml.get("type") == "error":
                burst.errors.append(_short(xml))
                return
            body = xml.find(BODY)
            if body is None or not body.text or not body.text.startswith(burst.prefix):
                return
            now = time.monotonic_ns()
            burst.last_arrival = time.monotonic()
            _, seq, sent = body.text.split(" ", 2)
            burst.records.append((int(seq), int(sent), now))
            if len(burst.records) >= burst.expected:
                burst.done.set()


async def wait_until_done(burst, timeout: float, idle: float) -> None:
    """Until `burst.done` is set, `timeout` has passed, or nothing has
    arrived for `idle` seconds since `burst.last_arrival` (the rest is not
    coming). Any object with those two attributes will do."""
    deadline = time.monotonic() + timeout
    while not burst.done.is_set():
        now = time.monotonic()
        if now >= deadline or now - burst.last_arrival >= idle:
            return
        try:
            await asyncio.wait_for(burst.done.wait(), min(0.5, deadline - now))
        except asyncio.TimeoutError:
            pass


class Worker:
    def __init__(self, wid: int, host: str, port: int, commands, results):
        self.wid = wid
        self.server = SimpleNamespace(host=host, c2s_port=port)
        self.commands, self.results = commands, results
        self.clients: list[BenchUser] = []

    def reply(self, kind: str, **data) -> None:
        self.results.put((self.wid, kind, data))

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                command, *args = await loop.run_in_executor(None, self.commands.get)
                if command == "quit":
                    return
                try:
                    await getattr(self, "do_" + command)(*args)
                except Exception:
                    self.reply("error", command=command, traceback=traceback.format_exc())
        finally:
            for client in self.clients:
                client.close_now()

    async def do_login(self, users: list[tuple[str, str]], password: str,
                       concurrency: int, timeout: float) -> None:
        gate = asyncio.Semaphore(concurrency)
        cpu = time.process_time()
        started = time.monotonic()

        async def one(jid: str, nick: str) -> BenchUser:
            async with gate:
                for attempt in range(2):
                    client = BenchUser(jid, password, self.server, nick)
                    try:
                        return await client.login(timeout)
                    except Exception:
                        if attempt:
                            raise
                raise AssertionError("unreachable")

        outcomes = await asyncio.gather(*(one(jid, nick) for jid, nick in users), return_exceptions=True)
        self.clients += [c for c in outcomes if isinstance(c, BenchUser)]
        failed = [f"{jid}: {o!r}" for (jid, _), o in zip(users, outcomes) if not isinstance(o, BenchUser)]
        self.reply("login", logged_in=len(self.clients), failed=failed,
                   seconds=time.monotonic() - started, cpu=time.process_time() - cpu)

    async def do_join(self, room: str, start_at: float, timeout: float, occupants: int = 0) -> None:
        """All clients join `room` at `start_at`; answers with each one's
        self-presence time, then, when `occupants` is given, with the time
        every client had seen that many occupants (the full roster)."""
        loop = asyncio.get_running_loop()
        waiters = []
        for client in self.clients:
            client.joins[room] = loop.create_future()
            waiters.append(client.joins[room])
        await asyncio.sleep(max(0.0, start_at - time.monotonic()))
        cpu = time.process_time()
        sent_at = time.monotonic()
        for client in self.clients:
            client.join(room, client.nick)
        sent_done = time.monotonic()
        deadline = time.monotonic() + timeout
        await asyncio.wait(waiters, timeout=timeout)
        arrivals, missing, refused = [], [], []
        for client, waiter in zip(self.clients, waiters):
            if not waiter.done():
                missing.append(f"{client.nick} (saw {client.presences.get(room, 0)} presences from the room)")
                waiter.cancel()
            elif waiter.exception() is not None:
                refused.append(f"{client.nick}: {waiter.exception()}")
            else:
                arrivals.append(waiter.result())
            client.joins.pop(room, None)
        roster_at = None
        while occupants and not missing and not refused:
            short = [c for c in self.clients if len(c.occupants.get(room, ())) < occupants]
            if not short:
                roster_at = time.monotonic()
                break
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            short[0].roster_change.clear()
            try:
                await asyncio.wait_for(short[0].roster_change.wait(), min(remaining, 0.5))
            except asyncio.TimeoutError:
                pass
        incomplete = [f"{c.nick} saw {len(c.occupants.get(room, ()))} occupants in "
                      f"{c.presences.get(room, 0)} presences"
                      for c in self.clients if len(c.occupants.get(room, ())) < occupants]
        self.reply("join", sent_at=sent_at, sent_done=sent_done, arrivals=arrivals,
                   missing=missing, refused=refused, roster_at=roster_at, incomplete=incomplete,
                   presences=sum(c.presences.get(room, 0) for c in self.clients),
                   cpu=time.process_time() - cpu)

    async def do_collect(self, room: str, prefix: str, count: int, timeout: float, idle: float) -> None:
        client = self.clients[0]
        burst = client.burst = Burst(room, prefix, count)
        cpu = time.process_time()
        self.reply("armed")
        await wait_until_done(burst, timeout, idle)
        client.burst = None
        self.reply("collect", records=burst.records, errors=burst.errors[:20],
                   error_count=len(burst.errors), cpu=time.process_time() - cpu)

    async def do_send(self, room: str, prefix: str, count: int, timeout: float, idle: float,
                      rate: float = 0.0) -> None:
        """Send `count` messages as fast as this client can (yielding now
        and then so the socket drains), or paced at `rate` messages per
        second when it is above zero, then wait for their reflections."""
        client = self.clients[0]
        burst = client.burst = Burst(room, prefix, count)
        cpu = time.process_time()
        first = time.monotonic_ns()
        for seq in range(count):
            if rate > 0:
                delay = (first + seq * 1e9 / rate - time.monotonic_ns()) / 1e9
                if delay > 0:
                    await asyncio.sleep(delay)
            client.say(room, f"{prefix} {seq} {time.monotonic_ns()}", id=f"{prefix}-{seq}")
            if rate <= 0 and seq % 64 == 63:
                await asyncio.sleep(0)
        last = time.monotonic_ns()
        self.reply("sent", first=first, last=last)
        burst.last_arrival = time.monotonic()
        await wait_until_done(burst, timeout, idle)
        client.burst = None
        self.reply("send", reflections=len(burst.records), errors=burst.errors[:20],
                   error_count=len(burst.errors), cpu=time.process_time() - cpu)


def worker_main(wid: int, host: str, port: int, commands, results) -> None:
    """Process entry point."""
    die_with_parent()
    try:
        asyncio.run(Worker(wid, host, port, commands, results).run())
    except BaseException:
        results.put((wid, "crashed", {"traceback": traceback.format_exc(), "pid": os.getpid()}))
