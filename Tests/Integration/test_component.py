"""The XEP-0114 component seen from outside: what a real XMPP user gets back
from it, and how it survives a server restart and a wrong secret."""

from __future__ import annotations

import re
import signal
import time

from slixmpp.xmlstream import StanzaBase
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

from conftest import COMPONENT_JID, PASSWORD, run
from support.client import UserClient, error_condition

DISCO_INFO = "http://jabber.org/protocol/disco#info"
DISCO_ITEMS = "http://jabber.org/protocol/disco#items"
CONNECTED = r"component connected"
LOST_BODY = "Trestle lost its connection to the XMPP server"
BACK_BODY = "Trestle is connected again"


def test_disco_ping_version_unknown_iq(prosody, trestle):
    trestle().wait_for_log(CONNECTED, timeout=10)

    async def scenario():
        async with UserClient(f"alice@{prosody.domain}", PASSWORD, prosody) as alice:
            info = await alice.iq(COMPONENT_JID, "get", f"<query xmlns='{DISCO_INFO}'/>")
            assert info["type"] == "result", info
            identities = {(c, t) for c, t, *_ in info["disco_info"]["identities"]}
            assert ("conference", "text") in identities, identities
            features = set(info["disco_info"]["features"])
            for feature in (DISCO_INFO, DISCO_ITEMS, "urn:xmpp:ping", "jabber:iq:version"):
                assert feature in features, (feature, features)

            items = await alice.iq(COMPONENT_JID, "get", f"<query xmlns='{DISCO_ITEMS}'/>")
            assert items["type"] == "result", items
            assert list(items["disco_items"]["items"]) == [], items

            pong = await alice.iq(COMPONENT_JID, "get", "<ping xmlns='urn:xmpp:ping'/>")
            assert pong["type"] == "result", pong
            assert len(pong.xml) == 0, f"ping result must be empty: {pong}"

            version = await alice.iq(COMPONENT_JID, "get", "<query xmlns='jabber:iq:version'/>")
            assert version["type"] == "result", version
            assert version["software_version"]["name"] == "Trestle", version
            assert version["software_version"]["version"], version

            for type_ in ("get", "set"):
                unknown = await alice.iq(COMPONENT_JID, type_, "<query xmlns='urn:example:unknown'/>")
                assert unknown["type"] == "error", unknown
                assert error_condition(unknown) == ("cancel", "service-unavailable"), unknown

            await assert_no_answer_to_results_and_errors(alice)

    run(scenario())


async def assert_no_answer_to_results_and_errors(client: UserClient):
    """IQ results and errors must not be answered (that would loop forever)."""
    answers: list[StanzaBase] = []
    client.register_handler(Callback(
        "unsolicited-answers", MatchXPath("{jabber:client}iq"),
        lambda iq: answers.append(iq) if iq["id"].startswith("unsolicited-") else None))
    for type_ in ("result", "error"):
        iq = client.Iq()
        iq["type"], iq["to"], iq["id"] = type_, COMPONENT_JID, f"unsolicited-{type_}"
        if type_ == "error":
            iq["error"]["type"], iq["error"]["condition"] = "cancel", "item-not-found"
        iq.send()
    # A ping answered after them proves the component has read both.
    pong = await client.iq(COMPONENT_JID, "get", "<ping xmlns='urn:xmpp:ping'/>")
    assert pong["type"] == "result", pong
    assert answers == [], answers


def test_reconnects_after_prosody_restart_and_delivers_queued_stanza(prosody, trestle):
    admin = f"admin@{prosody.domain}"
    proc = trestle(admins=[admin])
    proc.wait_for_log(CONNECTED, timeout=10)
    mark = len(proc.log_text())

    prosody.stop()
    proc.wait_for_log(r"connection lost", timeout=10, start=mark)
    time.sleep(1)
    prosody.start()
    proc.wait_for_log(CONNECTED, timeout=15, start=mark)

    async def scenario():
        # Whether these arrive live or from offline storage depends on timing; both are fine.
        async with UserClient(admin, PASSWORD, prosody) as client:
            for prefix in (LOST_BODY, BACK_BODY):
                msg = await client.wait_for_message(
                    lambda m, p=prefix: str(m["from"]) == COMPONENT_JID and m["body"].startswith(p),
                    timeout=10)
                assert msg["type"] == "chat", msg
            pong = await client.iq(COMPONENT_JID, "get", "<ping xmlns='urn:xmpp:ping'/>")
            assert pong["type"] == "result", pong

    run(scenario())
    assert proc.running


RECONNECT_LINE = re.compile(r"^.*reconnecting in\s*([0-9]+(?:\.[0-9]+)?)\s*s(?:ec(?:onds?)?)?\b.*$", re.IGNORECASE | re.MULTILINE)


def test_wrong_secret_is_reported_and_retried_with_backoff(prosody, trestle):
    max_delay = 2.0
    proc = trestle(secret="not-the-secret", reconnect_initial_delay=0.2, reconnect_max_delay=max_delay)
    proc.wait_for_log(r"not-authorized.*wrong component secret|wrong component secret.*not-authorized", timeout=10)

    # 0.2 + 0.4 + 0.8 + 1.6 + 2 s of backoff, plus jitter and handshakes.
    proc.wait_for_log(RECONNECT_LINE.pattern, timeout=20, count=5)
    lines = [m.group(0) for m in RECONNECT_LINE.finditer(proc.log_text())]
    delays = [float(m.group(1)) for m in RECONNECT_LINE.finditer(proc.log_text())]
    attempts = [int(a) for line in lines for a in re.findall(r"\battempt=\"?(\d+)", line)]
    assert len(attempts) == len(lines), f"every retry line needs attempt=<n>: {lines}"
    assert attempts == sorted(attempts) and len(set(attempts)) == len(attempts), attempts
    assert delays[2] >= delays[0], f"backoff must grow: {delays}"
    assert max(delays[3:]) > delays[0], f"backoff must grow: {delays}"
    assert all(d <= max_delay + 1e-3 for d in delays), f"capped at {max_delay}: {delays}"
    assert proc.running, proc.log_tail()

    started = time.monotonic()
    code = proc.stop(signal.SIGTERM, timeout=5)
    assert code == 0, f"exit code {code} after {time.monotonic() - started:.1f} s\n{proc.log_tail()}"


def test_sigterm_closes_the_stream_cleanly(prosody, trestle):
    proc = trestle()
    proc.wait_for_log(r"component connected", timeout=10)
    started = time.monotonic()
    code = proc.stop(signal.SIGTERM, timeout=5)
    assert code == 0, f"exit code {code} after {time.monotonic() - started:.1f} s\n{proc.log_tail()}"
    # Prosody saw the component close its stream, not just drop the socket.
    deadline = time.monotonic() + 5
    log = (prosody.dir / "prosody.log").read_text(errors="replace")
    while "component disconnected: trestle.localhost" not in log and time.monotonic() < deadline:
        time.sleep(0.05)
        log = (prosody.dir / "prosody.log").read_text(errors="replace")
    closing = log[log.rfind("External component successfully authenticated"):]
    assert "Received </stream:stream>" in closing, closing[-2000:]
    assert "component disconnected: trestle.localhost" in closing, closing[-2000:]
