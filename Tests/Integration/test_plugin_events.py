"""Every event kind of the plugin protocol, both ways, between a real XMPP
client in the MUC room general@ and a scripted plugin (plugins/scripted_plugin.py).

The plugin records every line Trestle writes to it and sends whatever
`event` lines the test appends to its control file, so each test checks
one direction against Bridges/Process/PROTOCOL.md: the `deliver` lines a
plugin gets for what an XMPP user does, and what an XMPP user sees for the
`event` lines a plugin sends."""

from __future__ import annotations

import asyncio
import json
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from conftest import COMPONENT_JID, PASSWORD, run
from support.bridge import CORRECTION, FALLBACK, HINTS, REACTIONS, REPLY, RETRACTION, in_thread, users
from support.muc import (MUCUser, body, enter, is_message, is_presence, muc_item, said, stanza_id, statuses,
                         subject, wait_since, xml)

SCRIPTED_PLUGIN = Path(__file__).resolve().parent / "plugins" / "scripted_plugin.py"
NETWORK = "plugin.script"
GENERAL = f"general@{COMPONENT_JID}"
ROOMS = [{"name": "general", "endpoints": [{"xmpp": "general"}, {NETWORK: "general"}]}]


class ScriptedPlugin:
    """The test's side of plugins/scripted_plugin.py: what it recorded, and
    a control file to make it send events."""

    def __init__(self, directory: Path, name: str = "script"):
        directory.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.record_path = directory / f"{name}.record.jsonl"
        self.control_path = directory / f"{name}.control.jsonl"
        self.control_path.touch()

    def config(self) -> dict:
        return {self.name: {"command": [sys.executable, str(SCRIPTED_PLUGIN), "--record", str(self.record_path),
                                        "--control", str(self.control_path), "--poll", "0.05"]}}

    def records(self) -> list[dict]:
        if not self.record_path.exists():
            return []
        lines = self.record_path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def deliveries(self) -> list[dict]:
        return [r for r in self.records() if r.get("type") == "deliver"]

    def wait_record(self, predicate, timeout: float = 10.0, what: str = "record", start: int = 0) -> dict:
        """The first record from index `start` on that matches (blocking)."""
        deadline = time.monotonic() + timeout
        while True:
            records = self.records()
            for record in records[start:]:
                if predicate(record):
                    return record
            if time.monotonic() > deadline:
                shown = "\n".join(json.dumps(r, ensure_ascii=False) for r in records[-15:])
                raise TimeoutError(f"plugin recorded no {what} within {timeout} s; last records:\n{shown}")
            time.sleep(0.05)

    async def delivery(self, kind: str, start: int = 0, timeout: float = 10.0, **fields) -> dict:
        """Wait (off the event loop) for a `deliver` of `kind` whose fields
        include `fields` (a nested dict is matched key by key)."""
        def matches(record):
            if record.get("type") != "deliver" or record.get("kind") != kind:
                return False
            for key, value in fields.items():
                if isinstance(value, dict):
                    got = record.get(key) or {}
                    if any(got.get(k) != v for k, v in value.items()):
                        return False
                elif record.get(key) != value:
                    return False
            return True
        return await in_thread(self.wait_record, matches, timeout, f"deliver {kind} {fields}", start)

    def emit(self, **event) -> None:
        event = {"type": "event", "room": "general", **event}
        with open(self.control_path, "a", encoding="utf-8") as control:
            control.write(json.dumps(event, ensure_ascii=False) + "\n")


def start_with_plugin(trestle, plugin: ScriptedPlugin, rooms=ROOMS):
    proc = trestle(rooms=rooms, plugins=plugin.config())
    proc.wait_for_log(r"component connected", timeout=10)
    proc.wait_for_log(r"plugin ready", timeout=10)
    plugin.wait_record(lambda r: r.get("type") == "open" and r.get("room") == "general", what="open of general")
    return proc


def frm(stanza: ET.Element) -> str:
    return stanza.get("from", "")


def child(stanza: ET.Element, namespace: str, name: str) -> ET.Element | None:
    return stanza.find(f"{{{namespace}}}{name}")


def reaction_set(stanza: ET.Element) -> tuple[str, set[str]] | None:
    element = child(stanza, REACTIONS, "reactions")
    if element is None:
        return None
    return element.get("id"), {(r.text or "") for r in element.findall(f"{{{REACTIONS}}}reaction")}


def presence_from(jid: str, unavailable: bool):
    return lambda s: (is_presence(s) and frm(s) == jid and s.get("type") != "error"
                      and (s.get("type") == "unavailable") == unavailable)


def from_xmpp(name: str) -> dict:
    """The `sender` fields a delivery of something Alice did should carry."""
    return {"network": "xmpp", "id": "alice@localhost", "name": name}


# -- XMPP → plugin ------------------------------------------------------------

