"""The archive of a bridged room as XMPP clients reach it: history sent on
join (XEP-0045 §7.2.14, with XEP-0203 delays) and XEP-0313 queries with
XEP-0059 paging. Both rooms of the bridged room `lobby` share one archive."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import xml.etree.ElementTree as ET

import pytest

from conftest import PASSWORD, run
from support.bridge import (CORRECTION, LOBBY, MAM, MIRROR, in_thread, mam_page, restarted, start_bridge, store_busy,
                            store_lagging, users)
from support.muc import (MUCUser, body, delay_stamp, enter, is_message, occupant_id, said, stanza_id, statuses,
                         subject, xml)


async def say_and_wait(user: MUCUser, room: str, nick: str, texts: list[str]) -> list[ET.Element]:
    """Say every text, then wait for all reflections; return them in order."""
    for text in texts:
        user.say(room, text)
    return [await user.wait_for(said(f"{room}/{nick}", text), what=f"reflection of {text!r}") for text in texts]


def history_of(sequence: list[ET.Element]) -> list[ET.Element]:
    return [s for s in sequence if is_message(s) and body(s) is not None]


def test_history_on_join(prosody, trestle):
    proc = start_bridge(trestle)

    async def scenario():
        async with users(prosody, PASSWORD, "alice", "bob", "carol") as (alice, bob, carol):
            await enter(alice, LOBBY, "Alice")
            texts = ["first", "second", "third"]
            reflections = await say_and_wait(alice, LOBBY, "Alice", texts)

            # Said in lobby, it is history in mirror too (one bridged room).
            sequence = await enter(bob, MIRROR, "Bob")
            history = history_of(sequence)
            shown = "\n".join(xml(s) for s in sequence)
            assert [body(s) for s in history] == texts, shown
            # Alice is in the room: her history messages carry her occupant id there.
            alice_here = [s for s in sequence if s.get("from") == f"{MIRROR}/Alice" and s.tag.endswith("presence")]
            assert alice_here and all(occupant_id(s) == occupant_id(alice_here[0]) for s in history), shown
            for message, reflection in zip(history, reflections):
                assert message.get("from") == f"{MIRROR}/Alice", xml(message)
                assert message.get("type") == "groupchat", xml(message)
                assert delay_stamp(message), f"history without <delay/>: {xml(message)}"
                assert stanza_id(message) == stanza_id(reflection), (xml(reflection), xml(message))
                assert occupant_id(message), xml(message)
            stamps = [delay_stamp(s) for s in history]
            assert stamps == sorted(stamps), stamps
            assert subject(sequence[-1]) is not None, shown

            # A join asks for less: <history maxstanzas='2'/>, or none.
            two = history_of(await enter(carol, LOBBY, "Carol", history=2))
            assert [body(s) for s in two] == ["second", "third"], [xml(s) for s in two]
            assert all(delay_stamp(s) for s in two), [xml(s) for s in two]
            carol.send_raw(f"<presence to='{LOBBY}/Carol' type='unavailable'/>")
            await carol.wait_for(lambda s: s.get("type") == "unavailable" and s.get("from") == f"{LOBBY}/Carol",
                                 what="own leave")
            none = history_of(await enter(carol, LOBBY, "Carol", history=0))
            assert none == [], [xml(s) for s in none]

            # Messages said while one is in the room are live, not history.
            alice.say(LOBBY, "live")
            live = await bob.wait_for(said(f"{MIRROR}/Alice", "live"), what="live message")
            assert delay_stamp(live) is None, xml(live)

    run(scenario())
    assert proc.running, proc.log_tail()


def test_mam_paging(prosody, trestle):
    proc = start_bridge(trestle)

    async def scenario():
        async with users(prosody, PASSWORD, "alice", "bob") as (alice, bob):
            await enter(alice, LOBBY, "Alice")
            await enter(bob, MIRROR, "Bob")
            texts = [f"message {n:02}" for n in range(25)]
            reflections = await say_and_wait(alice, LOBBY, "Alice", texts)
            ids = [stanza_id(r) for r in reflections]
            assert all(ids) and len(set(ids)) == 25, ids

            alice_id = occupant_id(reflections[0])

            def check(page, first: int, last: int, complete: bool, room: str = LOBBY):
                shown = xml(page.reply) + "\n" + "\n".join(xml(r) for r in page.results)
                assert page.reply.get("type") == "result", shown
                assert page.fin is not None, f"no <fin xmlns='urn:xmpp:mam:2'/>: {shown}"
                assert [body(m) for m in page.messages] == texts[first:last], shown
                assert page.ids == ids[first:last], shown
                for message in page.messages:
                    assert message.get("from") == f"{room}/Alice", ET.tostring(message, encoding="unicode")
                    if room == LOBBY:
                        assert occupant_id(message) == alice_id, ET.tostring(message, encoding="unicode")
                for result in page.results:
                    forwarded = result.find("{urn:xmpp:forward:0}forwarded")
                    assert delay_stamp(forwarded), f"no <delay/> on <forwarded/>: {xml(result)}"
                assert page.rsm_text("count") == "25", shown
                assert page.rsm_text("first") == ids[first] and page.rsm_text("last") == ids[last - 1], shown
                assert page.complete == complete, f"complete should be {complete}: {xml(page.reply)}"

            # Forward: the first ten, the next ten, the last five (complete).
            page = await mam_page(alice, LOBBY, max=10)
            check(page, 0, 10, False)
            assert page.rsm("first").get("index") in (None, "0"), xml(page.reply)
            page = await mam_page(alice, LOBBY, max=10, after=page.rsm_text("last"))
            check(page, 10, 20, False)
            page = await mam_page(alice, LOBBY, max=10, after=page.rsm_text("last"))
            check(page, 20, 25, True)
            # Past the end: nothing more, complete.
            end = await mam_page(alice, LOBBY, max=10, after=ids[-1])
            assert end.reply.get("type") == "result" and end.results == [] and end.complete, xml(end.reply)

            # Backward: <before/> is the last page, then pages before it.
            page = await mam_page(alice, LOBBY, max=10, before="")
            check(page, 15, 25, False)
            assert page.rsm("first").get("index") in (None, "15"), xml(page.reply)
            page = await mam_page(alice, LOBBY, max=10, before=page.rsm_text("first"))
            check(page, 5, 15, False)
            page = await mam_page(alice, LOBBY, max=10, before=page.rsm_text("first"))
            check(page, 0, 5, True)

            # The same archive from the other room, as that room shows it.
            page = await mam_page(bob, MIRROR, max=10)
            check(page, 0, 10, False, room=MIRROR)

            # An id the archive does not hold: item-not-found (XEP-0313 §5.1.2).
            unknown = await mam_page(alice, LOBBY, max=10, after="no-such-id")
            error = unknown.reply.find("{jabber:client}error")
            assert unknown.reply.get("type") == "error" and error is not None, xml(unknown.reply)
            assert error.find("{urn:ietf:params:xml:ns:xmpp-stanzas}item-not-found") is not None, xml(unknown.reply)

    run(scenario())
    assert proc.running, proc.log_tail()


def visible(messages: list[ET.Element]) -> list[str]:
    """The texts a client shows for these messages once it has applied
    XEP-0308 corrections and XEP-0424 retractions among them."""
    shown: list[tuple[set[str], str]] = []        # (ids naming the message, text)
    for message in messages:
        replace = message.find("{urn:xmpp:message-correct:0}replace")
        retract = message.find("{urn:xmpp:message-retract:1}retract")
        if retract is not None:
            shown = [(ids, text) for ids, text in shown if retract.get("id") not in ids]
        elif message.find("{urn:xmpp:message-retract:1}retracted") is not None:
            continue
        elif replace is not None:
            shown = [(ids, body(message) if replace.get("id") in ids else text) for ids, text in shown]
        elif body(message) is not None:
            shown.append(({message.get("id"), stanza_id(message)} - {None}, body(message)))
    return [text for _, text in shown]


def test_history_and_archive_show_corrections_and_retractions(prosody, trestle):
    """A client that joins (or scrolls back) after a correction or a
    retraction must end up showing what a client present all along shows."""
    proc = start_bridge(trestle)

    async def scenario():
        async with users(prosody, PASSWORD, "alice", "bob") as (alice, bob):
            await enter(alice, LOBBY, "Alice")
            first = alice.say(LOBBY, "helo")
            secret = alice.say(LOBBY, "my password is hunter2")
            await alice.wait_for(said(f"{LOBBY}/Alice", "helo"), what="reflection of 'helo'")
            secret = await alice.wait_for(said(f"{LOBBY}/Alice", "my password is hunter2"), what="reflection")
            alice.say(LOBBY, "hello", extra=f"<replace xmlns='urn:xmpp:message-correct:0' id='{first}'/>")
            await alice.wait_for(said(f"{LOBBY}/Alice", "hello"), what="reflection of the correction")
            alice.send_raw(f"<message to='{LOBBY}' type='groupchat' id='r1'>"
                           f"<retract xmlns='urn:xmpp:message-retract:1' id='{stanza_id(secret)}'/>"
                           "<fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:message-retract:1'/>"
                           "<body>/me retracted a previous message</body></message>")
            await alice.wait_for(lambda s: s.get("id") == "r1" and s.get("type") == "groupchat", what="retraction")
            await say_and_wait(alice, LOBBY, "Alice", ["plain"])

            sequence = await enter(bob, MIRROR, "Bob")
            history = [s for s in sequence if is_message(s) and subject(s) is None]
            shown = "\n".join(xml(s) for s in history)
            assert visible(history) == ["hello", "plain"], shown
            assert not any("hunter2" in (body(s) or "") for s in history), shown

            page = await mam_page(bob, MIRROR)
            assert page.reply.get("type") == "result", xml(page.reply)
            archived = page.messages
            shown = "\n".join(xml(s) for s in archived)
            assert visible(archived) == ["hello", "plain"], shown
            assert not any("hunter2" in (body(s) or "") for s in archived), shown

    run(scenario())
    assert proc.running, proc.log_tail()



def test_message_said_just_before_a_join_is_not_lost(prosody, trestle):
    """A message said before someone joins reaches them, as history or
    live, even while the store is slow to commit it."""
    proc = start_bridge(trestle)

    async def scenario():
        async with users(prosody, PASSWORD, "alice", "bob", "carol") as (alice, bob, carol):
            await enter(alice, LOBBY, "Alice")
            await say_and_wait(alice, LOBBY, "Alice", ["warm-up"])
            start = len(proc.log_text())
            with store_busy(proc):
                alice.say(LOBBY, "said just before")
                await store_lagging(proc, start)
                bob_join = await enter(bob, MIRROR, "Bob")
                carol_join = await enter(carol, LOBBY, "Carol")
            await alice.wait_for(said(f"{LOBBY}/Alice", "said just before"), what="reflection once committed")
            alice.say(LOBBY, "said after")
            problems = []
            for user, room, join in ((bob, MIRROR, bob_join), (carol, LOBBY, carol_join)):
                await user.wait_for(said(f"{room}/Alice", "said after"), what="the next message")
                texts = [body(s) for s in user.stanzas if is_message(s) and s.get("from") == f"{room}/Alice"]
                if "said just before" not in texts:
                    problems.append(f"{user.boundjid} joined {room} after 'said just before' and never got it; "
                                    f"history on join: {[body(s) for s in history_of(join)]}, "
                                    f"all messages from Alice: {texts}")
            assert not problems, "\n".join(problems)

    run(scenario())
    assert proc.running, proc.log_tail()


def test_live_order_is_the_archive_order(prosody, trestle):
    """Every client, in either room, sees messages in one order, the
    archive's, even while the store is slow to commit."""
    proc = start_bridge(trestle)

    async def scenario():
        async with users(prosody, PASSWORD, "alice", "bob", "carol") as (alice, bob, carol):
            await enter(alice, LOBBY, "Alice")
            await enter(carol, LOBBY, "Carol")
            await enter(bob, MIRROR, "Bob")
            await say_and_wait(alice, LOBBY, "Alice", ["warm-up"])
            start = len(proc.log_text())
            with store_busy(proc):
                alice.say(LOBBY, "first, from lobby")
                await store_lagging(proc, start)
                bob.say(MIRROR, "second, from mirror")
                await asyncio.sleep(0.5)
            wanted = ["first, from lobby", "second, from mirror"]
            for user in (alice, carol, bob):
                for text in wanted:
                    await user.wait_for(lambda s: is_message(s) and body(s) == text, what=text)
            archived = [body(m) for m in (await mam_page(alice, LOBBY)).messages if body(m) in wanted]
            assert archived == wanted, archived
            views = {str(user.boundjid): [body(s) for s in user.stanzas if is_message(s) and body(s) in wanted]
                     for user in (alice, carol, bob)}
            assert all(view == wanted for view in views.values()), f"archive order {wanted}, live orders {views}"

    run(scenario())
    assert proc.running, proc.log_tail()


