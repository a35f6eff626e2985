#!/usr/bin/env python3
"""MUC benchmark: Prosody's own MUC (without and with muc_mam) against
Trestle's bridged room, with the same client load on each.

    .venv/bin/python Tests/Benchmarks/muc_bench.py [--messages 2000] [--joins 300]

1. Throughput and latency: one sender and one receiver (separate processes)
   in one room; the sender sends N messages as fast as it can, each body
   carrying its send time. Reports messages/s at the receiver (first send to
   last receive), p50/p99 latency, losses and order, and the CPU seconds per
   1000 messages of Prosody (and of Trestle when it serves the room).
2. Joins: J users, all logged in first, send their join presence to one
   fresh room at once; reports the time until every joiner has its
   self-presence (status 110).

Figures are printed, never asserted. Everything runs on loopback, in a
temp directory, with timeouts, and every process started is stopped.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import queue
import signal
import sqlite3
import sys
import tempfile
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
sys.path[:0] = [str(HERE), str(REPO_ROOT / "Tests" / "Integration")]

from bench_clients import worker_main  # noqa: E402
from prosody_muc import MUCProsody  # noqa: E402
from support.trestle import TrestleProcess, component_config  # noqa: E402

PASSWORD = "pw"
TRESTLE_JID = "trestle.localhost"
TRESTLE_SECRET = "s3cret"
PLAIN_MUC = "conference.localhost"
MAM_MUC = "archive.localhost"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Target:
    label: str
    domain: str
    trestle: bool = False
    # results
    rate: float | None = None
    p50: float | None = None
    p99: float | None = None
    cpu_prosody: float | None = None
    cpu_trestle: float | None = None
    join_seconds: float | None = None
    notes: list[str] = field(default_factory=list)


class BenchError(RuntimeError):
    pass


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def trestle_binary() -> Path:
    """TRESTLE_BIN, else the release build, else the debug build."""
    if os.environ.get("TRESTLE_BIN"):
        return Path(os.environ["TRESTLE_BIN"]).resolve()
    release = REPO_ROOT / ".build" / "release" / "trestle"
    return release if release.exists() else REPO_ROOT / ".build" / "debug" / "trestle"


def shown(path: Path) -> str:
    """A path relative to the checkout when it is inside it."""
    try:
        return str(Path(os.path.abspath(path)).relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads), from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as stat:
        text = stat.read()
    fields = text[text.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def settled_cpu(pids: list[int], timeout: float = 5.0) -> dict[int, float]:
    """CPU seconds of `pids` once they have gone quiet (under 10 ms of CPU
    in 300 ms), so work finished after the last delivery (archive writes)
    is counted; gives up quietly after `timeout`."""
    deadline = time.monotonic() + timeout
    before = {pid: cpu_seconds(pid) for pid in pids}
    while True:
        time.sleep(0.3)
        now = {pid: cpu_seconds(pid) for pid in pids}
        if sum(now.values()) - sum(before.values()) < 0.011 or time.monotonic() > deadline:
            return now
        before = now


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of sorted `values`."""
    rank = max(1, math.ceil(fraction * len(values)))
    return values[rank - 1]


