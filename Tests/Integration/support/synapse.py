"""A real Synapse homeserver for Matrix tests: SQLite, one client listener
on loopback, no federation, rate limits raised, Trestle's registration
file loaded. Synapse comes from the test virtualenv (matrix-synapse in
requirements.txt) and starts in a few seconds.

Users are made with the shared-secret admin API, as an operator's script
would; the test then acts as an ordinary client with their token."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from .lifetime import die_with_parent, terminate
from .prosody import free_port

SERVER_NAME = "localhost"
SHARED_SECRET = "synapse-test-shared-secret"

# Limits high enough that tests of hundreds of messages never meet them.
_UNLIMITED = {"per_second": 10000, "burst_count": 10000}

LOG_CONFIG = """version: 1
formatters:
  precise:
    format: '%(asctime)s - %(name)s - %(lineno)d - %(levelname)s - %(message)s'
handlers:
  file:
    class: logging.FileHandler
    formatter: precise
    filename: {log}
root:
  level: WARNING
  handlers: [file]
loggers:
  synapse.appservice:
    level: INFO
disable_existing_loggers: false
"""


def synapse_available() -> bool:
    try:
        import synapse  # noqa: F401
        return True
    except ImportError:
        return False


class SynapseServer:
    """One Synapse process with its files in `directory`. `registration`
    is the path of Trestle's registration file (read at start);
    `more_registrations` those of other application services."""

    def __init__(self, directory: Path, registration: Path | None = None, more_registrations: list[Path] = ()):
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server_name = SERVER_NAME
        self.registration = registration
        self.more_registrations = list(more_registrations)
        self.config_path = self.dir / "homeserver.yaml"
        self.log_path = self.dir / "homeserver.log"
        self.process: subprocess.Popen | None = None

    def write_config(self) -> None:
        config = {
            "server_name": SERVER_NAME,
            "pid_file": str(self.dir / "homeserver.pid"),
            "listeners": [{"port": self.port, "bind_addresses": ["127.0.0.1"], "type": "http", "tls": False,
                           "x_forwarded": False, "resources": [{"names": ["client"], "compress": False}]}],
            "database": {"name": "sqlite3", "args": {"database": str(self.dir / "homeserver.db")}},
            "log_config": str(self.dir / "log.config"),
            "media_store_path": str(self.dir / "media"),
            "signing_key_path": str(self.dir / "signing.key"),
            "registration_shared_secret": SHARED_SECRET,
            "macaroon_secret_key": "test-macaroon-secret",
            "form_secret": "test-form-secret",
            "report_stats": False,
            "trusted_key_servers": [],
            "suppress_key_server_warning": True,
            "enable_metrics": False,
            "presence": {"enabled": False},
            "app_service_config_files": [str(path) for path in [self.registration, *self.more_registrations] if path],
            "rc_message": _UNLIMITED,
            "rc_registration": _UNLIMITED,
            "rc_login": {"address": _UNLIMITED, "account": _UNLIMITED, "failed_attempts": _UNLIMITED},
            "rc_joins": {"local": _UNLIMITED, "remote": _UNLIMITED},
            "rc_joins_per_room": _UNLIMITED,
            "rc_invites": {"per_room": _UNLIMITED, "per_user": _UNLIMITED, "per_issuer": _UNLIMITED},
            "rc_admin_redaction": _UNLIMITED,
            "rc_room_creation": _UNLIMITED,
            "rc_reports": _UNLIMITED,
        }
        # JSON is YAML.
        self.config_path.write_text(json.dumps(config, indent=1))
        (self.dir / "log.config").write_text(LOG_CONFIG.format(log=self.log_path))
        if not (self.dir / "signing.key").exists():
            subprocess.run([sys.executable, "-m", "synapse.app.homeserver", "-c", str(self.config_path),
                            "--generate-keys"], check=True, cwd=self.dir, capture_output=True, timeout=60)

    def start(self, timeout: float = 60.0) -> "SynapseServer":
        self.write_config()
        with open(self.dir / "stdout.log", "ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "synapse.app.homeserver", "-c", str(self.config_path)],
                cwd=self.dir, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True, preexec_fn=die_with_parent)
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/_matrix/client/versions", timeout=2) as response:
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if self.process.poll() is not None:
                raise RuntimeError(f"synapse exited with {self.process.returncode}:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"synapse did not start within {timeout} s:\n{self.log_tail()}")
            time.sleep(0.2)

    def stop(self) -> None:
        terminate(self.process, timeout=15)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def log_tail(self, lines: int = 40) -> str:
        text = ""
        for name in ("homeserver.log", "stdout.log"):
            path = self.dir / name
            if path.exists():
                text += f"--- {name} ---\n" + "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) + "\n"
        return text or "(no log)"

    def register(self, user: str, password: str = "pw", admin: bool = False) -> str:
        """Creates `@user:localhost` with the shared-secret admin API; returns its access token."""
        nonce = request("GET", f"{self.url}/_synapse/admin/v1/register")[1]["nonce"]
        mac = hmac.new(SHARED_SECRET.encode(), digestmod=hashlib.sha1)
        mac.update(b"\x00".join([nonce.encode(), user.encode(), password.encode(),
                                 b"admin" if admin else b"notadmin"]))
        status, body = request("POST", f"{self.url}/_synapse/admin/v1/register", {
            "nonce": nonce, "username": user, "password": password, "admin": admin, "mac": mac.hexdigest()})
        assert status == 200, (status, body)
        return body["access_token"]


def request(method: str, url: str, body: dict | None = None, token: str | None = None,
            timeout: float = 30) -> tuple[int, dict]:
    """One HTTP request with a JSON body; returns (status, JSON answer)."""
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"} if data is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            raw = response.read()
            return response.status, (json.loads(raw) if raw else {})
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            return error.code, json.loads(raw)
        except ValueError:
            return error.code, {"raw": raw.decode(errors="replace")}
