"""Matrix end to end: a real Synapse (SQLite, loopback, started by
support/synapse.py with Trestle's registration file), a Matrix user as a
plain HTTP client, and a real XMPP client through Prosody, in one bridged
room `lobby` = the MUC room lobby@ + a Matrix room (plumbed: made by the
Matrix user, named in the config).

Everything crosses both ways: messages (with HTML), emotes, edits,
replies, reactions, redactions; a portal room made by looking up an alias;
Synapse restarted mid-conversation; Synapse down while Trestle restarts,
nothing lost; a replayed transaction processed once; wrong hs_tokens
refused."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import http.server
import json
import sqlite3
import struct
import subprocess
import threading
import time
import zlib
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET

import pytest

from conftest import COMPONENT_JID, PASSWORD, run
from support.irc_user import IRCUser
from support.bridge import CORRECTION, HINTS, REACTIONS, REPLY, RETRACTION, FALLBACK, in_thread, mam_page, users
from support.matrix_user import MatrixUser, message_from, quote
from support.muc import OCCUPANT_ID, body, enter, is_message, is_presence, muc_item, said, stanza_error, stanza_id, xml
from support.prosody import free_port
from support.synapse import SynapseServer, request, synapse_available
from support.trestle import TrestleProcess, component_config, to_yaml, trestle_binary

LOBBY = f"lobby@{COMPONENT_JID}"
PUPPET_PREFIX = "@trestle_xmpp_"


def child(stanza: ET.Element, namespace: str, name: str) -> ET.Element | None:
    return stanza.find(f"{{{namespace}}}{name}")


def frm(stanza: ET.Element) -> str:
    return stanza.get("from", "")


class MatrixSetup:
    """Synapse with Trestle's registration, a Matrix user `mxalice` and her
    public room, ready for Trestle to start on."""

    def __init__(self, tmp_path, prosody):
        if not synapse_available():
            pytest.fail("matrix-synapse is not installed: run Scripts/install-dependencies.sh")
        self.dir = tmp_path
        self.synapse = SynapseServer(tmp_path / "synapse", registration=tmp_path / "registration.yaml")
        self.port = free_port()
        self.section = {
            "homeserver": self.synapse.url, "server_name": self.synapse.server_name, "port": self.port,
            "tokens_file": str(tmp_path / "matrix-tokens.json"), "request_timeout": "5s",
        }
        config = component_config(prosody, jid=COMPONENT_JID)
        config["matrix"] = self.section
        config_path = tmp_path / "registration-config.yaml"
        config_path.write_text(to_yaml(config) + "\n")
        subprocess.run([str(trestle_binary()), "matrix-registration", "--config", str(config_path),
                        "--output", str(tmp_path / "registration.yaml")], check=True, timeout=30,
                       capture_output=True)
        tokens = json.loads((tmp_path / "matrix-tokens.json").read_text())
        self.hs_token = tokens["hs_token"]
        self.synapse.start()
        self.alice = MatrixUser(self.synapse.url, "@mxalice:localhost", self.synapse.register("mxalice"))
        # Plumbing a room: its admin lets the bot set the room's m.bridge state.
        self.room = self.alice.create_room("lobby", power={"@trestle:localhost": 50})

    def start_trestle(self, trestle, rooms=None, **sections):
        proc = trestle(rooms=rooms if rooms is not None else
                       [{"name": "lobby", "endpoints": [{"xmpp": "lobby"}, {"matrix": self.room}]}],
                       matrix=self.section, **sections)
        proc.wait_for_log(r"component connected", timeout=20)
        proc.wait_for_log(r"matrix application service listening", timeout=20)
        # The homeserver calls Trestle's /ping back when asked: url and tokens are right.
        proc.wait_for_log(r"matrix homeserver reaches Trestle", timeout=20)
        if rooms is None:
            proc.wait_for_log(r"matrix room open", timeout=20)
        return proc

    def stop(self):
        self.synapse.stop()


@pytest.fixture
def matrix(tmp_path, prosody):
    setup = MatrixSetup(tmp_path, prosody)
    yield setup
    setup.stop()
    print(f"--- synapse ---\n{setup.synapse.log_tail(30)}")


def test_plumbed_room_both_ways(prosody, trestle, matrix):
    """Messages, HTML, emotes, edits, replies, reactions and redactions cross
    between a Matrix room and a MUC room, each side seeing the other's
    people as its own: puppets in Matrix, occupants in XMPP."""
    proc = matrix.start_trestle(trestle)
    mx = matrix.alice

    async def scenario():
        async with users(prosody, PASSWORD, "alice") as (xa,):
            await enter(xa, LOBBY, "Xena")
            # The bot marks the room as bridged (MSC2346) once it delivers there.
            xa.say(LOBBY, "hello from xmpp")
            got = await in_thread(mx.wait_for, lambda e: e.get("type") == "m.room.message"
                                  and e["content"].get("body") == "hello from xmpp", what="XMPP message in Matrix")
            puppet = got["sender"]
            assert puppet.startswith(PUPPET_PREFIX) and puppet.endswith(":localhost"), got
            status, profile = request("GET", f"{matrix.synapse.url}/_matrix/client/v3/profile/{quote(puppet)}/displayname",
                                      token=mx.token)
            assert status == 200 and profile["displayname"] == "Xena", profile
            status, bridge = await in_thread(mx.state, matrix.room, "m.bridge", "trestle/lobby")
            assert status == 200 and bridge["bridgebot"] == "@trestle:localhost", bridge

            # Matrix → XMPP, plain and HTML with a pill to the puppet: no Matrix id leaks.
            first = await in_thread(mx.say, matrix.room, "hello from matrix")
            await xa.wait_for(said(f"{LOBBY}/mxalice", "hello from matrix"), what="Matrix message in the MUC")
            await in_thread(mx.say, matrix.room, "**bold** and Xena", format="org.matrix.custom.html",
                            formatted_body=f"<b>bold</b> and <a href=\"https://matrix.to/#/{puppet}\">Xena</a>")
            html = await xa.wait_for(lambda s: frm(s) == f"{LOBBY}/mxalice" and "bold" in (body(s) or ""),
                                     what="HTML message")
            # XEP-0393 styling for the bold; the pill is the puppet's name, no Matrix id.
            assert body(html) == "*bold* and Xena", xml(html)

            # Emotes both ways.
            await in_thread(mx.send, matrix.room, {"msgtype": "m.emote", "body": "waves"})
            await xa.wait_for(said(f"{LOBBY}/mxalice", "/me waves"), what="Matrix emote")
            xa.say(LOBBY, "/me dances")
            emote = await in_thread(mx.wait_for, lambda e: e.get("sender") == puppet
                                    and e["content"].get("msgtype") == "m.emote", what="XMPP action as m.emote")
            assert emote["content"]["body"] == "dances", emote

            # Edits both ways.
            original = await xa.wait_for(said(f"{LOBBY}/mxalice", "hello from matrix"))
            await in_thread(mx.send, matrix.room, {
                "msgtype": "m.text", "body": "* hello again", "m.new_content": {"msgtype": "m.text", "body": "hello again"},
                "m.relates_to": {"rel_type": "m.replace", "event_id": first}})
            corrected = await xa.wait_for(lambda s: frm(s) == f"{LOBBY}/mxalice" and child(s, CORRECTION, "replace") is not None,
                                          what="Matrix edit as a correction")
            assert body(corrected) == "hello again", xml(corrected)
            xmpp_id = xa.say(LOBBY, "typo heer")
            typo = await in_thread(mx.wait_for, message_from(puppet, "typo heer"))
            xa.say(LOBBY, "typo here", extra=f"<replace xmlns='{CORRECTION}' id='{xmpp_id}'/>")
            edit = await in_thread(mx.wait_for, lambda e: e.get("sender") == puppet
                                   and e["content"].get("m.relates_to", {}).get("rel_type") == "m.replace",
                                   what="XMPP correction as m.replace")
            assert edit["content"]["m.relates_to"]["event_id"] == typo["event_id"], edit
            assert edit["content"]["m.new_content"]["body"] == "typo here", edit

            # Replies both ways; Matrix's reply fallback does not reach XMPP.
            await in_thread(mx.send, matrix.room, {
                "msgtype": "m.text", "body": f"> <{puppet}> typo heer\n\nanswer from matrix",
                "m.relates_to": {"m.in_reply_to": {"event_id": typo["event_id"]}}})
            reply = await xa.wait_for(lambda s: frm(s) == f"{LOBBY}/mxalice" and "answer from matrix" in (body(s) or ""),
                                      what="Matrix reply")
            assert child(reply, REPLY, "reply") is not None, xml(reply)
            assert "@" not in (body(reply) or "") and "typo heer" not in (body(reply) or ""), xml(reply)
            sid = stanza_id(original)
            xa.say(LOBBY, "answer from xmpp", extra=f"<reply xmlns='{REPLY}' to='{LOBBY}/mxalice' id='{sid}'/>")
            answer = await in_thread(mx.wait_for, lambda e: e.get("sender") == puppet
                                     and e["content"].get("body") == "answer from xmpp", what="XMPP reply")
            assert answer["content"]["m.relates_to"]["m.in_reply_to"]["event_id"] == first, answer

            # Reactions: Matrix's one event per reaction, XMPP's full sets.
            reaction = await in_thread(mx.send, matrix.room, {"m.relates_to": {
                "rel_type": "m.annotation", "event_id": first, "key": "👍"}}, "m.reaction")
            got = await xa.wait_for(lambda s: frm(s) == f"{LOBBY}/mxalice" and child(s, REACTIONS, "reactions") is not None,
                                    what="Matrix reaction")
            assert {r.text for r in child(got, REACTIONS, "reactions")} == {"👍"}, xml(got)
            start = len(xa.stanzas)
            await in_thread(mx.redact, matrix.room, reaction)
            await xa.wait_for(lambda s: xa.stanzas.index(s) >= start and frm(s) == f"{LOBBY}/mxalice"
                              and child(s, REACTIONS, "reactions") is not None
                              and len(list(child(s, REACTIONS, "reactions"))) == 0, what="Matrix reaction withdrawn")
            xa.send_raw(f"<message to='{LOBBY}' type='groupchat' id='r1'><reactions xmlns='{REACTIONS}' id='{sid}'>"
                        f"<reaction>🎉</reaction><reaction>❤️</reaction></reactions><store xmlns='{HINTS}'/></message>")
            for key in ("🎉", "❤️"):
                await in_thread(mx.wait_for, lambda e, key=key: e.get("type") == "m.reaction" and e.get("sender") == puppet
                                and e["content"].get("m.relates_to", {}).get("key") == key, what=f"XMPP reaction {key}")
            party = next(e for e in mx.events if e.get("type") == "m.reaction"
                         and e["content"].get("m.relates_to", {}).get("key") == "🎉")
            assert party["content"]["m.relates_to"]["event_id"] == first, party
            xa.send_raw(f"<message to='{LOBBY}' type='groupchat' id='r2'><reactions xmlns='{REACTIONS}' id='{sid}'>"
                        f"<reaction>❤️</reaction></reactions><store xmlns='{HINTS}'/></message>")
            await in_thread(mx.wait_for, lambda e: e.get("type") == "m.room.redaction"
                            and (e.get("redacts") or e["content"].get("redacts")) == party["event_id"],
                            what="XMPP reaction removed as a redaction")

            # Redactions both ways.
            gone = await in_thread(mx.say, matrix.room, "regrettable")
            regrettable = await xa.wait_for(said(f"{LOBBY}/mxalice", "regrettable"))
            await in_thread(mx.redact, matrix.room, gone)
            retracted = await xa.wait_for(lambda s: frm(s) == f"{LOBBY}/mxalice" and child(s, RETRACTION, "retract") is not None,
                                          what="Matrix redaction as a retraction")
            assert child(retracted, RETRACTION, "retract").get("id") == stanza_id(regrettable), xml(retracted)
            own = await xa.wait_for(said(f"{LOBBY}/Xena", "typo heer"))
            xa.send_raw(f"<message to='{LOBBY}' type='groupchat' id='d1'><retract xmlns='{RETRACTION}' "
                        f"id='{stanza_id(own)}'/><fallback xmlns='{FALLBACK}' for='{RETRACTION}'/>"
                        f"<body>retracted</body><store xmlns='{HINTS}'/></message>")
            await in_thread(mx.wait_for, lambda e: e.get("type") == "m.room.redaction"
                            and (e.get("redacts") or e["content"].get("redacts")) == typo["event_id"],
                            what="XMPP retraction as a redaction")

            # A file from Matrix: a link that works for the XMPP side, served by Trestle.
            picture = bytes(range(256)) * 8
            upload = urllib.request.Request(f"{matrix.synapse.url}/_matrix/media/v3/upload?filename=cat.png",
                                            data=picture, method="POST",
                                            headers={"Content-Type": "image/png", "Authorization": f"Bearer {mx.token}"})
            with urllib.request.urlopen(upload, timeout=10) as response:
                mxc = json.loads(response.read())["content_uri"]
            await in_thread(mx.send, matrix.room, {"msgtype": "m.image", "body": "cat.png", "url": mxc,
                                                   "info": {"mimetype": "image/png", "size": len(picture)}})
            shared = await xa.wait_for(lambda s: frm(s) == f"{LOBBY}/mxalice" and "/_trestle/media/" in (body(s) or ""),
                                       what="the file's link")
            link = body(shared).strip()
            assert mxc.split("/")[-1] in link and child(shared, "jabber:x:oob", "x") is not None, xml(shared)
            with urllib.request.urlopen(link, timeout=10) as response:
                assert response.read() == picture and response.headers["Content-Type"] == "image/png"
            # Without the right signature, nothing: Trestle fetches only what was shared.
            forged = link.rsplit("/", 1)[0] + "/" + "0" * 32
            status, _ = await in_thread(request, "GET", forged)
            assert status == 404, status

            # Nothing Trestle sent to Matrix came back to XMPP.
            echoes = [xml(s) for s in xa.stanzas if is_message(s) and "trestle_" in frm(s)]
            assert echoes == [], echoes

    run(scenario(), timeout=110)
    assert proc.running, proc.log_tail()


MODERATE = "urn:xmpp:message-moderate:1"


def removal_notice(target: str):
    """The room's XEP-0425 notice that message `target` was removed."""
    def match(stanza: ET.Element) -> bool:
        retract = child(stanza, RETRACTION, "retract")
        return (is_message(stanza) and frm(stanza) == LOBBY and retract is not None
                and retract.get("id") == target and child(retract, MODERATE, "moderated") is not None)
    return match


