"""Per-user IRC settings through the XEP-0050 ad-hoc command "Configure"
on the server's address (`127.0.0.1@component`), as biboumi offers them:
a nick of one's own, channels auto-joined when the bridge starts, and
channels the connection stays in after the user's clients leave, whose
conversation waits in the room's archive."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET

from conftest import COMPONENT_JID, PASSWORD, run
from support.bridge import in_thread, restarted
from support.client import error_condition
from support.irc_user import IRCUser
from support.muc import MUCUser, enter, said
from support.prosody import free_port
from support.services import Services
from test_irc import irc_settings

SERVER = f"127.0.0.1@{COMPONENT_JID}"
COMMANDS = "http://jabber.org/protocol/commands"
DATA = "jabber:x:data"


def field_xml(name: str, values: list[str]) -> str:
    return f"<field var='{name}'>" + "".join(f"<value>{v}</value>" for v in values) + "</field>"


async def configure(user: MUCUser, fields: dict[str, list[str]]):
    """Runs the command: execute, then submit `fields`; returns (form, reply)."""
    started = await user.iq(SERVER, "set", f"<command xmlns='{COMMANDS}' node='configure' action='execute'/>")
    command = started.xml.find(f"{{{COMMANDS}}}command")
    assert command is not None and command.get("status") == "executing", ET.tostring(started.xml)
    form = command.find(f"{{{DATA}}}x")
    submitted = "".join(field_xml(name, values) for name, values in fields.items())
    reply = await user.iq(SERVER, "set", f"<command xmlns='{COMMANDS}' node='configure' sessionid='{command.get('sessionid')}'"
                          f" action='complete'><x xmlns='{DATA}' type='submit'>{submitted}</x></command>")
    return form, reply


def joins(bob: IRCUser, nick: str, channel: str) -> list:
    return [l for l in bob.lines if l.command == "JOIN" and l.nick == nick and l.params[0] == channel]


def test_configure_nick_auto_join_and_persistent_channels(prosody, ircd, trestle):
    proc = trestle(irc=irc_settings(ircd))
    proc.wait_for_log(r"IRC connection registered", timeout=10)
    persist = f"#persist%127.0.0.1@{COMPONENT_JID}"
    keep = f"#keep%127.0.0.1@{COMPONENT_JID}"

    async def scenario():
        async with IRCUser(ircd, "bob") as bob, MUCUser("alice@localhost", PASSWORD, prosody) as alice:
            await bob.join("#persist")
            await bob.join("#keep")
            # Clients find the command on the server's address.
            items = await alice.iq(SERVER, "get", f"<query xmlns='http://jabber.org/protocol/disco#items' node='{COMMANDS}'/>")
            assert [i.get("node") for i in items.xml.iter("{http://jabber.org/protocol/disco#items}item")] == ["configure"]

            # A mistake is refused with the reason, and nothing is saved.
            _, refused = await configure(alice, {"autojoin": ["#persist", "not a channel"]})
            assert error_condition(refused) == ("modify", "bad-request"), ET.tostring(refused.xml)
            assert "not a channel" in ET.tostring(refused.xml, encoding="unicode")

            form, reply = await configure(alice, {"nick": ["alice_irc"], "autojoin": ["#persist"], "persistent": ["#keep"]})
            names = {f.get("var") for f in form.iter(f"{{{DATA}}}field")}
            assert {"nick", "username", "realname", "sasl_password", "tls_ports", "autojoin", "persistent"} <= names
            note = reply.xml.find(f"{{{COMMANDS}}}command")
            assert note.get("status") == "completed", ET.tostring(reply.xml)

            # Auto-join: on IRC at once, under the chosen nick, with no XMPP client in the room.
            await bob.wait_for(lambda l: l.command == "JOIN" and l.nick == "alice_irc" and l.params[0] == "#persist")
            bob.say("#persist", "said while alice was away")

            # She comes later: the line waits in the room's history; no second JOIN on IRC.
            await enter(alice, persist, "alice")
            await alice.wait_for(said(f"{persist}/bob", "said while alice was away"), what="history")
            alice.say(persist, "back now")
            await bob.wait_for(lambda l: l.command == "PRIVMSG" and l.nick == "alice_irc" and l.text == "back now")
            # Leaving the room keeps her in the channel (auto-join channels are persistent).
            alice.send_raw(f"<presence to='{persist}/alice' type='unavailable'/>")

            # A persistent channel joined by hand is kept too.
            await enter(alice, keep, "alice")
            await bob.wait_for(lambda l: l.command == "JOIN" and l.nick == "alice_irc" and l.params[0] == "#keep")
            alice.send_raw(f"<presence to='{keep}/alice' type='unavailable'/>")
            await asyncio.sleep(1.5)
            gone = [l for l in bob.lines if l.nick == "alice_irc" and l.command in ("PART", "QUIT")]
            assert gone == [], [l.raw for l in gone]
            assert len(joins(bob, "alice_irc", "#persist")) == 1
            proc.wait_for_log(r"connection stays in the channel \(persistent\)", timeout=1)

            # The settings outlive a restart: the new process joins #persist again by itself.
            await in_thread(proc.stop)
            await bob.wait_for(lambda l: l.command == "QUIT" and l.nick == "alice_irc", timeout=15)
            again = await in_thread(restarted, proc)
            try:
                await bob.wait_for(lambda l: len(joins(bob, "alice_irc", "#persist")) == 2, timeout=20)
                settings = await alice.iq(SERVER, "set", f"<command xmlns='{COMMANDS}' node='configure' action='execute'/>")
                values = {f.get("var"): [v.text for v in f.findall(f"{{{DATA}}}value")]
                          for f in settings.xml.iter(f"{{{DATA}}}field")}
                assert values["nick"] == ["alice_irc"] and values["autojoin"] == ["#persist"], values
            finally:
                again.stop()

    run(scenario())


def test_own_sasl_account_and_ports(prosody, ircd, trestle, tmp_path):
    """A user's own SASL password logs their connection in to their account
    at real services (Atheme), and their own list of ports is tried in
    turn: a closed port first, then the server's."""
    ircd.stop()
    services = Services(ircd, tmp_path / "atheme")
    ircd.start()
    services.start()
    try:
        run(services.register_account("alicea", "horse-battery"))
        proc = trestle(irc=irc_settings(ircd))
        proc.wait_for_log(r"IRC connection registered", timeout=15)
        room = f"#own%127.0.0.1@{COMPONENT_JID}"

        async def scenario():
            async with IRCUser(ircd, "bob") as bob, MUCUser("alice@localhost", PASSWORD, prosody) as alice:
                closed = free_port()
                _, reply = await configure(alice, {"nick": ["alicea"], "sasl_password": ["horse-battery"],
                                                   "ports": [str(closed), str(ircd.port)]})
                assert reply.xml.find(f"{{{COMMANDS}}}command").get("status") == "completed", ET.tostring(reply.xml)
                await bob.join("#own")
                await enter(alice, room, "alice")
                await bob.wait_for(lambda l: l.command == "JOIN" and l.nick == "alicea", timeout=20)
                bob.raw("WHOIS alicea")
                got = await bob.wait_for(lambda l: l.command == "330", what="alice's account in WHOIS")
                assert got.params[1:3] == ["alicea", "alicea"], got.raw
                return closed

        closed = run(scenario())
        assert proc.log_matches(rf"cannot connect to 127\.0\.0\.1:{closed}"), proc.log_tail()
        assert "horse-battery" not in proc.log_text()
    finally:
        services.stop()
