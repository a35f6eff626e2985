"""The trestle command line as an operator uses it."""

import os
import subprocess
from pathlib import Path

from support.trestle import trestle_binary

ROOT = Path(__file__).resolve().parents[2]


def trestle(*args, env=None):
    return subprocess.run([str(trestle_binary()), *args], capture_output=True, text=True, timeout=30,
                          env={**os.environ, **(env or {})})


def test_version():
    result = trestle("--version")
    assert result.returncode == 0 and result.stdout.strip() == "0.1.0", result


def test_check_config_accepts_the_example_with_its_secret_from_the_environment():
    example = ROOT / "Config" / "trestle.example.yaml"
    result = trestle("check-config", str(example), env={"TRESTLE_COMPONENT_SECRET": "s"})
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout
    missing = trestle("check-config", str(example), env={"TRESTLE_COMPONENT_SECRET": ""})
    assert missing.returncode == 78
    assert "TRESTLE_COMPONENT_SECRET" in missing.stderr and "s\n" not in missing.stderr


def test_check_config_names_file_line_and_key(tmp_path):
    config = tmp_path / "bad.yaml"
    config.write_text("component:\n  jid: t.localhost\n  secret: hunter2\n  prot: 5347\n")
    result = trestle("check-config", str(config))
    assert result.returncode == 78
    assert f"{config}:4:3: component: unknown key 'component.prot'; did you mean 'port'?" in result.stderr, result.stderr
    assert "hunter2" not in result.stderr + result.stdout


def test_run_refuses_a_room_on_a_network_it_has_no_adapter_for(tmp_path):
    config = tmp_path / "trestle.yaml"
    config.write_text("component:\n  jid: t.localhost\n  secret: s\n"
                      "rooms:\n  - name: lobby\n    endpoints: [{xmpp: lobby}, {irc.libera: '#lobby'}]\n")
    result = trestle("run", "--config", str(config))
    assert result.returncode == 78
    assert "no adapter for network 'irc.libera'" in result.stderr, result.stderr
