"""IRC channels in bridged rooms, against a real IRC server (InspIRCd) with a
real IRC client library as the IRC-side person and a real XMPP client
through Prosody as the XMPP-side person."""

from __future__ import annotations

import re

from conftest import COMPONENT_JID, PASSWORD, run
from support.irc_user import IRCUser
from support.muc import MUCUser, body, enter, is_presence, said

LOBBY = f"lobby@{COMPONENT_JID}"
CHANNEL = "#lobby"


def rooms(channel: str = CHANNEL) -> list:
    return [{"name": "lobby", "endpoints": [{"xmpp": "lobby"}, {"irc.test": channel}]}]


def irc_settings(ircd, **overrides) -> dict:
    settings = {
        "host": ircd.host, "port": ircd.port, "tls": False, "nick": "bridge",
        "flood": {"burst": 100, "interval": "10ms"},
        "reconnect": {"initial_delay": "200ms", "max_delay": "1s"},
    }
    settings.update(overrides)
    return {"test": settings}


def start_bridge(trestle, ircd, **overrides):
    proc = trestle(rooms=rooms(), irc=irc_settings(ircd, **overrides))
    proc.wait_for_log(r"component connected", timeout=10)
    proc.wait_for_log(r"IRC connection registered", timeout=10)
    return proc


async def in_channel(user: IRCUser, nick: str, channel: str = CHANNEL, timeout: float = 10.0) -> None:
    """Wait until `nick` is in `channel` as `user` sees it (NAMES or a JOIN)."""
    if nick in user.names(channel):
        return
    await user.wait_for(lambda l: l.command == "JOIN" and l.nick == nick and l.params[0].lower() == channel.lower(),
                        timeout=timeout, what=f"{nick} joining {channel}")


def occupant(nick: str):
    return lambda s: is_presence(s) and s.get("from") == f"{LOBBY}/{nick}" and s.get("type") != "unavailable"


def test_relay_both_ways(prosody, ircd, trestle):
    proc = start_bridge(trestle, ircd)

    async def scenario():
        async with IRCUser(ircd, "bob") as bob, MUCUser("alice@localhost", PASSWORD, prosody) as alice:
            await bob.join(CHANNEL)
            await in_channel(bob, "bridge")
            await enter(alice, LOBBY, "Alice")
            # bob, already in the channel, is an occupant of the MUC room.
            await alice.wait_for(occupant("bob"), what="bob as an occupant")

            # XMPP → IRC, relayed by the bot.
            alice.say(LOBBY, "hello IRC")
            line = await bob.wait_for(lambda l: l.command == "PRIVMSG" and "hello IRC" in l.text, what="relayed line")
            assert line.nick == "bridge" and line.params == [CHANNEL, "<Alice> hello IRC"], line.raw

            # IRC → XMPP, from an occupant named after the IRC nick.
            bob.say(CHANNEL, "hello XMPP")
            got = await alice.wait_for(said(f"{LOBBY}/bob", "hello XMPP"), what="bob's line in the MUC")
            assert body(got) == "hello XMPP"

            # /me both ways.
            bob.act(CHANNEL, "waves")
            got = await alice.wait_for(said(f"{LOBBY}/bob", "/me waves"), what="bob's action")
            alice.say(LOBBY, "/me nods")
            line = await bob.wait_for(lambda l: l.command == "PRIVMSG" and "nods" in l.text, what="relayed action")
            assert line.params[1] == "* Alice nods", line.raw

            # Nothing came back: the bot's own lines are not bridged to XMPP again.
            start = len(alice.stanzas)
            bob.say(CHANNEL, "marker")
            await alice.wait_for(said(f"{LOBBY}/bob", "marker"))
            echoes = [s for s in alice.stanzas if body(s) and "hello IRC" in body(s) and "bridge" in s.get("from", "")]
            assert echoes == [], echoes

    run(scenario())
    assert proc.running, proc.log_tail()
