"""A small slixmpp user client for driving the component from the outside.

Tests need a real XMPP user who logs in to the test Prosody over plaintext
loopback, sends IQs to the component and reads the messages it sends. This
wraps slixmpp so every step has a timeout and a failure says what went wrong.
Use it inside a coroutine (slixmpp needs a running asyncio loop):

    async with UserClient("alice@localhost", "pw", server) as alice:
        reply = await alice.iq("trestle.localhost", "get", "<ping xmlns='urn:xmpp:ping'/>")
"""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from typing import Callable

from slixmpp import ClientXMPP
from slixmpp.exceptions import IqError, IqTimeout
from slixmpp.stanza import Iq, Message

STANZA_ERRORS = "urn:ietf:params:xml:ns:xmpp-stanzas"


class UserClient(ClientXMPP):
    """An XMPP user that logs in without TLS and records every message it gets."""

    def __init__(self, jid: str, password: str, server, resource: str = "test"):
        super().__init__(f"{jid}/{resource}", password)
        self.server_host, self.server_port = server.host, server.c2s_port
        # Test Prosody has no certificates: plaintext on loopback only.
        self.enable_direct_tls = False
        self.enable_starttls = False
        self.enable_plaintext = True
        self.plugin["feature_mechanisms"].unencrypted_plain = True
        for plugin in ("xep_0030", "xep_0092", "xep_0199"):
            self.register_plugin(plugin)
        self.messages: list[Message] = []
        self._message_arrived = asyncio.Event()
        self._session: asyncio.Future | None = None
        self.add_event_handler("session_start", self._on_session_start)
        self.add_event_handler("failed_auth", self._on_failure)
        self.add_event_handler("message", self._on_message)

    # -- events ------------------------------------------------------------

    def _on_session_start(self, _event) -> None:
        # Initial presence makes Prosody flush offline messages to us.
        self.send_presence()
        if self._session and not self._session.done():
            self._session.set_result(True)

    def _on_failure(self, event) -> None:
        if self._session and not self._session.done():
            self._session.set_exception(RuntimeError(f"login of {self.boundjid.bare} failed: {event}"))

    def _on_message(self, msg: Message) -> None:
        self.messages.append(msg)
        self._message_arrived.set()

    # -- connection --------------------------------------------------------

    async def login(self, timeout: float = 10.0) -> "UserClient":
        """Connect, authenticate, bind and send presence, or raise."""
        self._session = asyncio.get_running_loop().create_future()
        self.connect(self.server_host, self.server_port)
        try:
            await asyncio.wait_for(self._session, timeout)
        except BaseException:
            self.close_now()
            raise
        return self

    def close_now(self) -> None:
        """Drop the connection and any pending reconnect attempt at once."""
        self.cancel_connection_attempt()
        self.abort()

    async def logout(self, timeout: float = 3.0) -> None:
        """Close the stream politely, or abort if the server is gone."""
        try:
            await asyncio.wait_for(self.disconnect(wait=1.0), timeout)
        except (asyncio.TimeoutError, Exception):
            pass
        self.close_now()

    async def __aenter__(self) -> "UserClient":
        return await self.login()

    async def __aexit__(self, *exc) -> None:
        await self.logout()

    # -- requests ----------------------------------------------------------

    async def iq(self, to: str, type_: str, payload: str | None, timeout: float = 5.0) -> Iq:
        """Send an IQ with a raw XML payload; return the reply, whether it is
        a result or an error (raises TimeoutError when none comes)."""
        iq = self.Iq()
        iq["type"], iq["to"] = type_, to
        if payload:
            iq.append(ET.fromstring(payload))
        try:
            return await iq.send(timeout=timeout)
        except IqError as err:
            return err.iq
        except IqTimeout as err:
            raise TimeoutError(f"no reply from {to} to IQ {type_} {payload} within {timeout} s") from err

    async def wait_for_message(self, predicate: Callable[[Message], bool], timeout: float = 10.0) -> Message:
        """Return the first message (already received or arriving within
        `timeout`) for which `predicate` is true."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for msg in self.messages:
                if predicate(msg):
                    return msg
            remaining = deadline - loop.time()
            if remaining <= 0:
                got = [f"{m['from']}: {m['body']!r}" for m in self.messages]
                raise TimeoutError(f"no matching message within {timeout} s; got {got}")
            self._message_arrived.clear()
            try:
                await asyncio.wait_for(self._message_arrived.wait(), remaining)
            except asyncio.TimeoutError:
                pass


def error_condition(iq: Iq) -> tuple[str, str]:
    """(error type, defined condition) of an error IQ, read from the raw XML."""
    error = iq.xml.find("{jabber:client}error")
    if error is None:
        return ("", "")
    conditions = [child.tag.split("}")[1] for child in error
                  if child.tag.startswith("{" + STANZA_ERRORS + "}") and not child.tag.endswith("}text")]
    return (error.get("type", ""), conditions[0] if conditions else "")
