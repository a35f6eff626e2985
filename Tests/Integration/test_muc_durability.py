"""Bridged rooms across Trestle restarts: what the store keeps must be
enough for clients to carry on, after a clean stop (SIGTERM) and after a
crash (SIGKILL) in the middle of a stream of messages."""

from __future__ import annotations

import asyncio
import contextlib
import signal

import pytest

from conftest import PASSWORD, run
from support.bridge import (CORRECTION, LOBBY, MIRROR, in_thread, mam_all, mam_page, restarted, start_bridge,
                            store_busy, store_lagging, users)
from support.muc import body, enter, is_message, occupant_id, said, stanza_error, stanza_id, statuses, xml


@contextlib.contextmanager
def stopped_at_exit(proc):
    """Stop a Trestle the fixture does not know about; show its log on failure."""
    try:
        yield proc
    finally:
        proc.stop()
        print(f"--- restarted trestle log ({proc.log_path}) ---\n{proc.log_tail(80)}")


def test_correction_after_restart_lands_on_the_copy(prosody, trestle):
    proc = start_bridge(trestle)

    async def scenario():
        async with users(prosody, PASSWORD, "alice", "bob") as (alice, bob):
            joined = await enter(alice, LOBBY, "Alice")
            await enter(bob, MIRROR, "Bob")
            original = alice.say(LOBBY, "befor the restart")
            reflection = await alice.wait_for(said(f"{LOBBY}/Alice", "befor the restart"), what="reflection")
            copy = await bob.wait_for(said(f"{MIRROR}/Alice", "befor the restart"), what="copy in mirror")
            # And one the other way, for a correction from mirror.
            bob_original = bob.say(MIRROR, "bob befor")
            bob_copy = await alice.wait_for(said(f"{LOBBY}/Bob", "bob befor"), what="Bob's copy in lobby")

            code = await in_thread(proc.stop, signal.SIGTERM, 10.0)
            assert code == 0, f"trestle exit code {code} on SIGTERM\n{proc.log_tail()}"
            with stopped_at_exit(await in_thread(restarted, proc)) as again:
                # The rooms forgot their occupants: the clients rejoin.
                rejoined = await enter(alice, LOBBY, "Alice")
                await enter(bob, MIRROR, "Bob")
                # XEP-0421: the occupant id survives the restart.
                own = [occupant_id(s) for s in joined + rejoined if s.get("from") == f"{LOBBY}/Alice" and "110" in statuses(s)]
                assert len(own) == 2 and own[0] and own[0] == own[1], own

                alice.say(LOBBY, "before the restart",
                          extra=f"<replace xmlns='{CORRECTION}' id='{original}'/>")
                fixed = await bob.wait_for(said(f"{MIRROR}/Alice", "before the restart"), what="correction in mirror")
                replace = fixed.find(f"{{{CORRECTION}}}replace")
                assert replace is not None, f"the correction came as a new message:\n{xml(fixed)}"
                assert replace.get("id") == copy.get("id"), (xml(copy), xml(fixed))

                bob.say(MIRROR, "bob before", extra=f"<replace xmlns='{CORRECTION}' id='{bob_original}'/>")
                fixed = await alice.wait_for(said(f"{LOBBY}/Bob", "bob before"), what="Bob's correction in lobby")
                replace = fixed.find(f"{{{CORRECTION}}}replace")
                assert replace is not None and replace.get("id") == bob_copy.get("id"), (xml(bob_copy), xml(fixed))

                # The archive survived too, with the same ids.
                archived = await mam_all(bob, MIRROR)
                ids = [m.find("{urn:xmpp:sid:0}stanza-id").get("id") for m in archived]
                assert stanza_id(reflection) in ids, ids
                assert again.running, again.log_tail()

    run(scenario())


MESSAGES = 200


