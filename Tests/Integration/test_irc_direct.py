"""IRC channels joined directly from an XMPP client, biboumi-style:
`#channel%irc.server@component/Nick` is the channel on that configured
server, with the user on IRC under their own nick and no bot in the channel."""

from __future__ import annotations

import asyncio

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


def test_two_hundred_xmpp_users_in_one_channel(prosody, ircd, trestle):
    """200 XMPP users join one channel directly: 200 IRC connections, each
    user visible on IRC, and a line from IRC reaching every one of them once."""
    count = 200
    names = [f"u{i:03d}" for i in range(count)]
    prosody.stop()
    prosody.register_many(names, PASSWORD)
    prosody.start()
    proc = trestle(irc=irc_settings(ircd, puppets={"max_connections": 250}))
    proc.wait_for_log(r"IRC connection registered", timeout=10)
    room = f"#crowd%127.0.0.1@{COMPONENT_JID}"

    async def scenario():
        async with IRCUser(ircd, "bob") as bob:
            await bob.join("#crowd")
            users = [MUCUser(f"{name}@localhost", PASSWORD, prosody) for name in names]
            try:
                for batch in range(0, count, 25):
                    await asyncio.gather(*(user.login() for user in users[batch:batch + 25]))
                for batch in range(0, count, 25):
                    for user, name in zip(users[batch:batch + 25], names[batch:batch + 25]):
                        user.join(room, name)
                    await asyncio.sleep(0.2)
                # Every one of them is in the channel under their own nick.
                deadline = asyncio.get_running_loop().time() + 60
                joined: set[str] = set()
                while len(joined) < count and asyncio.get_running_loop().time() < deadline:
                    joined = {l.nick for l in bob.lines if l.command == "JOIN" and l.params[0] == "#crowd"} & set(names)
                    await asyncio.sleep(0.2)
                assert len(joined) == count, f"{len(joined)} of {count} joined on IRC"

                # Ten of them talk; bob hears each once, from their own nick.
                for name, user in list(zip(names, users))[:10]:
                    user.say(room, f"hello from {name}")
                for name in names[:10]:
                    await bob.wait_for(lambda l, n=name: l.command == "PRIVMSG" and l.nick == n
                                       and l.text == f"hello from {n}", timeout=20)
                heard = [l for l in bob.lines if l.command == "PRIVMSG" and l.text.startswith("hello from")]
                assert len(heard) == 10, [l.raw for l in heard]

                # bob answers: every one of the 200 gets it exactly once.
                bob.say("#crowd", "hello, crowd")
                for user in users:
                    await user.wait_for(said(f"{room}/bob", "hello, crowd"), timeout=30)
                assert all(sum(1 for s in user.stanzas if body(s) == "hello, crowd") == 1 for user in users)
            finally:
                for user in users:
                    user.close_now()

    run(scenario(), timeout=150)
    assert proc.running, proc.log_tail()


def test_several_clients_of_one_user_share_one_connection(prosody, ircd, trestle):
    """Two clients (resources) of one XMPP user in a channel joined directly:
    one IRC connection, one JOIN; the first leaving changes nothing on IRC;
    the last leaving ends the connection."""
    proc = trestle(irc=irc_settings(ircd))
    proc.wait_for_log(r"IRC connection registered", timeout=10)

    async def scenario():
        async with IRCUser(ircd, "bob") as bob, \
                MUCUser("alice@localhost", PASSWORD, prosody, resource="phone") as phone, \
                MUCUser("alice@localhost", PASSWORD, prosody, resource="laptop") as laptop:
            await bob.join("#direct")
            await enter(phone, ROOM, "alice")
            await in_channel(bob, "alice", channel="#direct")
            await enter(laptop, ROOM, "alice")
            phone.say(ROOM, "from the phone")
            laptop.say(ROOM, "from the laptop")
            await bob.wait_for(lambda l: l.command == "PRIVMSG" and l.text == "from the laptop")
            bob.say("#direct", "both of you?")
            await phone.wait_for(said(f"{ROOM}/bob", "both of you?"))
            await laptop.wait_for(said(f"{ROOM}/bob", "both of you?"))

            phone.send_raw(f"<presence to='{ROOM}/alice' type='unavailable'/>")
            await asyncio.sleep(1.0)
            bob.say("#direct", "laptop still here?")
            await laptop.wait_for(said(f"{ROOM}/bob", "laptop still here?"))

            laptop.send_raw(f"<presence to='{ROOM}/alice' type='unavailable'/>")
            await bob.wait_for(lambda l: l.command in ("QUIT", "PART") and l.nick == "alice")
            alice_lines = [l.command for l in bob.lines if l.nick == "alice"]
            assert alice_lines.count("JOIN") == 1, alice_lines
            assert alice_lines.count("NICK") == 0, alice_lines
            assert alice_lines[-1] in ("QUIT", "PART") and alice_lines[:-1].count("QUIT") + alice_lines[:-1].count("PART") == 0, \
                alice_lines

    run(scenario())
    assert len(proc.log_matches(r"puppet connecting")) == 1, proc.log_tail()


