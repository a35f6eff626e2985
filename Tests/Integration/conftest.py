"""Fixtures for integration tests: a fresh Prosody per test with the Trestle
component declared and users registered, and a factory for Trestle processes.

Prosody starts in well under a second, so every test gets its own server
(nothing leaks between tests, and a test may restart it). Every process a
fixture starts is stopped in its finalizer, whatever the test did.
"""

from __future__ import annotations

import asyncio
import shutil
from typing import Callable

import pytest

from support.ircd import IRCServer
from support.prosody import ProsodyServer
from support.trestle import TrestleProcess, component_config, trestle_binary

COMPONENT_JID = "trestle.localhost"
COMPONENT_SECRET = "s3cret"
PASSWORD = "pw"
USERS = ("alice", "admin")


def run(coro, timeout: float = 60.0):
    """Run a test coroutine on a fresh event loop, bounded in time."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


@pytest.fixture(scope="session", autouse=True)
def _prosody_installed():
    if not shutil.which("prosody") or not shutil.which("prosodyctl"):
        pytest.fail("prosody/prosodyctl not installed: run Scripts/install-dependencies.sh")


@pytest.fixture
def prosody(tmp_path) -> ProsodyServer:
    """A running Prosody with the component declared and USERS registered
    (password PASSWORD). Its files stay in tmp_path for post-mortems."""
    server = ProsodyServer(components={COMPONENT_JID: COMPONENT_SECRET}, directory=tmp_path / "prosody")
    for user in USERS:
        server.register(user, PASSWORD)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def ircd(tmp_path) -> IRCServer:
    """A running InspIRCd on a free loopback port (plain text; TLS on
    `tls_port`), flood limits off. Its files stay in tmp_path."""
    if not shutil.which("inspircd"):
        pytest.fail("inspircd not installed: run Scripts/install-dependencies.sh")
    server = IRCServer(directory=tmp_path / "ircd", tls=True)
    server.start()
    yield server
    server.stop()
    print(f"--- ircd log ---\n{server.log_tail(30)}")


@pytest.fixture
def trestle(tmp_path, prosody) -> Callable[..., TrestleProcess]:
    """Factory: `trestle(rooms=[...], plugins={...}, http={...}, irc={...}, identd={...}, webhooks={...},
    matrix={...}, fetch={...}, store={...}, router={...}, environment={...}, **component_settings)`
    starts Trestle against the test Prosody. Fails when the binary has not been built: a skipped
    integration test would hide a broken build."""
    if not trestle_binary().exists():
        pytest.fail(f"Trestle binary not built ({trestle_binary()}); run `swift build` or set TRESTLE_BIN")
    started: list[TrestleProcess] = []

    def start(rooms: list | None = None, plugins: dict | None = None, http: dict | None = None,
              irc: dict | None = None, identd: dict | None = None, webhooks: dict | None = None,
              matrix: dict | None = None, fetch: dict | None = None, store: dict | None = None,
              router: dict | None = None, environment: dict | None = None, **settings) -> TrestleProcess:
        settings.setdefault("secret", COMPONENT_SECRET)
        config = component_config(prosody, jid=COMPONENT_JID, **settings)
        if rooms is not None:
            config["rooms"] = rooms
        if plugins is not None:
            config["plugins"] = plugins
        if http is not None:
            config["http"] = http
        if irc is not None:
            config["irc"] = irc
        if identd is not None:
            config["identd"] = identd
        if webhooks is not None:
            config["webhooks"] = webhooks
        if matrix is not None:
            config["matrix"] = matrix
        if fetch is not None:
            config["fetch"] = fetch
        if store is not None:
            config["store"] = store
        if router is not None:
            config["router"] = router
        directory = tmp_path / f"trestle{len(started)}"
        directory.mkdir()
        proc = TrestleProcess(config, directory=directory, environment=environment)
        started.append(proc)
        return proc.start()

    yield start
    for proc in started:
        proc.stop()
        # Shown by pytest only when the test failed.
        print(f"--- trestle log ({proc.log_path}) ---\n{proc.log_tail(60)}")