class Workers:
    """Client processes and their queues."""

    def __init__(self, server, count: int, context):
        self.results = context.Queue()
        self.stash: list[tuple[int, str, dict]] = []  # answers not yet asked for
        self.commands = [context.Queue() for _ in range(count)]
        self.processes = [
            context.Process(target=worker_main, args=(wid, server.host, server.c2s_port, q, self.results),
                            name=f"muc-bench-client-{wid}", daemon=True)
            for wid, q in enumerate(self.commands)]
        for process in self.processes:
            process.start()

    def send(self, wid: int, *command) -> None:
        self.commands[wid].put(command)

    def expect(self, kind: str, wids, timeout: float) -> dict[int, dict]:
        """The `kind` answer of every worker in `wids`; raises on an error,
        a crash, or when one is late."""
        pending, answers = set(wids), {}
        for wid, got, data in list(self.stash):
            if got == kind and wid in pending:
                self.stash.remove((wid, got, data))
                pending.discard(wid)
                answers[wid] = data
        deadline = time.monotonic() + timeout
        while pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BenchError(f"no '{kind}' answer from client worker(s) {sorted(pending)} within {timeout:.0f} s")
            try:
                wid, got, data = self.results.get(timeout=min(remaining, 1.0))
            except queue.Empty:
                dead = [w for w in pending if not self.processes[w].is_alive()]
                if dead:
                    raise BenchError(f"client worker(s) {dead} exited")
                continue
            if got in ("error", "crashed"):
                raise BenchError(f"client worker {wid} failed ({data.get('command', got)}):\n{data['traceback']}")
            if got == kind and wid in pending:
                pending.discard(wid)
                answers[wid] = data
            else:
                self.stash.append((wid, got, data))
        return answers

    def stop(self) -> None:
        for wid, process in enumerate(self.processes):
            if process.is_alive():
                self.send(wid, "quit")
        for process in self.processes:
            process.join(5)
            if process.is_alive():
                process.terminate()
                process.join(5)
            if process.is_alive():
                process.kill()
                process.join(2)


def login(workers: Workers, plan: dict[int, list[tuple[str, str]]], timeout: float) -> float:
    """Log in every worker's users; returns the client CPU seconds spent."""
    for wid, users in plan.items():
        workers.send(wid, "login", users, PASSWORD, 40, 30.0)
    answers = workers.expect("login", plan.keys(), timeout)
    failed = [f for a in answers.values() for f in a["failed"]]
    if failed:
        raise BenchError(f"{len(failed)} login(s) failed, e.g. {failed[:3]}")
    return sum(a["cpu"] for a in answers.values())


def archived_count(target: Target, server: MUCProsody, trestle: TrestleProcess | None, prefix: str) -> int | None:
    """How many messages of the burst the room's archive holds (None when
    there is no archive or it cannot be read)."""
    try:
        if target.trestle and trestle is not None:
            db = trestle.dir / "trestle.sqlite"
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
                return conn.execute("SELECT count(*) FROM archive WHERE content LIKE ?",
                                    (f"%{prefix} %",)).fetchone()[0]
        if target.domain == MAM_MUC:
            return sum(path.read_text(errors="replace").count(f"{prefix} ")
                       for path in server.data_path.rglob("*.list") if "muc_log" in str(path))
    except (OSError, sqlite3.Error):
        return None
    return None


RATE = [0.0]  # messages/s for the sender; 0 = as fast as it can (set from --rate)


