"""A slixmpp user that joins MUC rooms and records every presence and
message it gets, for tests of Trestle's bridged rooms."""

from __future__ import annotations

import asyncio
import uuid
import xml.etree.ElementTree as ET
from typing import Callable

from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

from .client import UserClient

MUC = "http://jabber.org/protocol/muc"
MUC_USER = "http://jabber.org/protocol/muc#user"
SID = "urn:xmpp:sid:0"
OCCUPANT_ID = "urn:xmpp:occupant-id:0"


class MUCUser(UserClient):
    """Joins rooms with raw stanzas and keeps the raw XML of what arrives."""

    def __init__(self, jid: str, password: str, server, resource: str = "test"):
        super().__init__(jid, password, server, resource)
        self.stanzas: list[ET.Element] = []
        self._arrived = asyncio.Event()
        # Every message and presence, whatever slixmpp would call it.
        self.register_handler(Callback("trestle-tests-all-messages", MatchXPath("{jabber:client}message"), self._keep))
        self.register_handler(Callback("trestle-tests-all-presences", MatchXPath("{jabber:client}presence"), self._keep))

    def _keep(self, stanza) -> None:
        self.stanzas.append(stanza.xml)
        self._arrived.set()

    def join(self, room: str, nick: str, history: int | None = None) -> None:
        x = f"<x xmlns='{MUC}'>" + (f"<history maxstanzas='{history}'/>" if history is not None else "") + "</x>"
        self.send_raw(f"<presence to='{room}/{nick}'>{x}</presence>")

    def say(self, room: str, text: str, extra: str = "", id: str | None = None) -> str:
        id = id or uuid.uuid4().hex
        body = text.replace("&", "&amp;").replace("<", "&lt;")
        self.send_raw(f"<message to='{room}' type='groupchat' id='{id}'><body>{body}</body>{extra}</message>")
        return id

    async def wait_for(self, predicate: Callable[[ET.Element], bool], timeout: float = 10.0,
                       what: str = "stanza") -> ET.Element:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for stanza in self.stanzas:
                if predicate(stanza):
                    return stanza
            remaining = deadline - loop.time()
            if remaining <= 0:
                got = "\n".join(ET.tostring(s, encoding="unicode")[:300] for s in self.stanzas[-15:])
                raise TimeoutError(f"{self.boundjid}: no {what} within {timeout} s; last got:\n{got}")
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), remaining)
            except asyncio.TimeoutError:
                pass


def body(stanza: ET.Element) -> str | None:
    element = stanza.find("{jabber:client}body")
    return None if element is None else element.text


def statuses(stanza: ET.Element) -> set[str]:
    return {s.get("code") for s in stanza.iter(f"{{{MUC_USER}}}status")}


def stanza_id(stanza: ET.Element) -> str | None:
    element = stanza.find(f"{{{SID}}}stanza-id")
    return None if element is None else element.get("id")


# -- helpers for feature tests ---------------------------------------------

STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"
DELAY = "urn:xmpp:delay"


def is_presence(stanza: ET.Element) -> bool:
    return stanza.tag == "{jabber:client}presence"


def is_message(stanza: ET.Element) -> bool:
    return stanza.tag == "{jabber:client}message"


def occupant_id(stanza: ET.Element) -> str | None:
    element = stanza.find(f"{{{OCCUPANT_ID}}}occupant-id")
    return None if element is None else element.get("id")


def stanza_error(stanza: ET.Element) -> tuple[str, str] | None:
    """(type, defined condition) of an error stanza, None when it is none."""
    if stanza.get("type") != "error":
        return None
    error = stanza.find("{jabber:client}error")
    if error is None:
        return ("", "")
    conditions = [child.tag.split("}")[1] for child in error
                  if child.tag.startswith(f"{{{STANZAS}}}") and not child.tag.endswith("}text")]
    return (error.get("type", ""), conditions[0] if conditions else "")


def subject(stanza: ET.Element) -> str | None:
    """The text of a message's `<subject/>` ("" when empty), None without one."""
    element = stanza.find("{jabber:client}subject")
    return None if element is None else (element.text or "")


def delay_stamp(stanza: ET.Element) -> str | None:
    element = stanza.find(f"{{{DELAY}}}delay")
    return None if element is None else element.get("stamp")


def said(jid: str, text: str) -> Callable[[ET.Element], bool]:
    """Predicate: a message from exactly `jid` with body `text`."""
    return lambda s: is_message(s) and s.get("from") == jid and body(s) == text


def muc_item(stanza: ET.Element) -> ET.Element | None:
    return stanza.find(f"{{{MUC_USER}}}x/{{{MUC_USER}}}item")


def xml(stanza: ET.Element) -> str:
    return ET.tostring(stanza, encoding="unicode")


async def wait_since(user: MUCUser, start: int, predicate: Callable[[ET.Element], bool],
                     timeout: float = 10.0, what: str = "stanza") -> ET.Element:
    """Like `MUCUser.wait_for`, among the stanzas received from index `start` on."""
    older = {id(s) for s in user.stanzas[:start]}
    return await user.wait_for(lambda s: id(s) not in older and predicate(s), timeout=timeout, what=what)


async def enter(user: MUCUser, room: str, nick: str, history: int | None = None,
                timeout: float = 10.0, id: str | None = None) -> list[ET.Element]:
    """Join `room` as `nick` (with presence id `id`, if given) and wait for
    the end of the join (the subject); return what the room sent from the
    join on, subject included."""
    start = len(user.stanzas)
    if id is None:
        user.join(room, nick, history=history)
    else:
        wish = f"<history maxstanzas='{history}'/>" if history is not None else ""
        user.send_raw(f"<presence to='{room}/{nick}' id='{id}'><x xmlns='{MUC}'>{wish}</x></presence>")
    end = await wait_since(user, start, lambda s: is_message(s) and s.get("from", "").split("/")[0] == room
                           and subject(s) is not None and body(s) is None,
                           timeout=timeout, what=f"subject of {room} ending the join as {nick}")
    sequence = user.stanzas[start:user.stanzas.index(end) + 1]
    return [s for s in sequence if s.get("from", "").split("/")[0] == room]
