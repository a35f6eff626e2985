#!/usr/bin/env python3
"""Plugin round-trip benchmark: XMPP → Trestle → plugin → Trestle → XMPP.

    .venv/bin/python Tests/Benchmarks/plugin_bench.py [--messages 1000] [--rate 200]

One XMPP client is the only occupant of `r@trestle.localhost`, a bridged
room linked to a plugin endpoint (`plugin.echo: r`). The plugin answers each
delivered message with `delivered` and then says the same text back into the
room as an `event`; the client times each message from its send to the
arrival of the plugin's echo (its body carries the send time). Two plugins,
each with its own fresh Trestle, one after the other:

- `echo_minimal`: `Examples/plugins/echo_minimal.py`, a read-a-line /
  answer / echo loop: the cost of the protocol itself;
- `file_mirror+echo`: `Tests/Benchmarks/mirror_echo_plugin.py`, the
  example `file_mirror.py` code (file append per message, timestamped
  compact JSON, a lock, a second thread) with the echo fed straight to its
  `send_line` instead of through its polled `.in` file.

Each is measured in a burst (every message sent as fast as the client can)
and, unless `--rate 0`, at a steady `--rate` messages/s. Reported: echoes/s
(first send → last echo), p50/p99 round-trip latency, and the CPU seconds per
1000 round trips of Trestle, Prosody and the plugin. Figures are printed,
never asserted; lost, duplicated or reordered echoes, missing reflections,
error stanzas and Trestle warnings are listed as problems (exit status 1).
Everything runs on loopback in a temp directory, with timeouts, and every
process started is stopped.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
sys.path[:0] = [str(HERE), str(REPO_ROOT / "Tests" / "Integration")]

from muc_bench import (BenchError, percentile, say, settled_cpu, shown,  # noqa: E402
                       trestle_binary)
from bench_clients import wait_until_done  # noqa: E402
from prosody_muc import MUCProsody  # noqa: E402
from support.muc import MUC_USER, MUCUser  # noqa: E402
from support.trestle import TrestleProcess, component_config  # noqa: E402

PASSWORD = "pw"
TRESTLE_JID = "trestle.localhost"
TRESTLE_SECRET = "s3cret"
ROOM_NAME = "r"
ROOM = f"{ROOM_NAME}@{TRESTLE_JID}"
NICK = "Sender"
MESSAGE = "{jabber:client}message"
PRESENCE = "{jabber:client}presence"
BODY = "{jabber:client}body"
REPLY = "{urn:xmpp:reply:0}reply"


@dataclass
class Plugin:
    label: str
    key: str  # plugins: {key: ...}; network plugin.<key>
    echo_nick: str  # the occupant the echo comes from
    command: list[str]
    ready_log: str | None = None  # a log line that says the room is open
    replies: bool = False  # its echo names the message echoed (reply_to)


@dataclass
class Result:
    plugin: str
    mode: str
    rate: float | None = None
    p50: float | None = None
    p99: float | None = None
    cpu: dict[str, float] = field(default_factory=dict)  # per 1000 round trips
    notes: list[str] = field(default_factory=list)


class Phase:
    """What the client collects during one phase."""

    def __init__(self, prefix: str, expected: int, echo_nick: str):
        self.prefix, self.expected, self.echo_nick = prefix + " ", expected, echo_nick
        self.echoes: list[tuple[int, int, int]] = []  # (seq, sent ns, received ns)
        self.reflections = 0
        self.others = 0  # prefixed messages from any other occupant
        self.errors: list[str] = []
        self.not_replies = 0  # echoes without a <reply/> to the message echoed
        self.sample: str | None = None  # the first echo, as it arrived
        self.done = asyncio.Event()
        self.last_arrival = time.monotonic()


class EchoClient(MUCUser):
    """A `MUCUser` that keeps no log of stanzas: it resolves its join on the
    self-presence and sorts a phase's messages into its own reflections and
    the plugin's echoes."""

    def __init__(self, jid: str, server):
        super().__init__(jid, PASSWORD, server, resource="bench")
        self.joined: asyncio.Future | None = None
        self.phase: Phase | None = None

    def _on_message(self, msg) -> None:
        pass

    def _keep(self, stanza) -> None:
        xml = stanza.xml
        sender = xml.get("from", "")
        room, _, nick = sender.partition("/")
        if room != ROOM:
            return
        if xml.tag == PRESENCE:
            if self.joined is not None and not self.joined.done():
                if xml.get("type") == "error":
                    self.joined.set_exception(BenchError(f"join refused: {stanza}"))
                elif any(s.get("code") == "110" for s in xml.iter(f"{{{MUC_USER}}}status")):
                    self.joined.set_result(True)
            return
        phase = self.phase
        if xml.tag != MESSAGE or phase is None:
            return
        if xml.get("type") == "error":
            phase.errors.append(str(stanza)[:400])
            return
        body = xml.find(BODY)
        # An echo is a reply (XEP-0461) to the message it echoes; its body
        # may start with a quote of it as a fallback: take the last line.
        lines = [] if body is None or not body.text else \
            [line for line in body.text.split("\n") if line.startswith(phase.prefix)]
        if not lines:
            return
        now = time.monotonic_ns()
        phase.last_arrival = time.monotonic()
        if nick == NICK:
            phase.reflections += 1
        elif nick == phase.echo_nick:
            _, seq, sent = lines[-1].split(" ", 2)
            phase.echoes.append((int(seq), int(sent), now))
            if xml.find(REPLY) is None:
                phase.not_replies += 1
            if phase.sample is None:
                phase.sample = str(stanza)
        else:
            phase.others += 1
        if len(phase.echoes) >= phase.expected and phase.reflections >= phase.expected:
            phase.done.set()


