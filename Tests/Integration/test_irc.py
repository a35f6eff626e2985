"""IRC channels in bridged rooms, against a real IRC server (InspIRCd) with a
real IRC client library as the IRC-side person and a real XMPP client
through Prosody as the XMPP-side person."""

from __future__ import annotations

import asyncio
import re
import signal
import time
import urllib.request

from conftest import COMPONENT_JID, PASSWORD, run
from support.irc_user import IRCUser
from support.prosody import free_port
from support.services import Services
from support.muc import MUCUser, body, enter, is_presence, muc_item, said, stanza_id

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


def start_bridge(trestle, ircd, identd: dict | None = None, **overrides):
    proc = trestle(rooms=rooms(), irc=irc_settings(ircd, **overrides), identd=identd)
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
    port = free_port()
    proc = trestle(rooms=rooms(), irc=irc_settings(ircd), http={"host": "127.0.0.1", "port": port})
    proc.wait_for_log(r"component connected", timeout=10)
    proc.wait_for_log(r"IRC connection registered", timeout=10)

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
    # The operator sees the IRC side in the metrics.
    metrics = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    sent = re.search(r'^trestle_irc_lines_sent_total\{network="irc.test"\} (\d+)', metrics, re.M)
    assert sent and int(sent.group(1)) >= 3, metrics
    assert re.search(r'^trestle_irc_connections\{network="irc.test"\} 1(\.0)?$', metrics, re.M), metrics


def left(nick: str):
    return lambda s: is_presence(s) and s.get("from") == f"{LOBBY}/{nick}" and s.get("type") == "unavailable"


def status_text(stanza) -> str:
    for element in stanza.iter():
        if element.tag.endswith("}status") and element.text:
            return element.text
    return ""


def test_puppets_speak_for_xmpp_users(prosody, ircd, trestle):
    """Puppet mode: an XMPP user gets an IRC connection of their own, which
    joins, talks, acts, changes nick and quits as they do. The server's
    notices to that connection are not the user's business: they never
    reach them (a user of a channel joined directly gets them)."""
    ircd.stop()
    ircd.lookups = True  # the server greets every connection with notices…
    ircd.motd = "Welcome to the test network."  # …and its message of the day
    ircd.start()
    proc = start_bridge(trestle, ircd, mode="puppet")

    async def scenario():
        async with IRCUser(ircd, "bob") as bob, MUCUser("alice@localhost", PASSWORD, prosody) as alice:
            await bob.join(CHANNEL)
            await in_channel(bob, "bridge")
            await enter(alice, LOBBY, "Alice")
            await in_channel(bob, "Alice[b]")

            alice.say(LOBBY, "hello from my own connection")
            line = await bob.wait_for(lambda l: l.command == "PRIVMSG" and "own connection" in l.text)
            assert line.nick == "Alice[b]" and line.params == [CHANNEL, "hello from my own connection"], line.raw

            alice.say(LOBBY, "/me waves")
            line = await bob.wait_for(lambda l: l.command == "PRIVMSG" and "waves" in l.text)
            assert line.nick == "Alice[b]" and line.text == "\x01ACTION waves\x01", line.raw

            # bob's answer reaches Alice once; her puppet's copy is not bridged back as a new occupant.
            bob.say(CHANNEL, "hi Alice")
            await alice.wait_for(said(f"{LOBBY}/bob", "hi Alice"))
            ghosts = [s for s in alice.stanzas if is_presence(s) and "Alice[b]" in s.get("from", "")]
            assert ghosts == [], ghosts

            # A nick change in the MUC becomes NICK on IRC.
            start = len(bob.lines)
            alice.join(LOBBY, "Alicia")
            line = await bob.wait_for(lambda l: l.command == "NICK" and l.nick == "Alice[b]", start=start)
            assert line.text == "Alicia[b]", line.raw

            # Leaving the room ends the puppet's connection.
            start = len(bob.lines)
            alice.send_raw(f"<presence to='{LOBBY}/Alicia' type='unavailable'/>")
            line = await bob.wait_for(lambda l: l.command in ("QUIT", "PART") and l.nick == "Alicia[b]", start=start)
            notices = [s for s in alice.stanzas if s.get("from", "").startswith(f"127.0.0.1@{COMPONENT_JID}")]
            assert notices == [], notices

    run(scenario())
    assert proc.running, proc.log_tail()


