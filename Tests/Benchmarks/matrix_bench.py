#!/usr/bin/env python3
"""Matrix benchmark: messages between a Matrix room and a MUC room through
Trestle as an application service, next to Synapse's own ceiling measured
in the same run.

    .venv/bin/python Tests/Benchmarks/matrix_bench.py [--messages 300] [--inflight 8]

One run starts a private Prosody and Synapse (SQLite, loopback, rate
limits raised; support/synapse.py) and Trestle, in a temp directory:

1. Synapse's ceiling: Matrix user A sends N messages (`--inflight` at a
   time, then one at a time) into a room where Matrix user B is; B's /sync
   loop records when each arrives. This is the most a bridge writing into
   Synapse can see (one at a time: what a bridge keeping order can see).
2. Matrix → XMPP: A sends N messages into a Matrix room bridged with the
   MUC room bench@trestle.localhost, where one slixmpp client is the
   occupant.
3. XMPP → Matrix: the occupant sends N messages (as fast as it can); B
   records their arrival as puppet messages in the Matrix room.
4. The floor: `matrix-floor` (built beside `trestle`), a second
   application service on Trestle's HTTP stack that bridges and stores
   nothing, receives A's N messages (`--inflight` at a time) and sends N
   into a room one at a time, as Trestle does. Its CPU per message is the
   least a bridge on this stack spends here, the reference for Trestle's.

Reported per direction: msg/s (first send → last arrival), p50/p99 send →
arrival in ms, where the receiving Matrix user's timeline shows messages
out of their send order ("reorder": how many come after one sent later;
sends in flight at once may be put in the room in another order), and CPU
per message from /proc/PID/stat of Trestle and of
Synapse (read before the burst and once both are idle again; clock ticks
are 10 ms, so use a few hundred messages). Figures are printed, never
asserted. Every process started is stopped.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
sys.path[:0] = [str(HERE), str(REPO_ROOT / "Tests" / "Integration")]

from muc_bench import percentile, say, settled_cpu, shown, trestle_binary  # noqa: E402
from prosody_muc import MUCProsody  # noqa: E402
from support.matrix_user import MatrixUser  # noqa: E402
from support.muc import MUC_USER, MUCUser  # noqa: E402
from support.prosody import free_port  # noqa: E402
from support.matrix_user import quote  # noqa: E402
from support.synapse import SynapseServer  # noqa: E402
from support.synapse import request as synapse_request  # noqa: E402
from support.trestle import TrestleProcess, component_config, to_yaml  # noqa: E402

PASSWORD = "pw"
TRESTLE_JID = "trestle.localhost"
TRESTLE_SECRET = "s3cret"
ROOM = f"bench@{TRESTLE_JID}"
MESSAGE = "{jabber:client}message"
PRESENCE = "{jabber:client}presence"
BODY = "{jabber:client}body"


class Occupant(MUCUser):
    """Records the benchmark's messages as they arrive in the MUC room."""

    def __init__(self, jid: str, server):
        super().__init__(jid, PASSWORD, server, resource="bench")
        self.joined: asyncio.Future | None = None
        self.arrivals: dict[int, float] = {}

    def _keep(self, stanza) -> None:
        xml = stanza.xml
        if xml.tag == PRESENCE:
            if self.joined is not None and not self.joined.done() and \
                    any(s.get("code") == "110" for s in xml.iter(f"{{{MUC_USER}}}status")):
                self.joined.set_result(True)
            return
        body = xml.find(BODY)
        if xml.tag == MESSAGE and body is not None and (body.text or "").startswith("bench "):
            self.arrivals.setdefault(int(body.text.split(" ")[1]), time.monotonic())