def test_no_acknowledged_message_lost_on_kill(prosody, trestle):
    proc = start_bridge(trestle)

    async def scenario():
        async with users(prosody, PASSWORD, "alice") as (alice,):
            await enter(alice, LOBBY, "Alice")
            me = f"{LOBBY}/Alice"

            def acknowledged() -> dict[str, str]:
                """Body → stanza id of every reflection Alice has received."""
                return {body(s): stanza_id(s) for s in alice.stanzas
                        if is_message(s) and s.get("from") == me and (body(s) or "").startswith("load ")}

            async def send_all():
                # Bursts of ten: Trestle always has messages in flight.
                for n in range(MESSAGES):
                    alice.say(LOBBY, f"load {n:03}")
                    if n % 10 == 9:
                        await asyncio.sleep(0.01)

            sender = asyncio.create_task(send_all())
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 30
            while len(acknowledged()) < MESSAGES // 3:
                assert loop.time() < deadline, f"only {len(acknowledged())} reflections in 30 s"
                await asyncio.sleep(0.002)
            proc.stop(signal.SIGKILL)
            # Everything received from now on was decided before the kill
            # (a reflection only leaves Trestle once the message is stored),
            # and Prosody needs a moment to pass what it holds.
            await sender
            await asyncio.sleep(0.5)
            before_kill = acknowledged()
            assert MESSAGES // 3 <= len(before_kill) < MESSAGES, \
                f"the kill did not come in the middle: {len(before_kill)} of {MESSAGES} acknowledged"
            assert all(before_kill.values()), "a reflection without a stanza id"

            with stopped_at_exit(await in_thread(restarted, proc)) as again:
                await enter(alice, LOBBY, "Alice", history=0)
                archived = await mam_all(alice, LOBBY)
                in_archive = {}
                for message in archived:
                    text = body(message) or ""
                    if text.startswith("load "):
                        assert text not in in_archive, f"{text!r} archived twice"
                        in_archive[text] = message.find("{urn:xmpp:sid:0}stanza-id").get("id")
                print(f"acknowledged before the kill: {len(before_kill)}, archived after: {len(in_archive)}")
                lost = sorted(set(before_kill) - set(in_archive))
                assert not lost, f"{len(lost)} acknowledged messages lost: {lost[:10]}"
                changed = {t: (before_kill[t], in_archive[t]) for t in before_kill if before_kill[t] != in_archive[t]}
                assert not changed, f"stanza ids changed: {changed}"
                # Order in the archive is the order said.
                said_order = [t for t in sorted(in_archive)]
                assert [t for t in in_archive] == said_order, list(in_archive)
                assert again.running, again.log_tail()

    run(scenario(), timeout=90)


def test_nothing_shown_in_the_other_room_is_lost_on_kill(prosody, trestle):
    """A stanza id is a promise that the archive holds the message
    (XEP-0359, XEP-0313): what Bob was shown in mirror before a crash must
    be in the archive after it, and a correction of it must name his copy."""
    proc = start_bridge(trestle)

    async def scenario():
        async with users(prosody, PASSWORD, "alice", "bob") as (alice, bob):
            await enter(alice, LOBBY, "Alice")
            await enter(bob, MIRROR, "Bob")
            alice.say(LOBBY, "warm-up")
            await bob.wait_for(said(f"{MIRROR}/Alice", "warm-up"), what="warm-up copy")

            def copies() -> list:
                return [s for s in bob.stanzas if is_message(s) and s.get("from") == f"{MIRROR}/Alice"
                        and (body(s) or "").startswith("lagging ")]

            sent = {}
            start = len(proc.log_text())
            with store_busy(proc):
                for n in range(20):
                    sent[f"lagging {n:02}"] = alice.say(LOBBY, f"lagging {n:02}")
                # Trestle tried to commit and could not; give it time to do
                # whatever else it does meanwhile, then crash it.
                await store_lagging(proc, start)
                await asyncio.sleep(1.0)
                proc.stop(signal.SIGKILL)
            await asyncio.sleep(0.3)
            seen = copies()
            acknowledged = [s for s in alice.stanzas if is_message(s) and s.get("from") == f"{LOBBY}/Alice"
                            and (body(s) or "").startswith("lagging ")]
            print(f"before the kill: Bob saw {len(seen)} copies, Alice got {len(acknowledged)} reflections")

            with stopped_at_exit(await in_thread(restarted, proc)):
                await enter(alice, LOBBY, "Alice", history=0)
                await enter(bob, MIRROR, "Bob", history=0)
                archived = {m.find("{urn:xmpp:sid:0}stanza-id").get("id"): body(m) for m in await mam_all(bob, MIRROR)}
                problems = []
                missing = [f"{body(c)!r} (stanza id {stanza_id(c)})" for c in seen + acknowledged
                           if stanza_id(c) not in archived]
                if missing:
                    problems.append(f"{len(missing)} messages shown with a stanza id are not in the archive: {missing[:5]}")
                if seen:
                    last = seen[-1]
                    page = await mam_page(bob, MIRROR, max=10, after=stanza_id(last))
                    if page.reply.get("type") != "result":
                        problems.append(f"MAM after the last stanza id Bob saw fails: {xml(page.reply)}")
                    text = body(last)
                    marker_start = len(bob.stanzas)
                    alice.say(LOBBY, text + " (fixed)", extra=f"<replace xmlns='{CORRECTION}' id='{sent[text]}'/>")
                    alice.say(LOBBY, "after the fix")
                    await bob.wait_for(said(f"{MIRROR}/Alice", "after the fix"), what="message after the correction")
                    fixes = [s for s in bob.stanzas[marker_start:] if (body(s) or "").endswith(text + " (fixed)")]
                    replace = fixes[0].find(f"{{{CORRECTION}}}replace") if fixes else None
                    if replace is None or replace.get("id") != last.get("id"):
                        problems.append(f"the correction of {text!r} did not reach Bob as a correction of his copy "
                                        f"{xml(last)}; Bob got: {[xml(f) for f in fixes]}; Alice got: "
                                        f"{[xml(s) for s in alice.stanzas if s.get('type') == 'error'][-1:]}")
                assert not problems, "\n".join(problems)

    run(scenario(), timeout=90)