def test_irc_side_topic_nick_kick_quit(prosody, ircd, trestle):
    """What IRC people do reaches XMPP: topic, nick change, kick, part, quit."""
    proc = start_bridge(trestle, ircd)

    async def scenario():
        async with IRCUser(ircd, "bob") as bob, IRCUser(ircd, "carol") as carol, \
                MUCUser("alice@localhost", PASSWORD, prosody) as alice:
            await bob.join(CHANNEL)
            await carol.join(CHANNEL)
            await in_channel(bob, "bridge")
            # The bot was first in the channel; an IRC operator makes bob a channel operator.
            bob.raw("OPER admin adminpw")
            await bob.wait_for(lambda l: l.command == "381", what="bob an IRC operator")
            bob.raw(f"SAMODE {CHANNEL} +o bob")
            await bob.wait_for(lambda l: l.command == "MODE" and l.params[1:] == ["+o", "bob"], what="bob opped")
            await enter(alice, LOBBY, "Alice")
            await alice.wait_for(occupant("carol"))
            # A channel operator is a moderator of the room.
            await alice.wait_for(lambda s: occupant("bob")(s) and muc_item(s) is not None
                                 and muc_item(s).get("role") == "moderator", what="bob as a moderator")
            bob.raw(f"MODE {CHANNEL} +v carol")
            await alice.wait_for(lambda s: occupant("carol")(s) and muc_item(s) is not None
                                 and muc_item(s).get("affiliation") == "member", what="carol voiced")

            bob.raw(f"TOPIC {CHANNEL} :bridges of all kinds")
            got = await alice.wait_for(lambda s: any(e.tag.endswith("subject") and e.text == "bridges of all kinds"
                                                     for e in s), what="the topic as the room subject")
            assert got.get("from") == f"{LOBBY}/bob", got.get("from")

            carol.raw("NICK caroline")
            got = await alice.wait_for(lambda s: is_presence(s) and s.get("from") == f"{LOBBY}/carol"
                                       and s.get("type") == "unavailable", what="carol's nick change")
            await alice.wait_for(occupant("caroline"), what="caroline")
            caroline = alice.stanzas[-1]

            bob.raw(f"KICK {CHANNEL} caroline :behave")
            got = await alice.wait_for(left("caroline"), what="caroline kicked")

            async with IRCUser(ircd, "dave") as dave:
                await dave.join(CHANNEL)
                await alice.wait_for(occupant("dave"))
                dave.raw(f"PART {CHANNEL} :see you")
                got = await alice.wait_for(left("dave"), what="dave parting")
                assert status_text(got) == "see you", got

            async with IRCUser(ircd, "erin") as erin:
                await erin.join(CHANNEL)
                await alice.wait_for(occupant("erin"))
                erin.raw("QUIT :gone fishing")
                got = await alice.wait_for(left("erin"), what="erin quitting")
                assert "gone fishing" in status_text(got), got

    run(scenario())
    assert proc.running, proc.log_tail()


