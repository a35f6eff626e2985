"""The IRC courtesy features, against the real InspIRCd (echo-message,
msgid, message-tags, labeled-response loaded) with a real IRC client
library on the IRC side and a real XMPP client through Prosody:
learning the IRC msgid of each line Trestle sends from its echo, so IRC
replies and reactions find the message they answer; reactions as IRCv3
tags or short lines, by policy; long messages ending with a link to
their full text on Trestle's HTTP endpoint."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
import urllib.error
import urllib.request

import pytest

from conftest import PASSWORD, run
from support.irc_user import IRCUser
from support.muc import MUCUser, body, enter, said, stanza_id, xml
from support.prosody import free_port
from test_irc import CHANNEL, LOBBY, in_channel, irc_settings, occupant, rooms

REACTIONS = "urn:xmpp:reactions:0"
REPLY = "urn:xmpp:reply:0"
RETRACTION = "urn:xmpp:message-retract:1"
HINTS = "urn:xmpp:hints"


def start(trestle, ircd, http: dict | None = None, store: dict | None = None, **overrides):
    proc = trestle(rooms=rooms(), irc=irc_settings(ircd, **overrides), http=http, store=store)
    proc.wait_for_log(r"component connected", timeout=10)
    proc.wait_for_log(r"IRC connection registered", timeout=10)
    return proc


async def tagged_user(ircd, nick: str, *caps: str) -> IRCUser:
    """An IRC user with the IRCv3 capabilities `caps`, in the channel with the bridge."""
    user = await IRCUser(ircd, nick).connect()
    user.raw(f"CAP REQ :{' '.join(caps)}")
    await user.wait_for(lambda l: l.command == "CAP" and "ACK" in l.params, what="CAP ACK")
    await user.join(CHANNEL)
    await in_channel(user, "bridge")
    return user


@asynccontextmanager
async def bob_and_alice(ircd, prosody, *caps: str):
    """bob on IRC with `caps`, in the channel; alice in the bridged MUC
    room, seeing bob as an occupant. bob quits on the way out."""
    bob = await tagged_user(ircd, "bob", *caps)
    try:
        async with MUCUser("alice@localhost", PASSWORD, prosody) as alice:
            await enter(alice, LOBBY, "Alice")
            await alice.wait_for(occupant("bob"), what="bob as an occupant")
            yield bob, alice
    finally:
        bob.connection.disconnect("bye")


def child(stanza, namespace: str, name: str):
    return stanza.find(f"{{{namespace}}}{name}")


def reacted(stanza) -> tuple[str, set[str]] | None:
    element = child(stanza, REACTIONS, "reactions")
    if element is None:
        return None
    return element.get("id"), {(r.text or "") for r in element.findall(f"{{{REACTIONS}}}reaction")}


def react(of: str, *emojis: str) -> str:
    inner = "".join(f"<reaction>{e}</reaction>" for e in emojis)
    return f"<message to='{LOBBY}' type='groupchat'><reactions xmlns='{REACTIONS}' id='{of}'>{inner}</reactions><store xmlns='{HINTS}'/></message>"


@pytest.mark.parametrize("labels", [True, False], ids=["labeled-response", "in-order"])
@pytest.mark.parametrize("mode", ["relay", "puppet"])
def test_irc_replies_to_relayed_lines_find_their_message(prosody, ircd, trestle, mode, labels):
    """Each line Trestle sends (the bot's, or the person's puppet's) is
    echoed by the server with its msgid; Trestle records it as the
    message's id on IRC, so an IRC reply (`+draft/reply`) to it reaches
    XMPP as a XEP-0461 reply to the right message, and the echoes
    themselves are never bridged back. Echoes are matched by label where
    the server has labeled-response, and in order where it has not."""
    if not labels:
        ircd.stop()
        ircd.left_out = {"ircv3_labeledresponse"}
        ircd.start()
    proc = start(trestle, ircd, mode=mode)
    # The path tested: the bot's capabilities, as it logged them.
    capabilities = proc.wait_for_log(r"capabilities=([a-z/ -]*?) irc\.nick=bridge .*IRC connection registered").group(1).split()
    assert "echo-message" in capabilities and ("labeled-response" in capabilities) == labels, capabilities

    async def scenario():
        async with bob_and_alice(ircd, prosody, "message-tags") as (bob, alice):
            alice.say(LOBBY, "first question")
            first = await alice.wait_for(said(f"{LOBBY}/Alice", "first question"), what="reflection of the first")
            alice.say(LOBBY, "second question\nwith a second line")
            second = await alice.wait_for(said(f"{LOBBY}/Alice", "second question\nwith a second line"),
                                          what="reflection of the second")
            line1 = await bob.wait_for(lambda l: l.command == "PRIVMSG" and "first question" in l.text)
            line2 = await bob.wait_for(lambda l: l.command == "PRIVMSG" and "second question" in l.text)
            line3 = await bob.wait_for(lambda l: l.command == "PRIVMSG" and "with a second line" in l.text)
            ids = [l.tags.get("msgid") for l in (line1, line2, line3)]
            assert all(ids) and len(set(ids)) == 3, [l.raw for l in (line1, line2, line3)]

            # Replies to the first message, to the second, and to the second's second line.
            for target, text in ((ids[0], "answer one"), (ids[1], "answer two"), (ids[2], "answer three")):
                bob.raw(f"@+draft/reply={target} PRIVMSG {CHANNEL} :{text}")
            expected = {"answer one": stanza_id(first), "answer two": stanza_id(second),
                        "answer three": stanza_id(second)}
            for text, sid in expected.items():
                # (The body starts with a quote of the message answered, marked as a fallback.)
                got = await alice.wait_for(lambda s: s.get("from") == f"{LOBBY}/bob" and (body(s) or "").endswith(text),
                                           what=f"bob's {text!r}")
                reply = child(got, REPLY, "reply")
                assert reply is not None and reply.get("id") == sid, (text, sid, xml(got))

            assert line1.nick == ("bridge" if mode == "relay" else "Alice[b]"), line1.raw
            # Nothing Trestle said on IRC came back to XMPP as a new message.
            echoes = [s for s in alice.stanzas if s.tag.endswith("message") and body(s)
                      and s.get("from") not in (f"{LOBBY}/Alice", f"{LOBBY}/bob")]
            assert echoes == [], [xml(s) for s in echoes]

    run(scenario())
    assert proc.running, proc.log_tail()


def test_reactions_as_irc_tags_both_ways(prosody, ircd, trestle):
    """Policy `tag`: an XMPP reaction (XEP-0444) to a line from IRC, or to
    one relayed from XMPP, is a TAGMSG with `+draft/react` and
    `+draft/reply` naming the line's msgid; an IRC `+draft/react` becomes
    an XMPP reaction to the right message."""
    proc = start(trestle, ircd, reactions="tag")

    async def scenario():
        async with bob_and_alice(ircd, prosody, "message-tags", "echo-message") as (bob, alice):
            # Alice reacts to bob's line: bob's client sees the tag on it.
            bob.say(CHANNEL, "a line from IRC")
            echo = await bob.wait_for(lambda l: l.command == "PRIVMSG" and l.nick == "bob" and l.text == "a line from IRC",
                                      what="bob's own echo")
            got = await alice.wait_for(said(f"{LOBBY}/bob", "a line from IRC"))
            alice.send_raw(react(stanza_id(got), "👍"))
            tag = await bob.wait_for(lambda l: l.command == "TAGMSG" and "+draft/react" in l.tags, what="reaction tag")
            assert tag.params[0] == CHANNEL and tag.nick == "bridge", tag.raw
            assert tag.tags["+draft/react"] == "👍" and tag.tags["+draft/reply"] == echo.tags["msgid"], tag.raw

            # Alice reacts to her own message, relayed by the bot: its msgid came from the bot's echo.
            alice.say(LOBBY, "a line from XMPP")
            mine = await alice.wait_for(said(f"{LOBBY}/Alice", "a line from XMPP"))
            relayed = await bob.wait_for(lambda l: l.command == "PRIVMSG" and "a line from XMPP" in l.text)
            start_at = len(bob.lines)
            alice.send_raw(react(stanza_id(mine), "🎉"))
            tag = await bob.wait_for(lambda l: l.command == "TAGMSG" and l.tags.get("+draft/react") == "🎉",
                                     start=start_at, what="reaction tag to the relayed line")
            assert tag.tags["+draft/reply"] == relayed.tags["msgid"], (tag.raw, relayed.raw)

            # Bob reacts on IRC to the relayed line: Alice sees bob's reaction on her message.
            bob.raw(f"@+draft/react=❤️;+draft/reply={relayed.tags['msgid']} TAGMSG {CHANNEL}")
            got = await alice.wait_for(lambda s: s.get("from") == f"{LOBBY}/bob" and reacted(s) is not None,
                                       what="bob's reaction in XMPP")
            assert reacted(got) == (stanza_id(mine), {"❤️"}), xml(got)
            # No line was said for any of it.
            texts = [l.raw for l in bob.lines if l.command == "PRIVMSG" and "react" in l.text]
            assert texts == [], texts

    run(scenario())
    assert proc.running, proc.log_tail()


def test_reactions_as_short_lines(prosody, ircd, trestle):
    """Policy `text` (here for the one channel): a reaction is one short
    line quoting the first words of the message; taking it back says nothing."""
    # (The key quoted: a bare # would start a YAML comment.)
    proc = start(trestle, ircd, channels={f'"{CHANNEL}"': {"reactions": "text"}})

    async def scenario():
        async with IRCUser(ircd, "bob") as bob, MUCUser("alice@localhost", PASSWORD, prosody) as alice:
            await bob.join(CHANNEL)
            await in_channel(bob, "bridge")
            await enter(alice, LOBBY, "Alice")
            await alice.wait_for(occupant("bob"), what="bob as an occupant")
            bob.say(CHANNEL, "shall we ship the release on friday afternoon?")
            got = await alice.wait_for(said(f"{LOBBY}/bob", "shall we ship the release on friday afternoon?"))
            alice.send_raw(react(stanza_id(got), "👍"))
            line = await bob.wait_for(lambda l: l.command == "PRIVMSG" and "reacted" in l.text, what="reaction line")
            assert line.text == '* Alice reacted 👍 to "shall we ship the release on…"', line.raw
            start_at = len(bob.lines)
            alice.send_raw(react(stanza_id(got)))
            alice.say(LOBBY, "marker")
            await bob.wait_for(lambda l: l.command == "PRIVMSG" and "marker" in l.text, start=start_at)
            assert [l.raw for l in bob.privmsgs(CHANNEL, start_at) if "react" in l.text] == []

    run(scenario())
    assert proc.running, proc.log_tail()


@pytest.mark.parametrize("archive", [True, False], ids=["archive", "archive-off"])
def test_corrections_as_sed_lines(prosody, ircd, trestle, archive):
    """`edits: sed`: a correction made in XMPP reaches IRC as the short
    `s/old/new/` line IRC users write, each against the text it corrects,
    also when the archive keeps no text (the recent text is in memory)."""
    proc = start(trestle, ircd, store={"archive": archive}, edits="sed")

    async def scenario():
        async with IRCUser(ircd, "bob") as bob, MUCUser("alice@localhost", PASSWORD, prosody) as alice:
            await bob.join(CHANNEL)
            await in_channel(bob, "bridge")
            await enter(alice, LOBBY, "Alice")
            original = alice.say(LOBBY, "we ship on fridya afternoon")
            await bob.wait_for(lambda l: l.command == "PRIVMSG" and "fridya" in l.text, what="the original")
            for fixed, sed in (("we ship on friday afternoon", "s/fridya/friday/"),
                               ("we ship on friday morning", "s/afternoon/morning/")):
                alice.say(LOBBY, fixed, extra=f"<replace xmlns='urn:xmpp:message-correct:0' id='{original}'/>")
                line = await bob.wait_for(lambda l: l.command == "PRIVMSG" and l.text.endswith(sed),
                                          what=f"the correction as {sed}")
                assert "✎" not in line.text and fixed not in line.text, line.raw

    run(scenario())
    assert proc.running, proc.log_tail()


def test_long_message_links_to_its_full_text(prosody, ircd, trestle):
    """`long_messages: link`: a 12-line message reaches IRC as 4 lines and a
    link; the link serves the full text (404 for an unknown id, 410 once
    the message is retracted)."""
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    proc = start(trestle, ircd, http={"host": "127.0.0.1", "port": port, "public_url": public + "/"},
                 long_messages="link")

    async def scenario():
        async with IRCUser(ircd, "bob") as bob, MUCUser("alice@localhost", PASSWORD, prosody) as alice:
            await bob.join(CHANNEL)
            await in_channel(bob, "bridge")
            await enter(alice, LOBBY, "Alice")
            text = "\n".join(f"line {n} of a long paste" for n in range(1, 13))
            alice.say(LOBBY, text)
            mine = await alice.wait_for(said(f"{LOBBY}/Alice", text))
            last = await bob.wait_for(lambda l: l.command == "PRIVMSG" and "more lines" in l.text, what="the link line")
            shown = [l.text for l in bob.privmsgs(CHANNEL) if "long paste" in l.text or "more lines" in l.text]
            assert shown[:4] == [f"<Alice> line {n} of a long paste" for n in range(1, 5)], shown
            assert len(shown) == 5, shown
            prefix = f"<Alice> [… 8 more lines: {public}/text/"
            assert last.text.startswith(prefix) and last.text.endswith("]"), last.text
            url = last.text[len("<Alice> [… 8 more lines: "):-1]
            with urllib.request.urlopen(url, timeout=5) as response:
                assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
                assert response.read().decode() == text
            # An id the archive does not hold.
            try:
                urllib.request.urlopen(f"{public}/text/{'0' * 32}", timeout=5)
                raise AssertionError("an unknown id was served")
            except urllib.error.HTTPError as error:
                assert error.code == 404
            # Retracted: gone.
            alice.send_raw(f"<message to='{LOBBY}' type='groupchat' id='r1'><retract xmlns='{RETRACTION}' "
                           f"id='{stanza_id(mine)}'/><store xmlns='{HINTS}'/></message>")
            await alice.wait_for(lambda s: s.get("id") == "r1", what="reflection of the retraction")
            for _ in range(50):
                try:
                    urllib.request.urlopen(url, timeout=5)
                except urllib.error.HTTPError as error:
                    assert error.code == 410, error.code
                    break
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("a retracted message is still served")

    run(scenario())
    assert proc.running, proc.log_tail()


CHAT_STATES = "http://jabber.org/protocol/chatstates"


def chat_state(stanza) -> str | None:
    for element in stanza:
        if element.tag.startswith(f"{{{CHAT_STATES}}}"):
            return element.tag.split("}", 1)[1]
    return None


def test_typing_both_ways(prosody, ircd, trestle):
    """Typing as the IRCv3 `+typing` client tag. An XMPP user's
    `composing` makes their puppet send `+typing=active` TAGMSGs, repeated
    no sooner than every 3 s, and their `active` ends it with
    `+typing=done`; an IRC user's `+typing` reaches the MUC room as chat
    states from their occupant."""
    proc = start(trestle, ircd, mode="puppet")

    async def scenario():
        async with bob_and_alice(ircd, prosody, "message-tags") as (bob, alice):
            # The puppet is in the channel from her first message on (typing alone connects nobody).
            alice.say(LOBBY, "hi")
            line = await bob.wait_for(lambda l: l.command == "PRIVMSG" and l.text == "hi", what="alice's puppet")
            puppet = line.nick

            def typing(value: str):
                return lambda l: l.command == "TAGMSG" and l.nick == puppet and l.tags.get("+typing") == value

            start_at = len(bob.lines)
            alice.send_raw(f"<message to='{LOBBY}' type='groupchat'><composing xmlns='{CHAT_STATES}'/></message>")
            first = await bob.wait_for(typing("active"), start=start_at, what="the puppet typing")
            assert first.params == [CHANNEL], first.raw
            again = await bob.wait_for(typing("active"), start=bob.lines.index(first) + 1, timeout=6,
                                       what="typing repeated while alice composes")
            assert again.received - first.received >= 2.9, (first.received, again.received)
            alice.send_raw(f"<message to='{LOBBY}' type='groupchat'><active xmlns='{CHAT_STATES}'/></message>")
            done = await bob.wait_for(typing("done"), start=start_at, timeout=6, what="the puppet done typing")
            assert done.received - again.received >= 2.9, (again.received, done.received)

            # IRC → XMPP: bob's notifications as bob's chat states.
            bob.raw(f"@+typing=active TAGMSG {CHANNEL}")
            await alice.wait_for(lambda s: s.get("from") == f"{LOBBY}/bob" and chat_state(s) == "composing",
                                 what="bob composing in XMPP")
            bob.raw(f"@+typing=done TAGMSG {CHANNEL}")
            got = await alice.wait_for(lambda s: s.get("from") == f"{LOBBY}/bob" and chat_state(s) == "active",
                                       what="bob no longer composing in XMPP")
            assert body(got) is None, xml(got)
            # Nothing of it was a line anyone reads.
            texts = [l.raw for l in bob.lines if l.command in ("PRIVMSG", "NOTICE") and l.nick == puppet]
            assert texts == [line.raw], texts

    run(scenario())
    assert proc.running, proc.log_tail()


def test_a_puppet_refused_entry_is_relayed_by_the_bot(prosody, ircd, trestle):
    """A puppet the channel will not let in (here banned by an operator)
    says nothing into the void: alice speaks as soon as she enters, so her
    message waits for the server's answer to her puppet's JOIN, and on the
    refusal the bot relays her there, that first message included. The
    puppet, left in no channel, quits."""
    proc = start(trestle, ircd, mode="puppet")

    async def scenario():
        bob = await tagged_user(ircd, "bob", "message-tags")
        try:
            bob.raw("OPER admin adminpw")
            await bob.wait_for(lambda l: l.command == "381", what="bob an IRC operator")
            bob.raw(f"SAMODE {CHANNEL} +b Alice*!*@*")
            await bob.wait_for(lambda l: l.command == "MODE" and "+b" in l.params, what="the ban")
            async with MUCUser("alice@localhost", PASSWORD, prosody) as alice:
                await enter(alice, LOBBY, "Alice")
                for words in ("first words", "more words"):
                    alice.say(LOBBY, words)
                    got = await bob.wait_for(lambda l: l.command == "PRIVMSG" and words in (l.text or ""),
                                             what=f"alice's '{words}'")
                    assert got.nick == "bridge", got.raw
                assert not [l.raw for l in bob.lines if l.command == "JOIN" and l.nick.lower().startswith("alice")]
        finally:
            bob.connection.disconnect("bye")

    run(scenario())
    proc.wait_for_log(r"IRC refused a puppet entry to a channel; the bot relays its person there", timeout=5)
    assert proc.running, proc.log_tail()