def test_moderators_remove_messages_everywhere(prosody, trestle, matrix):
    """A Matrix moderator's redaction of an XMPP user's message removes it
    from the MUC room and its archive; an XMPP moderator named in the
    config removes a Matrix user's message, which the bot redacts; an
    occupant who is not a moderator is refused."""
    matrix.start_trestle(trestle, rooms=[{"name": "lobby", "endpoints": [{"xmpp": "lobby"}, {"matrix": matrix.room}],
                                          "moderators": ["bob@localhost"]}])
    mx = matrix.alice

    async def scenario():
        async with users(prosody, PASSWORD, "alice", "bob") as (xa, xb):
            await enter(xa, LOBBY, "Xena")
            joined = await enter(xb, LOBBY, "Mod")
            own = [s for s in joined if is_presence(s) and frm(s) == f"{LOBBY}/Mod"][-1]
            assert muc_item(own).get("role") == "moderator", xml(own)

            # Matrix moderator (the room's creator) → XMPP, with the reason.
            xa.say(LOBBY, "cheap pills here")
            spam = await xa.wait_for(said(f"{LOBBY}/Xena", "cheap pills here"), what="the reflection")
            event = await in_thread(mx.wait_for, lambda e: e.get("type") == "m.room.message"
                                    and e["content"].get("body") == "cheap pills here", what="XMPP message in Matrix")
            await in_thread(mx.call, "PUT", f"/_matrix/client/v3/rooms/{quote(matrix.room)}/redact/"
                            f"{quote(event['event_id'])}/{uuid.uuid4().hex}", {"reason": "spam"})
            for user in (xa, xb):
                notice = await user.wait_for(removal_notice(stanza_id(spam)), what="the room's removal notice")
                assert child(child(notice, RETRACTION, "retract"), RETRACTION, "reason").text == "spam", xml(notice)
            page = await mam_page(xb, LOBBY)
            tombstones = [m for m, i in zip(page.messages, page.ids) if i == stanza_id(spam)]
            assert len(tombstones) == 1 and body(tombstones[0]) is None, [xml(m) for m in page.messages]
            retracted = child(tombstones[0], RETRACTION, "retracted")
            assert retracted is not None, xml(tombstones[0])
            # The archive says who removed it and why (XEP-0425), not that its author withdrew it.
            assert child(retracted, MODERATE, "moderated").get("by") == f"{LOBBY}/mxalice", xml(tombstones[0])
            assert child(retracted, RETRACTION, "reason").text == "spam", xml(tombstones[0])

            # Not a moderator: refused, and the message stays.
            xb.say(LOBBY, "fine message")
            fine = await xa.wait_for(said(f"{LOBBY}/Mod", "fine message"), what="Mod's message")
            refused = await xa.iq(LOBBY, "set", f"<moderate xmlns='{MODERATE}' id='{stanza_id(fine)}'>"
                                  f"<retract xmlns='{RETRACTION}'/></moderate>")
            assert stanza_error(refused.xml) == ("auth", "forbidden"), refused
            page = await mam_page(xb, LOBBY)
            assert [body(m) for m, i in zip(page.messages, page.ids) if i == stanza_id(fine)] == ["fine message"], \
                [xml(m) for m in page.messages]

            # XMPP moderator → Matrix: the bot redacts the Matrix user's message.
            sent = await in_thread(mx.say, matrix.room, "buy followers")
            bad = await xb.wait_for(said(f"{LOBBY}/mxalice", "buy followers"), what="Matrix message in the MUC")
            answer = await xb.iq(LOBBY, "set", f"<moderate xmlns='{MODERATE}' id='{stanza_id(bad)}'>"
                                 f"<retract xmlns='{RETRACTION}'/><reason>no ads</reason></moderate>")
            assert answer["type"] == "result", answer
            notice = await xa.wait_for(removal_notice(stanza_id(bad)), what="the notice of Mod's removal")
            assert child(child(notice, RETRACTION, "retract"), MODERATE, "moderated").get("by") == f"{LOBBY}/Mod", xml(notice)
            redaction = await in_thread(mx.wait_for, lambda e: e.get("type") == "m.room.redaction"
                                        and (e.get("redacts") or e["content"].get("redacts")) == sent,
                                        what="the bot's redaction")
            assert redaction["sender"] == "@trestle:localhost", redaction
            assert "Mod" in redaction["content"].get("reason", "") and "no ads" in redaction["content"]["reason"], redaction
            page = await mam_page(xa, LOBBY)
            tombstone = [m for m, i in zip(page.messages, page.ids) if i == stanza_id(bad)][0]
            moderated = child(child(tombstone, RETRACTION, "retracted"), MODERATE, "moderated")
            assert moderated.get("by") == f"{LOBBY}/Mod" and child(moderated, OCCUPANT_ID, "occupant-id") is not None, \
                xml(tombstone)

            # An unknown message: item-not-found.
            unknown = await xb.iq(LOBBY, "set", f"<moderate xmlns='{MODERATE}' id='no-such-message'>"
                                  f"<retract xmlns='{RETRACTION}'/></moderate>")
            assert stanza_error(unknown.xml) == ("cancel", "item-not-found"), unknown

    run(scenario(), timeout=90)


