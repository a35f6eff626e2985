"""Scaffolding for tests of bridged MUC rooms: the `lobby` room linking
lobby@ and mirror@ of the component, starting and restarting Trestle on
it, and XEP-0313 archive queries with XEP-0059 paging."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from .muc import MUCUser, is_message
from .trestle import TrestleProcess

DOMAIN = "trestle.localhost"
LOBBY = f"lobby@{DOMAIN}"
MIRROR = f"mirror@{DOMAIN}"
ROOMS = [{"name": "lobby", "endpoints": [{"xmpp": "lobby"}, {"xmpp": "mirror"}]}]

MAM = "urn:xmpp:mam:2"
RSM = "http://jabber.org/protocol/rsm"
FORWARD = "urn:xmpp:forward:0"
CORRECTION = "urn:xmpp:message-correct:0"
RETRACTION = "urn:xmpp:message-retract:1"
REACTIONS = "urn:xmpp:reactions:0"
REPLY = "urn:xmpp:reply:0"
FALLBACK = "urn:xmpp:fallback:0"
HINTS = "urn:xmpp:hints"

CONNECTED = r"component connected"
ROOM_OPEN = r"room open"


def wait_ready(proc: TrestleProcess, start: int = 0, timeout: float = 15.0) -> TrestleProcess:
    """Wait (blocking) until Trestle is connected and has opened both rooms,
    counting log lines from char `start` on."""
    proc.wait_for_log(CONNECTED, timeout=timeout, start=start)
    proc.wait_for_log(ROOM_OPEN, timeout=timeout, start=start, count=2)
    return proc


def start_bridge(trestle, **settings) -> TrestleProcess:
    """Start Trestle (the `trestle` fixture) with the bridged lobby room."""
    return wait_ready(trestle(rooms=ROOMS, **settings))


def restarted(proc: TrestleProcess) -> TrestleProcess:
    """A new Trestle on the same config and directory (same store), started
    and ready. The caller stops it."""
    start = len(proc.log_text())
    again = TrestleProcess(proc.config, directory=proc.dir, binary=proc.binary,
                           environment=proc.environment).start()
    try:
        return wait_ready(again, start=start)
    except BaseException:
        again.stop()
        raise


@contextlib.asynccontextmanager
async def users(prosody, password: str, *names: str):
    """Logged-in MUCUsers `name@domain`, each registered first unless it
    is one of the accounts every test Prosody has (alice, admin)."""
    async with contextlib.AsyncExitStack() as stack:
        clients = []
        for name in names:
            if name not in ("alice", "admin"):
                prosody.register(name, password)
            clients.append(await stack.enter_async_context(MUCUser(f"{name}@{prosody.domain}", password, prosody)))
        yield clients


async def in_thread(function, *args, **kwargs):
    """Run a blocking call (a log wait, a process stop) off the event loop,
    so the clients keep reading meanwhile."""
    return await asyncio.to_thread(function, *args, **kwargs)


@contextlib.contextmanager
def store_busy(proc: TrestleProcess):
    """Hold the write lock of Trestle's SQLite store while in the block. The
    store runs in WAL mode: Trestle's reads go on, its commits wait (or fail
    and are retried), as with a slow or busy disk."""
    db = sqlite3.connect(proc.dir / "trestle.sqlite", isolation_level=None, timeout=5)
    try:
        db.execute("BEGIN IMMEDIATE")
        yield
    finally:
        db.close()


async def store_lagging(proc: TrestleProcess, start: int, timeout: float = 3.0) -> None:
    """Within `store_busy`: wait until Trestle has tried to commit (it logs
    the failed attempt; a Trestle that waits for the lock instead says
    nothing, hence the short timeout)."""
    try:
        await in_thread(proc.wait_for_log, r"store write failed", timeout, start)
    except TimeoutError:
        pass


@dataclass
class MAMPage:
    reply: ET.Element                       # the IQ result (or error)
    results: list[ET.Element]               # the <result/> elements, as received
    fin: ET.Element | None

    @property
    def messages(self) -> list[ET.Element]:
        """The archived messages, in the order received."""
        return [r.find(f"{{{FORWARD}}}forwarded/{{jabber:client}}message") for r in self.results]

    @property
    def ids(self) -> list[str]:
        return [r.get("id") for r in self.results]

    @property
    def complete(self) -> bool:
        return self.fin is not None and self.fin.get("complete") in ("true", "1")

    def rsm(self, name: str) -> ET.Element | None:
        return None if self.fin is None else self.fin.find(f"{{{RSM}}}set/{{{RSM}}}{name}")

    def rsm_text(self, name: str) -> str | None:
        element = self.rsm(name)
        return None if element is None else (element.text or "")


async def mam_page(user: MUCUser, room: str, max: int | None = None, after: str | None = None,
                   before: str | None = None, form: str = "", timeout: float = 10.0) -> MAMPage:
    """One XEP-0313 query to `room`. `before=""` asks for the last page."""
    query_id = uuid.uuid4().hex[:12]
    paging = ""
    if max is not None:
        paging += f"<max>{max}</max>"
    if after is not None:
        paging += f"<after>{after}</after>"
    if before is not None:
        paging += f"<before>{before}</before>" if before else "<before/>"
    payload = (f"<query xmlns='{MAM}' queryid='{query_id}'>{form}"
               + (f"<set xmlns='{RSM}'>{paging}</set>" if paging else "") + "</query>")
    start = len(user.stanzas)
    reply = (await user.iq(room, "set", payload, timeout=timeout)).xml
    # Results come before the IQ result on the same stream, so they are in.
    results = []
    for stanza in user.stanzas[start:]:
        result = stanza.find(f"{{{MAM}}}result")
        if is_message(stanza) and result is not None and result.get("queryid") == query_id:
            results.append(result)
    return MAMPage(reply=reply, results=results, fin=reply.find(f"{{{MAM}}}fin"))


async def mam_all(user: MUCUser, room: str, page_size: int = 100, timeout: float = 30.0) -> list[ET.Element]:
    """Every archived message of `room`, oldest first, paging forward."""
    messages: list[ET.Element] = []
    after = None
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        page = await mam_page(user, room, max=page_size, after=after)
        assert page.reply.get("type") == "result", ET.tostring(page.reply, encoding="unicode")
        messages += page.messages
        if page.complete or not page.results:
            return messages
        after = page.rsm_text("last")
        assert loop.time() < deadline, f"paging through the archive of {room} took over {timeout} s"
