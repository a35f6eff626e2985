"""Bridged rooms as MUC rooms, with real XMPP clients.

The room `lobby` links two MUC rooms of the component, lobby@ and mirror@:
what is said in one appears in the other, from an occupant standing for the
sender. Both sides are real: Prosody routes every stanza, slixmpp clients
join and talk."""

from conftest import COMPONENT_JID, PASSWORD, run
from support.muc import MUCUser, body, stanza_id, statuses

LOBBY = f"lobby@{COMPONENT_JID}"
MIRROR = f"mirror@{COMPONENT_JID}"
ROOMS = [{"name": "lobby", "endpoints": [{"xmpp": "lobby"}, {"xmpp": "mirror"}]}]


def test_messages_cross_between_bridged_rooms(prosody, trestle):
    proc = trestle(rooms=ROOMS)
    proc.wait_for_log(r"component connected", timeout=10)

    async def scenario():
        async with MUCUser("alice@localhost", PASSWORD, prosody) as alice, \
                   MUCUser("admin@localhost", PASSWORD, prosody) as bob:
            alice.join(LOBBY, "Alice")
            self_presence = await alice.wait_for(lambda s: s.tag.endswith("presence") and "110" in statuses(s),
                                                 what="self-presence")
            assert self_presence.get("from") == f"{LOBBY}/Alice"
            await alice.wait_for(lambda s: s.tag.endswith("message") and s.find("{jabber:client}subject") is not None,
                                 what="subject")
            bob.join(MIRROR, "Bob")
            await bob.wait_for(lambda s: s.tag.endswith("presence") and "110" in statuses(s), what="self-presence")
            # Bob appears in lobby as a remote occupant; Alice in mirror likewise.
            await alice.wait_for(lambda s: s.tag.endswith("presence") and s.get("from", "").startswith(f"{LOBBY}/Bob"),
                                 what="Bob's presence in lobby")

            sent = alice.say(LOBBY, "hello from lobby")
            reflection = await alice.wait_for(lambda s: body(s) == "hello from lobby", what="reflection")
            assert reflection.get("id") == sent and stanza_id(reflection), reflection
            relayed = await bob.wait_for(lambda s: body(s) == "hello from lobby", what="relayed message")
            assert relayed.get("from", "").startswith(f"{MIRROR}/Alice"), relayed.get("from")
            assert stanza_id(relayed) == stanza_id(reflection)

            bob.say(MIRROR, "/me waves back")
            relayed_back = await alice.wait_for(lambda s: body(s) == "/me waves back", what="action from mirror")
            assert relayed_back.get("from", "").startswith(f"{LOBBY}/Bob")

    run(scenario())
    assert proc.running, proc.log_tail()


def test_archive_shows_a_message_by_the_id_its_room_knows_it_by(prosody, trestle):
    """A client that loads a message from MAM must be able to match a later
    correction of it (XEP-0308 names the author's own id): in the room it
    was said in, the archive shows the author's id; in the other room, the
    id its copy carried live there."""
    from support.bridge import mam_all

    proc = trestle(rooms=ROOMS)
    proc.wait_for_log(r"component connected", timeout=10)

    async def scenario():
        async with MUCUser("alice@localhost", PASSWORD, prosody) as alice, \
                   MUCUser("admin@localhost", PASSWORD, prosody) as bob:
            alice.join(LOBBY, "Alice")
            await alice.wait_for(lambda s: s.tag.endswith("presence") and "110" in statuses(s), what="self-presence")
            bob.join(MIRROR, "Bob")
            await bob.wait_for(lambda s: s.tag.endswith("presence") and "110" in statuses(s), what="self-presence")
            alice.say(LOBBY, "remember me", id="alice-own-id-1")
            copy = await bob.wait_for(lambda s: body(s) == "remember me", what="copy in mirror")

            in_lobby = [m for m in await mam_all(alice, LOBBY) if body(m) == "remember me"]
            in_mirror = [m for m in await mam_all(bob, MIRROR) if body(m) == "remember me"]
            assert [m.get("id") for m in in_lobby] == ["alice-own-id-1"]
            assert [m.get("id") for m in in_mirror] == [copy.get("id")]

    run(scenario())