def test_every_kind_from_xmpp_reaches_the_plugin(prosody, trestle, tmp_path):
    plugin = ScriptedPlugin(tmp_path / "plugin")
    proc = start_with_plugin(trestle, plugin)

    async def scenario():
        async with users(prosody, PASSWORD, "alice") as (alice,):
            # join
            await enter(alice, GENERAL, "Alice")
            joined = await plugin.delivery("join", sender=from_xmpp("Alice"))
            assert joined["sender"]["id"], joined

            # message
            mark = len(plugin.records())
            original = alice.say(GENERAL, "hello plugin", id="alice-1")
            reflection = await alice.wait_for(said(f"{GENERAL}/Alice", "hello plugin"), what="reflection")
            message = await plugin.delivery("message", mark, text="hello plugin")
            assert message["room"] == "general" and message["sender"]["network"] == "xmpp", message
            assert message["sender"]["name"] == "Alice", message
            assert message.get("message_kind", "normal") == "normal", message
            assert message.get("timestamp") and message.get("message_id"), message
            remote = f"p-{message['id']}"  # what the plugin answered

            # /me action
            mark = len(plugin.records())
            alice.say(GENERAL, "/me waves at the plugin")
            action = await plugin.delivery("message", mark, message_kind="action")
            assert action["text"] == "waves at the plugin", action

            # XEP-0308 correction → edit of the plugin's copy
            mark = len(plugin.records())
            alice.say(GENERAL, "hello, plugin", extra=f"<replace xmlns='{CORRECTION}' id='{original}'/>")
            edit = await plugin.delivery("edit", mark)
            assert edit["target"] == remote and edit["text"] == "hello, plugin", (remote, edit)
            assert edit["sender"]["name"] == "Alice", edit

            # XEP-0444 reaction added, then removed (an empty set)
            sid = stanza_id(reflection)
            mark = len(plugin.records())
            alice.send_raw(f"<message to='{GENERAL}' type='groupchat' id='re1'><reactions xmlns='{REACTIONS}' id='{sid}'>"
                           f"<reaction>👍</reaction></reactions><store xmlns='{HINTS}'/></message>")
            added = await plugin.delivery("reaction", mark, key="👍")
            assert added["target"] == remote and added.get("added", True) is True, (remote, added)
            mark = len(plugin.records())
            alice.send_raw(f"<message to='{GENERAL}' type='groupchat' id='re2'><reactions xmlns='{REACTIONS}' id='{sid}'/>"
                           f"<store xmlns='{HINTS}'/></message>")
            removed = await plugin.delivery("reaction", mark, key="👍")
            assert removed["target"] == remote and removed["added"] is False, (remote, removed)

            # XEP-0461 reply, with a fallback quote that is not the plugin's business
            quote = "> Alice wrote:\n> hello, plugin\n"
            mark = len(plugin.records())
            alice.say(GENERAL, quote + "answering myself",
                      extra=f"<reply xmlns='{REPLY}' to='{GENERAL}/Alice' id='{sid}'/>"
                            f"<fallback xmlns='{FALLBACK}' for='{REPLY}'><body start='0' end='{len(quote)}'/></fallback>")
            reply = await plugin.delivery("message", mark, reply_to=remote)
            assert reply["text"] == "answering myself", reply

            # XEP-0424 retraction
            mark = len(plugin.records())
            alice.send_raw(f"<message to='{GENERAL}' type='groupchat' id='rt1'><retract xmlns='{RETRACTION}' id='{sid}'/>"
                           f"<fallback xmlns='{FALLBACK}' for='{RETRACTION}'/><body>retracted</body>"
                           f"<store xmlns='{HINTS}'/></message>")
            retraction = await plugin.delivery("retraction", mark)
            assert retraction["target"] == remote, (remote, retraction)

            # nick change → rename
            mark = len(plugin.records())
            alice.send_raw(f"<presence to='{GENERAL}/Alicia'/>")
            await alice.wait_for(presence_from(f"{GENERAL}/Alicia", False), what="own presence as Alicia")
            rename = await plugin.delivery("rename", mark, name="Alicia")
            assert rename["sender"]["network"] == "xmpp", rename

            # subject → topic
            mark = len(plugin.records())
            alice.send_raw(f"<message to='{GENERAL}' type='groupchat' id='s1'><subject>Plugins day</subject></message>")
            topic = await plugin.delivery("topic", mark, text="Plugins day")
            assert topic["sender"]["name"] == "Alicia", topic

            # leave → part
            mark = len(plugin.records())
            alice.send_raw(f"<presence to='{GENERAL}/Alicia' type='unavailable'><status>bye</status></presence>")
            part = await plugin.delivery("part", mark)
            assert part["sender"]["name"] == "Alicia", part
            assert part.get("part_kind", "left") == "left" and part.get("reason") == "bye", part

            # joining again → join
            mark = len(plugin.records())
            await enter(alice, GENERAL, "Alice")
            rejoined = await plugin.delivery("join", mark, sender=from_xmpp("Alice"))
            assert rejoined["sender"]["id"] == joined["sender"]["id"], (joined, rejoined)

    run(scenario(), timeout=90)
    assert proc.running, proc.log_tail()
    # Every delivery got its answer: no retries of the same delivery number.
    numbers = [d["id"] for d in plugin.deliveries()]
    assert len(numbers) == len(set(numbers)), numbers