def test_long_and_hostile_messages(prosody, ircd, trestle):
    """A 1,500-byte message is split on the server's line limit, whole
    characters only; CR LF inside a message never becomes a command."""
    proc = start_bridge(trestle, ircd, max_lines=10)

    async def scenario():
        async with IRCUser(ircd, "bob") as bob, MUCUser("alice@localhost", PASSWORD, prosody) as alice:
            await bob.join(CHANNEL)
            await in_channel(bob, "bridge")
            await enter(alice, LOBBY, "Alice")

            words = [f"wörd{i}é" for i in range(200)]
            text = " ".join(words)
            assert len(text.encode()) > 1500
            start = len(bob.lines)
            alice.say(LOBBY, text + " END")
            await bob.wait_for(lambda l: l.command == "PRIVMSG" and l.text.endswith("END"), start=start)
            pieces = [l.text for l in bob.privmsgs(CHANNEL, start)]
            assert len(pieces) >= 4, pieces
            assert all(len(l.raw.encode()) <= 512 for l in bob.lines[start:] if l.command == "PRIVMSG")
            assert all(p.startswith("<Alice> ") for p in pieces), pieces
            assert " ".join(p[len("<Alice> "):] for p in pieces) == text + " END"

            start = len(bob.lines)
            alice.say(LOBBY, "innocent\r\nQUIT :pwned\r\nPRIVMSG #lobby :injected")
            await bob.wait_for(lambda l: l.command == "PRIVMSG" and "innocent" in l.text, start=start)
            bob.say(CHANNEL, "still there?")
            await alice.wait_for(said(f"{LOBBY}/bob", "still there?"))
            await asyncio.sleep(0.3)
            after = bob.lines[start:]
            assert not [l for l in after if l.command == "QUIT"], [l.raw for l in after]
            assert not [l for l in after if l.command == "PRIVMSG" and l.text == "injected"], [l.raw for l in after]
            said_lines = [l.text for l in after if l.command == "PRIVMSG" and l.nick == "bridge"]
            assert any("QUIT :pwned" in t for t in said_lines), said_lines

    run(scenario())
    assert proc.running, proc.log_tail()


def test_irc_server_restart(prosody, ircd, trestle):
    """The IRC server goes away mid-conversation: XMPP users see the IRC side
    leave with the reason, what they say meanwhile waits, and after the
    reconnect the bot rejoins, sends it in order, and the IRC side is back."""
    proc = start_bridge(trestle, ircd, reconnect={"initial_delay": "2s", "max_delay": "2s"})

    async def scenario():
        async with MUCUser("alice@localhost", PASSWORD, prosody) as alice:
            async with IRCUser(ircd, "bob") as bob:
                await bob.join(CHANNEL)
                await in_channel(bob, "bridge")
                await enter(alice, LOBBY, "Alice")
                await alice.wait_for(occupant("bob"))
                ircd.stop()
            # bob leaves with the server's reason when it says goodbye, or with ours when it just vanishes.
            got = await alice.wait_for(left("bob"), what="bob gone with the IRC connection")
            assert status_text(got) in ("Server shutting down", ) or "IRC connection lost" in status_text(got), got
            for i in range(3):
                alice.say(LOBBY, f"during the outage {i}")
            await asyncio.sleep(0.5)
            ircd.start()
            async with IRCUser(ircd, "bob") as bob:
                await bob.join(CHANNEL)
                await bob.wait_for(lambda l: l.command == "JOIN" and l.nick == "bridge", timeout=15,
                                   what="the bot rejoining")
                await bob.wait_for(lambda l: l.command == "PRIVMSG" and "outage 2" in l.text)
                texts = [l.text for l in bob.privmsgs(CHANNEL)]
                assert texts == [f"<Alice> during the outage {i}" for i in range(3)], texts
                await alice.wait_for(occupant("bob"), what="bob back after the rejoin")

    run(scenario(), timeout=60)
    proc.wait_for_log(r"IRC connection lost")
    assert proc.running, proc.log_tail()