async def run_phase(client: EchoClient, plugin: Plugin, mode: str, count: int, rate: float,
                    pids: dict[str, int], trestle: TrestleProcess, timeout: float) -> Result:
    result = Result(plugin.label, mode)
    prefix = f"p{int(time.time() * 1000) % 10**9}"
    phase = client.phase = Phase(prefix, count, plugin.echo_nick)
    log_start = len(trestle.log_text())
    loop = asyncio.get_running_loop()
    before = await loop.run_in_executor(None, settled_cpu, list(pids.values()))
    first = time.monotonic_ns()
    for seq in range(count):
        if rate > 0:
            delay = (first + seq * 1e9 / rate - time.monotonic_ns()) / 1e9
            if delay > 0:
                await asyncio.sleep(delay)
        client.say(ROOM, f"{prefix} {seq} {time.monotonic_ns()}", id=f"{prefix}-{seq}")
        if rate <= 0 and seq % 64 == 63:
            await asyncio.sleep(0)  # let the socket drain
    sent_last = time.monotonic_ns()
    phase.last_arrival = time.monotonic()
    await wait_until_done(phase, timeout, idle=15.0)
    client.phase = None
    after = await loop.run_in_executor(None, settled_cpu, list(pids.values()))

    seqs = [seq for seq, _, _ in phase.echoes]
    unique = set(seqs)
    lost = count - len(unique & set(range(count)))
    if lost:
        missing = sorted(set(range(count)) - unique)
        result.notes.append(f"LOST {lost} of {count} echoes (first missing seq: {missing[:10]})")
    if len(seqs) != len(unique):
        result.notes.append(f"{len(seqs) - len(unique)} duplicate echoes")
    out_of_order, highest = 0, -1
    for seq in seqs:
        out_of_order += seq < highest
        highest = max(highest, seq)
    if out_of_order:
        result.notes.append(f"{out_of_order} echoes arrived out of order")
    if phase.reflections != count:
        result.notes.append(f"the sender saw {phase.reflections} of {count} reflections of its own messages")
    if phase.others:
        result.notes.append(f"{phase.others} burst messages came from an unexpected occupant")
    if plugin.replies and phase.not_replies:
        result.notes.append(f"{phase.not_replies} of {len(phase.echoes)} echoes came without <reply/>, although "
                            f"the plugin's event named the message (reply_to = the remote_id of its `delivered`, "
                            f"written just before the event)")
    if phase.errors:
        result.notes.append(f"{len(phase.errors)} error stanzas, first: {phase.errors[0]}")
    warnings = trestle.log_matches(r"^.*\b(warning|error|critical)\b.*$", log_start)
    if warnings:
        result.notes.append(f"trestle logged {len(warnings)} warning/error lines, first: "
                            f"{warnings[0].group(0)[:300]}")
    if phase.echoes:
        latencies = sorted((got - sent) / 1e6 for _, sent, got in phase.echoes)
        result.p50, result.p99 = percentile(latencies, 0.50), percentile(latencies, 0.99)
        span = (max(got for _, _, got in phase.echoes) - first) / 1e9
        result.rate = len(phase.echoes) / span if span > 0 else None
    for name, pid in pids.items():
        result.cpu[name] = (after[pid] - before[pid]) * 1000 / count
    say(f"  {plugin.label}, {mode}: {len(phase.echoes)}/{count} echoes, {phase.reflections} reflections; "
        f"sent in {(sent_last - first) / 1e9:.2f} s")
    return result