class Watcher:
    """A /sync loop in a thread, recording when each `bench <seq>` message arrives."""

    def __init__(self, user: MatrixUser, room: str, prefix: str):
        self.user, self.room, self.prefix = user, room, prefix
        self.arrivals: dict[int, float] = {}
        self.order: list[int] = []  # sequence numbers in the room's timeline order
        self.stop = threading.Event()
        user.sync(timeout_ms=0)
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        while not self.stop.is_set():
            before = len(self.user.events)
            self.user.sync(timeout_ms=500)
            now = time.monotonic()
            for event in self.user.events[before:]:
                body = event.get("content", {}).get("body", "")
                if event.get("room_id") == self.room and body.startswith(self.prefix):
                    seq = int(body.split(" ")[1])
                    if seq not in self.arrivals:
                        self.order.append(seq)
                    self.arrivals.setdefault(seq, now)
            del self.user.events[:]

    def wait(self, count: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while len(self.arrivals) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        self.stop.set()
        self.thread.join(5)


class Floor:
    """`matrix-floor` as a process: its output lines, with their arrival times."""

    def __init__(self, binary: Path, port: int, homeserver: str, as_token: str):
        self.process = subprocess.Popen([str(binary), str(port), homeserver, as_token], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)
        self.lines: list[tuple[float, str]] = []
        threading.Thread(target=self.read, daemon=True).start()

    def read(self) -> None:
        for line in self.process.stdout:
            self.lines.append((time.monotonic(), line.strip()))

    def wait_for(self, line: str, timeout: float) -> float:
        """When `line` was printed; raises TimeoutError when it was not."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for at, seen in self.lines:
                if seen == line:
                    return at
                if seen.startswith("failed"):
                    raise AssertionError(f"matrix-floor: {seen}")
            time.sleep(0.05)
        raise TimeoutError(f"matrix-floor did not print {line!r} within {timeout} s")

    def send(self, room: str, count: int) -> None:
        self.process.stdin.write(f"send {room} {count}\n")
        self.process.stdin.flush()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def floor_registration(port: int, as_token: str, hs_token: str) -> str:
    """The floor's registration file (YAML; JSON is YAML)."""
    return json.dumps({"id": "floor", "url": f"http://127.0.0.1:{port}", "as_token": as_token,
                       "hs_token": hs_token, "sender_localpart": "floor", "rate_limited": False,
                       "namespaces": {"users": [{"exclusive": True, "regex": "@floor_.*:localhost"}],
                                      "aliases": [], "rooms": []}})


def matrix_burst(sender: MatrixUser, room: str, prefix: str, count: int, inflight: int) -> dict[int, float]:
    """Sends `count` messages, `inflight` at a time; returns their send times."""
    sent: dict[int, float] = {}

    def one(seq: int) -> None:
        sent[seq] = time.monotonic()
        sender.say(room, f"{prefix}{seq} x")

    with ThreadPoolExecutor(inflight) as pool:
        list(pool.map(one, range(count)))
    return sent


def out_of_order(order: list[int]) -> int:
    """How many messages the room shows after one that was sent later."""
    latest, count = -1, 0
    for seq in order:
        if seq < latest:
            count += 1
        latest = max(latest, seq)
    return count


def row(label: str, sent: dict[int, float], arrived: dict[int, float], cpu: dict[str, float], count: int,
        order: list[int] | None = None) -> str:
    latencies = sorted((arrived[seq] - sent[seq]) * 1000 for seq in arrived if seq in sent)
    span = max(arrived.values()) - min(sent.values()) if arrived else 0
    return table_row(label, len(arrived), count, span, latencies, cpu, order)


def table_row(label: str, got: int, count: int, span: float, latencies: list[float] | None,
              cpu: dict[str, float], order: list[int] | None = None) -> str:
    """One printed row; `latencies` (sorted, ms) is None where single
    messages are not timed (the floor service's rows)."""
    rate = got / span if span > 0 else 0
    per = " ".join(f"{name} {seconds * 1000 / max(got, 1):.2f}" for name, seconds in cpu.items())
    if latencies is None:
        timing = f"{'—':>9}{'—':>9}"
    else:
        timing = (f"{percentile(latencies, 0.5) if latencies else 0:>9.0f}"
                  f"{percentile(latencies, 0.99) if latencies else 0:>9.0f}")
    return (f"{label:<30}{got:>5}/{count:<5}{rate:>8.1f}{timing}"
            f"{out_of_order(order) if order is not None else '':>8}   {per}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=300, help="messages per direction (default 300)")
    parser.add_argument("--inflight", type=int, default=8, help="Matrix sends in flight at once (default 8)")
    parser.add_argument("--keep", action="store_true", help="keep the temp directory (logs, configs)")
    args = parser.parse_args(argv)
    binary = trestle_binary()
    if not binary.exists():
        say(f"{binary} not found: swift build -c release --product trestle (or set TRESTLE_BIN)")
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="matrix-bench-"))
    prosody = synapse = trestle = floor = None
    n = args.messages
    lines: list[str] = []
    try:
        say(f"trestle binary: {shown(binary)}; {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
        prosody = MUCProsody(mucs={}, components={TRESTLE_JID: TRESTLE_SECRET}, directory=workdir / "prosody",
                             log_level="warn")
        prosody.register_many(["watcher"], PASSWORD)
        prosody.start()
        floor_binary = binary.parent / "matrix-floor"
        if not floor_binary.exists():
            raise OSError(f"{floor_binary} not found: swift build -c release --product matrix-floor")
        floor_port, floor_token = free_port(), "floor-as-token"
        (workdir / "floor.yaml").write_text(floor_registration(floor_port, floor_token, "floor-hs-token") + "\n")
        synapse = SynapseServer(workdir / "synapse", registration=workdir / "registration.yaml",
                                more_registrations=[workdir / "floor.yaml"])
        # Listening before Synapse starts: a homeserver backs off from an
        # application service it could not reach.
        floor = Floor(floor_binary, floor_port, synapse.url, floor_token)
        floor.wait_for("listening", 20)
        matrix = {"homeserver": synapse.url, "server_name": synapse.server_name, "port": free_port(),
                  "tokens_file": str(workdir / "matrix-tokens.json")}
        config = component_config(prosody, jid=TRESTLE_JID, secret=TRESTLE_SECRET)
        config["logging"]["level"] = "info"
        config["matrix"] = matrix
        (workdir / "registration-config.yaml").write_text(to_yaml(config) + "\n")
        subprocess.run([str(binary), "matrix-registration", "--config", str(workdir / "registration-config.yaml"),
                        "--output", str(workdir / "registration.yaml")], check=True, capture_output=True, timeout=30)
        synapse.start()
        a = MatrixUser(synapse.url, "@alice:localhost", synapse.register("alice"))
        b = MatrixUser(synapse.url, "@bob:localhost", synapse.register("bob"))
        plain = a.create_room("ceiling")
        bridged = a.create_room("bench", power={"@trestle:localhost": 50})
        floor_room = a.create_room("floor", invite=["@floor:localhost"])
        status, answer = synapse_request("POST", f"{synapse.url}/_matrix/client/v3/join/{quote(floor_room)}", {},
                                         token=floor_token)
        if status != 200:
            raise AssertionError(f"matrix-floor's bot cannot join its room: {status} {answer}")
        b.join(plain)
        b.join(bridged)
        b.join(floor_room)
        config["rooms"] = [{"name": "bench", "endpoints": [{"xmpp": "bench"}, {"matrix": bridged}]}]
        (workdir / "trestle").mkdir()
        trestle = TrestleProcess(config, directory=workdir / "trestle", binary=binary).start()
        trestle.wait_for_log(r"component connected", timeout=20)
        time.sleep(1)
        pids = {"trestle": trestle.process.pid, "synapse": synapse.process.pid, "floor": floor.process.pid}

        def cpu_delta(before: dict[int, float]) -> dict[str, float]:
            after = settled_cpu(list(pids.values()), timeout=20)
            return {name: after[pid] - before[pid] for name, pid in pids.items()}

        # 1. Synapse alone, with several sends in flight and with one (what
        # a bridge keeping a room's order can use).
        for inflight, prefix in ((args.inflight, "ceiling "), (1, "single ")):
            say(f"synapse ceiling: {n} messages, {inflight} in flight")
            watcher = Watcher(b, plain, prefix)
            before = settled_cpu(list(pids.values()))
            sent = matrix_burst(a, plain, prefix, n, inflight)
            watcher.wait(n, 120)
            lines.append(row(f"Synapse alone, {inflight} in flight", sent, watcher.arrivals, cpu_delta(before), n,
                             watcher.order))

        # 2. The floor: an application service on the same HTTP stack doing nothing.
        say(f"floor: {n} messages pushed to it, {args.inflight} in flight")
        before = settled_cpu(list(pids.values()))
        sent = matrix_burst(a, floor_room, "floor ", n, args.inflight)
        arrived = floor.wait_for(f"got {n}", 120)
        lines.append(table_row("Floor service, receiving", n, n, arrived - min(sent.values()), None,
                               cpu_delta(before)))
        say(f"floor: {n} messages sent by it, one at a time")
        watcher = Watcher(b, floor_room, "floorback ")
        before = settled_cpu(list(pids.values()))
        start = time.monotonic()
        floor.send(floor_room, n)
        watcher.wait(n, 180)
        floor.wait_for(f"sent {n}", 30)
        # Each sent event comes back to it in a push, as Trestle's do.
        floor.wait_for(f"echoed {n}", 30)
        lines.append(table_row("Floor service, sending", len(watcher.arrivals), n,
                               max(watcher.arrivals.values(), default=start) - start, None, cpu_delta(before),
                               watcher.order))

        async def xmpp_side() -> None:
            occupant = Occupant(f"watcher@{prosody.domain}", prosody)
            await occupant.login(30.0)
            try:
                occupant.joined = asyncio.get_running_loop().create_future()
                occupant.join(ROOM, "watcher")
                await asyncio.wait_for(occupant.joined, 20)
                await asyncio.sleep(0.5)
                # 2. Matrix → XMPP.
                say(f"matrix → xmpp: {n} messages, {args.inflight} in flight")
                start = settled_cpu(list(pids.values()))
                sent = await asyncio.to_thread(matrix_burst, a, bridged, "bench ", n, args.inflight)
                deadline = time.monotonic() + 120
                while len(occupant.arrivals) < n and time.monotonic() < deadline:
                    await asyncio.sleep(0.05)
                cpu = await asyncio.to_thread(cpu_delta, start)
                lines.append(row("Matrix → XMPP through Trestle", sent, occupant.arrivals, cpu, n))
                # 3. XMPP → Matrix.
                say(f"xmpp → matrix: {n} messages")
                watcher = Watcher(b, bridged, "back ")
                start = settled_cpu(list(pids.values()))
                sent = {}
                for seq in range(n):
                    sent[seq] = time.monotonic()
                    occupant.say(ROOM, f"back {seq} x")
                await asyncio.to_thread(watcher.wait, n, 180)
                cpu = await asyncio.to_thread(cpu_delta, start)
                lines.append(row("XMPP → Matrix through Trestle", sent, watcher.arrivals, cpu, n, watcher.order))
            finally:
                occupant.disconnect()

        asyncio.run(xmpp_side())
        head = f"{'direction':<30}{'got':>11}{'msg/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'reorder':>8}   CPU ms per message"
        print("\n".join(["", head, "-" * (len(head) + 20)] + lines))
        print(f"\n  Trestle sends into a Matrix room one event at a time, in order (the homeserver gives each its "
              f"id before the next may refer to it): compare XMPP → Matrix with 'Synapse alone, 1 in flight'. "
              f"The floor service's CPU is the least a bridge on Trestle's HTTP stack spends per message here; "
              f"compare Trestle's with it. "
              f"Trestle warnings/errors in the log: {len(trestle.log_matches(r'^.* (warning|error|critical) .*$'))}")
        return 0
    except (TimeoutError, AssertionError, OSError, subprocess.CalledProcessError) as err:
        say(f"benchmark failed: {err}")
        if trestle is not None:
            say(trestle.log_tail(20))
        return 1
    finally:
        if trestle is not None:
            trestle.stop()
        if floor is not None:
            floor.stop()
        if synapse is not None:
            synapse.stop()
        if prosody is not None:
            prosody.stop()
        if args.keep:
            say(f"kept {workdir}")
        else:
            subprocess.run(["rm", "-rf", str(workdir)], check=False)


if __name__ == "__main__":
    sys.exit(main())
