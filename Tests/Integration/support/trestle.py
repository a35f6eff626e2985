"""Run the real Trestle binary against a test Prosody and watch its log.

Integration tests judge Trestle from the outside: by what XMPP clients see
and by the log lines it prints on stderr. `TrestleProcess` writes a YAML
config, starts `trestle run --config FILE` with stderr captured to a file,
and lets a test wait for log lines with a timeout.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from .lifetime import die_with_parent

REPO_ROOT = Path(__file__).resolve().parents[3]

_RUNNING: set["TrestleProcess"] = set()


def trestle_binary() -> Path:
    """`TRESTLE_BIN` if set, else the debug build of this checkout."""
    return Path(os.environ.get("TRESTLE_BIN") or REPO_ROOT / ".build" / "debug" / "trestle").resolve()


def component_config(server, jid: str = "trestle.localhost", secret: str = "s3cret",
                     admins: list[str] | None = None, **component) -> dict:
    """A config dict for a component of `server` (a ProsodyServer) with short
    reconnect delays; keyword arguments override component settings."""
    settings = {
        "jid": jid,
        "host": server.host,
        "port": server.component_port,
        "secret": secret,
        "reconnect_initial_delay": 0.2,
        "reconnect_max_delay": 2,
        "keepalive_interval": 60,
        "queue_limit": 10000,
        "admins": list(admins or []),
    }
    settings.update(component)
    return {"component": settings, "logging": {"level": os.environ.get("TRESTLE_TEST_LOG_LEVEL", "debug")}}


def to_yaml(value, indent: int = 0) -> str:
    """Enough YAML for configs: nested mappings of scalars and flat lists.
    Scalars are written as JSON, which YAML reads the same way."""
    lines = []
    for key, item in value.items():
        pad = " " * indent
        if isinstance(item, dict):
            lines.append(f"{pad}{key}:")
            lines.append(to_yaml(item, indent + 2))
        elif isinstance(item, (list, tuple)):
            lines.append(f"{pad}{key}: [{', '.join(json.dumps(v) for v in item)}]")
        else:
            lines.append(f"{pad}{key}: {json.dumps(item)}")
    return "\n".join(lines)


class TrestleProcess:
    """One `trestle run` process with its config and log in a directory."""

    def __init__(self, config: dict, directory: str | Path | None = None, binary: str | Path | None = None,
                 config_text: str | None = None, environment: dict[str, str] | None = None):
        """`config_text`, when given, is written as the config file instead
        of `config`; `environment` is added to the process's environment."""
        self.config = config
        self.config_text = config_text
        self.environment = dict(environment or {})
        self.dir = Path(directory or tempfile.mkdtemp(prefix="trestle-test-"))
        self.binary = Path(binary or trestle_binary())
        self.config_path = self.dir / "trestle.yaml"
        self.log_path = self.dir / "trestle.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> "TrestleProcess":
        if not self.binary.exists():
            raise FileNotFoundError(f"Trestle binary not found at {self.binary} (build it or set TRESTLE_BIN)")
        self.dir.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(self.config_text or (to_yaml(self.config) + "\n"))
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [str(self.binary), "run", "--config", str(self.config_path)],
                cwd=self.dir, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                env={**os.environ, **self.environment},
                start_new_session=True, preexec_fn=die_with_parent,
            )
        _RUNNING.add(self)
        return self

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:]) or "(empty log)"

    def log_matches(self, regex: str, start: int = 0) -> list[re.Match]:
        """Every match of `regex` (case-insensitive, per line) from char `start`."""
        return list(re.finditer(regex, self.log_text()[start:], re.IGNORECASE | re.MULTILINE))

    def wait_for_log(self, regex: str, timeout: float = 10.0, start: int = 0, count: int = 1) -> re.Match:
        """Wait until `regex` has matched `count` times in the log after char
        `start` (use `len(log_text())` to ignore older lines); return the last
        match. Fails early, with the log tail, if the process has exited."""
        deadline = time.monotonic() + timeout
        while True:
            matches = self.log_matches(regex, start)
            if len(matches) >= count:
                return matches[count - 1]
            if not self.running:
                code = self.process.returncode if self.process else None
                raise AssertionError(f"trestle exited (code {code}) before logging /{regex}/\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"trestle did not log /{regex}/ x{count} within {timeout} s\n{self.log_tail()}")
            time.sleep(0.05)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 5.0) -> int | None:
        """Send `sig`, wait up to `timeout` s (then SIGKILL); return the exit
        code the process chose, or None if it had to be killed."""
        process = self.process
        _RUNNING.discard(self)
        if process is None:
            return None
        if process.poll() is not None:
            return process.returncode
        process.send_signal(sig)
        try:
            return process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
            return None


@atexit.register
def _stop_all() -> None:
    for proc in list(_RUNNING):
        proc.stop(signal.SIGKILL, timeout=5)