def test_private_messages_both_ways(prosody, ircd, trestle):
    """A chat to `nick%server@component` reaches `nick` through the user's
    own IRC connection; what `nick` writes back comes from that address;
    the server's notices to the connection come from `server@component`."""
    ircd.stop()
    ircd.lookups = True  # the server then greets every connection with notices
    ircd.motd = "Welcome to the test network.\nBe nice."
    ircd.start()
    proc = trestle(irc=irc_settings(ircd))
    proc.wait_for_log(r"IRC connection registered", timeout=10)

    async def scenario():
        async with IRCUser(ircd, "bob") as bob, MUCUser("alice@localhost", PASSWORD, prosody) as alice:
            alice.send_raw(f"<message type='chat' to='bob%127.0.0.1@{COMPONENT_JID}'><body>psst, bob</body></message>")
            line = await bob.wait_for(lambda l: l.command == "PRIVMSG" and l.params[0] == "bob", timeout=15)
            assert line.nick == "alice" and line.text == "psst, bob", line.raw

            bob.say("alice", "hi alice")
            bob.act("alice", "waves")
            got = await alice.wait_for_message(lambda m: m["type"] == "chat" and m["body"] == "hi alice")
            assert str(got["from"]) == f"bob%127.0.0.1@{COMPONENT_JID}", got
            await alice.wait_for_message(lambda m: m["body"] == "/me waves")

            # The server's own notices to the connection come from the server's address.
            notice = await alice.wait_for_message(lambda m: str(m["from"]) == f"127.0.0.1@{COMPONENT_JID}"
                                                  and m["body"].startswith("***"))
            # So does its message of the day, in one message.
            motd = await alice.wait_for_message(lambda m: str(m["from"]) == f"127.0.0.1@{COMPONENT_JID}"
                                                and "Be nice." in m["body"])
            assert "Welcome to the test network." in motd["body"], motd

            # An unknown server is an error, not a silent drop.
            alice.send_raw(f"<message type='chat' id='e1' to='bob%irc.nowhere.example@{COMPONENT_JID}'><body>x</body></message>")
            error = await alice.wait_for(lambda s: s.get("type") == "error" and s.get("id") == "e1")
            assert any(e.tag.endswith("item-not-found") for e in error.iter()), error

    run(scenario())
    assert proc.running, proc.log_tail()


def test_past_the_connection_cap_a_direct_join_gets_no_connection(prosody, ircd, trestle):
    """In a channel joined directly there is no bot to relay for those past
    the per-server cap: their messages are refused (and logged), never
    said under someone else's name."""
    proc = trestle(irc=irc_settings(ircd, puppets={"max_connections": 1}))
    proc.wait_for_log(r"IRC connection registered", timeout=10)

    async def scenario():
        async with IRCUser(ircd, "bob") as bob, MUCUser("alice@localhost", PASSWORD, prosody) as alice, \
                MUCUser("admin@localhost", PASSWORD, prosody) as admin:
            await bob.join("#direct")
            await enter(alice, ROOM, "alice")
            await in_channel(bob, "alice", channel="#direct")
            await enter(admin, ROOM, "admin")
            admin.say(ROOM, "over the cap")
            alice.say(ROOM, "within the cap")
            await bob.wait_for(lambda l: l.command == "PRIVMSG" and l.text == "within the cap")
            await asyncio.sleep(0.5)
            assert not [l for l in bob.lines if "over the cap" in l.raw], [l.raw for l in bob.lines[-5:]]
            assert "admin" not in bob.names("#direct") and not [l for l in bob.lines if l.nick == "admin"]

    run(scenario())
    proc.wait_for_log(r"puppet connection cap reached")
    refused = proc.wait_for_log(r"^.*no IRC connection for admin.*$")
    assert "#direct" in refused.group(0), refused.group(0)