CHAT_STATES = "http://jabber.org/protocol/chatstates"


def test_typing_both_ways(prosody, trestle, matrix):
    """An XMPP user's chat states make their puppet type in Matrix and stop;
    a Matrix user's typing reaches the MUC room as chat states."""
    proc = matrix.start_trestle(trestle)
    mx = matrix.alice

    async def scenario():
        async with users(prosody, PASSWORD, "alice") as (xa,):
            await enter(xa, LOBBY, "Xena")
            xa.say(LOBBY, "hi")  # the puppet is in the room from here on
            got = await in_thread(mx.wait_for, lambda e: e.get("type") == "m.room.message"
                                  and e["content"].get("body") == "hi", what="XMPP message in Matrix")
            puppet = got["sender"]
            xa.send_raw(f"<message to='{LOBBY}' type='groupchat'><composing xmlns='{CHAT_STATES}'/></message>")
            await in_thread(mx.wait_for_typing, matrix.room, lambda ids: puppet in ids, what="the puppet typing")
            xa.send_raw(f"<message to='{LOBBY}' type='groupchat'><active xmlns='{CHAT_STATES}'/></message>")
            await in_thread(mx.wait_for_typing, matrix.room, lambda ids: puppet not in ids, what="the puppet stopping")

            # Matrix → XMPP, once the Matrix user is an occupant (typing alone joins nobody).
            await in_thread(mx.say, matrix.room, "hello")
            await xa.wait_for(said(f"{LOBBY}/mxalice", "hello"), what="the Matrix user's message")
            await in_thread(mx.call, "PUT", f"/_matrix/client/v3/rooms/{quote(matrix.room)}/typing/"
                            f"{quote(mx.user_id)}", {"typing": True, "timeout": 10000})
            composing = await xa.wait_for(lambda s: is_message(s) and frm(s) == f"{LOBBY}/mxalice"
                                          and child(s, CHAT_STATES, "composing") is not None, what="composing")
            assert body(composing) is None and stanza_id(composing) is None, xml(composing)
            assert child(composing, HINTS, "no-store") is not None, xml(composing)
            await in_thread(mx.call, "PUT", f"/_matrix/client/v3/rooms/{quote(matrix.room)}/typing/"
                            f"{quote(mx.user_id)}", {"typing": False})
            await xa.wait_for(lambda s: is_message(s) and frm(s) == f"{LOBBY}/mxalice"
                              and child(s, CHAT_STATES, "active") is not None, what="active after typing")

    run(scenario(), timeout=90)
    assert proc.running, proc.log_tail()


