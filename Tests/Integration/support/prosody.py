"""A throw-away Prosody server for integration tests and local quickstarts.

Trestle is an XMPP *component*: it only makes sense next to a real server.
`ProsodyServer` gives each test (or a quickstart script) its own Prosody with
its own config, data, log and loopback ports, so runs never collide with each
other or with a system-wide Prosody, and nothing is left running afterwards.

    server = ProsodyServer(components={"trestle.localhost": "s3cret"})
    server.start()
    server.register("alice", "pw")
    ...
    server.stop()
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from .lifetime import die_with_parent, terminate

DOMAIN = "localhost"

# Every server still running, so an interpreter exit never leaves one behind.
_RUNNING: set["ProsodyServer"] = set()


def free_port(host: str = "127.0.0.1") -> int:
    """Ask the kernel for an unused TCP port (bind to port 0, read it back)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def port_open(host: str, port: int) -> bool:
    """True when something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _lua(value: str) -> str:
    """Quote a Python string as a Lua string literal."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class ProsodyError(RuntimeError):
    """Prosody did not start, stop or register as asked."""


class ProsodyServer:
    """One Prosody process in the foreground, configured in a temp directory."""

    host = "127.0.0.1"
    domain = DOMAIN

    def __init__(
        self,
        components: dict[str, str] | None = None,
        modules: list[str] | None = None,
        directory: str | Path | None = None,
        prosody_bin: str | None = None,
        prosodyctl_bin: str | None = None,
    ):
        self.components = dict(components or {})
        self.extra_modules = list(modules or [])
        self._own_dir = directory is None
        self.dir = Path(directory or tempfile.mkdtemp(prefix="prosody-test-")).resolve()
        self.dir.mkdir(parents=True, exist_ok=True)
        self.prosody_bin = prosody_bin or os.environ.get("PROSODY_BIN", "prosody")
        self.prosodyctl_bin = prosodyctl_bin or os.environ.get("PROSODYCTL_BIN", "prosodyctl")
        self.c2s_port = free_port(self.host)
        self.component_port = free_port(self.host)
        self.config_path = self.dir / "prosody.cfg.lua"
        self.data_path = self.dir / "data"
        self.log_path = self.dir / "prosody.log"
        self.pid_path = self.dir / "prosody.pid"
        self.process: subprocess.Popen | None = None
        self.write_config()

    # -- configuration -----------------------------------------------------

    def config_text(self) -> str:
        """The Lua config. Paths are absolute: Prosody resolves data_path
        against its working directory, not against the config file."""
        modules = [
            "roster", "saslauth", "disco", "ping", "offline", "presence",
            "message", "iq", "version", "time", "uptime",
            # As Debian's default config has them: avatars in PEP, answered as
            # vCards, their hash added to every presence (XEP-0153).
            "pep", "vcard_legacy",
            *self.extra_modules,
        ]
        lines = [
            "-- Generated for tests: plaintext on loopback only, never for production.",
            f"pidfile = {_lua(str(self.pid_path))}",
            f"data_path = {_lua(str(self.data_path))}",
            f"log = {{ debug = {_lua(str(self.log_path))} }}",
            # Tests may run as root (containers, CI); Prosody refuses that otherwise,
            # and prosodyctl would switch to a 'prosody' user that cannot read our files.
            "run_as_root = true",
            "modules_enabled = { " + ", ".join(_lua(m) for m in modules) + " }",
            # No TLS certificates here; no federation, no HTTP.
            'modules_disabled = { "s2s", "tls", "http" }',
            'interfaces = { "127.0.0.1" }',
            'c2s_interfaces = { "127.0.0.1" }',
            f"c2s_ports = {{ {self.c2s_port} }}",
            "c2s_direct_tls_ports = { }",
            "s2s_ports = { }",
            'component_interfaces = { "127.0.0.1" }',
            f"component_ports = {{ {self.component_port} }}",
            "c2s_require_encryption = false",
            "s2s_require_encryption = false",
            "allow_unencrypted_plain_auth = true",
            'authentication = "internal_plain"',
            'storage = "internal"',
            "allow_registration = false",
            "",
            f"VirtualHost {_lua(self.domain)}",
            "",
        ]
        for name, secret in self.components.items():
            lines += [f"Component {_lua(name)}", f"    component_secret = {_lua(secret)}", ""]
        return "\n".join(lines)

    def write_config(self) -> None:
        """(Re)write the config file; call again after changing `components`."""
        self.data_path.mkdir(parents=True, exist_ok=True)
        (self.dir / "certs").mkdir(exist_ok=True)  # Prosody indexes it at startup
        self.config_path.write_text(self.config_text())

    # -- lifecycle ---------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        """The end of Prosody's log (and of its console output), for error messages."""
        parts = []
        for path in (self.log_path, self.dir / "prosody.console"):
            if path.exists():
                text = path.read_text(errors="replace").splitlines()[-lines:]
                parts.append(f"--- {path.name} ---\n" + "\n".join(text))
        return "\n".join(parts) or "(no log written)"

    def start(self, timeout: float = 20.0) -> "ProsodyServer":
        """Run Prosody in the foreground and wait until both ports accept."""
        if self.running:
            return self
        self.write_config()
        console = open(self.dir / "prosody.console", "ab")
        env = dict(os.environ, PROSODY_CONFIG=str(self.config_path))
        try:
            self.process = subprocess.Popen(
                [self.prosody_bin, "-F", "--config", str(self.config_path)],
                cwd=self.dir, env=env, stdin=subprocess.DEVNULL,
                stdout=console, stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=die_with_parent,
            )
        finally:
            console.close()
        _RUNNING.add(self)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ProsodyError(
                    f"prosody exited with code {self.process.returncode} while starting\n"
                    + self.log_tail())
            if port_open(self.host, self.c2s_port) and port_open(self.host, self.component_port):
                return self
            time.sleep(0.1)
        self.stop()
        raise ProsodyError(
            f"prosody did not open c2s port {self.c2s_port} and component port "
            f"{self.component_port} within {timeout:.0f} s\n" + self.log_tail())

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM, wait, then SIGKILL; a no-op when not running."""
        process, self.process = self.process, None
        _RUNNING.discard(self)
        terminate(process, timeout)

    def restart(self, pause: float = 0.0, timeout: float = 20.0) -> None:
        """Stop, optionally stay down for `pause` seconds, start again on the
        same ports with the same data (accounts, offline messages survive)."""
        self.stop()
        if pause:
            time.sleep(pause)
        self.start(timeout=timeout)

    def cleanup(self) -> None:
        """Stop and delete the temp directory (if this object created it)."""
        self.stop()
        if self._own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> "ProsodyServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.cleanup()

    # -- accounts ----------------------------------------------------------

    def register(self, user: str, password: str, timeout: float = 20.0) -> str:
        """Create user@localhost (works whether or not Prosody is running);
        returns the bare JID."""
        result = subprocess.run(
            [self.prosodyctl_bin, "--config", str(self.config_path),
             "register", user, self.domain, password],
            cwd=self.dir, stdin=subprocess.DEVNULL, capture_output=True,
            text=True, timeout=timeout,
        )
        if result.returncode != 0:
            raise ProsodyError(
                f"prosodyctl register {user} failed ({result.returncode}):\n"
                f"{result.stdout}{result.stderr}")
        return f"{user}@{self.domain}"


    def register_many(self, users: list[str], password: str) -> list[str]:
        """Create user@localhost for every name in `users`: the first with
        prosodyctl, the others by copying the account file that it wrote
        (one prosodyctl run costs tens of milliseconds; 300 add up).
        Prosody must not be running. Returns the bare JIDs."""
        if not users:
            return []
        if self.running:
            raise RuntimeError("register_many needs Prosody stopped")
        self.register(users[0], password)
        accounts = [p for p in self.data_path.rglob(f"accounts/{users[0]}.dat")]
        if len(accounts) != 1:
            raise RuntimeError(f"cannot find the account file of {users[0]} under {self.data_path}")
        template = accounts[0]
        for user in users[1:]:
            if not re.fullmatch(r"[a-z0-9_]+", user):
                raise ValueError(f"register_many takes plain lowercase names, not {user!r}")
            shutil.copyfile(template, template.with_name(f"{user}.dat"))
        return [f"{user}@{self.domain}" for user in users]


@atexit.register
def _stop_all() -> None:
    for server in list(_RUNNING):
        server.stop(timeout=5)
