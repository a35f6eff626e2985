"""Trestle's quickstart: local XMPP and IRC servers and a bridged room.

Starts a private Prosody and a private InspIRCd on loopback (their own
configs, data and ports in .quickstart/), registers two XMPP accounts, and
starts Trestle as Prosody's component with one bridged room, `general`,
linking a MUC room, the IRC channel #general and the example plugin
`file_mirror`: what is said in one reaches the others; the plugin's side
is .quickstart/rooms/general.log (what is said) and
.quickstart/rooms/general.in (lines appended there are said in the room).
Any other IRC channel can be joined from XMPP as
#channel%127.0.0.1@trestle.localhost. Ctrl-C stops everything.

    make quickstart               # interactive
    python quickstart.py --check  # start, prove it works with a real client, stop

The XMPP accounts use plaintext passwords without TLS: this setup is for
trying Trestle on one machine, never for a network.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests" / "Integration"))

from support.client import UserClient  # noqa: E402
from support.ircd import IRCServer  # noqa: E402
from support.irc_user import IRCUser  # noqa: E402
from support.muc import MUCUser, body, statuses  # noqa: E402
from support.prosody import ProsodyServer, free_port, port_open  # noqa: E402
from support.trestle import TrestleProcess  # noqa: E402

COMPONENT = "trestle.localhost"
ROOM = f"general@{COMPONENT}"
USERS = {"alice": "alice", "bob": "bob"}
FILE_MIRROR = ROOT / "Examples" / "plugins" / "file_mirror.py"


def wait_for_line(path: Path, text: str, timeout: float = 15.0) -> None:
    import time
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text(encoding="utf-8"):
            return
        time.sleep(0.05)
    raise SystemExit(f"quickstart check failed: {text!r} never reached {path}")


async def check(server: ProsodyServer, ircd: IRCServer, rooms: Path) -> None:
    """As a newcomer would: ask the component who it is, then say something
    in the bridged room and see it reach IRC and the file, and the other way."""
    async with UserClient("alice@localhost", USERS["alice"], server) as alice:
        version = await alice.iq(COMPONENT, "get", "<query xmlns='jabber:iq:version'/>")
        name = version["software_version"]["name"]
        if version["type"] != "result" or name != "Trestle":
            raise SystemExit(f"quickstart check failed: unexpected answer {version}")
        print(f"alice@localhost asked {COMPONENT} for its version: {name} {version['software_version']['version']}")
    async with MUCUser("alice@localhost", USERS["alice"], server, resource="room") as alice:
        alice.join(ROOM, "Alice")
        await alice.wait_for(lambda s: s.tag.endswith("presence") and "110" in statuses(s), what="joining the room")
        alice.say(ROOM, "hello from XMPP")
        await asyncio.get_running_loop().run_in_executor(None, wait_for_line, rooms / "general.log", "hello from XMPP")
        print(f"alice said 'hello from XMPP' in {ROOM}; it is in rooms/general.log")
        with open(rooms / "general.in", "a", encoding="utf-8") as inbox:
            inbox.write("carol: hello from a file\n")
        await alice.wait_for(lambda s: body(s) == "hello from a file", what="the line from general.in")
        print("a line appended to rooms/general.in reached alice in the room, from 'carol'")
        async with IRCUser(ircd, "dave") as dave:
            await dave.join("#general")
            alice.say(ROOM, "hello IRC")
            await dave.wait_for(lambda l: l.command == "PRIVMSG" and l.text == "<Alice> hello IRC", what="alice on IRC")
            print("alice said 'hello IRC'; dave, on IRC in #general, got '<Alice> hello IRC'")
            dave.say("#general", "hello from IRC")
            await alice.wait_for(lambda s: body(s) == "hello from IRC", what="dave's line in the room")
            print("dave said 'hello from IRC' in #general; alice got it in the room")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="start, verify with a real XMPP client, stop")
    args = parser.parse_args()

    workdir = ROOT / ".quickstart"
    shutil.rmtree(workdir, ignore_errors=True)
    (workdir / "prosody").mkdir(parents=True)
    (workdir / "trestle").mkdir()

    secret = "quickstart-" + str(free_port())
    server = ProsodyServer(components={COMPONENT: secret}, directory=workdir / "prosody")
    if not args.check and not port_open("127.0.0.1", 5222):
        server.c2s_port = 5222  # the port clients try first, when it is free
    for user, password in USERS.items():
        server.register(user, password)
    server.start()
    ircd = IRCServer(directory=workdir / "ircd")
    if not args.check and not port_open("127.0.0.1", 6667):
        ircd.port = 6667  # the port IRC clients try first, when it is free
    ircd.start()
    rooms = workdir / "rooms"
    # Config/quickstart.yaml, with the ports these servers were given.
    template = (ROOT / "Config" / "quickstart.yaml").read_text(encoding="utf-8")
    config_text = template.replace("  port: 5347\n", f"  port: {server.component_port}\n")
    config_text = config_text.replace("    port: 6667\n", f"    port: {ircd.port}\n")
    trestle = TrestleProcess({}, directory=workdir / "trestle", config_text=config_text,
                             environment={"TRESTLE_QUICKSTART_SECRET": secret})
    try:
        trestle.start()
        trestle.wait_for_log(r"component connected", timeout=30)
        if args.check:
            trestle.wait_for_log(r"file_mirror: opened general", timeout=30)
            trestle.wait_for_log(r"IRC connection registered", timeout=30)
            asyncio.run(asyncio.wait_for(check(server, ircd, rooms), 60))
            print("quickstart check passed")
            return 0
        print(f"""
Trestle is running as the component {COMPONENT} of a local Prosody, with
one bridged room linking the MUC room {ROOM}, the channel #general of a
local IRC server, and the example plugin file_mirror (plain files).

  XMPP server   127.0.0.1 port {server.c2s_port} (plaintext, this machine only)
  accounts      alice@localhost / alice, bob@localhost / bob
  try           log in as alice with Gajim, Dino or poezio and join {ROOM}
  IRC server    127.0.0.1 port {ircd.port}: join #general with any IRC client (irssi, weechat, hexchat)
  IRC from XMPP join #anything%127.0.0.1@{COMPONENT} to be in #anything under your own nick
  read          tail -f {(rooms / 'general.log').relative_to(ROOT)}
  write         echo 'carol: hi from a file' >> {(rooms / 'general.in').relative_to(ROOT)}
  logs          {trestle.log_path.relative_to(ROOT)}
                {(server.dir / 'prosody.log').relative_to(ROOT)}

Press Ctrl-C to stop.""")
        trestle.process.wait()
        print(trestle.log_tail())
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        trestle.stop()
        ircd.stop()
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
