"""The operator's HTTP endpoint: Prometheus metrics and a health check,
scraped while real clients talk in a bridged room."""

import json
import re
import time
import urllib.error
import urllib.request

from conftest import COMPONENT_JID, PASSWORD, run
from support.muc import MUCUser, body, statuses
from support.prosody import free_port

LOBBY = f"lobby@{COMPONENT_JID}"
MIRROR = f"mirror@{COMPONENT_JID}"
ROOMS = [{"name": "lobby", "endpoints": [{"xmpp": "lobby"}, {"xmpp": "mirror"}]}]
SAMPLE = re.compile(r'^(\w+)(?:\{([^}]*)\})? (\S+)$')


def scrape(port: int) -> dict[tuple[str, frozenset], float]:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    samples = {}
    for line in text.splitlines():
        match = SAMPLE.match(line)
        if match and not line.startswith("#"):
            labels = frozenset(re.findall(r'(\w+)="([^"]*)"', match.group(2) or ""))
            samples[(match.group(1), labels)] = float(match.group(3))
    return samples


def health(port: int) -> tuple[int, dict]:
    try:
        response = urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5)
        return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_metrics_count_what_was_sent_and_health_follows_the_xmpp_stream(prosody, trestle):
    port = free_port()
    proc = trestle(rooms=ROOMS, http={"host": "127.0.0.1", "port": port})
    proc.wait_for_log(r"component connected", timeout=10)
    assert health(port) == (200, {"xmpp": "connected", "queued": 0})

    async def scenario():
        async with MUCUser("alice@localhost", PASSWORD, prosody) as alice, \
                   MUCUser("admin@localhost", PASSWORD, prosody) as bob:
            alice.join(LOBBY, "Alice")
            await alice.wait_for(lambda s: s.tag.endswith("presence") and "110" in statuses(s), what="self-presence")
            bob.join(MIRROR, "Bob")
            await bob.wait_for(lambda s: s.tag.endswith("presence") and "110" in statuses(s), what="self-presence")
            for n in range(7):
                alice.say(LOBBY, f"counted {n}")
            await bob.wait_for(lambda s: body(s) == "counted 6", what="the last message in mirror")

    run(scenario())
    # The clients' leaving (a part each) is still on its way when the
    # scenario ends: scrape once the counts have settled.
    deadline = time.monotonic() + 5
    while True:
        samples = scrape(port)
        totals = [sum(v for (name, labels), v in samples.items() if name == metric and ("network", "xmpp") in labels)
                  for metric in ("trestle_events_received_total", "trestle_events_delivered_total")]
        if totals[0] == totals[1] or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    received = samples.get(("trestle_events_received_total", frozenset({("network", "xmpp"), ("kind", "message")})))
    delivered = samples.get(("trestle_events_delivered_total", frozenset({("network", "xmpp")})))
    assert received == 7, {k: v for k, v in samples.items() if k[0].startswith("trestle_events")}
    # Every event from one room reached the other exactly once (a room of
    # two endpoints): messages, and the joins (and presence updates) too.
    all_received = sum(v for (name, labels), v in samples.items()
                       if name == "trestle_events_received_total" and ("network", "xmpp") in labels)
    assert delivered == all_received, {k: v for k, v in samples.items() if k[0].startswith("trestle_events")}
    assert samples.get(("trestle_xmpp_connected", frozenset())) == 1

    prosody.stop()
    deadline = time.monotonic() + 10
    while health(port)[0] == 200 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert health(port)[0] == 503
    assert scrape(port).get(("trestle_xmpp_connected", frozenset())) == 0