def test_tls_verified_and_refused(prosody, ircd, trestle):
    """TLS with certificate verification: the test CA is trusted → connected;
    no trusted CA → refused, logged, and retried (a certificate may be fixed)."""
    settings = irc_settings(ircd, host="localhost", port=ircd.tls_port, tls=True, ca_file=str(ircd.cert_path))
    proc = trestle(rooms=rooms(), irc=settings)
    proc.wait_for_log(r"IRC connection registered", timeout=15)

    async def scenario():
        async with IRCUser(ircd, "bob") as bob, MUCUser("alice@localhost", PASSWORD, prosody) as alice:
            await bob.join(CHANNEL)
            await in_channel(bob, "bridge")
            await enter(alice, LOBBY, "Alice")
            alice.say(LOBBY, "over TLS")
            await bob.wait_for(lambda l: l.command == "PRIVMSG" and l.text == "<Alice> over TLS")

    run(scenario())
    proc.stop()

    untrusted = trestle(rooms=rooms(), irc=irc_settings(ircd, host="localhost", port=ircd.tls_port, tls=True))
    lost = untrusted.wait_for_log(r"^.*IRC connection lost.*$", timeout=15)
    assert re.search(r"certificate|handshake|verif", lost.group(0), re.I), lost.group(0)
    untrusted.wait_for_log(r"IRC connecting", count=2, timeout=10)
    assert "IRC connection registered" not in untrusted.log_text()


def test_kline_stops_retrying(prosody, ircd, trestle):
    """Banned from the server (a K-line): the bot stops for good, says why in
    the log, and XMPP users see the IRC side leave with the reason."""
    proc = start_bridge(trestle, ircd)

    async def scenario():
        async with IRCUser(ircd, "bob") as bob, MUCUser("alice@localhost", PASSWORD, prosody) as alice:
            await bob.join(CHANNEL)
            await in_channel(bob, "bridge")
            await enter(alice, LOBBY, "Alice")
            await alice.wait_for(occupant("bob"))
            bob.raw("OPER admin adminpw")
            await bob.wait_for(lambda l: l.command == "381")
            bob.raw("KLINE trestle@* 0 :no bridges here")
            got = await alice.wait_for(left("bob"), what="the IRC side gone")
            assert "no bridges here" in status_text(got), status_text(got)

    run(scenario())
    refused = proc.wait_for_log(r"^.*refused for good.*$", timeout=10)
    assert "no bridges here" in refused.group(0), refused.group(0)
    connects = len(proc.log_matches(r"IRC connecting"))
    time.sleep(2.5)  # longer than the test's maximum reconnect delay
    assert len(proc.log_matches(r"IRC connecting")) == connects, proc.log_tail()
    assert proc.running, proc.log_tail()


def test_puppet_source_addresses_and_cap(prosody, ircd, trestle):
    """Puppets connect from the configured pool of addresses in turn; past the
    per-server cap, people are relayed by the bot instead (and the log says so)."""
    prosody.register("carol", PASSWORD)
    proc = start_bridge(trestle, ircd, mode="puppet",
                        puppets={"max_connections": 2, "source_addresses": ["127.0.0.2", "127.0.0.3"]})

    async def scenario():
        async with IRCUser(ircd, "bob") as bob, MUCUser("alice@localhost", PASSWORD, prosody) as alice, \
                MUCUser("admin@localhost", PASSWORD, prosody) as admin, \
                MUCUser("carol@localhost", PASSWORD, prosody) as carol:
            await bob.join(CHANNEL)
            await in_channel(bob, "bridge")
            for user, nick in ((alice, "Alice"), (admin, "Admin"), (carol, "Carol")):
                await enter(user, LOBBY, nick)
            for user, nick in ((alice, "Alice"), (admin, "Admin"), (carol, "Carol")):
                user.say(LOBBY, f"hello from {nick}")
            for nick in ("Alice", "Admin", "Carol"):
                await bob.wait_for(lambda l, n=nick: l.command == "PRIVMSG" and l.text.endswith(f"hello from {n}"))
            said_by = {l.text.rsplit(" ", 1)[-1]: (l.source, l.text) for l in bob.privmsgs(CHANNEL) if "hello from" in l.text}
            assert said_by["Alice"][0].startswith("Alice[b]!") and said_by["Alice"][0].endswith("@127.0.0.2"), said_by
            assert said_by["Admin"][0].startswith("Admin[b]!") and said_by["Admin"][0].endswith("@127.0.0.3"), said_by
            assert said_by["Carol"][0].startswith("bridge!") and said_by["Carol"][1] == "<Carol> hello from Carol", said_by

    run(scenario())
    line = proc.wait_for_log(r"^.*puppet connection cap reached.*$")
    assert "irc.test" in line.group(0) and "cap=2" in line.group(0), line.group(0)


