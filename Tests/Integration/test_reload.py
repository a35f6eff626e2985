"""SIGHUP: the configuration is read again and applied while running."""

import asyncio
import signal

from conftest import COMPONENT_JID, PASSWORD, run
from support.muc import MUCUser, body, statuses
from support.trestle import to_yaml

LOBBY, MIRROR = f"lobby@{COMPONENT_JID}", f"mirror@{COMPONENT_JID}"
ANNEX, ANNEX2 = f"annex@{COMPONENT_JID}", f"annex2@{COMPONENT_JID}"
LOBBY_ROOM = {"name": "lobby", "endpoints": [{"xmpp": "lobby"}, {"xmpp": "mirror"}]}
ANNEX_ROOM = {"name": "annex", "endpoints": [{"xmpp": "annex"}, {"xmpp": "annex2"}]}


def joined(user: MUCUser, room: str):
    return user.wait_for(lambda s: s.tag.endswith("presence") and "110" in statuses(s)
                         and s.get("from", "").startswith(room), what=f"self-presence in {room}")


def test_sighup_adds_a_room_under_traffic_and_refuses_a_broken_config(prosody, trestle):
    for user in ("carol", "dave"):
        prosody.register(user, PASSWORD)
    proc = trestle(rooms=[LOBBY_ROOM])
    proc.wait_for_log(r"component connected", timeout=10)

    async def scenario():
        async with MUCUser("alice@localhost", PASSWORD, prosody) as alice, \
                   MUCUser("admin@localhost", PASSWORD, prosody) as bob, \
                   MUCUser("carol@localhost", PASSWORD, prosody) as carol, \
                   MUCUser("dave@localhost", PASSWORD, prosody) as dave:
            alice.join(LOBBY, "Alice")
            await joined(alice, LOBBY)
            bob.join(MIRROR, "Bob")
            await joined(bob, MIRROR)

            # A join of a room that is not configured yet is refused.
            carol.join(ANNEX, "Carol")
            await carol.wait_for(lambda s: s.get("type") == "error" and s.get("from", "").startswith(ANNEX),
                                 what="item-not-found for a room not configured")

            async def traffic():
                for n in range(60):
                    alice.say(LOBBY, f"during reload {n}")
                    await asyncio.sleep(0.01)

            sender = asyncio.create_task(traffic())
            await asyncio.sleep(0.1)
            proc.config["rooms"] = [LOBBY_ROOM, ANNEX_ROOM]
            proc.config["logging"] = {"level": "info"}
            proc.config_path.write_text(to_yaml(proc.config) + "\n")
            mark = len(proc.log_text())
            proc.process.send_signal(signal.SIGHUP)
            await sender
            line = await asyncio.to_thread(proc.wait_for_log, r"^.*configuration reloaded.*$", 10, mark)
            assert "rooms_added=[\"annex\"]" in line.group(0) and "needs_restart=nothing" in line.group(0), line.group(0)

            # Nothing said during the reload was lost.
            await bob.wait_for(lambda s: body(s) == "during reload 59", what="the last message of the traffic")
            got = {body(s) for s in bob.stanzas if (body(s) or "").startswith("during reload")}
            assert got == {f"during reload {n}" for n in range(60)}, sorted(got)

            # The new room works, both ways.
            carol.join(ANNEX, "Carol")
            await joined(carol, ANNEX)
            dave.join(ANNEX2, "Dave")
            await joined(dave, ANNEX2)
            carol.say(ANNEX, "hello annex")
            await dave.wait_for(lambda s: body(s) == "hello annex", what="the message in the new room")

            # A broken configuration is refused whole; the running one stays.
            proc.config_path.write_text(to_yaml(proc.config) + "\nrooms_typo: 1\n")
            mark = len(proc.log_text())
            proc.process.send_signal(signal.SIGHUP)
            refused = await asyncio.to_thread(proc.wait_for_log, r"^.*reload refused.*$", 10, mark)
            assert "rooms_typo" in refused.group(0), refused.group(0)
            carol.say(ANNEX, "still here")
            await dave.wait_for(lambda s: body(s) == "still here", what="a message after the refused reload")

    run(scenario(), timeout=90)
    assert proc.running, proc.log_tail()
