"""The README's main command works as a newcomer would run it."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_quickstart_starts_servers_and_answers_a_real_client():
    result = subprocess.run(
        [sys.executable, str(ROOT / "Examples" / "quickstart" / "quickstart.py"), "--check"],
        cwd=ROOT, capture_output=True, text=True, timeout=90)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "quickstart check passed" in result.stdout, result.stdout