def test_webirc_gives_puppets_hosts_of_their_own(prosody, ircd, trestle):
    """With WEBIRC, a puppet shows a host and username derived from its
    person (never their JID), the same after a restart, so network staff can
    ban one bridged person without banning the bridge."""
    proc = start_bridge(trestle, ircd, mode="puppet", webirc={"password": "webpass", "gateway": "trestle"})

    async def scenario():
        async with IRCUser(ircd, "bob") as bob, MUCUser("alice@localhost", PASSWORD, prosody) as alice:
            await bob.join(CHANNEL)
            await in_channel(bob, "bridge")
            await enter(alice, LOBBY, "Alice")
            line = await bob.wait_for(lambda l: l.command == "JOIN" and l.nick == "Alice[b]")
            user, host = line.source.split("!", 1)[1].split("@", 1)
            assert re.fullmatch(r"t[0-9a-f]{9}", user), line.source
            # The host name when the server accepts it as given; otherwise (this
            # server checks host names in DNS) the address of its own it came with.
            assert host == f"{user}.xmpp.trestle" or re.fullmatch(r"fd[0-9a-f]{2}(:[0-9a-f]{1,4}){7}", host), line.source
            assert "alice" not in line.source.lower().split("!", 1)[1], line.source
            return line.source

    first = run(scenario())
    assert proc.running, proc.log_tail()
    proc.stop()
    start_bridge(trestle, ircd, mode="puppet", webirc={"password": "webpass", "gateway": "trestle"})
    assert run(scenario()) == first


def test_identd_answers_for_puppets(prosody, ircd, trestle):
    """The server asks Trestle's ident server who owns each connection: the
    bot and every puppet get a verified ident (no `~`); a stranger's
    connection gets NO-USER."""
    ircd.stop()
    ircd.ident = True
    ircd.start()
    proc = start_bridge(trestle, ircd, mode="puppet", identd={"host": "0.0.0.0", "port": 113})
    proc.wait_for_log(r"ident server listening")

    async def scenario():
        async with IRCUser(ircd, "bob") as bob, MUCUser("alice@localhost", PASSWORD, prosody) as alice:
            await bob.join(CHANNEL)
            await enter(alice, LOBBY, "Alice")
            line = await bob.wait_for(lambda l: l.command == "JOIN" and l.nick == "Alice[b]")
            user = line.source.split("!", 1)[1].split("@", 1)[0]
            assert re.fullmatch(r"t[0-9a-f]{9}", user), line.source  # no "~": verified by ident
            bob.raw("WHO bridge")
            who = await bob.wait_for(lambda l: l.command == "352" and l.params[5] == "bridge")
            assert who.params[2] == "trestle", who.raw
            # bob's own connection is not Trestle's: ident says NO-USER, so he is ~bob.
            bob.raw("WHO bob")
            who = await bob.wait_for(lambda l: l.command == "352" and l.params[5] == "bob")
            assert who.params[2] == "~bob", who.raw

    run(scenario(), timeout=60)
    assert proc.running, proc.log_tail()


def test_reply_to_an_irc_line_carries_the_reply_tag(prosody, ircd, trestle):
    """An XMPP reply (XEP-0461) to a line from IRC reads `bob: …` on IRC and,
    where the server has message tags, carries `+draft/reply` with the
    line's msgid; the reply fallback never leaks into IRC."""
    proc = start_bridge(trestle, ircd)

    async def scenario():
        async with IRCUser(ircd, "bob") as bob, MUCUser("alice@localhost", PASSWORD, prosody) as alice:
            bob.raw("CAP REQ :message-tags")
            await bob.wait_for(lambda l: l.command == "CAP" and "ACK" in l.params)
            await bob.join(CHANNEL)
            await in_channel(bob, "bridge")
            await enter(alice, LOBBY, "Alice")
            bob.say(CHANNEL, "anyone there?")
            got = await alice.wait_for(said(f"{LOBBY}/bob", "anyone there?"))
            sid = stanza_id(got)
            alice.say(LOBBY, "> bob: anyone there?\nyes, me",
                      extra=f"<reply xmlns='urn:xmpp:reply:0' to='{LOBBY}/bob' id='{sid}'/>"
                            "<fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:reply:0'>"
                            "<body start='0' end='21'/></fallback>")
            line = await bob.wait_for(lambda l: l.command == "PRIVMSG" and "yes, me" in l.text)
            assert line.text == "<Alice> bob: yes, me", line.raw
            assert line.tags.get("+draft/reply"), line.raw

    run(scenario())
    assert proc.running, proc.log_tail()