def throughput(target: Target, workers: Workers, server: MUCProsody, trestle: TrestleProcess | None,
               count: int, timeout: float) -> None:
    sender, receiver = 0, 1
    room = f"bench@{target.domain}"
    prefix = f"b{int(time.time() * 1000) % 10**9}"
    start = time.monotonic() + 0.2
    for wid in (receiver, sender):
        workers.send(wid, "join", room, start, 20.0)
        answer = workers.expect("join", [wid], 30)[wid]
        if answer["missing"] or answer["refused"]:
            raise BenchError(f"{target.label}: {'sender' if wid == sender else 'receiver'} "
                             f"could not join {room}: {answer}")
        start = time.monotonic()
    time.sleep(0.5)  # let join traffic (presences, history, subject) pass

    log_start = len(trestle.log_text()) if target.trestle else 0
    pids = {"prosody": server.process.pid}
    if target.trestle:
        pids["trestle"] = trestle.process.pid
    cpu_before = settled_cpu(list(pids.values()))
    workers.send(receiver, "collect", room, prefix, count, timeout, 15.0)
    workers.expect("armed", [receiver], 10)
    workers.send(sender, "send", room, prefix, count, timeout, 15.0, RATE[0])
    sent = workers.expect("sent", [sender], timeout)[sender]
    got = workers.expect("collect", [receiver], timeout + 30)[receiver]
    reflected = workers.expect("send", [sender], timeout + 30)[sender]
    cpu_after = settled_cpu(list(pids.values()))

    records = got["records"]
    seqs = [seq for seq, _, _ in records]
    unique = set(seqs)
    lost = count - len(unique & set(range(count)))
    duplicates = len(seqs) - len(unique)
    out_of_order, highest = 0, -1
    for seq in seqs:
        if seq < highest:
            out_of_order += 1
        highest = max(highest, seq)
    if lost:
        missing = sorted(set(range(count)) - unique)
        target.notes.append(f"LOST {lost} of {count} messages at the receiver (first missing seq: {missing[:10]})")
    if duplicates:
        target.notes.append(f"{duplicates} duplicate messages at the receiver")
    if out_of_order:
        target.notes.append(f"{out_of_order} messages arrived out of order")
    if got["error_count"] or reflected["error_count"]:
        target.notes.append(f"error messages: receiver {got['error_count']}, sender {reflected['error_count']}; "
                            f"first: {(got['errors'] + reflected['errors'])[:1]}")
    if reflected["reflections"] != count:
        target.notes.append(f"sender saw {reflected['reflections']} of {count} reflections of its own messages")
    if target.trestle and (full := trestle.log_matches(r"outgoing queue full", log_start)):
        target.notes.append(f"trestle logged 'outgoing queue full: stanza refused' {len(full)} times")
    archived = archived_count(target, server, trestle, prefix)
    if archived is not None and archived != count:
        target.notes.append(f"archive holds {archived} of {count} messages")

    if records:
        latencies = sorted((received - sent_ns) / 1e6 for _, sent_ns, received in records)
        target.p50, target.p99 = percentile(latencies, 0.50), percentile(latencies, 0.99)
        span = (max(r for _, _, r in records) - sent["first"]) / 1e9
        target.rate = len(records) / span if span > 0 else None
    target.cpu_prosody = (cpu_after[pids["prosody"]] - cpu_before[pids["prosody"]]) * 1000 / count
    if target.trestle:
        target.cpu_trestle = (cpu_after[pids["trestle"]] - cpu_before[pids["trestle"]]) * 1000 / count
    sending = (sent["last"] - sent["first"]) / 1e9
    say(f"  {target.label}: {len(records)}/{count} received, sender wrote them in {sending:.2f} s, "
        f"client CPU: sender {reflected['cpu']:.2f} s, receiver {got['cpu']:.2f} s"
        + (f", archived {archived}" if archived is not None else ""))


def joins(target: Target, workers: Workers, wids: list[int], server: MUCProsody,
          trestle: TrestleProcess | None, expected: int, timeout: float) -> None:
    room = f"crowd@{target.domain}"
    pids = [server.process.pid] + ([trestle.process.pid] if target.trestle else [])
    cpu_before = settled_cpu(pids)
    start = time.monotonic() + 0.5
    log_start = len(trestle.log_text()) if target.trestle else 0
    for wid in wids:
        workers.send(wid, "join", room, start, timeout, expected)
    answers = workers.expect("join", wids, timeout + 30)
    cpu_after = settled_cpu(pids, timeout=10)
    sent_at = min(a["sent_at"] for a in answers.values())
    sent_done = max(a["sent_done"] for a in answers.values())
    arrivals = [t for a in answers.values() for t in a["arrivals"]]
    missing = [n for a in answers.values() for n in a["missing"]]
    refused = [r for a in answers.values() for r in a["refused"]]
    if arrivals and not missing and not refused:
        target.join_seconds = max(arrivals) - sent_at
    if missing:
        target.notes.append(f"joins: {len(missing)} of {expected} joiners got no self-presence within "
                            f"{timeout:.0f} s (e.g. {missing[:5]})")
    if refused:
        target.notes.append(f"joins: {len(refused)} refused, e.g. {refused[0][:300]}")
    incomplete = [n for a in answers.values() for n in a["incomplete"]]
    if incomplete and not missing and not refused:
        target.notes.append(f"joins: {len(incomplete)} joiners did not see all {expected} occupants "
                            f"(e.g. {incomplete[:3]})")
    rosters = [a["roster_at"] for a in answers.values()]
    roster = f"{max(rosters) - sent_at:.2f} s" if all(rosters) else "never"
    if target.trestle:
        full = trestle.log_matches(r"outgoing queue full", log_start)
        if full:
            target.notes.append(f"joins: trestle logged 'outgoing queue full: stanza refused' {len(full)} times "
                                f"(component.queue_limit; try --trestle-queue-limit)")
    arrivals.sort()
    server_cpu = sum(cpu_after.values()) - sum(cpu_before.values())
    say(f"  {target.label}: {len(arrivals)}/{expected} self-presences; presences sent in "
        f"{sent_done - sent_at:.2f} s; half had theirs after "
        f"{(arrivals[len(arrivals) // 2] - sent_at) if arrivals else float('nan'):.2f} s; "
        f"every joiner saw all occupants after {roster} "
        f"({sum(a['presences'] for a in answers.values()) / expected:.0f} presences each on average); "
        f"server CPU {server_cpu:.1f} s, client CPU {sum(a['cpu'] for a in answers.values()):.1f} s")


def fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def table(targets: list[Target], messages: int, join_count: int, binary: Path) -> str:
    head = (f"{'target':<32}{'msg/s':>8}{'p50 ms':>9}{'p99 ms':>9}"
            f"   {'server CPU s/1000 msg':<30}{f'joins ({join_count}) s' if join_count else 'joins':>14}")
    lines = [head, "-" * len(head)]
    for t in targets:
        if t.cpu_prosody is None:
            cpu = "-"
        elif t.cpu_trestle is None:
            cpu = f"{t.cpu_prosody:.3f}"
        else:
            cpu = f"{t.cpu_prosody + t.cpu_trestle:.3f} (prosody {t.cpu_prosody:.3f} + trestle {t.cpu_trestle:.3f})"
        lines.append(f"{t.label:<32}{fmt(t.rate, '.0f'):>8}{fmt(t.p50, '.1f'):>9}{fmt(t.p99, '.1f'):>9}"
                     f"   {cpu:<30}{fmt(t.join_seconds, '.2f'):>14}")
    notes = [f"  {t.label}: {n}" for t in targets for n in t.notes]
    build = " (a debug build: expect it slower than a release build)" if binary.parent.name == "debug" else ""
    pace = f"sent at {RATE[0]:g} msg/s" if RATE[0] > 0 else "per burst"
    lines += ["", f"{messages} messages {pace}; trestle binary: {shown(binary)}{build}"]
    lines += ["problems:"] + notes if notes else ["no losses, duplicates, reorderings or unanswered joins"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=2000, help="messages in the burst (default 2000)")
    parser.add_argument("--joins", type=int, default=300, help="users joining at once (default 300; 0 skips)")
    parser.add_argument("--rate", type=float, default=0.0,
                        help="send at this many messages/s instead of a burst (latency under a steady load)")
    parser.add_argument("--workers", type=int, default=2,
                        help="client processes sharing the joiners (default 2)")
    parser.add_argument("--targets", default="plain,mam,trestle",
                        help="comma-separated subset of plain,mam,trestle (default all)")
    parser.add_argument("--trestle-log-level", default="info", help="Trestle's log level (default info)")
    parser.add_argument("--trestle-queue-limit", type=int, default=None,
                        help="Trestle's component.queue_limit (default: Trestle's default, 10000)")
    parser.add_argument("--prosody-log-level", default="warn", help="Prosody's log level (default warn)")
    parser.add_argument("--timeout", type=float, default=600,
                        help="give up on the whole run after this many seconds (default 600)")
    parser.add_argument("--keep", action="store_true", help="keep the temp directory (logs, archives)")
    args = parser.parse_args(argv)
    RATE[0] = args.rate

    chosen = {name.strip() for name in args.targets.split(",") if name.strip()}
    targets = [t for name, t in (
        ("plain", Target("prosody muc (no archive)", PLAIN_MUC)),
        ("mam", Target("prosody muc + muc_mam", MAM_MUC)),
        ("trestle", Target("trestle bridged room (sqlite)", TRESTLE_JID, trestle=True)),
    ) if name in chosen]
    if not targets or chosen - {"plain", "mam", "trestle"}:
        parser.error("--targets takes plain, mam and/or trestle")
    if args.messages < 1 or args.joins < 0 or args.workers < 1:
        parser.error("--messages must be positive, --joins not negative, --workers positive")

    binary = trestle_binary()
    if any(t.trestle for t in targets) and not binary.exists():
        say(f"Trestle binary not found at {binary}: build it or set TRESTLE_BIN")
        return 2

    def on_alarm(*_):
        raise BenchError(f"the whole run took longer than {args.timeout:.0f} s")
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(int(args.timeout))
    def on_term(*_):
        raise KeyboardInterrupt  # SIGTERM cleans up like Ctrl-C
    signal.signal(signal.SIGTERM, on_term)

    workdir = Path(tempfile.mkdtemp(prefix="muc-bench-"))
    server = trestle = workers = None
    began = time.monotonic()
    try:
        say(f"trestle binary: {shown(binary)}" if any(t.trestle for t in targets) else "trestle not measured")
        say(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start")
        server = MUCProsody(mucs={PLAIN_MUC: [], MAM_MUC: ["muc_mam"]},
                            components={TRESTLE_JID: TRESTLE_SECRET}, directory=workdir / "prosody",
                            log_level=args.prosody_log_level)
        joiners = [f"j{i}" for i in range(args.joins)]
        server.register_many(["sender", "receiver", *joiners], PASSWORD)
        server.start()
        if any(t.trestle for t in targets):
            config = component_config(server, jid=TRESTLE_JID, secret=TRESTLE_SECRET)
            if args.trestle_queue_limit is None:
                del config["component"]["queue_limit"]  # Trestle's own default
            else:
                config["component"]["queue_limit"] = args.trestle_queue_limit
            config["logging"]["level"] = args.trestle_log_level
            config["rooms"] = [{"name": "bench", "endpoints": [{"xmpp": "bench"}]},
                               {"name": "crowd", "endpoints": [{"xmpp": "crowd"}]}]
            (workdir / "trestle").mkdir()
            trestle = TrestleProcess(config, directory=workdir / "trestle", binary=binary).start()
            trestle.wait_for_log(r"component connected", timeout=20)

        context = multiprocessing.get_context("spawn")
        join_workers = args.workers if args.joins else 0
        workers = Workers(server, 2 + join_workers, context)
        login(workers, {0: [(f"sender@{server.domain}", "Sender")],
                        1: [(f"receiver@{server.domain}", "Receiver")]}, timeout=60)

        say(f"throughput: one sender, one receiver, {args.messages} messages")
        for target in targets:
            throughput(target, workers, server, trestle, args.messages,
                       timeout=max(30.0, args.messages / 50))

        if args.joins:
            wids = list(range(2, 2 + join_workers))
            plan = {wid: [] for wid in wids}
            for i, user in enumerate(joiners):
                plan[wids[i % len(wids)]].append((f"{user}@{server.domain}", f"u{i}"))
            say(f"joins: logging in {args.joins} users in {join_workers} client processes")
            t = time.monotonic()
            cpu = login(workers, plan, timeout=max(120.0, args.joins * 1.0))
            say(f"  logged in after {time.monotonic() - t:.1f} s ({cpu:.1f} s client CPU)")
            for target in targets:
                joins(target, workers, wids, server, trestle, args.joins,
                      timeout=max(30.0, args.joins * 0.3))

        for target in targets:
            if target.trestle and trestle is not None and not trestle.running:
                target.notes.append(f"trestle exited (code {trestle.process.returncode}):\n{trestle.log_tail(20)}")
        say(f"run took {time.monotonic() - began:.0f} s; load average {os.getloadavg()[0]:.2f} at the end\n")
        print(table(targets, args.messages, args.joins, binary))
        return 1 if any(t.notes for t in targets) else 0
    except KeyboardInterrupt:
        say("interrupted: stopping every process started")
        return 130
    except (BenchError, TimeoutError, AssertionError) as err:
        say(f"benchmark failed: {err}")
        if trestle is not None:
            say(f"--- trestle log tail ---\n{trestle.log_tail(30)}")
        if server is not None:
            say(server.log_tail(30))
        print(table(targets, args.messages, args.joins, binary))
        return 1
    finally:
        signal.alarm(0)
        if workers is not None:
            workers.stop()
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
