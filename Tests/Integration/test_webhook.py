"""Slack-style webhooks end to end: real HTTP on loopback (urllib as the
client posting to incoming hooks, a separate http.server process as the
receiver of outgoing ones) and a real XMPP client in the bridged MUC room
builds@, through a real Prosody.

The outage test stops the receiver for WEBHOOK_OUTAGE seconds (60 by
default, as the feature promises; TRESTLE_WEBHOOK_OUTAGE shortens it)
while messages keep coming, restarts Trestle in the middle of it, then
counts what the receiver got once it is back."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from conftest import COMPONENT_JID, PASSWORD, run
from support.bridge import in_thread, restarted, users, wait_ready
from support.lifetime import die_with_parent
from support.muc import body, enter, is_message
from support.prosody import free_port

BUILDS = f"builds@{COMPONENT_JID}"
ROOMS = [{"name": "builds", "endpoints": [{"xmpp": "builds"}, {"webhook": "builds"}]}]
TOKEN = "integration-token-3f9c2a71d04e"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
RECEIVER = Path(__file__).resolve().parent / "support" / "webhook_receiver.py"
WEBHOOK_OUTAGE = float(os.environ.get("TRESTLE_WEBHOOK_OUTAGE", "60"))


def webhooks(receiver_port: int | None = None, rate_limit: float = 50, burst: int = 50) -> dict:
    """A `webhooks` section: the incoming hook `ci` into builds (token from
    the environment, as an operator would keep it), and an outgoing hook to
    the receiver when a port is given."""
    section = {
        "port": 0,
        "retry_initial_delay": "200ms",
        "retry_max_delay": "2s",
        "incoming": {"ci": {"token_env": "TRESTLE_HOOK_CI", "room": "builds", "rate_limit": rate_limit, "burst": burst}},
    }
    if receiver_port is not None:
        section["outgoing"] = {"bot": {"room": "builds", "url": f"http://127.0.0.1:{receiver_port}/slack",
                                       "format": "form", "token": "outgoing-token",
                                       "signing_secret_env": "TRESTLE_HOOK_SIGNING"}}
    return section


def start(trestle, receiver_port: int | None = None, **limits):
    proc = trestle(rooms=ROOMS, webhooks=webhooks(receiver_port, **limits),
                   environment={"TRESTLE_HOOK_CI": TOKEN, "TRESTLE_HOOK_SIGNING": SIGNING_SECRET})
    wait_ready(proc)
    return proc


def hook_url(proc, start: int = 0) -> str:
    match = proc.wait_for_log(r"address=(http://127\.0\.0\.1:\d+/hooks/)\S* .*webhook listener started", start=start)
    return match.group(1)


def http_post(url: str, data: bytes, content_type: str = "application/json") -> tuple[int, str, dict]:
    request = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


class Receiver:
    """The receiver process of outgoing hooks, and what it recorded."""

    def __init__(self, directory: Path, port: int, *args: str):
        self.record = directory / "posts.jsonl"
        self.port = port
        self.args = args
        self.process: subprocess.Popen | None = None

    def start(self) -> "Receiver":
        self.process = subprocess.Popen(
            [sys.executable, str(RECEIVER), "--port", str(self.port), "--record", str(self.record),
             "--signing-secret", SIGNING_SECRET, *self.args],
            stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, preexec_fn=die_with_parent)
        assert self.process.stdout.readline().strip() == b"listening"
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(5)

    def posts(self) -> list[dict]:
        if not self.record.exists():
            return []
        return [json.loads(line) for line in self.record.read_text(encoding="utf-8").splitlines() if line.strip()]

    def wait_posts(self, count: int, timeout: float) -> list[dict]:
        deadline = time.monotonic() + timeout
        while len(self.posts()) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"receiver got {len(self.posts())} posts, expected {count}")
            time.sleep(0.05)
        return self.posts()


def from_nick(nick: str, text: str):
    return lambda s: is_message(s) and s.get("from") == f"{BUILDS}/{nick}" and body(s) == text


def test_incoming_hook_posts_into_the_room(prosody, trestle):
    # 8 requests at once, then one every 5 s: the test's 4 posts that are
    # read (2 accepted, 2 refused with 400) leave 4 for the burst below.
    proc = start(trestle, rate_limit=0.2, burst=8)
    url = hook_url(proc)

    async def scenario():
        async with users(prosody, PASSWORD, "alice") as (alice,):
            await enter(alice, BUILDS, "Alice")
            payload = {"text": "*Build 7* passed: <https://ci.example.org/7|details> &amp; more",
                       "username": "CI", "icon_url": "https://ci.example.org/ci.png"}
            status, answer, _ = await in_thread(http_post, url + TOKEN, json.dumps(payload).encode())
            assert (status, answer) == (200, "ok")
            await alice.wait_for(from_nick("CI", "*Build 7* passed: details (https://ci.example.org/7) & more"),
                                 what="the hook's message from CI")

            form = "payload=" + urllib.parse.quote(json.dumps({
                "attachments": [{"title": "Deploy", "text": "api _v2_ is live", "fields": [{"title": "Took", "value": "3m"}]}]}))
            status, answer, _ = await in_thread(http_post, url + TOKEN, form.encode(), "application/x-www-form-urlencoded")
            assert (status, answer) == (200, "ok")
            await alice.wait_for(from_nick("ci", "*Deploy*\napi _v2_ is live\n*Took*: 3m"), what="the form post's message")

            # The answers Slack gives, one line each.
            status, answer, _ = await in_thread(http_post, url + "wrong-token-00000000", b'{"text":"x"}')
            assert (status, answer) == (404, "no_service: no incoming webhook has this URL")
            status, answer, _ = await in_thread(http_post, url + TOKEN, b'{"text": 5}')
            assert (status, answer) == (400, "invalid_payload: 'text' must be a string, found a number")
            status, answer, _ = await in_thread(http_post, url + TOKEN, b'{"username": "CI"}')
            assert status == 400 and answer.startswith("no_text: "), answer
            status, answer, _ = await in_thread(http_post, url + TOKEN, b'{"text": "' + b"x" * 70_000 + b'"}')
            assert (status, answer) == (413, "request_too_large: the body is over 65536 bytes")
            codes = []
            for _ in range(8):
                codes.append(await in_thread(http_post, url + TOKEN, b'{"text": "burst"}'))
            assert [code for code, _, _ in codes][:4] == [200] * 4 and codes[-1][0] == 429, codes
            status, answer, headers = codes[-1]
            assert 1 <= int(headers["Retry-After"]) <= 5, headers
            assert answer == f"rate_limited: over 0.2 requests a second; retry in {headers['Retry-After']} s", answer

    run(scenario())
    log = proc.log_text()
    assert TOKEN not in log, "the hook's token reached the log"
    assert "incoming webhook refused" in log and "status=429" in log


def test_bot_reply_is_posted_back_into_the_room(prosody, trestle, tmp_path):
    port = free_port()
    receiver = Receiver(tmp_path, port, "--reply-to", "!ping", "--reply", "pong _from_ the bot",
                        "--reply-name", "pingbot").start()
    try:
        proc = start(trestle, receiver_port=port)

        async def scenario():
            async with users(prosody, PASSWORD, "alice") as (alice,):
                await enter(alice, BUILDS, "Alice")
                alice.say(BUILDS, "!ping are you there?")
                await alice.wait_for(from_nick("pingbot", "pong _from_ the bot"), what="the bot's reply")
                post = (await in_thread(receiver.wait_posts, 1, 10))[0]
                fields = post["fields"]
                assert fields["text"] == "!ping are you there?" and fields["user_name"] == "Alice", post
                assert fields["channel_name"] == "builds" and fields["token"] == "outgoing-token", post
                assert post["signature_ok"] is True and post["delivery"], post
                await asyncio.sleep(0.5)
                assert len(receiver.posts()) == 1, "the bot's reply went out to the hook again"

        run(scenario())
    finally:
        receiver.stop()


@pytest.mark.timeout(120 + WEBHOOK_OUTAGE)
def test_outgoing_posts_survive_a_receiver_outage_and_a_restart(prosody, trestle, tmp_path):
    port = free_port()
    receiver = Receiver(tmp_path, port).start()
    proc = start(trestle, receiver_port=port)
    sent: list[str] = []

    async def send(alice, count: int, rate: float, label: str):
        for index in range(count):
            text = f"{label} {index}"
            alice.say(BUILDS, text)
            sent.append(text)
            await asyncio.sleep(1 / rate)

    async def before_restart():
        async with users(prosody, PASSWORD, "alice") as (alice,):
            await enter(alice, BUILDS, "Alice")
            await send(alice, 20, 20, "before")
            await in_thread(receiver.wait_posts, 20, 10)
            receiver.stop()
            # The first half of the outage, under traffic.
            await send(alice, int(WEBHOOK_OUTAGE * 2), 4, "outage-a")
            await asyncio.sleep(1)

    async def after_restart(proc):
        async with users(prosody, PASSWORD, "alice") as (alice,):
            await enter(alice, BUILDS, "Alice")
            await send(alice, int(WEBHOOK_OUTAGE * 2), 4, "outage-b")
            await asyncio.sleep(1)

    try:
        run(before_restart(), timeout=60 + WEBHOOK_OUTAGE)
        outage_started = time.monotonic() - WEBHOOK_OUTAGE / 2
        assert proc.stop() == 0
        queued = proc.log_matches(r"outgoing webhook failed, retrying")
        assert queued, "no post failed while the receiver was down"
        proc = restarted(proc)
        run(after_restart(proc), timeout=60 + WEBHOOK_OUTAGE)
        downtime = time.monotonic() - outage_started
        mark = len(proc.log_text())
        receiver.start()
        posts = receiver.wait_posts(len(sent), timeout=30)
        proc.wait_for_log(r"outgoing queue drained", start=mark, timeout=10)
        time.sleep(1)  # anything sent twice would show now
        posts = receiver.posts()
        texts = [post["fields"]["text"] for post in posts]
        print(f"webhook outage: {downtime:.0f} s with a restart, {len(sent)} messages sent, "
              f"{len(posts)} posts received, {len(set(p['delivery'] for p in posts))} distinct delivery ids")
        assert len(posts) == len(sent), (len(posts), len(sent))
        assert texts == sent, "posts missing, repeated or out of order"
        assert len({post["delivery"] for post in posts}) == len(sent)
        assert all(post["signature_ok"] for post in posts)
        proc.stop()
    finally:
        receiver.stop()


def test_incoming_hook_reaches_irc_too(prosody, ircd, trestle):
    """A room spanning XMPP, IRC and a webhook: a post shows in the MUC room
    and, relayed by the IRC bot, in the channel."""
    from support.irc_user import IRCUser
    from test_irc import in_channel, irc_settings

    rooms = [{"name": "builds", "endpoints": [{"xmpp": "builds"}, {"webhook": "builds"}, {"irc.test": "#builds"}]}]
    proc = trestle(rooms=rooms, webhooks=webhooks(), irc=irc_settings(ircd), environment={"TRESTLE_HOOK_CI": TOKEN})
    wait_ready(proc)
    proc.wait_for_log(r"IRC connection registered", timeout=10)
    url = hook_url(proc)

    async def scenario():
        async with IRCUser(ircd, "bob") as bob, users(prosody, PASSWORD, "alice") as (alice,):
            await bob.join("#builds")
            await in_channel(bob, "bridge", channel="#builds")
            await enter(alice, BUILDS, "Alice")
            payload = {"text": "Build 8 *passed*", "username": "CI"}
            status, answer, _ = await in_thread(http_post, url + TOKEN, json.dumps(payload).encode())
            assert (status, answer) == (200, "ok")
            await alice.wait_for(lambda s: is_message(s) and s.get("from") == f"{BUILDS}/CI", what="the post in the MUC")
            line = await bob.wait_for(lambda l: l.command == "PRIVMSG" and "Build 8" in l.text, what="the post on IRC")
            assert line.nick == "bridge" and line.text == "<CI> Build 8 \x02passed\x02", line.raw

    run(scenario())
    assert proc.running, proc.log_tail()


def test_hook_icon_is_its_occupants_avatar(prosody, trestle):
    """A post's icon_url becomes the poster's picture in the MUC room: the
    occupant's presence names its SHA-1 (XEP-0153), a vCard request to the
    occupant JID gives the same bytes, and a second post with the same icon
    fetches nothing."""
    import base64
    import hashlib
    from test_matrix import PictureServer, tiny_png

    picture = tiny_png()
    digest = hashlib.sha1(picture).hexdigest()
    pictures = PictureServer(picture)
    try:
        proc = trestle(rooms=ROOMS, webhooks=webhooks(), environment={"TRESTLE_HOOK_CI": TOKEN},
                       http={"host": "127.0.0.1", "port": free_port("127.0.0.1")},
                       fetch={"private_addresses": True})  # the picture server is on loopback
        wait_ready(proc)
        url = hook_url(proc)

        def photo(stanza) -> str | None:
            return stanza.findtext("{vcard-temp:x:update}x/{vcard-temp:x:update}photo")

        async def scenario():
            async with users(prosody, PASSWORD, "alice") as (alice,):
                await enter(alice, BUILDS, "Alice")
                payload = {"text": "build 1 passed", "username": "CI", "icon_url": pictures.url}
                status, _, _ = await in_thread(http_post, url + TOKEN, json.dumps(payload).encode())
                assert status == 200
                await alice.wait_for(from_nick("CI", "build 1 passed"), what="the hook's message")
                await alice.wait_for(lambda s: s.tag == "{jabber:client}presence" and s.get("from") == f"{BUILDS}/CI"
                                     and photo(s) == digest, what="CI's presence naming its picture")
                reply = await alice.iq(f"{BUILDS}/CI", "get", "<vCard xmlns='vcard-temp'/>")
                assert reply["type"] == "result", reply
                binval = reply.xml.findtext("{vcard-temp}vCard/{vcard-temp}PHOTO/{vcard-temp}BINVAL")
                assert binval and base64.b64decode(binval) == picture, reply
                assert reply.xml.findtext("{vcard-temp}vCard/{vcard-temp}PHOTO/{vcard-temp}TYPE") == "image/png"

                payload["text"] = "build 2 passed"
                status, _, _ = await in_thread(http_post, url + TOKEN, json.dumps(payload).encode())
                assert status == 200
                await alice.wait_for(from_nick("CI", "build 2 passed"), what="the second message")

        run(scenario())
        assert pictures.hits == 1, pictures.hits
        assert len(proc.log_matches(r"remote avatar kept")) == 1, proc.log_tail()
        assert proc.running, proc.log_tail()
    finally:
        pictures.close()
