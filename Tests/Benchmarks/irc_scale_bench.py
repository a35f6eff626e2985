#!/usr/bin/env python3
"""IRC gateway scale benchmark: many XMPP users joining one IRC channel at
once, through Trestle and through biboumi, side by side in one run.

    .venv/bin/python Tests/Benchmarks/irc_scale_bench.py [--users 100,500]

One InspIRCd (on port 6667, where biboumi looks for a plain-text server)
and one Prosody with two components, `trestle.localhost` and
`biboumi.localhost` (Debian's `biboumi`). For each crowd size N and each
gateway in turn, a fresh gateway process (Trestle's release build, its
store on; biboumi with its database on), a plain IRC client in
`#crowdN`, and N XMPP users (slixmpp, already logged in, spread over two
client processes) who all send their join to
`#crowdN%127.0.0.1@<gateway>` at the same moment. Each join makes one IRC
connection for that user, as both gateways do.

Reported per gateway and N: the time from the joins being sent until
every user had their self-presence and the IRC client had seen every
JOIN; the gateway's resident memory before and after, and the difference
per user (read after `--settle` seconds at rest, the same for both); the
gateway's CPU seconds for the whole crowd. Figures are
printed, never asserted; missing joins are listed as problems (exit 1).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
sys.path[:0] = [str(HERE), str(REPO_ROOT / "Tests" / "Integration")]

from irc_bench import RawIRC, peers_missing, rss_mb, start_biboumi, stop_biboumi  # noqa: E402
from muc_bench import Workers, cpu_seconds, say, settled_cpu, trestle_binary  # noqa: E402
from prosody_muc import MUCProsody  # noqa: E402
from support.ircd import IRCServer  # noqa: E402
from support.trestle import TrestleProcess, component_config  # noqa: E402

PASSWORD = "pw"
SECRET = "s3cret"


class JoinWatcher(RawIRC):
    """A plain IRC client that notes when each nick joined its channel."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.joined: dict[str, float] = {}

    async def _read(self) -> None:
        while line := await self.reader.readline():
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            if text.startswith("PING"):
                self.writer.write(("PONG" + text[4:] + "\r\n").encode())
            elif " JOIN " in text and text.startswith(":"):
                self.joined.setdefault(text[1:].split("!")[0], time.monotonic())
            self.lines.append(text)
            self._changed.set()


