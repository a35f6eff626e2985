"""Channel ranks both ways in channels joined directly: an XMPP user whose
own IRC connection is made an operator shows as a moderator in the room,
and what they do as one (XEP-0045 roles and affiliations, kicks) is done
on IRC through their connection, with their rights; a user without them
is refused by the IRC server and told so."""

from __future__ import annotations

from conftest import COMPONENT_JID, PASSWORD, run
from support.irc_user import IRCUser
from support.muc import MUCUser, body, enter, is_presence, muc_item
from test_irc import in_channel, irc_settings

ROOM = f"#mod%127.0.0.1@{COMPONENT_JID}"
SERVER = f"127.0.0.1@{COMPONENT_JID}"
ADMIN = "http://jabber.org/protocol/muc#admin"


def role_of(nick: str, role: str):
    def match(s) -> bool:
        item = muc_item(s)
        return (is_presence(s) and s.get("from") == f"{ROOM}/{nick}" and s.get("type") != "unavailable"
                and item is not None and item.get("role") == role)
    return match


def admin(item: str) -> str:
    return f"<query xmlns='{ADMIN}'>{item}</query>"


def test_moderation_both_ways(prosody, ircd, trestle):
    proc = trestle(irc=irc_settings(ircd))
    proc.wait_for_log(r"IRC connection registered", timeout=10)

    async def scenario():
        async with IRCUser(ircd, "bob") as bob, IRCUser(ircd, "carol") as carol, \
                MUCUser("alice@localhost", PASSWORD, prosody) as alice, \
                MUCUser("admin@localhost", PASSWORD, prosody) as dave:
            await bob.join("#mod")  # the first in the channel: an operator
            await carol.join("#mod")
            await enter(alice, ROOM, "alice")
            await in_channel(bob, "alice", channel="#mod")
            await alice.wait_for(role_of("bob", "moderator"), what="bob shown as a moderator")

            # bob makes alice's own connection an operator: she is a moderator in the room.
            bob.raw("MODE #mod +o alice")
            await alice.wait_for(role_of("alice", "moderator"), what="alice's own role from IRC")

            # alice gives carol operator status from her client: done on IRC by alice's connection.
            reply = await alice.iq(ROOM, "set", admin("<item nick='carol' role='moderator'/>"))
            assert reply["type"] == "result", reply
            line = await bob.wait_for(lambda l: l.command == "MODE" and l.params[1:] == ["+o", "carol"])
            assert line.nick == "alice", line.raw
            await alice.wait_for(role_of("carol", "moderator"), what="carol shown as a moderator")

            # ...and takes it back to voice, then kicks her with a reason.
            await alice.iq(ROOM, "set", admin("<item nick='carol' role='participant'/>"))
            line = await bob.wait_for(lambda l: l.command == "MODE" and "carol" in l.params and l.params[1] == "-o+v")
            assert line.nick == "alice", line.raw
            await alice.iq(ROOM, "set", admin("<item nick='carol' role='none'><reason>enough</reason></item>"))
            kick = await bob.wait_for(lambda l: l.command == "KICK" and l.params[1] == "carol")
            assert kick.nick == "alice" and kick.params[2] == "enough", kick.raw
            await alice.wait_for(lambda s: is_presence(s) and s.get("from") == f"{ROOM}/carol"
                                 and s.get("type") == "unavailable", what="carol gone")

            # dave is no operator: IRC refuses, and he is told so from the server's address.
            await enter(dave, ROOM, "dave")
            await in_channel(bob, "dave", channel="#mod")
            reply = await dave.iq(ROOM, "set", admin("<item nick='bob' role='visitor'/>"))
            assert reply["type"] == "result", reply
            notice = await dave.wait_for(lambda s: s.get("from") == SERVER and "#mod" in (body(s) or ""),
                                         what="the server's refusal")
            assert "channel op" in body(notice).lower(), body(notice)
            assert not [l for l in bob.lines if l.command == "MODE" and l.nick == "dave"]

    run(scenario())
