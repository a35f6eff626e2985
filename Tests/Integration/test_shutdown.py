"""Stopping Trestle the way systemd does, SIGTERM, while a client is talking.

The room `lobby` links lobby@ and mirror@ of the component and a plugin
endpoint (plugins/scripted_plugin.py). Alice sends a message every few
milliseconds in lobby; Trestle gets SIGTERM in the middle of it. It must
exit 0 well within systemd's stop timeout, close its XMPP stream, tell the
plugin to stop by closing its stdin, and lose nothing it had acknowledged:
after a restart on the same directory, every message whose reflection
Alice got before the SIGTERM is in the archive, once."""

from __future__ import annotations

import asyncio
import collections
import re
import signal
import time

from conftest import PASSWORD, run
from support.bridge import LOBBY, MIRROR, in_thread, mam_all, restarted, users, wait_ready
from support.muc import body, enter, is_message, said
from test_plugin_events import NETWORK, ScriptedPlugin

ROOMS = [{"name": "lobby", "endpoints": [{"xmpp": "lobby"}, {"xmpp": "mirror"}, {NETWORK: "lobby"}]}]
STOP_TIMEOUT = 10.0          # well under systemd's default TimeoutStopSec (90 s)
INTERVAL = 0.01              # between two messages of Alice
TRAFFIC_BEFORE = 1.5         # seconds of traffic before the SIGTERM
# Prosody logs a component session as `jcp…`; this is its end of stream.
COMPONENT_STREAM_CLOSED = re.compile(r"^\S+\s+\d+\s+[\d:]+\s+jcp\S*\s+debug\s+Received </stream:stream>", re.MULTILINE)


def test_sigterm_under_traffic_exits_cleanly_and_loses_nothing_acknowledged(prosody, trestle, tmp_path):
    plugin = ScriptedPlugin(tmp_path / "plugin")
    proc = wait_ready(trestle(rooms=ROOMS, plugins=plugin.config()))
    proc.wait_for_log(r"plugin ready", timeout=10)
    plugin.wait_record(lambda r: r.get("type") == "open" and r.get("room") == "lobby", what="open of lobby")
    log_before = prosody.log_path.read_text(errors="replace")
    assert not COMPONENT_STREAM_CLOSED.search(log_before), "component stream closed before the test began"
    outcome = {}

    async def scenario():
        async with users(prosody, PASSWORD, "alice", "bob") as (alice, bob):
            await enter(alice, LOBBY, "Alice")
            await enter(bob, MIRROR, "Bob")
            alice.say(LOBBY, "warm-up")
            await bob.wait_for(said(f"{MIRROR}/Alice", "warm-up"), what="warm-up in mirror")

            sent: list[str] = []
            stop_sending = asyncio.Event()

            async def talk():
                n = 0
                while not stop_sending.is_set():
                    text = f"traffic {n}"
                    alice.say(LOBBY, text)
                    sent.append(text)
                    n += 1
                    await asyncio.sleep(INTERVAL)

            talker = asyncio.create_task(talk())
            await asyncio.sleep(TRAFFIC_BEFORE)

            def reflected() -> list[str]:
                return [body(s) for s in alice.stanzas
                        if is_message(s) and s.get("from") == f"{LOBBY}/Alice" and (body(s) or "").startswith("traffic ")]

            acknowledged = reflected()
            term_at = time.monotonic()
            proc.process.send_signal(signal.SIGTERM)
            try:
                code = await in_thread(proc.process.wait, STOP_TIMEOUT)
            except Exception:  # subprocess.TimeoutExpired: judged below
                code = None
            outcome["exit_seconds"] = time.monotonic() - term_at
            outcome["code"] = code
            stop_sending.set()
            await talker
            assert acknowledged, f"no reflection within {TRAFFIC_BEFORE} s of traffic ({len(sent)} sent)"
            outcome["acknowledged"] = acknowledged
            outcome["reflected_by_exit"] = reflected()
            outcome["sent"] = len(sent)
            if code is None:
                return  # judged outside, after the fixture has killed it

            assert code == 0, f"exit code {code} after SIGTERM\n{proc.log_tail()}"
            again = await in_thread(restarted, proc)
            try:
                await enter(alice, LOBBY, "Alice")
                archived = [body(m) for m in await mam_all(alice, LOBBY)]
                mirrored = [body(m) for m in await mam_all(alice, MIRROR)]
            finally:
                await in_thread(again.stop)
            outcome["archived"] = archived
            outcome["mirrored"] = mirrored

    run(scenario(), timeout=90)
    print(f"sent {outcome.get('sent')}, reflected before SIGTERM {len(outcome.get('acknowledged', []))}, "
          f"by exit {len(outcome.get('reflected_by_exit', []))}, archived {len(outcome.get('archived', []))}, "
          f"exit {outcome.get('code')} after {outcome.get('exit_seconds', 0):.2f} s")

    assert outcome["code"] is not None, (
        f"Trestle still running {STOP_TIMEOUT} s after SIGTERM (it had {outcome['sent']} messages sent to it)\n"
        + proc.log_tail())
    assert outcome["code"] == 0 and outcome["exit_seconds"] < STOP_TIMEOUT, outcome["code"]

    # It closed its XMPP stream: Prosody got the end of the component's stream.
    prosody_log = prosody.log_path.read_text(errors="replace")
    assert COMPONENT_STREAM_CLOSED.search(prosody_log), (
        "Prosody never logged `Received </stream:stream>` on the component session\n" + prosody.log_tail(30))

    # The plugin was told to stop: its stdin was closed (it was not merely signalled).
    records = plugin.records()
    starts = [i for i, r in enumerate(records) if r.get("type") == "_started"]
    first_run = records[:starts[1]] if len(starts) > 1 else records
    ends = [r["type"] for r in first_run if r.get("type") in ("_stdin_closed", "_signal")]
    assert ends[:1] == ["_stdin_closed"], f"first plugin run ended with {ends}, not a closed stdin"

    # Nothing acknowledged is lost, nothing is doubled.
    counts = collections.Counter(outcome["archived"])
    mirror_counts = collections.Counter(outcome["mirrored"])
    missing = [t for t in outcome["acknowledged"] if counts[t] == 0]
    doubled = {t: n for t, n in counts.items() if n > 1 and t.startswith("traffic ")}
    assert not missing, f"{len(missing)} of {len(outcome['acknowledged'])} acknowledged messages not archived: {missing[:10]}"
    assert not doubled, f"archived more than once: {doubled}"
    mirror_missing = [t for t in outcome["acknowledged"] if mirror_counts[t] == 0]
    mirror_doubled = {t: n for t, n in mirror_counts.items() if n > 1 and t.startswith("traffic ")}
    assert not mirror_missing and not mirror_doubled, (
        f"mirror archive: missing {mirror_missing[:10]}, doubled {mirror_doubled}")