# -- plugin → XMPP ------------------------------------------------------------

def test_every_kind_from_the_plugin_reaches_xmpp(prosody, trestle, tmp_path):
    plugin = ScriptedPlugin(tmp_path / "plugin")
    proc = start_with_plugin(trestle, plugin)
    bob = {"id": "bob", "name": "Bob"}
    robert = {"id": "bob", "name": "Robert"}

    async def scenario():
        async with users(prosody, PASSWORD, "alice") as (alice,):
            await enter(alice, GENERAL, "Alice")
            mark = len(plugin.records())
            alice.say(GENERAL, "react to me, plugin")
            mine = await alice.wait_for(said(f"{GENERAL}/Alice", "react to me, plugin"), what="reflection")
            delivered = await plugin.delivery("message", mark, text="react to me, plugin")
            alice_remote = f"p-{delivered['id']}"

            # join → presence
            start = len(alice.stanzas)
            plugin.emit(kind="join", sender=bob)
            came = await wait_since(alice, start, presence_from(f"{GENERAL}/Bob", False), what="Bob's presence")
            assert muc_item(came) is not None and "110" not in statuses(came), xml(came)

            # message → groupchat message
            plugin.emit(kind="message", sender=bob, remote_id="m1", text="hi from the plugin")
            copy = await alice.wait_for(said(f"{GENERAL}/Bob", "hi from the plugin"), what="Bob's message")
            assert copy.get("type") == "groupchat" and copy.get("id"), xml(copy)

            # edit → XEP-0308 correction naming the copy's id
            plugin.emit(kind="edit", sender=bob, target="m1", text="hi from the plugin!")
            fixed = await alice.wait_for(said(f"{GENERAL}/Bob", "hi from the plugin!"), what="Bob's correction")
            replace = child(fixed, CORRECTION, "replace")
            assert replace is not None and replace.get("id") == copy.get("id"), (xml(copy), xml(fixed))

            # reaction to Alice's message, by the plugin's id for it → XEP-0444 on her stanza id
            plugin.emit(kind="reaction", sender=bob, target=alice_remote, key="🎉", added=True)
            reacted = await alice.wait_for(lambda s: frm(s) == f"{GENERAL}/Bob" and reaction_set(s) is not None,
                                           what="Bob's reaction")
            assert reaction_set(reacted) == (stanza_id(mine), {"🎉"}), (xml(mine), xml(reacted))

            # reply to Alice's message → XEP-0461
            plugin.emit(kind="message", sender=bob, remote_id="m2", text="replying to you", reply_to=alice_remote)
            answer = await alice.wait_for(lambda s: is_message(s) and frm(s) == f"{GENERAL}/Bob"
                                          and "replying to you" in (body(s) or ""), what="Bob's reply")
            reply = child(answer, REPLY, "reply")
            assert reply is not None and reply.get("id") == stanza_id(mine), (xml(mine), xml(answer))
            assert reply.get("to") in (None, f"{GENERAL}/Alice"), xml(answer)

            # retraction of m1 → XEP-0424 naming the copy's stanza id
            plugin.emit(kind="retraction", sender=bob, target="m1")
            retracted = await alice.wait_for(lambda s: frm(s) == f"{GENERAL}/Bob"
                                             and child(s, RETRACTION, "retract") is not None, what="Bob's retraction")
            assert child(retracted, RETRACTION, "retract").get("id") == stanza_id(copy), (xml(copy), xml(retracted))

            # rename → 303 with the new nick, then presence under it
            start = len(alice.stanzas)
            plugin.emit(kind="rename", sender=bob, name="Robert")
            gone = await wait_since(alice, start, presence_from(f"{GENERAL}/Bob", True), what="Bob's 303")
            assert "303" in statuses(gone) and muc_item(gone).get("nick") == "Robert", xml(gone)
            again = await wait_since(alice, start, presence_from(f"{GENERAL}/Robert", False), what="Robert's presence")
            assert alice.stanzas.index(gone) < alice.stanzas.index(again), (xml(gone), xml(again))

            # topic → subject
            plugin.emit(kind="topic", sender=robert, text="Set from the plugin")
            topic = await alice.wait_for(lambda s: is_message(s) and subject(s) == "Set from the plugin",
                                         what="subject from the plugin")
            assert frm(topic) == f"{GENERAL}/Robert", xml(topic)

            # part → unavailable
            start = len(alice.stanzas)
            plugin.emit(kind="part", sender=robert, reason="off now")
            left = await wait_since(alice, start, presence_from(f"{GENERAL}/Robert", True), what="Robert leaving")
            assert "303" not in statuses(left), xml(left)

    run(scenario(), timeout=90)
    assert proc.running, proc.log_tail()
    # The plugin's events are not echoed back to it.
    echoed = [d for d in plugin.deliveries() if (d.get("sender") or {}).get("network") == NETWORK]
    assert not echoed, echoed
