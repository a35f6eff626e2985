"""The archive of a bridged room as XMPP clients reach it: history sent on
join (XEP-0045 §7.2.14, with XEP-0203 delays) and XEP-0313 queries with
XEP-0059 paging. Both rooms of the bridged room `lobby` share one archive."""

from __future__ import annotations

import contextlib
import xml.etree.ElementTree as ET

from conftest import PASSWORD, run
from support.bridge import LOBBY, MIRROR, RSM, mam_page, start_bridge
from support.muc import MUCUser, body, delay_stamp, enter, is_message, occupant_id, stanza_id, subject, xml


@contextlib.asynccontextmanager
async def users(prosody, *names: str):
    async with contextlib.AsyncExitStack() as stack:
        clients = []
        for name in names:
            if name not in ("alice", "admin"):
                prosody.register(name, PASSWORD)
            clients.append(await stack.enter_async_context(MUCUser(f"{name}@{prosody.domain}", PASSWORD, prosody)))
        yield clients


def said(jid: str, text: str):
    return lambda s: is_message(s) and s.get("from") == jid and body(s) == text


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
        async with users(prosody, "alice", "bob", "carol") as (alice, bob, carol):
            await enter(alice, LOBBY, "Alice")
            texts = ["first", "second", "third"]
            reflections = await say_and_wait(alice, LOBBY, "Alice", texts)

            # Said in lobby, it is history in mirror too (one bridged room).
            sequence = await enter(bob, MIRROR, "Bob")
            history = history_of(sequence)
            shown = "\n".join(xml(s) for s in sequence)
            assert [body(s) for s in history] == texts, shown
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
        async with users(prosody, "alice", "bob") as (alice, bob):
            await enter(alice, LOBBY, "Alice")
            await enter(bob, MIRROR, "Bob")
            texts = [f"message {n:02}" for n in range(25)]
            reflections = await say_and_wait(alice, LOBBY, "Alice", texts)
            ids = [stanza_id(r) for r in reflections]
            assert all(ids) and len(set(ids)) == 25, ids

            def check(page, first: int, last: int, complete: bool, room: str = LOBBY):
                shown = xml(page.reply) + "\n" + "\n".join(xml(r) for r in page.results)
                assert page.reply.get("type") == "result", shown
                assert page.fin is not None, f"no <fin xmlns='urn:xmpp:mam:2'/>: {shown}"
                assert [body(m) for m in page.messages] == texts[first:last], shown
                assert page.ids == ids[first:last], shown
                for message in page.messages:
                    assert message.get("from") == f"{room}/Alice", ET.tostring(message, encoding="unicode")
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