def plugin_pid(trestle: TrestleProcess) -> int:
    match = trestle.wait_for_log(r"\bpid=(\d+)\b.*plugin started", timeout=20)
    return int(match.group(1))


def bench_plugin(plugin: Plugin, server: MUCProsody, workdir: Path, binary: Path, args) -> list[Result]:
    config = component_config(server, jid=TRESTLE_JID, secret=TRESTLE_SECRET)
    del config["component"]["queue_limit"]  # Trestle's own default
    config["logging"]["level"] = args.trestle_log_level
    config["rooms"] = [{"name": ROOM_NAME, "endpoints": [{"xmpp": ROOM_NAME}, {f"plugin.{plugin.key}": ROOM_NAME}]}]
    config["plugins"] = {plugin.key: {"command": plugin.command}}
    directory = workdir / f"trestle-{plugin.label.replace('+', '-')}"
    directory.mkdir()
    trestle = TrestleProcess(config, directory=directory, binary=binary).start()
    try:
        trestle.wait_for_log(r"component connected", timeout=20)
        trestle.wait_for_log(r"plugin ready", timeout=20)
        if plugin.ready_log:
            trestle.wait_for_log(plugin.ready_log, timeout=20)
        pids = {"trestle": trestle.process.pid, "prosody": server.process.pid,
                "plugin": plugin_pid(trestle)}
        modes = [("burst", 0.0)] + ([(f"{args.rate:g}/s", args.rate)] if args.rate > 0 else [])
        timeout = max(30.0, args.messages / 20)

        async def scenario() -> list[Result]:
            client = EchoClient(f"sender@{server.domain}", SimpleNamespace(host=server.host,
                                                                          c2s_port=server.c2s_port))
            await client.login(30.0)
            try:
                client.joined = asyncio.get_running_loop().create_future()
                client.join(ROOM, NICK)
                await asyncio.wait_for(client.joined, 20)
                await asyncio.sleep(0.5)  # let the join traffic pass
                results = []
                for mode, rate in modes:
                    phase_timeout = timeout + (args.messages / rate if rate > 0 else 0)
                    results.append(await run_phase(client, plugin, mode, args.messages, rate, pids,
                                                   trestle, phase_timeout))
                return results
            finally:
                client.close_now()

        results = asyncio.run(scenario())
        if not trestle.running:
            results[-1].notes.append(f"trestle exited (code {trestle.process.returncode}):\n{trestle.log_tail(20)}")
        elif not trestle.log_matches(r"plugin started", 0) or len(trestle.log_matches(r"plugin started", 0)) > 1:
            results[-1].notes.append(f"the plugin was restarted during the run:\n{trestle.log_tail(20)}")
        return results
    except (BenchError, TimeoutError, AssertionError) as err:
        say(f"--- trestle log tail ({plugin.label}) ---\n{trestle.log_tail(30)}")
        raise BenchError(f"{plugin.label}: {err}") from err
    finally:
        trestle.stop()


def supports_plugins(binary: Path, workdir: Path) -> str | None:
    """None when `binary check-config` accepts a config with a plugin, else
    what it said (a build older than the plugin support refuses the key)."""
    path = workdir / "check.yaml"
    path.write_text("component:\n  jid: \"t.localhost\"\n  secret: \"s\"\n"
                    "plugins:\n  echo:\n    command: [\"true\"]\n"
                    "rooms:\n  - name: \"r\"\n    endpoints:\n      - plugin.echo: \"r\"\n")
    done = subprocess.run([str(binary), "check-config", str(path)], capture_output=True, text=True, timeout=30)
    return None if done.returncode == 0 else (done.stdout + done.stderr).strip()


def fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def table(results: list[Result], messages: int, binary: Path, load: tuple[float, float],
          failed: str | None = None) -> str:
    head = (f"{'plugin':<20}{'mode':<10}{'echo/s':>8}{'p50 ms':>9}{'p99 ms':>9}"
            f"   CPU s / 1000 round trips: {'trestle':>8}{'prosody':>9}{'plugin':>8}")
    lines = [head, "-" * len(head)]
    for r in results:
        lines.append(f"{r.plugin:<20}{r.mode:<10}{fmt(r.rate, '.0f'):>8}{fmt(r.p50, '.1f'):>9}{fmt(r.p99, '.1f'):>9}"
                     f"   {'':<26}{fmt(r.cpu.get('trestle'), '.3f'):>8}{fmt(r.cpu.get('prosody'), '.3f'):>9}"
                     f"{fmt(r.cpu.get('plugin'), '.3f'):>8}")
    build = " (a debug build: expect it slower than a release build)" if binary.parent.name == "debug" else ""
    lines += ["", f"{messages} round trips per row; trestle binary: {shown(binary)}{build}; "
                  f"load average {load[0]:.2f} before, {load[1]:.2f} after ({os.cpu_count()} cores)"]
    notes = [f"  {r.plugin}, {r.mode}: {n}" for r in results for n in r.notes]
    if failed:
        notes.append(f"  the run failed: {failed}")
    lines += ["problems:"] + notes if notes else ["no lost, duplicated or reordered echoes, no errors or warnings"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=1000, help="round trips per measurement (default 1000)")
    parser.add_argument("--rate", type=float, default=200.0,
                        help="also measure at this steady rate, messages/s (default 200; 0: burst only)")
    parser.add_argument("--plugins", default="minimal,mirror",
                        help="comma-separated subset of minimal,mirror (default both)")
    parser.add_argument("--trestle-log-level", default="info", help="Trestle's log level (default info)")
    parser.add_argument("--prosody-log-level", default="warn", help="Prosody's log level (default warn)")
    parser.add_argument("--timeout", type=float, default=600,
                        help="give up on the whole run after this many seconds (default 600)")
    parser.add_argument("--keep", action="store_true", help="keep the temp directory (logs, configs)")
    args = parser.parse_args(argv)
    if args.messages < 1 or args.rate < 0:
        parser.error("--messages must be positive and --rate not negative")

    workdir = Path(tempfile.mkdtemp(prefix="plugin-bench-"))
    available = {
        "minimal": Plugin("echo_minimal", "echo", "echo",
                          [sys.executable, str(REPO_ROOT / "Examples" / "plugins" / "echo_minimal.py")], replies=True),
        "mirror": Plugin("file_mirror+echo", "echo", "file",
                         [sys.executable, str(HERE / "mirror_echo_plugin.py"), "--dir", str(workdir / "rooms")],
                         ready_log=rf"file_mirror: opened {ROOM_NAME}\b"),
    }
    chosen = [name.strip() for name in args.plugins.split(",") if name.strip()]
    if not chosen or set(chosen) - set(available):
        parser.error("--plugins takes minimal and/or mirror")

    binary = trestle_binary()
    if not binary.exists():
        say(f"Trestle binary not found at {binary}: build it or set TRESTLE_BIN")
        return 2

    refusal = supports_plugins(binary, workdir)
    debug = REPO_ROOT / ".build" / "debug" / "trestle"
    if refusal and not os.environ.get("TRESTLE_BIN") and binary != debug and debug.exists() \
            and supports_plugins(debug, workdir) is None:
        say(f"{shown(binary)} refuses a plugin config (a build older than the plugin support?):\n  {refusal}\n"
            f"using {shown(debug)} instead")
        binary, refusal = debug, None
    if refusal:
        say(f"{shown(binary)} refuses a plugin config:\n  {refusal}")
        shutil.rmtree(workdir, ignore_errors=True)
        return 2

    def on_alarm(*_):
        raise BenchError(f"the whole run took longer than {args.timeout:.0f} s")
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(int(args.timeout))

    def on_term(*_):
        raise KeyboardInterrupt  # SIGTERM cleans up like Ctrl-C
    signal.signal(signal.SIGTERM, on_term)

    server = None
    results: list[Result] = []
    load_before = os.getloadavg()[0]
    began = time.monotonic()
    try:
        say(f"trestle binary: {shown(binary)}")
        say(f"machine: {os.cpu_count()} cores, load average {load_before:.2f} at start")
        server = MUCProsody(mucs={}, components={TRESTLE_JID: TRESTLE_SECRET}, directory=workdir / "prosody",
                            log_level=args.prosody_log_level)
        server.register_many(["sender"], PASSWORD)
        server.start()
        for name in chosen:
            say(f"{available[name].label}: {args.messages} round trips per mode")
            results += bench_plugin(available[name], server, workdir, binary, args)
        say(f"run took {time.monotonic() - began:.0f} s\n")
        print(table(results, args.messages, binary, (load_before, os.getloadavg()[0])))
        return 1 if any(r.notes for r in results) else 0
    except KeyboardInterrupt:
        say("interrupted: stopping every process started")
        return 130
    except (BenchError, TimeoutError, AssertionError, OSError) as err:
        say(f"benchmark failed: {err}")
        if server is not None:
            say(server.log_tail(30))
        print(table(results, args.messages, binary, (load_before, os.getloadavg()[0]), failed=str(err)[:300]))
        return 1
    finally:
        signal.alarm(0)
        if server is not None:
            server.stop()
        if args.keep:
            say(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
