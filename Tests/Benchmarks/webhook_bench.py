#!/usr/bin/env python3
"""Incoming-webhook benchmark: HTTP posts into a bridged room, received by a
real XMPP occupant, next to Hummingbird's own ceiling in the same run.

    .venv/bin/python Tests/Benchmarks/webhook_bench.py [--requests 5000] [--connections 32]

1. Trestle: an incoming hook into `builds`, a room bridged with the MUC room
   builds@trestle.localhost, where one slixmpp client is the occupant. A
   Python load generator (asyncio, keep-alive HTTP/1.1 connections) posts
   N JSON payloads as fast as the connections allow, each text carrying
   its send time. Reported: requests/s accepted (200, first send to last
   answer), messages/s delivered to the occupant (first send to last
   arrival), p50/p99 of the HTTP answer and of send → arrival at the
   occupant.
2. The ceiling: `webhook-ceiling` (Sources/webhook-ceiling), Hummingbird
   answering the same route with `200 ok` and nothing behind it, under the
   same generator.
3. With `wrk` installed (Debian: `apt-get install wrk`), both again under
   wrk (2 threads, the same connections, a Lua body), whose figures are not
   limited by Python.

Figures are printed, never asserted. Everything runs on loopback in a temp
directory, with timeouts, and every process started is stopped.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
sys.path[:0] = [str(HERE), str(REPO_ROOT / "Tests" / "Integration")]

from muc_bench import BenchError, percentile, say, shown, trestle_binary  # noqa: E402
from prosody_muc import MUCProsody  # noqa: E402
from support.lifetime import die_with_parent  # noqa: E402
from support.muc import MUC_USER, MUCUser  # noqa: E402
from support.trestle import TrestleProcess, component_config  # noqa: E402

PASSWORD = "pw"
TRESTLE_JID = "trestle.localhost"
TRESTLE_SECRET = "s3cret"
ROOM = f"builds@{TRESTLE_JID}"
TOKEN = "bench-token-0123456789abcdef"
MESSAGE = "{jabber:client}message"
PRESENCE = "{jabber:client}presence"
BODY = "{jabber:client}body"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Occupant(MUCUser):
    """Counts the benchmark's messages as they arrive in the room."""

    def __init__(self, jid: str, server):
        super().__init__(jid, PASSWORD, server, resource="bench")
        self.joined: asyncio.Future | None = None
        self.arrivals: dict[int, tuple[int, int]] = {}  # seq -> (sent ns, arrived ns)
        self.duplicates = 0

    def _on_message(self, msg) -> None:
        pass

    def _keep(self, stanza) -> None:
        xml = stanza.xml
        if xml.tag == PRESENCE:
            if self.joined is not None and not self.joined.done() and \
                    any(s.get("code") == "110" for s in xml.iter(f"{{{MUC_USER}}}status")):
                self.joined.set_result(True)
            return
        body = xml.find(BODY)
        if xml.tag != MESSAGE or body is None or not (body.text or "").startswith("bench "):
            return
        _, seq, sent = body.text.split(" ", 2)
        if int(seq) in self.arrivals:
            self.duplicates += 1
        self.arrivals[int(seq)] = (int(sent), time.monotonic_ns())


async def load(port: int, requests: int, connections: int) -> dict:
    """Posts `requests` payloads over `connections` keep-alive connections;
    returns statuses, per-request HTTP latency and the time span."""
    next_seq = iter(range(requests))
    statuses: dict[int, int] = {}
    latencies: list[float] = []
    first_send = time.monotonic_ns()
    last_answer = first_send

    async def connection():
        nonlocal last_answer
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for seq in next_seq:
                sent = time.monotonic_ns()
                body = json.dumps({"text": f"bench {seq} {sent}", "username": "load"}).encode()
                writer.write(f"POST /hooks/{TOKEN} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                             f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
                await writer.drain()
                head = await reader.readuntil(b"\r\n\r\n")
                status = int(head.split(b" ", 2)[1])
                length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
                await reader.readexactly(length)
                now = time.monotonic_ns()
                statuses[status] = statuses.get(status, 0) + 1
                latencies.append((now - sent) / 1e6)
                last_answer = max(last_answer, now)
        finally:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(connections)))
    return {"statuses": statuses, "latencies": sorted(latencies), "first": first_send, "last": last_answer}


