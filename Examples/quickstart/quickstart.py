"""Trestle's quickstart: a local XMPP server with Trestle connected to it.

Starts a private Prosody on loopback (its own config, data and ports in
.quickstart/), registers two accounts, starts Trestle as its component, and
prints how to reach it from an XMPP client. Ctrl-C stops everything.

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
from support.prosody import ProsodyServer, free_port, port_open  # noqa: E402
from support.trestle import TrestleProcess, component_config  # noqa: E402

COMPONENT = "trestle.localhost"
USERS = {"alice": "alice", "bob": "bob"}


async def check(server: ProsodyServer) -> None:
    """Log in as alice and ask the component who it is, as a client would."""
    async with UserClient("alice@localhost", USERS["alice"], server) as alice:
        version = await alice.iq(COMPONENT, "get", "<query xmlns='jabber:iq:version'/>")
        name = version["software_version"]["name"]
        if version["type"] != "result" or name != "Trestle":
            raise SystemExit(f"quickstart check failed: unexpected answer {version}")
        print(f"alice@localhost asked {COMPONENT} for its version: {name} {version['software_version']['version']}")


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
    trestle = TrestleProcess(
        component_config(server, jid=COMPONENT, secret=secret, admins=["alice@localhost"]),
        directory=workdir / "trestle")
    try:
        trestle.start()
        trestle.wait_for_log(r"component connected", timeout=30)
        if args.check:
            asyncio.run(asyncio.wait_for(check(server), 30))
            print("quickstart check passed")
            return 0
        print(f"""
Trestle is running as the component {COMPONENT} of a local Prosody.

  XMPP server   127.0.0.1 port {server.c2s_port} (plaintext, this machine only)
  accounts      alice@localhost / alice, bob@localhost / bob
  try           log in as alice with Gajim, Dino or poezio, open service
                discovery on {COMPONENT}, ping it, ask its version
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
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