BURST = 500


def test_a_sender_ahead_of_its_own_reflections_is_told_to_send_again(prosody, trestle):
    """A burst faster than Trestle reflects it, against a queue of ten
    events per endpoint: each message is either reflected (and archived) or
    refused with `resource-constraint` (and kept nowhere). None is lost in
    silence; a refused one, sent again once the room caught up, goes through."""
    proc = start_bridge(trestle, router={"queue_limit": 10})

    async def scenario():
        async with users(prosody, PASSWORD, "alice") as (alice,):
            await enter(alice, LOBBY, "Alice")
            ids = [alice.say(LOBBY, f"burst {n}", id=f"b{n}") for n in range(BURST)]

            def settled() -> bool:
                answered = {s.get("id") for s in alice.stanzas if is_message(s) and s.get("id") in ids
                            and (s.get("from") == f"{LOBBY}/Alice" or stanza_error(s))}
                return len(answered) == BURST
            for _ in range(300):
                if settled():
                    break
                await asyncio.sleep(0.1)
            assert settled(), f"some messages got neither a reflection nor an error\n{proc.log_tail()}"
            answers = [s for s in alice.stanzas if is_message(s) and s.get("id") in ids]
            reflected = {s.get("id") for s in answers if s.get("type") == "groupchat"}
            refused = {s.get("id") for s in answers if stanza_error(s)}
            assert all(stanza_error(s) == ("wait", "resource-constraint") for s in answers if stanza_error(s)), \
                [xml(s) for s in answers if stanza_error(s)][:3]
            assert reflected | refused == set(ids) and not reflected & refused, (len(reflected), len(refused))
            assert refused, f"no message was refused with a queue of 10 events: the test shows nothing\n{proc.log_tail()}"
            # The archive holds exactly the reflected ones, in the order sent.
            archived = [body(m) for m in await mam_all(alice, LOBBY)]
            assert archived == [f"burst {n}" for n in range(BURST) if f"b{n}" in reflected]
            assert proc.log_text().count("origin busy: event refused") == len(refused)
            # Sent again, a refused message goes through.
            again = sorted(refused, key=lambda i: int(i[1:]))[0]
            alice.say(LOBBY, f"again {again}", id="again")
            await alice.wait_for(said(f"{LOBBY}/Alice", f"again {again}"), what="the resent message reflected")

    run(scenario())