def wrk(port: int, connections: int, seconds: int, workdir: Path) -> dict | None:
    if not shutil.which("wrk"):
        return None
    script = workdir / "post.lua"
    script.write_text('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                      'wrk.body = \'{"text": "wrk says hello", "username": "wrk"}\'\n')
    done = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script),
                           f"http://127.0.0.1:{port}/hooks/{TOKEN}"], capture_output=True, text=True, timeout=seconds + 30)
    text = done.stdout

    def milliseconds(label: str) -> float | None:
        match = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", text, re.MULTILINE)
        if not match:
            return None
        return float(match.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[match.group(2)]

    rate = re.search(r"Requests/sec:\s*([\d.]+)", text)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", text)
    return {"rate": float(rate.group(1)) if rate else None, "p50": milliseconds("50%"), "p99": milliseconds("99%"),
            "non2xx": int(non2xx.group(1)) if non2xx else 0, "raw": text}


def ceiling_binary(trestle: Path) -> Path:
    return trestle.parent / "webhook-ceiling"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=5000, help="posts per measurement (default 5000)")
    parser.add_argument("--connections", type=int, default=32, help="keep-alive connections (default 32)")
    parser.add_argument("--wrk-seconds", type=int, default=5, help="length of each wrk run (default 5)")
    parser.add_argument("--keep", action="store_true", help="keep the temp directory (logs, configs)")
    args = parser.parse_args(argv)

    binary = trestle_binary()
    ceiling = ceiling_binary(binary)
    for needed in (binary, ceiling):
        if not needed.exists():
            say(f"{needed} not found: swift build -c release --product trestle --product webhook-ceiling "
                "(or set TRESTLE_BIN)")
            return 2
    workdir = Path(tempfile.mkdtemp(prefix="webhook-bench-"))
    server = trestle = empty = None
    rows: list[tuple[str, str, str, str, str, str, str]] = []
    try:
        say(f"trestle binary: {shown(binary)}; {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
        server = MUCProsody(mucs={}, components={TRESTLE_JID: TRESTLE_SECRET}, directory=workdir / "prosody",
                            log_level="warn")
        server.register_many(["watcher"], PASSWORD)
        server.start()
        hook_port = free_port()
        config = component_config(server, jid=TRESTLE_JID, secret=TRESTLE_SECRET)
        del config["component"]["queue_limit"]
        config["logging"]["level"] = "info"
        config["rooms"] = [{"name": "builds", "endpoints": [{"xmpp": "builds"}, {"webhook": "builds"}]}]
        config["webhooks"] = {"port": hook_port, "incoming": {"load": {"token": TOKEN, "room": "builds",
                                                                      "rate_limit": 1000000, "burst": 1000000}}}
        (workdir / "trestle").mkdir()
        trestle = TrestleProcess(config, directory=workdir / "trestle", binary=binary).start()
        trestle.wait_for_log(r"component connected", timeout=20)
        trestle.wait_for_log(r"webhook listener started", timeout=20)

        async def trestle_run() -> tuple[dict, Occupant]:
            occupant = Occupant(f"watcher@{server.domain}", SimpleNamespace(host=server.host, c2s_port=server.c2s_port))
            await occupant.login(30.0)
            try:
                occupant.joined = asyncio.get_running_loop().create_future()
                occupant.join(ROOM, "watcher")
                await asyncio.wait_for(occupant.joined, 20)
                await asyncio.sleep(0.5)
                result = await asyncio.wait_for(load(hook_port, args.requests, args.connections), 300)
                deadline = time.monotonic() + 60
                while len(occupant.arrivals) < result["statuses"].get(200, 0) and time.monotonic() < deadline:
                    await asyncio.sleep(0.05)
                await asyncio.sleep(0.5)
                return result, occupant
            finally:
                occupant.close_now()

        say(f"trestle: {args.requests} posts over {args.connections} connections")
        result, occupant = asyncio.run(trestle_run())
        accepted = result["statuses"].get(200, 0)
        span = (result["last"] - result["first"]) / 1e9
        arrivals = occupant.arrivals.values()
        end_to_end = sorted((arrived - sent) / 1e6 for sent, arrived in arrivals)
        delivered_span = (max(a for _, a in arrivals) - result["first"]) / 1e9 if arrivals else None
        rows.append(("Trestle hook → XMPP occupant", "python", f"{accepted / span:.0f}",
                     f"{len(end_to_end) / delivered_span:.0f}" if delivered_span else "-",
                     f"{percentile(result['latencies'], 0.5):.1f} / {percentile(result['latencies'], 0.99):.1f}",
                     f"{percentile(end_to_end, 0.5):.1f} / {percentile(end_to_end, 0.99):.1f}" if end_to_end else "-",
                     f"{accepted} of {args.requests} accepted, {len(end_to_end)} delivered, "
                     f"{occupant.duplicates} twice; answers {result['statuses']}"))

        empty_port = free_port()
        empty = subprocess.Popen([str(ceiling), str(empty_port)], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                 preexec_fn=die_with_parent)
        assert empty.stdout.readline().startswith(b"listening")
        say(f"webhook-ceiling: {args.requests} posts over {args.connections} connections")
        ceiling_result = asyncio.run(load(empty_port, args.requests, args.connections))
        ok = ceiling_result["statuses"].get(200, 0)
        rows.append(("Hummingbird, empty handler", "python",
                     f"{ok / ((ceiling_result['last'] - ceiling_result['first']) / 1e9):.0f}", "-",
                     f"{percentile(ceiling_result['latencies'], 0.5):.1f} / "
                     f"{percentile(ceiling_result['latencies'], 0.99):.1f}", "-", f"answers {ceiling_result['statuses']}"))

        for label, port in (("Trestle hook → XMPP occupant", hook_port), ("Hummingbird, empty handler", empty_port)):
            measured = wrk(port, args.connections, args.wrk_seconds, workdir)
            if measured is None:
                say("wrk not installed: wrk rows skipped")
                break
            rows.append((label, "wrk", f"{measured['rate']:.0f}" if measured["rate"] else "-", "-",
                         f"{measured['p50']:.2f} / {measured['p99']:.2f}" if measured["p50"] else "-", "-",
                         f"non-2xx answers: {measured['non2xx']}"))

        head = f"{'target':<30}{'load':<8}{'accepted/s':>11}{'delivered/s':>12}{'HTTP p50/p99 ms':>18}{'to occupant p50/p99 ms':>24}"
        lines = ["", head, "-" * len(head)]
        for row in rows:
            lines.append(f"{row[0]:<30}{row[1]:<8}{row[2]:>11}{row[3]:>12}{row[4]:>18}{row[5]:>24}")
        lines.append("")
        lines += [f"  {row[0]} ({row[1]}): {row[6]}" for row in rows]
        warnings = trestle.log_matches(r"^.* (warning|error|critical) .*$")
        lines.append(f"  trestle warnings/errors in the log: {len(warnings)}")
        print("\n".join(lines))
        return 0
    except (BenchError, TimeoutError, AssertionError, OSError) as err:
        say(f"benchmark failed: {err}")
        if trestle is not None:
            say(trestle.log_tail(20))
        return 1
    finally:
        if empty is not None:
            empty.terminate()
            empty.wait(5)
        if trestle is not None:
            trestle.stop()
        if server is not None:
            server.stop()
        if args.keep:
            say(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
