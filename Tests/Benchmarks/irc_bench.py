#!/usr/bin/env python3
"""IRC gateway benchmark: Trestle against biboumi, side by side, in one run.

    .venv/bin/python Tests/Benchmarks/irc_bench.py [--messages 2000] [--senders 8] [--paced-seconds 5]

One InspIRCd (flood limits off, on port 6667 where biboumi looks for a
plain-text server) and one Prosody with two components, `trestle.localhost`
and `biboumi.localhost` (Debian's `biboumi`). For each gateway in turn, a
fresh process of it, one XMPP client (slixmpp) joins
`#bench%127.0.0.1@<gateway>/benchx`, which puts `benchx` in the IRC channel
through the gateway, and a plain IRC client (asyncio streams) joins `#bench`:

1. **IRC → XMPP**: K plain IRC clients (`--senders`) write N lines in all,
   at once; the XMPP client times each arrival (every line carries its send
   time). The reference, measured first in the same run: the same N lines
   from the same K IRC clients to one more plain IRC client through the
   same server, no gateway (one sender alone is held to about 330 lines/s
   by the server, whatever reads them).
2. **XMPP → IRC**: the XMPP client sends N messages at once; the IRC client
   times each arrival.
3. **Paced, Trestle only**: each direction again at a steady rate of ten
   times what biboumi (with its database) carried in that direction in the
   same run, for `--paced-seconds`: the rate kept and the p50/p99 latency
   at that rate.

biboumi runs twice: with its database (every message saved, its default
when a database is configured) and without one (no history), and so does
Trestle: with its archive (every message stored before it is shown, its
default) and with `store.archive: false` (each message still stored before
it is shown, without its text: the id map that lets edits and replies land
after a restart), bursts only. So both of the issue's comparisons come from
one run.

Reported per gateway and direction: messages/s (first send to last arrival),
p50/p99 latency, the gateway's CPU seconds per 1,000 messages, and its
resident memory after the run. For each burst, a second table puts the
gateway's CPU per message beside that of what every run shares: Prosody,
the clients (this process) and the IRC server. Everything runs on the same
cores, so the gateway's share bounds what a cheaper gateway could gain. Trestle runs with its flood control opened up
(`flood: {burst: 1000, interval: 0}`) so both gateways send as fast as
they can; with its defaults it would send one line a second on purpose.
Figures are printed, never asserted; lost or duplicated messages are listed
as problems (exit status 1).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import re
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
sys.path[:0] = [str(HERE), str(REPO_ROOT / "Tests" / "Integration")]

from null_gateway import NullGateway  # noqa: E402
from muc_bench import cpu_seconds, percentile, say, settled_cpu, trestle_binary  # noqa: E402
from prosody_muc import MUCProsody  # noqa: E402
from support.ircd import IRCServer  # noqa: E402
from support.lifetime import die_with_parent  # noqa: E402
from support.muc import MUCUser, body, enter  # noqa: E402
from support.prosody import port_open  # noqa: E402
from support.trestle import TrestleProcess, component_config  # noqa: E402

PASSWORD = "pw"
SECRET = "s3cret"
CHANNEL = "#bench"


@dataclass
class Result:
    gateway: str
    direction: str
    rate: float = 0.0
    p50: float = 0.0
    p99: float = 0.0
    cpu_per_1000: float = 0.0
    problems: list[str] = field(default_factory=list)
    # CPU ms per message of what every gateway shares (`path_cpu`).
    shared: dict[str, float] = field(default_factory=dict)


class TimedMUCUser(MUCUser):
    """A MUCUser that notes when each message body arrived."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.arrivals: list[tuple[float, str]] = []

    def _keep(self, stanza) -> None:
        now = time.time()
        super()._keep(stanza)
        text = body(stanza.xml)
        if text:
            self.arrivals.append((now, text))