def test_portal_room_by_alias(prosody, trestle, matrix):
    """Looking up #trestle_xmpp_portal:localhost creates a Matrix room
    bridged to the MUC room portal@; both sides then talk."""
    proc = matrix.start_trestle(trestle, rooms=[])
    mx = matrix.alice

    async def scenario():
        async with users(prosody, PASSWORD, "alice") as (xa,):
            room = await in_thread(mx.join, "#trestle_xmpp_portal:localhost")
            proc.wait_for_log(r"matrix portal room created")
            portal = f"portal@{COMPONENT_JID}"
            await enter(xa, portal, "Xena")
            await in_thread(mx.say, room, "into the portal")
            await xa.wait_for(said(f"{portal}/mxalice", "into the portal"), what="message through the portal")
            xa.say(portal, "out of the portal")
            got = await in_thread(mx.wait_for, lambda e: e.get("room_id") == room
                                  and e["content"].get("body") == "out of the portal", what="portal answer")
            assert got["sender"].startswith(PUPPET_PREFIX), got
            status, bridge = await in_thread(mx.state, room, "m.bridge", "trestle/xmpp/portal")
            assert status == 200 and bridge["channel"]["id"] == "xmpp/portal", bridge
            # An alias naming nothing is refused.
            status, answer = request("GET", f"{matrix.synapse.url}/_matrix/client/v3/directory/room/"
                                     + quote("#trestle_nowhere_x:localhost"), token=mx.token)
            assert status == 404, answer

    run(scenario(), timeout=90)
    assert proc.running, proc.log_tail()


BOT = "@trestle:localhost"


def test_room_spanning_matrix_xmpp_and_irc(prosody, ircd, trestle, matrix):
    """One bridged room with a Matrix room, a MUC room and an IRC channel:
    each message reaches both other networks, under the sender's name; the
    IRC person is a puppet in Matrix, the Matrix person's formatting
    becomes IRC's."""
    channel = "#lobby"
    irc = {"test": {"host": ircd.host, "port": ircd.port, "tls": False, "nick": "bridge",
                    "flood": {"burst": 100, "interval": "10ms"}}}
    proc = trestle(rooms=[{"name": "lobby", "endpoints": [{"xmpp": "lobby"}, {"matrix": matrix.room},
                                                         {"irc.test": channel}]}],
                   matrix=matrix.section, irc=irc)
    proc.wait_for_log(r"IRC connection registered", timeout=20)
    proc.wait_for_log(r"matrix homeserver reaches Trestle", timeout=20)
    mx = matrix.alice

    async def scenario():
        async with IRCUser(ircd, "bob") as bob, users(prosody, PASSWORD, "alice") as (xa,):
            await bob.join(channel)
            if "bridge" not in bob.names(channel):
                await bob.wait_for(lambda l: l.command == "JOIN" and l.nick == "bridge", what="the bridge joining")
            await enter(xa, LOBBY, "Xena")
            bob.say(channel, "hello from IRC")
            got = await in_thread(mx.wait_for, lambda e: e["content"].get("body") == "hello from IRC", 15, "IRC in Matrix")
            assert got["sender"].startswith("@trestle_irc.test_bob"), got
            await xa.wait_for(said(f"{LOBBY}/bob", "hello from IRC"))
            await in_thread(mx.say, matrix.room, "*hi* all", format="org.matrix.custom.html",
                            formatted_body="<b>hi</b> all")
            line = await bob.wait_for(lambda l: l.command == "PRIVMSG" and "all" in l.text, what="Matrix in IRC")
            assert line.text == "<mxalice> \x02hi\x02 all", line.raw
            await xa.wait_for(lambda s: frm(s) == f"{LOBBY}/mxalice" and "all" in (body(s) or ""))
            xa.say(LOBBY, "hello from XMPP")
            await bob.wait_for(lambda l: l.command == "PRIVMSG" and l.text == "<Xena> hello from XMPP")
            await in_thread(mx.wait_for, lambda e: e["content"].get("body") == "hello from XMPP", 15, "XMPP in Matrix")

    run(scenario(), timeout=100)
    assert proc.running, proc.log_tail()


