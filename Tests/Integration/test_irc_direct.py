"""IRC channels joined directly from an XMPP client, biboumi-style:
`#channel%irc.server@component/Nick` is the channel on that configured
server, with the user on IRC under their own nick and no bot in the channel."""

from __future__ import annotations

from conftest import COMPONENT_JID, PASSWORD, run
from support.irc_user import IRCUser
from support.muc import MUCUser, body, enter, is_presence, said
from test_irc import in_channel, irc_settings

ROOM = f"#direct%127.0.0.1@{COMPONENT_JID}"


def present(room: str, nick: str):
    return lambda s: is_presence(s) and s.get("from") == f"{room}/{nick}" and s.get("type") != "unavailable"


def test_join_a_channel_directly(prosody, ircd, trestle):
    proc = trestle(irc=irc_settings(ircd))
    proc.wait_for_log(r"IRC connection registered", timeout=10)

    async def scenario():
        async with IRCUser(ircd, "bob") as bob, MUCUser("alice@localhost", PASSWORD, prosody) as alice, \
                MUCUser("admin@localhost", PASSWORD, prosody) as admin:
            await bob.join("#direct")
            await enter(alice, ROOM, "alice")
            await in_channel(bob, "alice", channel="#direct")
            # The channel's people are the room's occupants; no bridge bot is in the channel.
            await alice.wait_for(present(ROOM, "bob"), what="bob as an occupant")
            assert "bridge" not in bob.names("#direct")

            alice.say(ROOM, "hello, I am here myself")
            line = await bob.wait_for(lambda l: l.command == "PRIVMSG" and "myself" in l.text)
            assert line.nick == "alice" and line.params == ["#direct", "hello, I am here myself"], line.raw

            bob.say("#direct", "welcome alice")
            await alice.wait_for(said(f"{ROOM}/bob", "welcome alice"))

            # A second XMPP user: a connection of their own; bob's lines arrive once, not once per connection.
            await enter(admin, ROOM, "admin")
            await in_channel(bob, "admin", channel="#direct")
            bob.say("#direct", "two of you now")
            await admin.wait_for(said(f"{ROOM}/bob", "two of you now"))
            await alice.wait_for(said(f"{ROOM}/bob", "two of you now"))
            copies = [s for s in admin.stanzas if body(s) == "two of you now"]
            assert len(copies) == 1, copies

            # The first user leaves: the channel is still read, through the other connection.
            alice.send_raw(f"<presence to='{ROOM}/alice' type='unavailable'/>")
            await bob.wait_for(lambda l: l.command in ("QUIT", "PART") and l.nick == "alice")
            bob.say("#direct", "still reading?")
            await admin.wait_for(said(f"{ROOM}/bob", "still reading?"))

    run(scenario())
    proc.wait_for_log(r"room created on demand")
    assert proc.running, proc.log_tail()


def test_unknown_server_is_not_joined(prosody, ircd, trestle):
    """Only configured servers can be reached: anything else is item-not-found."""
    proc = trestle(irc=irc_settings(ircd))
    proc.wait_for_log(r"IRC connection registered", timeout=10)

    async def scenario():
        async with MUCUser("alice@localhost", PASSWORD, prosody) as alice:
            room = f"#x%irc.elsewhere.example@{COMPONENT_JID}"
            alice.join(room, "alice")
            got = await alice.wait_for(lambda s: is_presence(s) and s.get("type") == "error", what="an error")
            assert any(e.tag.endswith("item-not-found") for e in got.iter()), got

    run(scenario())