class RawIRC:
    """A plain IRC client on asyncio streams: fast enough to load a gateway."""

    def __init__(self, host: str, port: int, nick: str):
        self.host, self.port, self.nick = host, port, nick
        self.arrivals: list[tuple[float, str, str]] = []  # (time, nick, text)
        self.lines: list[str] = []
        self._changed = asyncio.Event()

    async def connect(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(f"NICK {self.nick}\r\nUSER {self.nick} 0 * :bench\r\n".encode())
        self.task = asyncio.create_task(self._read())
        await self.wait(lambda: any(" 376 " in l or " 422 " in l for l in self.lines), 10)

    async def _read(self) -> None:
        while line := await self.reader.readline():
            now = time.time()
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            if text.startswith("PING"):
                self.writer.write(("PONG" + text[4:] + "\r\n").encode())
            elif " PRIVMSG " in text and text.startswith(":"):
                source, _, rest = text[1:].partition(" PRIVMSG ")
                self.arrivals.append((now, source.split("!")[0], rest.partition(" :")[2]))
            self.lines.append(text)
            self._changed.set()

    async def wait(self, predicate, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("\n".join(self.lines[-10:]))
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except asyncio.TimeoutError:
                pass

    def send(self, text: str) -> None:
        self.writer.write(text.encode())

    def close(self) -> None:
        self.writer.close()


def start_biboumi(directory: Path, prosody, log_level: int) -> subprocess.Popen:
    config = directory / "biboumi.cfg"
    (directory / "policy").mkdir(exist_ok=True)
    config.write_text("\n".join([
        "hostname=biboumi.localhost", f"password={SECRET}", "xmpp_server_ip=127.0.0.1",
        f"port={prosody.component_port}", f"db_name={directory / 'biboumi.sqlite'}",
        f"log_file={directory / 'biboumi.log'}", f"log_level={log_level}", "identd_port=0",
        f"policy_directory={directory / 'policy'}", "realname_customization=true", "",
    ]))
    process = subprocess.Popen(["biboumi", str(config)], cwd=directory, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True,
                               preexec_fn=die_with_parent)
    return process


def peers_missing(programs: tuple[str, ...]) -> bool:
    """Says what keeps a benchmark from running (a program not installed,
    port 6667 taken: biboumi connects there); True when something does."""
    for program in programs:
        if not shutil.which(program):
            say(f"{program} is not installed (apt-get install {program})")
            return True
    if port_open("127.0.0.1", 6667):
        say("port 6667 is in use; biboumi connects there, so it must be free")
        return True
    return False


def stop_biboumi(process: subprocess.Popen, timeout: float = 10) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()


def summary(arrivals: list[tuple[float, str]], prefix: str, count: int) -> tuple[float, float, float, list[str]]:
    """Rate, p50 and p99 latency (ms) of the `count` messages `prefix<i> <sent>`."""
    seen: dict[int, float] = {}
    problems = []
    first_sent = math.inf
    pattern = re.compile(rf"^{re.escape(prefix)}(\d+) (\d+\.\d+)$")
    matched = []
    for arrived, text in arrivals:
        found = pattern.match(text)
        if not found:
            continue
        matched.append(arrived)
        index, sent = int(found.group(1)), found.group(2)
        if index in seen:
            problems.append(f"{prefix}{index} arrived twice")
        seen[index] = arrived - float(sent)
        first_sent = min(first_sent, float(sent))
    if len(seen) != count:
        problems.append(f"{count - len(seen)} of {count} messages missing")
    if not seen:
        return 0.0, 0.0, 0.0, problems
    last = max(matched)
    latencies = sorted(seen.values())
    return (len(seen) / (last - first_sent), percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000,
            problems)


COMMANDS = "http://jabber.org/protocol/commands"


async def open_biboumi_throttle(xmpp: MUCUser, domain: str) -> None:
    """biboumi paces what it sends to an IRC server (`throttle_limit`, an
    ad-hoc setting per user and server); -1 turns that off, as Trestle's
    flood control is opened up for the benchmark. A submitted form replaces
    the server's settings, so the plain-text port is given too."""
    server = f"127.0.0.1@{domain}"
    first = await xmpp.iq(server, "set", f"<command xmlns='{COMMANDS}' node='configure' action='execute'/>")
    command = first.xml.find(f"{{{COMMANDS}}}command")
    session = command.get("sessionid")
    form = ("<x xmlns='jabber:x:data' type='submit'>"
            "<field var='ports'><value>6667</value></field><field var='tls_ports'/>"
            "<field var='throttle_limit'><value>-1</value></field></x>")
    done = await xmpp.iq(server, "set", f"<command xmlns='{COMMANDS}' node='configure' sessionid='{session}' "
                                        f"action='complete'>{form}</command>")
    status = done.xml.find(f"{{{COMMANDS}}}command").get("status")
    if status != "completed":
        raise RuntimeError(f"biboumi refused the throttle setting: {done}")


async def run_gateway(label: str, domain: str, pid: int, prosody, ircd, count: int, timeout: float,
                      senders: int, paced: dict[str, float] | None = None, paced_seconds: float = 5.0) -> list[Result]:
    """Bursts both ways; then, when `paced` gives rates by direction, each
    direction at that steady rate."""
    room = f"{CHANNEL}%127.0.0.1@{domain}"
    xmpp = TimedMUCUser("benchx@localhost", PASSWORD, prosody)
    irc = RawIRC(ircd.host, ircd.port, "benchirc")
    talkers = [RawIRC(ircd.host, ircd.port, f"benchin{i}") for i in range(senders)]
    results = []
    try:
        await xmpp.login()
        if label.startswith("biboumi"):
            await open_biboumi_throttle(xmpp, domain)
        for client in [irc] + talkers:
            await client.connect()
            client.send(f"JOIN {CHANNEL}\r\n")
            await client.wait(lambda c=client: any(f" 366 {c.nick} {CHANNEL} " in l for l in c.lines), 10)
        await enter(xmpp, room, "benchx", timeout=30)
        await irc.wait(lambda: any("JOIN" in l and l.startswith(":benchx!") for l in irc.lines), 30)
        await asyncio.sleep(1)

        # IRC → XMPP, a burst from K senders.
        before, shared = cpu_seconds(pid), path_cpu(prosody, ircd)
        burst_from_irc(talkers, "in", count)
        await arrivals(lambda: sum(1 for _, t in xmpp.arrivals if t.startswith("in")) >= count, timeout)
        cpu = settled_cpu([pid])[pid] - before
        rate, p50, p99, problems = summary(xmpp.arrivals, "in", count)
        results.append(Result(label, "IRC → XMPP", rate, p50, p99, cpu / count * 1000, problems,
                              per_message(path_cpu(prosody, ircd), shared, count)))

        # XMPP → IRC, a burst.
        before, shared = cpu_seconds(pid), path_cpu(prosody, ircd)
        for i in range(count):
            xmpp.say(room, f"out{i} {time.time():.6f}")
        await arrivals(lambda: sum(1 for _, _, t in irc.arrivals if t.startswith("out")) >= count, timeout)
        cpu = settled_cpu([pid])[pid] - before
        rate, p50, p99, problems = summary([(a, t) for a, _, t in irc.arrivals], "out", count)
        results.append(Result(label, "XMPP → IRC", rate, p50, p99, cpu / count * 1000, problems,
                              per_message(path_cpu(prosody, ircd), shared, count)))

        for direction, target in (paced or {}).items():
            n = max(1, int(target * paced_seconds))
            prefix = "pin" if direction == "IRC → XMPP" else "pout"
            before = cpu_seconds(pid)
            if direction == "IRC → XMPP":
                await paced_send(lambda i: talkers[i % senders].send(f"PRIVMSG {CHANNEL} :{prefix}{i} {time.time():.6f}\r\n"),
                                 n, target)
                await arrivals(lambda: sum(1 for _, t in xmpp.arrivals if t.startswith(prefix)) >= n, timeout)
                got = xmpp.arrivals
            else:
                await paced_send(lambda i: xmpp.say(room, f"{prefix}{i} {time.time():.6f}"), n, target)
                await arrivals(lambda: sum(1 for _, _, t in irc.arrivals if t.startswith(prefix)) >= n, timeout)
                got = [(a, t) for a, _, t in irc.arrivals]
            cpu = settled_cpu([pid])[pid] - before
            rate, p50, p99, problems = summary(got, prefix, n)
            results.append(Result(label, f"{direction}, paced at {target:,.0f}/s", rate, p50, p99, cpu / n * 1000, problems))
    finally:
        for client in [irc] + talkers:
            client.close()
        xmpp.close_now()
    return results


def path_cpu(prosody, ircd) -> dict[str, float]:
    """CPU seconds so far of what every gateway's run shares: Prosody, the
    clients (this process: the XMPP client, the IRC senders and reader, and
    the benchmark's own bookkeeping) and the IRC server. Beside the gateway's own, it shows how much of the
    path's work a gateway is, so how much any gateway could gain here."""
    own = os.times()
    return {"Prosody": cpu_seconds(prosody.process.pid), "clients": own.user + own.system,
            "IRC server": cpu_seconds(ircd.process.pid)}


def per_message(after: dict[str, float], before: dict[str, float], count: int) -> dict[str, float]:
    return {name: (after[name] - before[name]) / count * 1000 for name in after}


def burst_from_irc(talkers: list[RawIRC], prefix: str, count: int) -> None:
    """`count` lines at once, dealt round-robin to the senders."""
    batches = [[] for _ in talkers]
    for i in range(count):
        batches[i % len(talkers)].append(f"PRIVMSG {CHANNEL} :{prefix}{i} {time.time():.6f}\r\n")
    for talker, lines in zip(talkers, batches):
        talker.send("".join(lines))


async def paced_send(send_one, count: int, rate: float) -> None:
    """Calls `send_one(i)` for i in 0..<count at `rate` per second, in 5 ms steps."""
    started = time.monotonic()
    sent = 0
    while sent < count:
        due = min(count, int((time.monotonic() - started) * rate) + 1)
        while sent < due:
            send_one(sent)
            sent += 1
        await asyncio.sleep(0.005)


async def arrivals(done, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not done() and time.monotonic() < deadline:
        await asyncio.sleep(0.05)


async def irc_reference(ircd, count: int, timeout: float, senders: int) -> Result:
    """The IRC server's own rate, no gateway: the same K plain clients to
    one more through the same channel, measured like the IRC → XMPP direction."""
    talkers = [RawIRC(ircd.host, ircd.port, f"refsend{i}") for i in range(senders)]
    receiver = RawIRC(ircd.host, ircd.port, "refrecv")
    try:
        for client in talkers + [receiver]:
            await client.connect()
            client.send(f"JOIN {CHANNEL}\r\n")
            await client.wait(lambda c=client: any(f" 366 {c.nick} {CHANNEL} " in l for l in c.lines), 10)
        burst_from_irc(talkers, "in", count)
        deadline = time.monotonic() + timeout
        while sum(1 for _, _, t in receiver.arrivals if t.startswith("in")) < count and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        rate, p50, p99, problems = summary([(a, t) for a, _, t in receiver.arrivals], "in", count)
        return Result("(reference) InspIRCd alone", "IRC → IRC", rate, p50, p99, 0.0, problems)
    finally:
        for client in talkers + [receiver]:
            client.close()


async def xmpp_reference(prosody, count: int, timeout: float) -> list[Result]:
    """The XMPP side's own rate, no gateway: a component that does nothing
    (`NullGateway`) writes the burst to the same XMPP client through the
    same Prosody, then reads that client's burst. This bounds what any
    gateway can show in either direction here."""
    xmpp = TimedMUCUser("benchx@localhost", PASSWORD, prosody)
    null = NullGateway("127.0.0.1", prosody.component_port, "null.localhost", SECRET)
    results = []
    try:
        await xmpp.login()
        await null.connect()
        null.send_groupchat(CHANNEL, "benchin", str(xmpp.boundjid.full),
                            [f"in{i} {time.time():.6f}" for i in range(count)])
        await arrivals(lambda: sum(1 for _, t in xmpp.arrivals if t.startswith("in")) >= count, timeout)
        rate, p50, p99, problems = summary(xmpp.arrivals, "in", count)
        results.append(Result("(reference) Prosody and client alone", "component → XMPP client", rate, p50, p99,
                              0.0, problems))
        for i in range(count):
            xmpp.say(f"{CHANNEL}@null.localhost", f"out{i} {time.time():.6f}")
        await arrivals(lambda: sum(1 for _, t in null.arrivals if t.startswith("out")) >= count, timeout)
        rate, p50, p99, problems = summary(null.arrivals, "out", count)
        results.append(Result("(reference) Prosody and client alone", "XMPP client → component", rate, p50, p99,
                              0.0, problems))
    finally:
        null.close()
        xmpp.close_now()
    return results


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--senders", type=int, default=8, help="IRC clients sending the IRC → XMPP burst")
    parser.add_argument("--paced-seconds", type=float, default=5.0)
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--trestle-only", action="store_true",
                        help="measure Trestle's bursts alone (no biboumi, no paced runs): for comparing builds")
    args = parser.parse_args()
    if peers_missing(("prosody", "inspircd") + (() if args.trestle_only else ("biboumi",))):
        return 2
    binary = trestle_binary()
    say(f"Trestle binary: {binary}")
    work = Path(tempfile.mkdtemp(prefix="irc-bench-"))
    prosody = MUCProsody(mucs={}, components={"trestle.localhost": SECRET, "biboumi.localhost": SECRET,
                                                   "null.localhost": SECRET},
                         directory=work / "prosody")
    prosody.register_many(["benchx"], PASSWORD)
    ircd = IRCServer(directory=work / "ircd")
    ircd.port = 6667
    results: list[Result] = []
    memory: dict[str, float] = {}
    try:
        prosody.start()
        ircd.start()
        results.append(asyncio.run(irc_reference(ircd, args.messages, args.timeout, args.senders)))
        results += asyncio.run(xmpp_reference(prosody, args.messages, args.timeout))
        # biboumi, with its history saved (its default with a database), then without.
        for history in () if args.trestle_only else (True, False):
            label = "biboumi" if history else "biboumi, history off"
            directory = work / ("biboumi" if history else "biboumi-nohistory")
            directory.mkdir()
            biboumi = start_biboumi(directory, prosody, log_level=2)
            time.sleep(1.5)
            if biboumi.poll() is not None:
                raise RuntimeError(f"biboumi exited with {biboumi.returncode}: "
                                   + (directory / "biboumi.log").read_text()[-2000:])
            try:
                if not history:
                    asyncio.run(biboumi_history_off("biboumi.localhost", prosody))
                results += asyncio.run(run_gateway(label, "biboumi.localhost", biboumi.pid, prosody, ircd,
                                                   args.messages, args.timeout, args.senders))
                memory[label] = rss_mb(biboumi.pid)
            finally:
                stop_biboumi(biboumi)
            time.sleep(1)
        archived = {r.direction: r.rate for r in results if r.gateway == "biboumi"}
        # Trestle with its archive, then paced at ten times what biboumi with
        # its history carried; then Trestle with its archive off, bursts only.
        for archive in (True, False):
            label = "Trestle" if archive else "Trestle, archive off"
            config = component_config(prosody, jid="trestle.localhost", secret=SECRET)
            config["logging"] = {"level": "info"}
            config["store"] = {"path": str(work / f"trestle-{archive}.sqlite"), "archive": archive}
            config["irc"] = {"bench": {"host": "127.0.0.1", "port": 6667, "tls": False, "nick": "trestlebot",
                                       "flood": {"burst": 1000, "interval": 0}, "queue_limit": 1000000}}
            trestle = TrestleProcess(config, directory=work / f"trestle-{archive}", binary=binary).start()
            try:
                trestle.wait_for_log(r"component connected", timeout=20)
                paced = {direction: 10 * rate for direction, rate in archived.items() if rate > 0} if archive else {}
                results += asyncio.run(run_gateway(label, "trestle.localhost", trestle.process.pid, prosody, ircd,
                                                   args.messages, args.timeout, args.senders, paced,
                                                   args.paced_seconds))
                memory[label] = rss_mb(trestle.process.pid)
            finally:
                trestle.stop()
            time.sleep(1)
    finally:
        ircd.stop()
        prosody.stop()

    print(f"\n{args.messages} messages per burst and direction ({args.senders} IRC senders); one gateway at a time; "
          f"loopback; this machine: {os.cpu_count()} cores\n")
    print("| gateway | direction | msg/s | p50 / p99 ms | gateway CPU s per 1,000 msg |")
    print("|---|---|---|---|---|")
    for r in results:
        cpu = f"{r.cpu_per_1000:.2f}" if r.cpu_per_1000 else "—"
        print(f"| {r.gateway} | {r.direction} | {r.rate:,.0f} | {r.p50:,.0f} / {r.p99:,.0f} | {cpu} |")
    print("\nCPU ms per message during each burst: the gateway's own, and what every gateway's run shares\n")
    print("| gateway | direction | gateway | Prosody | clients | IRC server | gateway's share |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        if r.shared and "paced" not in r.direction:
            total = r.cpu_per_1000 + sum(r.shared.values())
            print(f"| {r.gateway} | {r.direction} | {r.cpu_per_1000:.3f} | {r.shared['Prosody']:.3f} | "
                  f"{r.shared['clients']:.3f} | {r.shared['IRC server']:.3f} | "
                  f"{r.cpu_per_1000 / total if total else 0:.0%} |")
    rates = {(r.gateway, r.direction): r.rate for r in results}
    print("\n| direction | Trestle ÷ biboumi, both keeping history | Trestle ÷ biboumi, neither keeping it |"
          "\n|---|---|---|")
    for direction in ("IRC → XMPP", "XMPP → IRC"):
        on = rates.get(("Trestle", direction), 0), rates.get(("biboumi", direction), 0)
        off = rates.get(("Trestle, archive off", direction), 0), rates.get(("biboumi, history off", direction), 0)
        print(f"| {direction} | {on[0] / on[1] if on[1] else 0:.1f}× | {off[0] / off[1] if off[1] else 0:.1f}× |")
    print("\n| gateway | resident memory after the run |\n|---|---|")
    for gateway, mb in memory.items():
        print(f"| {gateway} | {mb:.1f} MB |")
    problems = [f"{r.gateway} {r.direction}: {p}" for r in results for p in r.problems]
    for problem in problems:
        print(f"PROBLEM: {problem}")
    shutil.rmtree(work, ignore_errors=True)
    return 1 if problems else 0


async def biboumi_history_off(domain: str, prosody) -> None:
    """biboumi's own configure command (on its domain): record_history off
    for the benchmark user."""
    xmpp = MUCUser("benchx@localhost", PASSWORD, prosody)
    await xmpp.login()
    try:
        first = await xmpp.iq(domain, "set", f"<command xmlns='{COMMANDS}' node='configure' action='execute'/>")
        command = first.xml.find(f"{{{COMMANDS}}}command")
        form = ("<x xmlns='jabber:x:data' type='submit'>"
                "<field var='record_history'><value>0</value></field></x>")
        done = await xmpp.iq(domain, "set", f"<command xmlns='{COMMANDS}' node='configure' "
                                            f"sessionid='{command.get('sessionid')}' action='complete'>{form}</command>")
        if done.xml.find(f"{{{COMMANDS}}}command").get("status") != "completed":
            raise RuntimeError(f"biboumi refused record_history=0: {done}")
    finally:
        xmpp.close_now()


if __name__ == "__main__":
    sys.exit(main())