def crowd(label: str, domain: str, pid: int, ircd, workers: Workers, wids: list[int], nicks: list[str],
          timeout: float, settle: float) -> dict:
    count = len(nicks)
    channel = f"#crowd{count}"
    room = f"{channel}%127.0.0.1@{domain}"
    watcher = JoinWatcher(ircd.host, ircd.port, f"watch{label[:3].lower()}{count}")

    async def arm():
        await watcher.connect()
        watcher.send(f"JOIN {channel}\r\n")
        await watcher.wait(lambda: any(f" 366 {watcher.nick} {channel} " in l for l in watcher.lines), 10)

    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(arm())
        time.sleep(1)
        settled_cpu([pid])
        rss_before = rss_mb(pid)
        cpu_before = cpu_seconds(pid)
        start_at = time.monotonic() + 1.0
        for wid in wids:
            workers.send(wid, "join", room, start_at, timeout)

        async def all_joined():
            deadline = time.monotonic() + timeout
            while len(set(nicks) & set(watcher.joined)) < count and time.monotonic() < deadline:
                await asyncio.sleep(0.1)

        loop.run_until_complete(all_joined())
        answers = workers.expect("join", wids, timeout + 30)
        presences = [t for a in answers.values() for t in a["arrivals"]]
        problems = [p for a in answers.values() for p in a["missing"] + a["refused"]]
        on_irc = [watcher.joined[n] for n in nicks if n in watcher.joined]
        if len(on_irc) < count:
            problems.append(f"{count - len(on_irc)} of {count} never joined on IRC")
        done = max(presences + on_irc) - start_at if presences and on_irc else float("nan")
        irc_done = max(on_irc) - start_at if on_irc else float("nan")
        cpu = settled_cpu([pid])[pid] - cpu_before
        # Memory at rest: after the gateway's own housekeeping (Trestle hands
        # freed memory back every 30 s), the same wait for both.
        time.sleep(settle)
        rss_after = rss_mb(pid)
        return {"gateway": label, "users": count, "seconds": done, "irc_seconds": irc_done, "rss_before": rss_before, "rss_after": rss_after,
                "per_user_kb": (rss_after - rss_before) * 1024 / count, "cpu": cpu, "problems": problems}
    finally:
        watcher.close()
        watcher.task.cancel()
        loop.run_until_complete(asyncio.sleep(0.1))
        loop.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", default="100,500", help="crowd sizes, comma-separated")
    parser.add_argument("--timeout", type=float, default=180)
    parser.add_argument("--gateways", default="trestle,biboumi")
    parser.add_argument("--settle", type=float, default=35, help="seconds at rest before memory is read")
    args = parser.parse_args()
    sizes = [int(n) for n in args.users.split(",")]
    if peers_missing(("prosody", "inspircd", "biboumi")):
        return 2
    binary = trestle_binary()
    say(f"Trestle binary: {binary}")
    work = Path(tempfile.mkdtemp(prefix="irc-scale-bench-"))
    # One set of accounts per crowd size, so every crowd is logged in once and kept.
    names = {size: [f"c{size}x{i:03d}" for i in range(size)] for size in sizes}
    prosody = MUCProsody(mucs={}, components={"trestle.localhost": SECRET, "biboumi.localhost": SECRET},
                         directory=work / "prosody")
    prosody.register_many([n for size in sizes for n in names[size]], PASSWORD)
    ircd = IRCServer(directory=work / "ircd")
    ircd.port = 6667
    results: list[dict] = []
    workers = None
    try:
        prosody.start()
        ircd.start()
        context = multiprocessing.get_context("spawn")
        workers = Workers(prosody, 2 * len(sizes), context)
        groups = {}
        for index, size in enumerate(sizes):
            wids = [2 * index, 2 * index + 1]
            half = (size + 1) // 2
            for wid, part in zip(wids, (names[size][:half], names[size][half:])):
                workers.send(wid, "login", [(f"{n}@localhost", n) for n in part], PASSWORD, 50, 60)
            groups[size] = wids
        say(f"logging in {sum(sizes)} XMPP users…")
        for size, wids in groups.items():
            logins = workers.expect("login", wids, 600)
            failed = [f for a in logins.values() for f in a["failed"]]
            if failed:
                raise RuntimeError(f"logins failed: {failed[:5]}")

        gateways = args.gateways.split(",")
        for size in sizes:
            if "trestle" in gateways:
                config = component_config(prosody, jid="trestle.localhost", secret=SECRET)
                config["logging"] = {"level": "info"}
                config["store"] = {"path": str(work / f"trestle{size}.sqlite")}
                config["irc"] = {"bench": {"host": "127.0.0.1", "port": 6667, "tls": False, "nick": "trestlebot",
                                           "puppets": {"max_connections": size + 10}}}
                trestle = TrestleProcess(config, directory=work / f"trestle{size}", binary=binary).start()
                trestle.wait_for_log(r"component connected", timeout=20)
                try:
                    say(f"Trestle: {size} users joining at once…")
                    results.append(crowd("Trestle", "trestle.localhost", trestle.process.pid, ircd, workers,
                                         groups[size], names[size], args.timeout, args.settle))
                finally:
                    trestle.stop(timeout=30)
                time.sleep(2)
            if "biboumi" in gateways:
                directory = work / f"biboumi{size}"
                directory.mkdir()
                biboumi = start_biboumi(directory, prosody, log_level=2)
                time.sleep(1.5)
                if biboumi.poll() is not None:
                    raise RuntimeError(f"biboumi exited with {biboumi.returncode}")
                try:
                    say(f"biboumi: {size} users joining at once…")
                    results.append(crowd("biboumi", "biboumi.localhost", biboumi.pid, ircd, workers, groups[size],
                                         names[size], args.timeout, args.settle))
                finally:
                    stop_biboumi(biboumi)
                time.sleep(2)
    finally:
        if workers:
            workers.stop()
        ircd.stop()
        prosody.stop()

    print(f"\nN XMPP users join one IRC channel at once; one gateway at a time; loopback; "
          f"this machine: {os.cpu_count()} cores\n")
    print("| gateway | users | all on IRC (s) | all joined, every roster sent (s) | memory before → after (MB) "
          "| per user (KB) | gateway CPU (s) |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['gateway']} | {r['users']} | {r['irc_seconds']:.1f} | {r['seconds']:.1f} "
              f"| {r['rss_before']:.1f} → {r['rss_after']:.1f} "
              f"| {r['per_user_kb']:.0f} | {r['cpu']:.2f} |")
    problems = [f"{r['gateway']} {r['users']}: {p}" for r in results for p in r["problems"]]
    for problem in problems[:20]:
        print(f"PROBLEM: {problem}")
    shutil.rmtree(work, ignore_errors=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