def test_old_messages_are_forgotten(prosody, trestle):
    """With `store.keep_messages`, messages older than that leave the
    archive at start (and every hour): a join gets no history of them, MAM
    no longer finds them, and newer ones stay."""
    import sqlite3
    import time

    from support.bridge import restarted

    proc = start_bridge(trestle, store={"keep_messages": "1d"})
    restarts = []

    async def say_some():
        async with users(prosody, PASSWORD, "alice") as (alice,):
            await enter(alice, LOBBY, "Alice")
            await say_and_wait(alice, LOBBY, "Alice", ["old one", "old two", "recent"])

    run(say_some())
    assert proc.stop() == 0, proc.log_tail()
    # Two of them said two days ago, as far as the store knows.
    db = sqlite3.connect(proc.dir / "trestle.sqlite")
    try:
        two_days = 2 * 86_400
        db.execute("UPDATE archive SET timestamp = timestamp - ? WHERE content LIKE '%old %'", (two_days,))
        db.commit()
        assert db.execute("SELECT COUNT(*) FROM message_map").fetchone()[0] >= 3
    finally:
        db.close()
    try:
        again = restarted(proc)
        restarts.append(again)
        again.wait_for_log(r"messages=2 .*archive retention: old messages forgotten", timeout=20)

        async def look():
            async with users(prosody, PASSWORD, "bob") as (bob,):
                history = history_of(await enter(bob, LOBBY, "Bob"))
                assert [body(s) for s in history] == ["recent"], [xml(s) for s in history]
                page = await mam_page(bob, LOBBY)
                assert [body(m) for m in page.messages] == ["recent"], xml(page.reply)

        run(look())
        db = sqlite3.connect(proc.dir / "trestle.sqlite")
        try:
            assert db.execute("SELECT COUNT(*) FROM archive").fetchone()[0] == 1
        finally:
            db.close()
        assert again.running, again.log_tail()
    finally:
        for p in restarts:
            p.stop()