def test_sasl_with_services(prosody, ircd, trestle, tmp_path):
    """SASL PLAIN against real services (Atheme linked to the server): a
    wrong password stops the bot for good with the reason in the log; the
    right one logs it in to its account."""
    ircd.stop()
    services = Services(ircd, tmp_path / "atheme")
    ircd.start()
    services.start()
    try:
        run(services.register_account("owner", "correct-horse"))
        sasl = {"mechanism": "plain", "account": "owner", "password": "wrong-password"}
        refused = trestle(rooms=rooms(), irc=irc_settings(ircd, sasl=sasl))
        line = refused.wait_for_log(r"^.*refused for good.*$", timeout=15)
        assert "SASL PLAIN authentication failed (904)" in line.group(0), line.group(0)
        assert "wrong-password" not in refused.log_text()
        refused.stop()

        sasl["password"] = "correct-horse"
        proc = trestle(rooms=rooms(), irc=irc_settings(ircd, sasl=sasl))
        proc.wait_for_log(r"IRC connection registered", timeout=15)

        async def logged_in():
            async with IRCUser(ircd, "bob") as bob:
                bob.raw("WHOIS bridge")
                got = await bob.wait_for(lambda l: l.command == "330", what="the bot's account in WHOIS")
                assert got.params[1:3] == ["bridge", "owner"], got.raw

        run(logged_in())
        assert "correct-horse" not in proc.log_text()
    finally:
        services.stop()


def test_silent_server_is_given_up_and_reconnected(prosody, ircd, trestle):
    """A server that stops answering (frozen, a dead route) is pinged after
    ping_interval, given up after ping_timeout more, and reconnected to."""
    proc = start_bridge(trestle, ircd, ping_interval="1s", ping_timeout="2s")
    ircd.process.send_signal(signal.SIGSTOP)
    try:
        lost = proc.wait_for_log(r"^.*IRC connection lost.*$", timeout=15)
        assert "no answer from the server" in lost.group(0), lost.group(0)
    finally:
        ircd.process.send_signal(signal.SIGCONT)
    proc.wait_for_log(r"IRC connection registered", count=2, timeout=20)
    assert proc.running, proc.log_tail()


def test_a_puppet_says_everything_before_it_quits(prosody, ircd, trestle):
    """Someone says three things and leaves at once: the puppet, paced by
    flood control, sends all three before its QUIT."""
    proc = start_bridge(trestle, ircd, mode="puppet", flood={"burst": 1, "interval": "400ms"})

    async def scenario():
        async with IRCUser(ircd, "bob") as bob, MUCUser("alice@localhost", PASSWORD, prosody) as alice:
            await bob.join(CHANNEL)
            await enter(alice, LOBBY, "Alice")
            await in_channel(bob, "Alice[b]")
            for text in ("one", "two", "three"):
                alice.say(LOBBY, text)
            alice.send_raw(f"<presence to='{LOBBY}/Alice' type='unavailable'/>")
            await bob.wait_for(lambda l: l.command in ("QUIT", "PART") and l.nick == "Alice[b]", timeout=15)
            said_by_alice = [l.text for l in bob.lines if l.command == "PRIVMSG" and l.nick == "Alice[b]"]
            assert said_by_alice == ["one", "two", "three"], said_by_alice

    run(scenario())
    assert proc.running, proc.log_tail()
