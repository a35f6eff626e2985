"""What real XMPP clients need from bridged rooms, feature by feature.

The room `lobby` links lobby@ and mirror@ of the component. Users join
with real slixmpp clients through the test Prosody; every expectation is
what XEP-0045 and the XEPs the rooms advertise (0308, 0410, 0421, 0424,
0444, 0461) say a client may rely on, seen from both rooms."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from conftest import COMPONENT_JID, PASSWORD, run
from support.bridge import (CORRECTION, FALLBACK, HINTS, LOBBY, MIRROR, REACTIONS, REPLY, RETRACTION,
                            mam_all, start_bridge, users)
from support.client import error_condition
from support.muc import (MUCUser, body, enter, is_message, is_presence, muc_item, occupant_id, said, stanza_error,
                         stanza_id, statuses, subject, wait_since, xml)

RETRACT_FALLBACK = "/me retracted a previous message, but it's unsupported by your client."


def frm(stanza: ET.Element) -> str:
    return stanza.get("from", "")


def presence_from(jid: str, unavailable: bool | None = None):
    def predicate(s):
        if not is_presence(s) or frm(s) != jid or s.get("type") == "error":
            return False
        return unavailable is None or (s.get("type") == "unavailable") == unavailable
    return predicate


def error_reply(id_: str):
    """Predicate: an error stanza answering the stanza with this id."""
    return lambda s: s.get("id") == id_ and s.get("type") == "error"


def child(stanza: ET.Element, namespace: str, name: str) -> ET.Element | None:
    return stanza.find(f"{{{namespace}}}{name}")


async def marker(sender: MUCUser, room: str, *receivers: tuple[MUCUser, str], text: str = "marker") -> None:
    """Say `text` in `room` and wait until every (user, from) receiver has it:
    deliveries are ordered, so whatever was sent before has been handled."""
    sender.say(room, text)
    for receiver, jid in receivers:
        await receiver.wait_for(said(jid, text), what=f"marker {text!r} from {jid}")


def never_got(user: MUCUser, predicate, what: str) -> None:
    bad = [xml(s) for s in user.stanzas if predicate(s)]
    assert not bad, f"{user.boundjid} got {what}:\n" + "\n".join(bad)


# -- 0. discovery -------------------------------------------------------------

DISCO_INFO = "http://jabber.org/protocol/disco#info"
DISCO_ITEMS = "http://jabber.org/protocol/disco#items"


def test_rooms_are_discoverable_with_their_features(prosody, trestle):
    """Clients look before they use: a MUC room of conference/text type,
    with the features the other tests rely on."""
    proc = start_bridge(trestle)

    async def scenario():
        async with users(prosody, PASSWORD, "alice") as (alice,):
            items = await alice.iq(COMPONENT_JID, "get", f"<query xmlns='{DISCO_ITEMS}'/>")
            assert items["type"] == "result", items
            assert {str(jid) for jid, *_ in items["disco_items"]["items"]} >= {LOBBY, MIRROR}, items
            for room in (LOBBY, MIRROR):
                info = await alice.iq(room, "get", f"<query xmlns='{DISCO_INFO}'/>")
                assert info["type"] == "result", info
                identities = {(c, t) for c, t, *_ in info["disco_info"]["identities"]}
                assert ("conference", "text") in identities, info
                features = set(info["disco_info"]["features"])
                wanted = {"http://jabber.org/protocol/muc", "urn:xmpp:mam:2", "urn:xmpp:sid:0",
                          "urn:xmpp:occupant-id:0", "muc_nonanonymous", "muc_open"}
                assert wanted <= features, (room, wanted - features)

    run(scenario())
    assert proc.running, proc.log_tail()


# -- 1. join ---------------------------------------------------------------

def test_join_sequence_occupant_id_and_remote_view(prosody, trestle):
    proc = start_bridge(trestle)

    async def scenario():
        async with users(prosody, PASSWORD, "alice", "bob", "carol") as (alice, bob, carol):
            await enter(carol, LOBBY, "Carol")
            carol.send_raw(f"<message to='{LOBBY}' type='groupchat' id='subj1'><subject>Welcome</subject></message>")
            await carol.wait_for(lambda s: is_message(s) and subject(s) == "Welcome", what="subject reflection")
            carol.say(LOBBY, "said before alice came")
            await carol.wait_for(said(f"{LOBBY}/Carol", "said before alice came"), what="reflection")
            bob_join = await enter(bob, MIRROR, "Bob")
            # The subject is the bridged room's: set in lobby, it is mirror's too.
            assert subject(bob_join[-1]) == "Welcome", xml(bob_join[-1])
            await carol.wait_for(presence_from(f"{LOBBY}/Bob", unavailable=False), what="Bob in lobby")

            sequence = await enter(alice, LOBBY, "Alice")
            kinds = []
            for s in sequence:
                if is_presence(s):
                    kinds.append("self" if "110" in statuses(s) else "occupant")
                elif subject(s) is not None and body(s) is None:
                    kinds.append("subject")
                else:
                    kinds.append("history")
            shown = "\n".join(xml(s) for s in sequence)
            # XEP-0045 §7.2: other occupants, then self-presence, then history, then the subject.
            assert kinds == sorted(kinds, key=["occupant", "self", "history", "subject"].index), shown
            assert kinds.count("self") == 1 and kinds.count("subject") == 1, shown
            assert kinds[-1] == "subject" and subject(sequence[-1]) == "Welcome", shown
            occupants = {frm(s): s for s in sequence if is_presence(s) and "110" not in statuses(s)}
            assert set(occupants) == {f"{LOBBY}/Carol", f"{LOBBY}/Bob"}, shown
            history = [s for s in sequence if is_message(s) and body(s) is not None]
            assert [body(s) for s in history] == ["said before alice came"], shown
            assert frm(history[0]) == f"{LOBBY}/Carol" and history[0].find("{urn:xmpp:delay}delay") is not None, shown

            own = next(s for s in sequence if is_presence(s) and "110" in statuses(s))
            assert frm(own) == f"{LOBBY}/Alice", xml(own)
            assert {"110", "100"} <= statuses(own), xml(own)  # non-anonymous room: 100 on join
            assert muc_item(own).get("role") == "participant", xml(own)
            # XEP-0421: every occupant has an id, distinct per person, the same
            # in presence and in messages.
            ids = {jid: occupant_id(s) for jid, s in occupants.items()}
            alice_id = occupant_id(own)
            assert alice_id and all(ids.values()), shown
            assert len({alice_id, *ids.values()}) == 3, shown
            assert occupant_id(history[0]) == ids[f"{LOBBY}/Carol"], shown

            # The other occupants (here and across the bridge) see Alice join.
            seen = await carol.wait_for(presence_from(f"{LOBBY}/Alice", unavailable=False), what="Alice in lobby")
            assert "110" not in statuses(seen) and occupant_id(seen) == alice_id, xml(seen)
            remote = await bob.wait_for(presence_from(f"{MIRROR}/Alice", unavailable=False), what="Alice in mirror")
            assert "110" not in statuses(remote), xml(remote)
            assert occupant_id(remote), xml(remote)
            assert muc_item(remote) is not None and muc_item(remote).get("role") == "participant", xml(remote)

            # Leave and come back: the occupant id stays.
            start = len(alice.stanzas)
            alice.send_raw(f"<presence to='{LOBBY}/Alice' type='unavailable'/>")
            await wait_since(alice, start, lambda s: presence_from(f"{LOBBY}/Alice", True)(s) and "110" in statuses(s),
                             what="own unavailable presence")
            again = await enter(alice, LOBBY, "Alice", id="join-2")
            own_again = next(s for s in again if is_presence(s) and "110" in statuses(s))
            assert occupant_id(own_again) == alice_id, (xml(own), xml(own_again))
            # XEP-0045 §7.2.3: the self-presence carries the join's id.
            assert own_again.get("id") == "join-2", xml(own_again)
            # ... and messages carry it too.
            alice.say(LOBBY, "back")
            reflection = await alice.wait_for(said(f"{LOBBY}/Alice", "back"), what="reflection")
            assert occupant_id(reflection) == alice_id, xml(reflection)

    run(scenario())
    assert proc.running, proc.log_tail()


# -- 2. nick change and leave ---------------------------------------------

def test_nick_change_and_leave_seen_in_both_rooms(prosody, trestle):
    proc = start_bridge(trestle)

    async def scenario():
        async with users(prosody, PASSWORD, "alice", "bob", "carol") as (alice, bob, carol):
            await enter(carol, LOBBY, "Carol")
            await enter(bob, MIRROR, "Bob")
            await enter(alice, LOBBY, "Alice")
            old_in_lobby = await carol.wait_for(presence_from(f"{LOBBY}/Alice", False), what="Alice in lobby")
            old_in_mirror = await bob.wait_for(presence_from(f"{MIRROR}/Alice", False), what="Alice in mirror")
            marks = {u: len(u.stanzas) for u in (alice, bob, carol)}

            alice.send_raw(f"<presence to='{LOBBY}/Alicia'/>")
            for user, room, is_self in ((alice, LOBBY, True), (carol, LOBBY, False), (bob, MIRROR, False)):
                gone = await wait_since(user, marks[user], presence_from(f"{room}/Alice", True),
                                        what=f"303 for Alice in {room}")
                came = await wait_since(user, marks[user], presence_from(f"{room}/Alicia", False),
                                        what=f"Alicia's presence in {room}")
                assert "303" in statuses(gone), xml(gone)
                assert muc_item(gone) is not None and muc_item(gone).get("nick") == "Alicia", xml(gone)
                assert ("110" in statuses(gone)) == is_self and ("110" in statuses(came)) == is_self, (xml(gone), xml(came))
                order = user.stanzas.index(gone) < user.stanzas.index(came)
                assert order, f"{user.boundjid}: new presence before the 303:\n{xml(came)}\n{xml(gone)}"
                # XEP-0421: a nick change keeps the occupant id.
                before = old_in_mirror if room == MIRROR else old_in_lobby
                assert occupant_id(came) == occupant_id(before), (xml(before), xml(came))

            alice.say(LOBBY, "new name")
            await bob.wait_for(said(f"{MIRROR}/Alicia", "new name"), what="message from Alicia in mirror")

            marks = {u: len(u.stanzas) for u in (alice, bob, carol)}
            alice.send_raw(f"<presence to='{LOBBY}/Alicia' type='unavailable'><status>bye now</status></presence>")
            own = await wait_since(alice, marks[alice], presence_from(f"{LOBBY}/Alicia", True), what="own leave")
            assert "110" in statuses(own), xml(own)
            local = await wait_since(carol, marks[carol], presence_from(f"{LOBBY}/Alicia", True), what="leave in lobby")
            assert "110" not in statuses(local) and muc_item(local).get("role") == "none", xml(local)
            remote = await wait_since(bob, marks[bob], presence_from(f"{MIRROR}/Alicia", True), what="leave in mirror")
            assert "110" not in statuses(remote) and muc_item(remote).get("role") == "none", xml(remote)
            assert remote.findtext("{jabber:client}status") == "bye now", xml(remote)

            # Gone means gone: a message now is refused, and nothing crosses.
            refused = alice.say(LOBBY, "after leaving")
            await alice.wait_for(error_reply(refused), what="refusal after leaving")
            await marker(carol, LOBBY, (bob, f"{MIRROR}/Carol"))
            never_got(bob, lambda s: body(s) == "after leaving", "a message sent after leaving")

    run(scenario())
    assert proc.running, proc.log_tail()


def test_disconnecting_client_leaves_both_rooms(prosody, trestle):
    """A client that goes offline without leaving: its server sends the
    room an unavailable presence, and the room (and its mirror) lose it."""
    proc = start_bridge(trestle)

    async def scenario():
        async with users(prosody, PASSWORD, "alice", "bob", "carol") as (alice, bob, carol):
            await enter(carol, LOBBY, "Carol")
            await enter(bob, MIRROR, "Bob")
            await enter(alice, LOBBY, "Alice")
            await bob.wait_for(presence_from(f"{MIRROR}/Alice", False), what="Alice in mirror")
            await alice.logout()
            await carol.wait_for(presence_from(f"{LOBBY}/Alice", True), what="Alice gone from lobby")
            await bob.wait_for(presence_from(f"{MIRROR}/Alice", True), what="Alice gone from mirror")

    run(scenario())
    assert proc.running, proc.log_tail()


# -- 3. nick conflicts -----------------------------------------------------

def test_nick_conflict(prosody, trestle):
    proc = start_bridge(trestle)

    async def scenario():
        async with users(prosody, PASSWORD, "alice", "bob") as (alice, bob):
            await enter(alice, LOBBY, "Alice")

            # Taken by a local occupant.
            bob.send_raw(f"<presence to='{LOBBY}/Alice' id='j1'><x xmlns='http://jabber.org/protocol/muc'/></presence>")
            refused = await bob.wait_for(error_reply("j1"), what="join refusal")
            assert is_presence(refused) and frm(refused) == f"{LOBBY}/Alice", xml(refused)
            assert stanza_error(refused) == ("cancel", "conflict"), xml(refused)
            # Taken by a remote occupant (Alice, shown in mirror).
            bob.send_raw(f"<presence to='{MIRROR}/Alice' id='j2'><x xmlns='http://jabber.org/protocol/muc'/></presence>")
            refused = await bob.wait_for(error_reply("j2"), what="join refusal in mirror")
            assert is_presence(refused) and stanza_error(refused) == ("cancel", "conflict"), xml(refused)

            # Nothing of Bob's reached anyone, and Bob is not in the rooms.
            never_got(bob, lambda s: is_presence(s) and "110" in statuses(s), "a self-presence after a refused join")
            never_got(alice, lambda s: is_presence(s) and "/Bob" in frm(s), "a presence from Bob")
            sent = bob.say(LOBBY, "am I in?")
            await bob.wait_for(error_reply(sent), what="refusal of a message from a non-occupant")

            # Changing to a taken nick is a conflict too; the old nick stays.
            await enter(bob, LOBBY, "Bob")
            bob.send_raw(f"<presence to='{LOBBY}/Alice' id='n1'/>")
            refused = await bob.wait_for(error_reply("n1"), what="nick change refusal")
            assert stanza_error(refused) == ("cancel", "conflict"), xml(refused)
            bob.say(LOBBY, "still Bob")
            await alice.wait_for(said(f"{LOBBY}/Bob", "still Bob"), what="Bob under his old nick")
            never_got(alice, lambda s: is_presence(s) and "303" in statuses(s), "a nick change")

    run(scenario())
    assert proc.running, proc.log_tail()


# -- 4. not joined, self-ping -----------------------------------------------

def test_message_when_not_joined_and_self_ping(prosody, trestle):
    proc = start_bridge(trestle)

    async def scenario():
        async with users(prosody, PASSWORD, "alice", "bob", "carol") as (alice, bob, carol):
            await enter(alice, LOBBY, "Alice")
            await enter(carol, MIRROR, "Carol")

            sent = bob.say(LOBBY, "let me in")
            refused = await bob.wait_for(error_reply(sent), what="error for a message from a non-occupant")
            assert is_message(refused) and frm(refused) == LOBBY, xml(refused)
            assert stanza_error(refused)[1] == "not-acceptable", xml(refused)
            await marker(alice, LOBBY, (carol, f"{MIRROR}/Alice"))
            never_got(alice, lambda s: body(s) == "let me in", "a non-occupant's message")
            never_got(carol, lambda s: body(s) == "let me in", "a non-occupant's message")

            ping = "<ping xmlns='urn:xmpp:ping'/>"
            pong = await alice.iq(f"{LOBBY}/Alice", "get", ping)
            assert pong["type"] == "result", pong
            assert str(pong["from"]) == f"{LOBBY}/Alice", pong
            # Someone else's occupant JID, a local and a remote one.
            for target in (f"{LOBBY}/Carol", f"{MIRROR}/Carol"):
                other = await alice.iq(target, "get", ping)
                assert other["type"] == "error", (target, other)
            # XEP-0410 §3.1: a client that is not joined learns it from not-acceptable.
            stranger = await bob.iq(f"{LOBBY}/Alice", "get", ping)
            assert stranger["type"] == "error" and error_condition(stranger)[1] == "not-acceptable", stranger
            alice.send_raw(f"<presence to='{LOBBY}/Alice' type='unavailable'/>")
            await alice.wait_for(lambda s: presence_from(f"{LOBBY}/Alice", True)(s) and "110" in statuses(s),
                                 what="own leave")
            after = await alice.iq(f"{LOBBY}/Alice", "get", ping)
            assert after["type"] == "error" and error_condition(after)[1] == "not-acceptable", after

    run(scenario())
    assert proc.running, proc.log_tail()


# -- 5. /me ----------------------------------------------------------------

def test_action_crosses_as_me(prosody, trestle):
    proc = start_bridge(trestle)

    async def scenario():
        async with users(prosody, PASSWORD, "alice", "bob") as (alice, bob):
            await enter(alice, LOBBY, "Alice")
            await enter(bob, MIRROR, "Bob")
            alice.say(LOBBY, "/me waves at the mirror")
            reflection = await alice.wait_for(said(f"{LOBBY}/Alice", "/me waves at the mirror"), what="reflection")
            copy = await bob.wait_for(lambda s: is_message(s) and frm(s) == f"{MIRROR}/Alice" and body(s),
                                      what="action in mirror")
            assert body(copy) == "/me waves at the mirror", xml(copy)
            assert stanza_id(copy) == stanza_id(reflection), (xml(reflection), xml(copy))
            bob.say(MIRROR, "/me bows")
            back = await alice.wait_for(lambda s: is_message(s) and frm(s) == f"{LOBBY}/Bob" and body(s),
                                        what="action in lobby")
            assert body(back) == "/me bows", xml(back)

    run(scenario())
    assert proc.running, proc.log_tail()


def test_text_crosses_intact(prosody, trestle):
    """What one types is what the other room reads: XML-special characters,
    non-ASCII, emoji, line breaks, leading spaces, styling characters."""
    proc = start_bridge(trestle)
    texts = [
        "a < b && c > d, 'single' \"double\"",
        "«ünïcödé» — “quotes” 🎉👍🏽 家族",
        "line one\nline two\n    indented\n\nafter a blank line",
        "*not bold* _not italic_ ~not struck~ `not code`",
        "```\ncode block\n```",
    ]

    async def scenario():
        async with users(prosody, PASSWORD, "alice", "bob") as (alice, bob):
            await enter(alice, LOBBY, "Alice")
            await enter(bob, MIRROR, "Bob")
            for text in texts:
                alice.say(LOBBY, text)
            start = 0
            for text in texts:
                got = await wait_since(bob, start, lambda s: is_message(s) and frm(s) == f"{MIRROR}/Alice" and body(s),
                                       what=f"copy of {text!r}")
                assert body(got) == text, (text, xml(got))
                start = bob.stanzas.index(got) + 1

    run(scenario())
    assert proc.running, proc.log_tail()


def test_origin_id_kept_forged_ids_replaced(prosody, trestle):
    """Clients match reflections by XEP-0359 origin-id, which the room keeps;
    a stanza-id claiming to be the room's and an occupant-id sent by a
    client are forged (XEP-0359 §4, XEP-0421 §4) and must not survive."""
    proc = start_bridge(trestle)

    async def scenario():
        async with users(prosody, PASSWORD, "alice", "bob") as (alice, bob):
            await enter(alice, LOBBY, "Alice")
            await enter(bob, MIRROR, "Bob")
            alice.say(LOBBY, "trust me", extra=(
                "<origin-id xmlns='urn:xmpp:sid:0' id='origin-1'/>"
                f"<stanza-id xmlns='urn:xmpp:sid:0' id='forged-sid' by='{LOBBY}'/>"
                "<occupant-id xmlns='urn:xmpp:occupant-id:0' id='forged-occupant'/>"))
            reflection = await alice.wait_for(said(f"{LOBBY}/Alice", "trust me"), what="reflection")
            origin = reflection.find("{urn:xmpp:sid:0}origin-id")
            assert origin is not None and origin.get("id") == "origin-1", xml(reflection)
            copy = await bob.wait_for(said(f"{MIRROR}/Alice", "trust me"), what="copy in mirror")
            for message, room in ((reflection, LOBBY), (copy, MIRROR)):
                sids = [e.get("id") for e in message.findall("{urn:xmpp:sid:0}stanza-id") if e.get("by") == room]
                assert len(sids) == 1 and sids[0] != "forged-sid", xml(message)
                oids = [e.get("id") for e in message.findall("{urn:xmpp:occupant-id:0}occupant-id")]
                assert len(oids) == 1 and oids[0] != "forged-occupant", xml(message)

    run(scenario())
    assert proc.running, proc.log_tail()


# -- 6. corrections ----------------------------------------------------------

def correction(of: str) -> str:
    return f"<replace xmlns='{CORRECTION}' id='{of}'/>"


def test_correction_crosses_and_only_the_author_may_correct(prosody, trestle):
    proc = start_bridge(trestle)

    async def scenario():
        async with users(prosody, PASSWORD, "alice", "bob", "carol") as (alice, bob, carol):
            await enter(alice, LOBBY, "Alice")
            await enter(carol, LOBBY, "Carol")
            await enter(bob, MIRROR, "Bob")

            original = alice.say(LOBBY, "helo wrold", id="alice-msg-id")
            await alice.wait_for(said(f"{LOBBY}/Alice", "helo wrold"), what="reflection")
            copy = await bob.wait_for(said(f"{MIRROR}/Alice", "helo wrold"), what="copy in mirror")
            copy_id = copy.get("id")
            assert copy_id, xml(copy)

            fix = alice.say(LOBBY, "hello world", extra=correction(original))
            reflected = await alice.wait_for(lambda s: s.get("id") == fix and is_message(s) and s.get("type") != "error",
                                             what="reflection of the correction")
            assert child(reflected, CORRECTION, "replace").get("id") == original, xml(reflected)
            crossed = await bob.wait_for(said(f"{MIRROR}/Alice", "hello world"), what="correction in mirror")
            replace = child(crossed, CORRECTION, "replace")
            assert replace is not None and replace.get("id") == copy_id, xml(crossed)

            # XEP-0308: a second correction still names the original.
            alice.say(LOBBY, "hello, world", extra=correction(original))
            again = await bob.wait_for(said(f"{MIRROR}/Alice", "hello, world"), what="second correction in mirror")
            assert child(again, CORRECTION, "replace") is not None, xml(again)
            assert child(again, CORRECTION, "replace").get("id") == copy_id, xml(again)

            # Someone else "correcting" Alice's message, by its id in lobby
            # and by its copy's id in mirror: refused, and nothing crosses.
            forged = carol.say(LOBBY, "hacked by carol", extra=correction(original))
            refusal = await carol.wait_for(error_reply(forged), what="refusal of Carol's correction")
            assert is_message(refusal) and stanza_error(refusal), xml(refusal)
            forged = bob.say(MIRROR, "hacked by bob", extra=correction(copy_id))
            refusal = await bob.wait_for(error_reply(forged), what="refusal of Bob's correction")
            assert is_message(refusal) and stanza_error(refusal), xml(refusal)
            await marker(carol, LOBBY, (bob, f"{MIRROR}/Carol"), (alice, f"{LOBBY}/Carol"))
            await marker(bob, MIRROR, (alice, f"{LOBBY}/Bob"), (carol, f"{LOBBY}/Bob"), text="marker 2")
            for user in (alice, bob, carol):
                never_got(user, lambda s: is_message(s) and s.get("type") != "error" and (body(s) or "").startswith("hacked"),
                          "a refused correction")

    run(scenario())
    assert proc.running, proc.log_tail()


# -- 7. retractions, reactions, replies ---------------------------------------

def retraction(of: str) -> str:
    return (f"<retract xmlns='{RETRACTION}' id='{of}'/><fallback xmlns='{FALLBACK}' for='{RETRACTION}'/>"
            f"<body>{RETRACT_FALLBACK}</body><store xmlns='{HINTS}'/>")


def test_retraction_crosses(prosody, trestle):
    proc = start_bridge(trestle)

    async def scenario():
        async with users(prosody, PASSWORD, "alice", "bob", "carol") as (alice, bob, carol):
            await enter(alice, LOBBY, "Alice")
            await enter(carol, LOBBY, "Carol")
            await enter(bob, MIRROR, "Bob")
            alice.say(LOBBY, "regrettable")
            reflection = await alice.wait_for(said(f"{LOBBY}/Alice", "regrettable"), what="reflection")
            copy = await bob.wait_for(said(f"{MIRROR}/Alice", "regrettable"), what="copy in mirror")
            sid = stanza_id(reflection)

            # Someone else cannot retract it.
            forged = f"forged-{sid}"
            carol.send_raw(f"<message to='{LOBBY}' type='groupchat' id='{forged}'>{retraction(sid)}</message>")
            refusal = await carol.wait_for(error_reply(forged), what="refusal of Carol's retraction")
            assert is_message(refusal) and stanza_error(refusal), xml(refusal)
            await marker(carol, LOBBY, (bob, f"{MIRROR}/Carol"))
            never_got(bob, lambda s: child(s, RETRACTION, "retract") is not None, "a refused retraction")

            # XEP-0424 in a group chat: the retraction names the room's stanza id.
            alice.send_raw(f"<message to='{LOBBY}' type='groupchat' id='r1'>{retraction(sid)}</message>")
            reflected = await alice.wait_for(lambda s: s.get("id") == "r1" and s.get("type") == "groupchat",
                                             what="reflection of the retraction")
            assert child(reflected, RETRACTION, "retract").get("id") == sid, xml(reflected)
            crossed = await bob.wait_for(lambda s: frm(s) == f"{MIRROR}/Alice" and child(s, RETRACTION, "retract") is not None,
                                         what="retraction in mirror")
            assert child(crossed, RETRACTION, "retract").get("id") == stanza_id(copy), (xml(copy), xml(crossed))
            # The archive keeps a tombstone (XEP-0424 §5.2), not the text.
            archived = {m.find("{urn:xmpp:sid:0}stanza-id").get("id"): m for m in await mam_all(bob, MIRROR)}
            tombstone = archived.get(stanza_id(copy))
            assert tombstone is not None, list(archived)
            assert body(tombstone) != "regrettable" and child(tombstone, RETRACTION, "retracted") is not None, xml(tombstone)

    run(scenario())
    assert proc.running, proc.log_tail()


def reactions(of: str, *emojis: str) -> str:
    inner = "".join(f"<reaction>{e}</reaction>" for e in emojis)
    return f"<reactions xmlns='{REACTIONS}' id='{of}'>{inner}</reactions><store xmlns='{HINTS}'/>"


def reaction_set(stanza: ET.Element) -> tuple[str, set[str]] | None:
    element = child(stanza, REACTIONS, "reactions")
    if element is None:
        return None
    return element.get("id"), {(r.text or "") for r in element.findall(f"{{{REACTIONS}}}reaction")}


def test_reactions_cross_as_full_sets(prosody, trestle):
    proc = start_bridge(trestle)

    async def scenario():
        async with users(prosody, PASSWORD, "alice", "bob", "carol") as (alice, bob, carol):
            await enter(alice, LOBBY, "Alice")
            await enter(carol, LOBBY, "Carol")
            await enter(bob, MIRROR, "Bob")
            alice.say(LOBBY, "react to me")
            reflection = await alice.wait_for(said(f"{LOBBY}/Alice", "react to me"), what="reflection")
            copy = await bob.wait_for(said(f"{MIRROR}/Alice", "react to me"), what="copy in mirror")
            lobby_sid, mirror_sid = stanza_id(reflection), stanza_id(copy)

            def reactions_from(user, jid, target, expected):
                return user.wait_for(lambda s: frm(s) == jid and reaction_set(s) == (target, expected),
                                     what=f"reactions {expected} to {target} from {jid}")

            # Bob reacts in mirror, to the copy (by its stanza id); Alice and Carol
            # see Bob's full set on the original in lobby.
            bob.send_raw(f"<message to='{MIRROR}' type='groupchat' id='x1'>{reactions(mirror_sid, '👍', '🎉')}</message>")
            for user in (alice, carol):
                await reactions_from(user, f"{LOBBY}/Bob", lobby_sid, {"👍", "🎉"})
            # Carol's reactions are hers: a set of their own in mirror.
            carol.send_raw(f"<message to='{LOBBY}' type='groupchat' id='x2'>{reactions(lobby_sid, '❤️')}</message>")
            await reactions_from(bob, f"{MIRROR}/Carol", mirror_sid, {"❤️"})
            # Removing one: the new full set crosses.
            start = len(alice.stanzas)
            bob.send_raw(f"<message to='{MIRROR}' type='groupchat' id='x3'>{reactions(mirror_sid, '👍')}</message>")
            await reactions_from(alice, f"{LOBBY}/Bob", lobby_sid, {"👍"})
            # Removing the last: an empty set.
            bob.send_raw(f"<message to='{MIRROR}' type='groupchat' id='x4'>{reactions(mirror_sid)}</message>")
            await reactions_from(alice, f"{LOBBY}/Bob", lobby_sid, set())
            await marker(bob, MIRROR, (alice, f"{LOBBY}/Bob"))
            after = [reaction_set(s) for s in alice.stanzas[start:] if frm(s) == f"{LOBBY}/Bob" and reaction_set(s)]
            assert after[-1] == (lobby_sid, set()), after
            assert all("🎉" not in emojis for _, emojis in after), f"🎉 came back after its removal: {after}"
            # The reflections to the reactor carry the sender's id.
            await bob.wait_for(lambda s: s.get("id") == "x4" and frm(s) == f"{MIRROR}/Bob", what="reflection of x4")

    run(scenario())
    assert proc.running, proc.log_tail()


def fallback_stripped(stanza: ET.Element) -> str:
    """The body without the XEP-0428 ranges marked for replies."""
    text = body(stanza) or ""
    ranges = []
    for fallback in stanza.findall(f"{{{FALLBACK}}}fallback"):
        if fallback.get("for") != REPLY:
            continue
        for region in fallback.findall(f"{{{FALLBACK}}}body"):
            ranges.append(range(int(region.get("start")), int(region.get("end"))))
    return "".join(c for i, c in enumerate(text) if not any(i in r for r in ranges))


def test_reply_crosses_to_the_right_copy(prosody, trestle):
    proc = start_bridge(trestle)

    async def scenario():
        async with users(prosody, PASSWORD, "alice", "bob") as (alice, bob):
            await enter(alice, LOBBY, "Alice")
            await enter(bob, MIRROR, "Bob")
            bob.say(MIRROR, "lunch at noon?")
            own = await bob.wait_for(said(f"{MIRROR}/Bob", "lunch at noon?"), what="reflection")
            copy = await alice.wait_for(said(f"{LOBBY}/Bob", "lunch at noon?"), what="copy in lobby")
            alice.say(LOBBY, "another line")  # so the right message is a real choice
            await bob.wait_for(said(f"{MIRROR}/Alice", "another line"), what="another line")

            # A reply the way clients send it: to the stanza id, with a quote
            # marked as fallback.
            quote = "> Bob wrote:\n> lunch at noon?\n"
            text = quote + "sure, see you there"
            extra = (f"<reply xmlns='{REPLY}' to='{LOBBY}/Bob' id='{stanza_id(copy)}'/>"
                     f"<fallback xmlns='{FALLBACK}' for='{REPLY}'><body start='0' end='{len(quote)}'/></fallback>")
            alice.say(LOBBY, text, extra=extra)
            crossed = await bob.wait_for(lambda s: is_message(s) and frm(s) == f"{MIRROR}/Alice"
                                         and "see you there" in (body(s) or ""), what="reply in mirror")
            reply = child(crossed, REPLY, "reply")
            assert reply is not None, xml(crossed)
            assert reply.get("id") == stanza_id(own), (xml(own), xml(crossed))
            assert reply.get("to") == f"{MIRROR}/Bob", xml(crossed)
            assert fallback_stripped(crossed) == "sure, see you there", xml(crossed)
            assert (body(crossed) or "").count("lunch at noon?") <= 1, f"quote doubled: {xml(crossed)}"

            # Without a fallback quote: the same, and no quote invented into the text.
            extra = f"<reply xmlns='{REPLY}' to='{LOBBY}/Bob' id='{stanza_id(copy)}'/>"
            alice.say(LOBBY, "or at one", extra=extra)
            bare = await bob.wait_for(lambda s: is_message(s) and frm(s) == f"{MIRROR}/Alice"
                                      and "or at one" in (body(s) or ""), what="second reply in mirror")
            assert child(bare, REPLY, "reply") is not None and child(bare, REPLY, "reply").get("id") == stanza_id(own), xml(bare)
            assert fallback_stripped(bare) == "or at one", xml(bare)

            # And the other way: Bob answers Alice's message from mirror.
            mine = await alice.wait_for(said(f"{LOBBY}/Alice", "another line"), what="Alice's reflection")
            their = await bob.wait_for(said(f"{MIRROR}/Alice", "another line"), what="copy in mirror")
            bob.say(MIRROR, "noted", extra=f"<reply xmlns='{REPLY}' to='{MIRROR}/Alice' id='{stanza_id(their)}'/>")
            back = await alice.wait_for(lambda s: is_message(s) and frm(s) == f"{LOBBY}/Bob"
                                        and "noted" in (body(s) or ""), what="reply in lobby")
            assert child(back, REPLY, "reply") is not None, xml(back)
            assert child(back, REPLY, "reply").get("id") == stanza_id(mine), (xml(mine), xml(back))
            assert fallback_stripped(back) == "noted", xml(back)

    run(scenario())
    assert proc.running, proc.log_tail()