def test_archive_off_keeps_no_text_yet_corrections_land_after_a_restart(prosody, trestle):
    """`store.archive: false`: rooms are not logged (no status 170), offer
    neither history nor MAM, and the store holds no word of what was said;
    the id map and authors are kept, so a correction after a restart still
    reaches the copy in the other room."""
    proc = start_bridge(trestle, store={"archive": False})

    async def scenario():
        async with users(prosody, PASSWORD, "alice", "bob", "carol") as (alice, bob, carol):
            joined = await enter(alice, LOBBY, "Alice")
            own = [s for s in joined if s.get("from") == f"{LOBBY}/Alice" and "110" in statuses(s)]
            assert own and "170" not in statuses(own[0]), [xml(s) for s in own]
            await enter(bob, MIRROR, "Bob")
            original = alice.say(LOBBY, "the secret word is swordfish")
            copy = await bob.wait_for(said(f"{MIRROR}/Alice", "the secret word is swordfish"), what="copy in mirror")

            # No history for a newcomer, no MAM.
            assert history_of(await enter(carol, MIRROR, "Carol")) == []
            info = (await carol.iq(MIRROR, "get", "<query xmlns='http://jabber.org/protocol/disco#info'/>")).xml
            features = {f.get("var") for f in info.iter("{http://jabber.org/protocol/disco#info}feature")}
            assert "urn:xmpp:sid:0" in features and MAM not in features, sorted(features)
            page = await mam_page(carol, MIRROR)
            assert page.reply.get("type") == "error" and page.results == [], xml(page.reply)
            assert page.reply.find(".//{urn:ietf:params:xml:ns:xmpp-stanzas}service-unavailable") is not None, xml(page.reply)

            code = await in_thread(proc.stop, signal.SIGTERM, 10.0)
            assert code == 0, f"trestle exit code {code} on SIGTERM\n{proc.log_tail()}"
            # Nothing of the words is on disk (the WAL was checkpointed at the stop; read both anyway).
            stored = b"".join(path.read_bytes() for path in proc.dir.glob("trestle.sqlite*"))
            assert stored and b"swordfish" not in stored
            # The clean stop closed the store: its write-ahead log, where deleted text could linger, is empty.
            wal = proc.dir / "trestle.sqlite-wal"
            assert not wal.exists() or wal.stat().st_size == 0, wal.stat().st_size
            rows = sqlite3.connect(proc.dir / "trestle.sqlite").execute("SELECT sender_id FROM archive").fetchall()
            assert rows == [(f"alice@{prosody.domain}",)], rows

            again = await in_thread(restarted, proc)
            try:
                await enter(alice, LOBBY, "Alice")
                await enter(bob, MIRROR, "Bob")
                alice.say(LOBBY, "the secret word is gone", extra=f"<replace xmlns='{CORRECTION}' id='{original}'/>")
                fixed = await bob.wait_for(said(f"{MIRROR}/Alice", "the secret word is gone"), what="correction in mirror")
                replace = fixed.find(f"{{{CORRECTION}}}replace")
                assert replace is not None and replace.get("id") == copy.get("id"), (xml(copy), xml(fixed))
            finally:
                again.stop()

    run(scenario())
