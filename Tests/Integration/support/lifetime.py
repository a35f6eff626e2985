"""Keep test servers from outliving the test run.

Fixture finalizers and atexit hooks stop every child in normal runs, but not
when the test runner itself is killed (SIGKILL, or SIGTERM, which skips
atexit). On Linux the kernel can then signal the child for us.
"""

from __future__ import annotations

import ctypes
import signal
import subprocess
import sys

_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """`preexec_fn` for Popen: the child gets SIGTERM when its parent dies."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def terminate(process, timeout: float = 10.0) -> None:
    """SIGTERM, wait, then SIGKILL; a no-op for None or a process that has exited."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)