def tiny_png(size: int = 1) -> bytes:
    """A valid size×size orange PNG, made here: no binary fixture in the repository."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    rows = (b"\x00" + b"\xff\x80\x00" * size) * size
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


class PictureServer:
    """A plain HTTP server on loopback serving one picture, counting requests."""

    def __init__(self, picture: bytes):
        self.picture, self.hits = picture, 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.hits += 1
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(outer.picture)))
                self.end_headers()
                self.wfile.write(outer.picture)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/faces/ci-bot.png"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


def test_puppet_avatar_from_a_webhook_icon(prosody, trestle, matrix):
    """A webhook post's icon_url becomes its Matrix puppet's avatar: the
    picture is fetched, uploaded to Synapse's media repository once, and
    the puppet's avatar_url serves the same bytes."""
    picture = tiny_png()
    pictures = PictureServer(picture)
    token = "hook-token-avatar"
    try:
        proc = trestle(rooms=[{"name": "lobby", "endpoints": [{"webhook": "lobby"}, {"matrix": matrix.room}]}],
                       matrix=matrix.section, environment={"TRESTLE_HOOK_CI": token},
                       fetch={"private_addresses": True},  # the picture server is on loopback
                       webhooks={"port": 0, "incoming": {"ci": {"token_env": "TRESTLE_HOOK_CI", "room": "lobby"}}})
        proc.wait_for_log(r"matrix homeserver reaches Trestle", timeout=20)
        hooks = proc.wait_for_log(r"address=(http://127\.0\.0\.1:\d+/hooks/)\S* .*webhook listener started").group(1)
        mx = matrix.alice

        def post(text: str) -> int:
            data = json.dumps({"text": text, "username": "CI Bot", "icon_url": pictures.url}).encode()
            req = urllib.request.Request(hooks + token, data=data, method="POST",
                                         headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(req, timeout=10) as response:
                return response.status

        assert post("build 1 passed") == 200
        got = mx.wait_for(lambda e: e["content"].get("body") == "build 1 passed", 20, "the hook's post in Matrix")
        puppet = got["sender"]
        deadline = time.monotonic() + 20
        avatar = None
        while time.monotonic() < deadline:
            status, profile = request("GET", f"{matrix.synapse.url}/_matrix/client/v3/profile/{quote(puppet)}",
                                      token=mx.token)
            avatar = profile.get("avatar_url") if status == 200 else None
            if avatar:
                break
            time.sleep(0.2)
        assert avatar and avatar.startswith("mxc://localhost/"), (avatar, proc.log_tail())
        server, media = avatar[len("mxc://"):].split("/", 1)
        download = urllib.request.Request(f"{matrix.synapse.url}/_matrix/client/v1/media/download/{server}/{media}",
                                          headers={"Authorization": f"Bearer {mx.token}"})
        with urllib.request.urlopen(download, timeout=10) as response:
            assert response.read() == picture

        # The same picture again: not fetched or uploaded a second time.
        assert post("build 2 passed") == 200
        mx.wait_for(lambda e: e["content"].get("body") == "build 2 passed", 20, "the second post in Matrix")
        assert pictures.hits == 1, pictures.hits
        assert len(proc.log_matches(r"matrix puppet avatar set")) == 1, proc.log_tail()
        assert proc.running, proc.log_tail()
    finally:
        pictures.close()


def puppet_avatar(matrix, puppet: str, timeout: float = 20.0) -> str:
    """The mxc URI of a puppet's avatar, once it has one."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, profile = request("GET", f"{matrix.synapse.url}/_matrix/client/v3/profile/{quote(puppet)}",
                                  token=matrix.alice.token)
        if status == 200 and profile.get("avatar_url"):
            return profile["avatar_url"]
        time.sleep(0.2)
    raise AssertionError(f"{puppet} got no avatar in {timeout} s")


def media_bytes(matrix, uri: str) -> bytes:
    server, media = uri[len("mxc://"):].split("/", 1)
    download = urllib.request.Request(f"{matrix.synapse.url}/_matrix/client/v1/media/download/{server}/{media}",
                                      headers={"Authorization": f"Bearer {matrix.alice.token}"})
    with urllib.request.urlopen(download, timeout=10) as response:
        return response.read()


def test_puppet_avatar_from_an_xmpp_vcard(prosody, trestle, matrix):
    """An XMPP user's vCard picture becomes their Matrix puppet's avatar:
    their server names its hash in the join presence (XEP-0153), Trestle
    asks for the vCard once, keeps the picture and serves it on
    /avatar/<sha1>, and Synapse's copy holds the same bytes."""
    picture = tiny_png()
    digest = hashlib.sha1(picture).hexdigest()
    port = free_port("127.0.0.1")
    proc = trestle(rooms=[{"name": "lobby", "endpoints": [{"xmpp": "lobby"}, {"matrix": matrix.room}]}],
                   matrix=matrix.section, http={"host": "127.0.0.1", "port": port})
    proc.wait_for_log(r"matrix homeserver reaches Trestle", timeout=20)
    proc.wait_for_log(r"matrix room open", timeout=20)
    mx = matrix.alice

    async def scenario():
        async with users(prosody, PASSWORD, "alice") as (xa,):
            photo = base64.encodebytes(picture).decode()
            reply = await xa.iq("alice@localhost", "set", "<vCard xmlns='vcard-temp'><FN>Xena</FN><PHOTO>"
                                f"<TYPE>image/png</TYPE><BINVAL>{photo}</BINVAL></PHOTO></vCard>")
            assert reply["type"] == "result", reply
            await enter(xa, LOBBY, "Xena")
            await in_thread(proc.wait_for_log, r"hash=" + digest + r" .*xmpp avatar kept", 20)
            xa.say(LOBBY, "a face for my words")
            got = await in_thread(mx.wait_for, lambda e: e["content"].get("body") == "a face for my words", 20,
                                  "the XMPP message in Matrix")
            avatar = await in_thread(puppet_avatar, matrix, got["sender"])
            assert avatar.startswith("mxc://localhost/"), avatar
            assert await in_thread(media_bytes, matrix, avatar) == picture

    run(scenario())
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/avatar/{digest}", timeout=10) as response:
        assert response.headers["Content-Type"] == "image/png"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.read() == picture
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/avatar/{'0' * 40}", timeout=10)
        raise AssertionError("an unknown picture was served")
    except urllib.error.HTTPError as error:
        assert error.code == 404
    assert len(proc.log_matches(r"xmpp avatar kept")) == 1, proc.log_tail()
    assert proc.running, proc.log_tail()


def test_matrix_avatar_in_the_muc(prosody, trestle, matrix):
    """A Matrix user's avatar shows in the MUC room: their occupant's
    presence names the SHA-1 of the homeserver's 96×96 thumbnail of it
    (XEP-0153), and a vCard request to the occupant JID gives those bytes."""
    proc = trestle(rooms=[{"name": "lobby", "endpoints": [{"xmpp": "lobby"}, {"matrix": matrix.room}]}],
                   matrix=matrix.section, http={"host": "127.0.0.1", "port": free_port("127.0.0.1")})
    proc.wait_for_log(r"matrix homeserver reaches Trestle", timeout=20)
    proc.wait_for_log(r"matrix room open", timeout=20)
    mx = matrix.alice
    upload = urllib.request.Request(f"{matrix.synapse.url}/_matrix/media/v3/upload?filename=face.png",
                                    data=tiny_png(128), method="POST",
                                    headers={"Content-Type": "image/png", "Authorization": f"Bearer {mx.token}"})
    with urllib.request.urlopen(upload, timeout=10) as response:
        mxc = json.loads(response.read())["content_uri"]
    status, _ = request("PUT", f"{matrix.synapse.url}/_matrix/client/v3/profile/{quote(mx.user_id)}/avatar_url",
                        body={"avatar_url": mxc}, token=mx.token)
    assert status == 200
    server, media = mxc[len("mxc://"):].split("/", 1)
    thumbnail_url = (f"{matrix.synapse.url}/_matrix/client/v1/media/thumbnail/{server}/{media}"
                     "?width=96&height=96&method=crop")

    def photo(stanza) -> str | None:
        return stanza.findtext("{vcard-temp:x:update}x/{vcard-temp:x:update}photo")

    async def scenario():
        async with users(prosody, PASSWORD, "alice") as (xa,):
            await enter(xa, LOBBY, "Xena")
            await in_thread(mx.say, matrix.room, "my face, please")
            await xa.wait_for(said(f"{LOBBY}/mxalice", "my face, please"), what="the Matrix message")
            shown = await xa.wait_for(lambda s: s.tag == "{jabber:client}presence" and frm(s) == f"{LOBBY}/mxalice"
                                      and photo(s), timeout=20, what="mxalice's presence naming a picture")
            reply = await xa.iq(f"{LOBBY}/mxalice", "get", "<vCard xmlns='vcard-temp'/>")
            assert reply["type"] == "result", reply
            binval = reply.xml.findtext("{vcard-temp}vCard/{vcard-temp}PHOTO/{vcard-temp}BINVAL")
            got = base64.b64decode(binval)
            assert hashlib.sha1(got).hexdigest() == photo(shown)
            thumbnail = urllib.request.Request(thumbnail_url, headers={"Authorization": f"Bearer {mx.token}"})
            with urllib.request.urlopen(thumbnail, timeout=10) as response:
                assert response.read() == got, "the vCard holds the homeserver's thumbnail"

    run(scenario())
    assert len(proc.log_matches(r"remote avatar kept")) == 1, proc.log_tail()
    assert proc.running, proc.log_tail()


def test_xmpp_upload_becomes_a_matrix_image(prosody, trestle, matrix):
    """An XMPP user's HTTP upload (a body that is the link, with XEP-0066
    out-of-band data) reaches Matrix as an m.image in the media repository,
    the same bytes; a file that cannot be fetched goes as its link."""
    picture = tiny_png(16)
    pictures = PictureServer(picture)
    try:
        proc = matrix.start_trestle(trestle, fetch={"private_addresses": True})  # the file server is on loopback
        mx = matrix.alice

        async def scenario():
            async with users(prosody, PASSWORD, "alice") as (xa,):
                await enter(xa, LOBBY, "Xena")
                oob = f"<x xmlns='jabber:x:oob'><url>{pictures.url}</url></x>"
                xa.say(LOBBY, pictures.url, extra=oob)
                await xa.wait_for(lambda s: is_message(s) and body(s) == pictures.url, what="the upload's reflection")
                image = await in_thread(mx.wait_for, lambda e: e["content"].get("msgtype") == "m.image", 20,
                                        "the upload as an m.image")
                content = image["content"]
                assert content["body"] == "ci-bot.png" and content["info"]["mimetype"] == "image/png", content
                assert content["info"]["size"] == len(picture), content
                assert await in_thread(media_bytes, matrix, content["url"]) == picture

                # The same file again (as a retried send would be): not fetched or uploaded twice.
                xa.say(LOBBY, pictures.url, extra=oob)
                again = await in_thread(mx.wait_for, lambda e: e["content"].get("msgtype") == "m.image"
                                        and e["event_id"] != image["event_id"], 20, "the second upload")
                assert again["content"]["url"] == content["url"], again

                gone = "http://127.0.0.1:1/gone.png"
                xa.say(LOBBY, gone, extra=f"<x xmlns='jabber:x:oob'><url>{gone}</url></x>")
                link = await in_thread(mx.wait_for, lambda e: gone in (e["content"].get("body") or ""), 20,
                                       "the unreachable file as its link")
                assert link["content"]["msgtype"] == "m.text", link

        run(scenario())
        assert pictures.hits == 1, pictures.hits
        assert proc.log_matches(r"file not uploaded to matrix; sent as a link"), proc.log_tail()
        assert proc.running, proc.log_tail()
    finally:
        pictures.close()


def test_links_to_private_addresses_are_not_fetched(prosody, trestle, matrix):
    """By default a link someone sends is never fetched from an address
    only Trestle's host can reach: an 'upload' on loopback reaches Matrix
    as its link, and the server behind it is never asked."""
    inner = PictureServer(tiny_png(16))
    try:
        proc = matrix.start_trestle(trestle)
        mx = matrix.alice

        async def scenario():
            async with users(prosody, PASSWORD, "alice") as (xa,):
                await enter(xa, LOBBY, "Xena")
                xa.say(LOBBY, inner.url, extra=f"<x xmlns='jabber:x:oob'><url>{inner.url}</url></x>")
                link = await in_thread(mx.wait_for, lambda e: inner.url in (e["content"].get("body") or ""), 20,
                                       "the loopback link as text")
                assert link["content"]["msgtype"] == "m.text", link

        run(scenario())
        assert inner.hits == 0, "Trestle fetched a loopback link"
        assert proc.log_matches(r"link refused: the host has a non-public address"), proc.log_tail()
    finally:
        inner.close()


def test_membership_names_and_topic(prosody, trestle, matrix):
    """A Matrix user joining, renaming themselves in the room, setting the
    topic and leaving is seen in the MUC room; an XMPP subject becomes the
    Matrix topic, and an XMPP user leaving takes their puppet out."""
    proc = matrix.start_trestle(trestle)
    mx = matrix.alice
    bob = MatrixUser(matrix.synapse.url, "@mxbob:localhost", matrix.synapse.register("mxbob"))

    def presence(nick: str, unavailable: bool = False):
        return lambda s: s.tag == "{jabber:client}presence" and frm(s) == f"{LOBBY}/{nick}" \
            and (s.get("type") == "unavailable") == unavailable

    async def scenario():
        async with users(prosody, PASSWORD, "alice") as (xa,):
            await enter(xa, LOBBY, "Xena")
            await in_thread(bob.join, matrix.room)
            await xa.wait_for(presence("mxbob"), what="bob's join")
            # A display name for this room only.
            await in_thread(bob.call, "PUT", f"/_matrix/client/v3/rooms/{quote(matrix.room)}/state/m.room.member/"
                            f"{quote(bob.user_id)}", {"membership": "join", "displayname": "Bobby"})
            await xa.wait_for(presence("mxbob", unavailable=True), what="bob's old nick going")
            await xa.wait_for(presence("Bobby"), what="bob's new nick")
            await in_thread(bob.say, matrix.room, "named for this room")
            await xa.wait_for(said(f"{LOBBY}/Bobby", "named for this room"))
            await in_thread(mx.call, "PUT", f"/_matrix/client/v3/rooms/{quote(matrix.room)}/state/m.room.topic/",
                            {"topic": "Matrix sets the topic"})
            await xa.wait_for(lambda s: is_message(s) and s.find("{jabber:client}subject") is not None
                              and s.find("{jabber:client}subject").text == "Matrix sets the topic", what="the topic")
            await in_thread(bob.call, "POST", f"/_matrix/client/v3/rooms/{quote(matrix.room)}/leave", {})
            await xa.wait_for(presence("Bobby", unavailable=True), what="bob leaving")
            # XMPP → Matrix: the subject (set by the bot when the puppet may not), and a leave.
            xa.send_raw(f"<message to='{LOBBY}' type='groupchat'><subject>XMPP sets the topic</subject></message>")
            await in_thread(mx.wait_for, lambda e: e.get("type") == "m.room.topic"
                            and e["content"].get("topic") == "XMPP sets the topic", 15, "the topic from XMPP")
            xa.say(LOBBY, "bye")
            got = await in_thread(mx.wait_for, lambda e: e["content"].get("body") == "bye")
            xa.send_raw(f"<presence to='{LOBBY}/Xena' type='unavailable'/>")
            await in_thread(mx.wait_for, lambda e: e.get("type") == "m.room.member" and e.get("state_key") == got["sender"]
                            and e["content"].get("membership") == "leave", 15, "the puppet leaving")

    run(scenario(), timeout=110)
    assert proc.running, proc.log_tail()


def test_bot_commands_in_a_direct_message(prosody, trestle, matrix):
    """The bot answers help, status, link and unlink in a direct message;
    linking needs the power to set m.bridge in the room concerned."""
    proc = matrix.start_trestle(trestle)
    mx = matrix.alice
    bob = MatrixUser(matrix.synapse.url, "@mxbob:localhost", matrix.synapse.register("mxbob"))

    def answer(user: MatrixUser, dm: str, command: str, expected: str) -> str:
        start = len(user.events)
        user.say(dm, command)
        got = user.wait_for(lambda e: user.events.index(e) >= start and e.get("room_id") == dm
                            and e.get("sender") == BOT and e.get("type") == "m.room.message",
                            what=f"the bot's answer to {command!r}")
        text = got["content"]["body"]
        assert got["content"]["msgtype"] == "m.notice" and expected in text, text
        return text

    async def scenario():
        async with users(prosody, PASSWORD, "alice") as (xa,):
            dm = await in_thread(mx.create_room, "dm", False, [BOT], None, True)
            await in_thread(mx.wait_for, lambda e: e.get("room_id") == dm and e.get("sender") == BOT
                            and e.get("type") == "m.room.member", 15, "the bot joining the DM")
            await in_thread(answer, mx, dm, "help", "link <matrix room> <network> <room>")
            other = await in_thread(mx.create_room, "other")
            await in_thread(bob.join, other)
            bob_dm = await in_thread(bob.create_room, "dm", False, [BOT], None, True)
            await in_thread(bob.wait_for, lambda e: e.get("room_id") == bob_dm and e.get("sender") == BOT
                            and e.get("type") == "m.room.member", 15, "the bot joining bob's DM")
            await in_thread(answer, bob, bob_dm, f"link {other} xmpp linked", "You need the power")
            await in_thread(answer, mx, dm, f"link {other} xmpp linked", "Linked")
            linked = f"linked@{COMPONENT_JID}"
            await enter(xa, linked, "Xena")
            await in_thread(mx.say, other, "through the link")
            await xa.wait_for(said(f"{linked}/mxalice", "through the link"), what="a message through the link")
            xa.say(linked, "and back")
            await in_thread(mx.wait_for, lambda e: e.get("room_id") == other and e["content"].get("body") == "and back",
                            15, "the answer through the link")
            await in_thread(answer, mx, dm, "status", other)
            await in_thread(answer, bob, bob_dm, f"unlink {other}", "You need the power")
            await in_thread(answer, mx, dm, f"unlink {other}", "Unlinked")
            await in_thread(proc.wait_for_log, r"matrix room closed", 10)
            await in_thread(mx.say, other, "after the unlink")
            await in_thread(mx.say, matrix.room, "marker in lobby")
            await enter(xa, LOBBY, "Xena")
            await xa.wait_for(lambda s: is_message(s) and body(s) == "marker in lobby", what="marker")
            late = [xml(s) for s in xa.stanzas if is_message(s) and body(s) == "after the unlink"]
            assert late == [], late

    run(scenario(), timeout=110)
    assert proc.running, proc.log_tail()


def transaction_put(port: int, txn: str, events: list[dict], token: str | None, query_token: bool = False):
    url = f"http://127.0.0.1:{port}/_matrix/app/v1/transactions/{txn}"
    if query_token and token:
        return request("PUT", url + "?access_token=" + urllib.parse.quote(token), {"events": events})
    return request("PUT", url, {"events": events}, token=token)


def test_synapse_restart_replay_and_tokens(prosody, trestle, matrix):
    """Synapse stopped mid-conversation: what XMPP says meanwhile reaches
    Matrix once it is back, in order, nothing lost. A transaction sent
    twice is processed once; wrong or missing hs_tokens are refused."""
    proc = matrix.start_trestle(trestle)
    mx = matrix.alice

    async def scenario():
        async with users(prosody, PASSWORD, "alice") as (xa,):
            await enter(xa, LOBBY, "Xena")
            xa.say(LOBBY, "before the restart")
            await in_thread(mx.wait_for, lambda e: e["content"].get("body") == "before the restart")
            await in_thread(mx.say, matrix.room, "matrix before")
            await xa.wait_for(said(f"{LOBBY}/mxalice", "matrix before"))

            await in_thread(matrix.synapse.stop)
            sent = [f"during the outage {i}" for i in range(20)]
            for text in sent:
                xa.say(LOBBY, text)
            await in_thread(proc.wait_for_log, r"matrix homeserver unavailable", 20)
            await in_thread(matrix.synapse.start)
            await in_thread(mx.wait_for, lambda e: e["content"].get("body") == sent[-1], 60, "the last outage message")
            got = [e["content"]["body"] for e in mx.events if e.get("type") == "m.room.message"
                   and e["content"].get("body", "").startswith("during the outage")]
            assert got == sent, got
            await in_thread(mx.say, matrix.room, "matrix after")
            await xa.wait_for(said(f"{LOBBY}/mxalice", "matrix after"), timeout=20)

            # Credentials: none → 401, wrong → 403, both forms of the right one accepted.
            port = matrix.port
            status, answer = transaction_put(port, "t-none", [], None)
            assert (status, answer.get("errcode")) == (401, "M_UNAUTHORIZED"), answer
            status, answer = transaction_put(port, "t-wrong", [], "not-the-token")
            assert (status, answer.get("errcode")) == (403, "M_FORBIDDEN"), answer
            status, answer = transaction_put(port, "t-query", [], matrix.hs_token, query_token=True)
            assert status == 200, answer
            status, answer = request("GET", f"http://127.0.0.1:{port}/_matrix/app/v1/nothing/here", token=matrix.hs_token)
            assert (status, answer.get("errcode")) == (404, "M_UNRECOGNIZED"), answer

            # A transaction sent twice (as a homeserver retries) is processed once.
            event = {"type": "m.room.message", "room_id": matrix.room, "sender": "@mallory:localhost",
                     "event_id": "$replayed-event", "origin_server_ts": int(time.time() * 1000),
                     "content": {"msgtype": "m.text", "body": "replayed once"}}
            for _ in range(2):
                status, answer = transaction_put(port, "replay-1", [event], matrix.hs_token)
                assert status == 200, answer
            await xa.wait_for(said(f"{LOBBY}/mallory", "replayed once"))
            xa.say(LOBBY, "marker")
            await in_thread(mx.wait_for, lambda e: e["content"].get("body") == "marker")
            copies = [s for s in xa.stanzas if is_message(s) and body(s) == "replayed once"]
            assert len(copies) == 1, [xml(s) for s in copies]
            assert "matrix transaction already processed" in proc.log_text()

            # After a restart of Trestle, the same transaction is still known.
            await in_thread(proc.stop)
            again, offset = start_again(proc, restarted)
            await in_thread(again.wait_for_log, r"component connected", 20, offset)
            await in_thread(again.wait_for_log, r"matrix application service listening", 20, offset)
            start = len(xa.stanzas)
            await enter(xa, LOBBY, "Xena", history=0)
            status, answer = transaction_put(port, "replay-1", [event], matrix.hs_token)
            assert status == 200, answer
            await in_thread(again.wait_for_log, r"matrix transaction already processed", 10, offset)
            await in_thread(mx.say, matrix.room, "marker after the restart")
            await xa.wait_for(said(f"{LOBBY}/mxalice", "marker after the restart"))
            late = [xml(s) for s in xa.stanzas[start:] if is_message(s) and body(s) == "replayed once"]
            assert late == [], late

    with restarts() as restarted:
        run(scenario(), timeout=115)


@contextlib.contextmanager
def restarts():
    """The Trestles a test starts again (`start_again`): each must still be
    running at the end; all are stopped, and their logs printed."""
    started: list[TrestleProcess] = []
    try:
        yield started
        assert all(p.running for p in started), started[-1].log_tail() if started else ""
    finally:
        for again in started:
            again.stop()
            print(f"--- restarted trestle ---\n{again.log_tail(60)}")


def start_again(proc: TrestleProcess, restarted: list[TrestleProcess]) -> tuple[TrestleProcess, int]:
    """Trestle started again on the stopped `proc`'s config and store, and
    where its lines start in the log file, which goes on."""
    offset = len(proc.log_text())
    again = TrestleProcess(proc.config, directory=proc.dir, binary=proc.binary).start()
    restarted.append(again)
    return again, offset


def queued_for_matrix(proc: TrestleProcess) -> int:
    """How many events wait in Trestle's Matrix send queues (its store)."""
    db = sqlite3.connect(f"file:{proc.dir / 'trestle.sqlite'}?mode=ro", uri=True, timeout=5)
    try:
        return db.execute("SELECT COUNT(*) FROM outbox WHERE queue LIKE 'matrix/%'").fetchone()[0]
    finally:
        db.close()


def wait_queued(proc: TrestleProcess, count: int, timeout: float = 20.0) -> None:
    """Wait (blocking) until at least `count` events wait in the Matrix send queues."""
    deadline = time.monotonic() + timeout
    while (queued := queued_for_matrix(proc)) < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{queued} events queued for Matrix, not {count}\n{proc.log_tail()}")
        time.sleep(0.1)


def room_history(user: MatrixUser, room: str) -> list[dict]:
    """The room's timeline from the homeserver's history (not /sync, which
    skips events when many arrive at once), oldest first."""
    answer = user.call("GET", f"/_matrix/client/v3/rooms/{quote(room)}/messages?dir=b&limit=200")
    return list(reversed(answer["chunk"]))


def test_synapse_down_while_trestle_restarts(prosody, trestle, matrix):
    """Synapse stopped; XMPP says several things (one of them corrected);
    Trestle is stopped and started again while Synapse is still down, and
    XMPP says more; Synapse comes back: every message arrives in Matrix
    exactly once and in order, the correction edits the event its message
    became, and the event ids were recorded (later corrections of messages
    sent from the queue, by either run of Trestle, edit their events)."""
    matrix.section["retry_max_delay"] = "2s"
    proc = matrix.start_trestle(trestle)
    mx = matrix.alice
    before = [f"queued before the restart {i}" for i in range(5)]
    after = [f"queued after the restart {i}" for i in range(3)]

    def texts(events: list[dict]) -> list[str]:
        return [e["content"]["body"] for e in events if e["content"].get("body", "").startswith("queued")]

    async def scenario():
        async with users(prosody, PASSWORD, "alice") as (xa,):
            await enter(xa, LOBBY, "Xena")
            xa.say(LOBBY, "before the outage")
            got = await in_thread(mx.wait_for, lambda e: e["content"].get("body") == "before the outage")
            puppet = got["sender"]

            await in_thread(matrix.synapse.stop)
            ids = [xa.say(LOBBY, text) for text in before]
            xa.say(LOBBY, "queued fixed", extra=f"<replace xmlns='{CORRECTION}' id='{ids[1]}'/>")
            await in_thread(proc.wait_for_log, r"matrix homeserver unavailable", 20)
            await in_thread(wait_queued, proc, len(before) + 1)

            # Trestle restarts while the homeserver is still down.
            assert await in_thread(proc.stop) == 0, proc.log_tail()
            again, offset = start_again(proc, restarted)
            await in_thread(again.wait_for_log, r"component connected", 20, offset)
            resumed = await in_thread(again.wait_for_log, r"waiting=(\d+).*matrix send queue resumed", 20, offset)
            assert int(resumed.group(1)) == len(before) + 1, resumed.group(0)
            await enter(xa, LOBBY, "Xena", history=0)
            after_ids = [xa.say(LOBBY, text) for text in after]
            # The messages, and Xena's join after the restart: an event of its own.
            await in_thread(wait_queued, again, len(before) + 1 + len(after) + 1)

            await in_thread(matrix.synapse.start)
            await in_thread(mx.wait_for, lambda e: e["content"].get("body") == after[-1], 60, "the last queued message")
            await in_thread(again.wait_for_log, r"matrix send queue drained", 20, offset)
            assert queued_for_matrix(again) == 0

            history = await in_thread(room_history, mx, matrix.room)
            ours = [e for e in history if e.get("sender") == puppet and e.get("type") == "m.room.message"]
            originals = [e for e in ours if "m.relates_to" not in e["content"]]
            assert texts(originals) == before + after, texts(originals)
            edits = [e for e in ours if e["content"].get("m.relates_to", {}).get("rel_type") == "m.replace"]
            assert len(edits) == 1, edits
            corrected = next(e for e in originals if e["content"]["body"] == before[1])
            assert edits[0]["content"]["m.relates_to"]["event_id"] == corrected["event_id"], edits
            assert edits[0]["content"]["m.new_content"]["body"] == "queued fixed", edits
            # Everything in the order XMPP said it, the correction included.
            said_in_matrix = [e["content"]["body"] for e in ours]
            assert said_in_matrix == ["before the outage"] + before + ["* queued fixed"] + after, said_in_matrix

            # The event ids were recorded when the queues were sent, by the
            # restarted Trestle for what the first one queued too: later
            # corrections edit the right events.
            for xmpp_id, text in ((ids[3], before[3]), (after_ids[0], after[0])):
                xa.say(LOBBY, f"{text} fixed", extra=f"<replace xmlns='{CORRECTION}' id='{xmpp_id}'/>")
                edit = await in_thread(mx.wait_for, lambda e, text=text: e.get("sender") == puppet
                                       and e["content"].get("m.new_content", {}).get("body") == f"{text} fixed",
                                       20, f"the correction of '{text}'")
                original = next(e for e in originals if e["content"]["body"] == text)
                assert edit["content"]["m.relates_to"]["event_id"] == original["event_id"], edit

    with restarts() as restarted:
        run(scenario(), timeout=115)


def test_registration_is_made_once_and_required(tmp_path, prosody):
    """`trestle matrix-registration` makes the tokens once (a private file)
    and writes the same registration every time; `trestle run` without the
    tokens says what to do."""
    config = component_config(prosody, jid=COMPONENT_JID)
    config["matrix"] = {"homeserver": "http://127.0.0.1:8008", "server_name": "example.org", "port": 9294}
    path = tmp_path / "trestle.yaml"
    path.write_text(to_yaml(config) + "\n")
    binary = str(trestle_binary())
    run_without = subprocess.run([binary, "run", "--config", str(path)], capture_output=True, text=True, timeout=30)
    assert run_without.returncode == 78, run_without
    assert "matrix-tokens.json" in run_without.stderr and "matrix-registration" in run_without.stderr, run_without.stderr
    first = subprocess.run([binary, "matrix-registration", "--config", str(path)], capture_output=True, text=True,
                           timeout=30, check=True).stdout
    second = subprocess.run([binary, "matrix-registration", "--config", str(path)], capture_output=True, text=True,
                            timeout=30, check=True).stdout
    assert first == second, (first, second)
    tokens = json.loads((tmp_path / "matrix-tokens.json").read_text())
    assert (tmp_path / "matrix-tokens.json").stat().st_mode & 0o777 == 0o600
    for line in ("sender_localpart: 'trestle'", "rate_limited: false", f"hs_token: '{tokens['hs_token']}'",
                 "regex: '@trestle_.*:example\\.org'", "url: 'http://127.0.0.1:9294'"):
        assert line in first, first
    assert tokens["as_token"] != tokens["hs_token"]
