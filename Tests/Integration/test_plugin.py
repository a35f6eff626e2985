"""External plugins: a room bridged between a MUC room and the file_mirror
example plugin (a child process speaking JSON lines).

What is said in the MUC room is appended to `<dir>/general.log`; a line
appended to `<dir>/general.in` appears in the MUC room from an occupant
named after the line's sender."""

import os
import re
import signal
import sys
import time
from pathlib import Path

from conftest import COMPONENT_JID, PASSWORD, run
from support.muc import MUCUser, body, enter

REPO_ROOT = Path(__file__).resolve().parents[2]
FILE_MIRROR = REPO_ROOT / "Examples" / "plugins" / "file_mirror.py"
GENERAL = f"general@{COMPONENT_JID}"
ROOMS = [{"name": "general", "endpoints": [{"xmpp": "general"}, {"plugin.files": "general"}]}]


def plugins(directory: Path) -> dict:
    return {"files": {"command": [sys.executable, str(FILE_MIRROR), "--dir", str(directory), "--poll", "0.05"]}}


def wait_for_file_line(path: Path, text: str, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                if text in line:
                    return line
        time.sleep(0.05)
    raise AssertionError(f"no line with {text!r} in {path}: {path.read_text() if path.exists() else '(missing)'}")


def test_room_bridged_with_file_mirror_plugin(prosody, trestle, tmp_path):
    rooms_dir = tmp_path / "rooms"
    proc = trestle(rooms=ROOMS, plugins=plugins(rooms_dir))
    proc.wait_for_log(r"component connected", timeout=10)
    proc.wait_for_log(r"plugin ready", timeout=10)
    proc.wait_for_log(r"file_mirror: opened general", timeout=10)

    async def scenario():
        async with MUCUser("alice@localhost", PASSWORD, prosody) as alice:
            await enter(alice, GENERAL, "Alice")

            # XMPP → plugin: the message lands in the room's log file.
            alice.say(GENERAL, "hello, files")
            line = wait_for_file_line(rooms_dir / "general.log", "hello, files")
            assert line == "[Alice] hello, files", line

            # Plugin → XMPP: a line appended to the .in file comes from an occupant named after its sender.
            with open(rooms_dir / "general.in", "a", encoding="utf-8") as inbox:
                inbox.write("bob: hi from a file\n")
            relayed = await alice.wait_for(lambda s: body(s) == "hi from a file", what="line from the .in file")
            assert relayed.get("from", "").startswith(f"{GENERAL}/bob"), relayed.get("from")

    run(scenario())
    assert proc.running, proc.log_tail()
    # Only the one message went to the log (no echo of what came from the file);
    # the rest are presence lines such as "-- Alice joined".
    lines = (rooms_dir / "general.log").read_text(encoding="utf-8").splitlines()
    assert [line for line in lines if not line.startswith("-- ")] == ["[Alice] hello, files"], lines


def test_plugin_restarted_after_crash(prosody, trestle, tmp_path):
    """The plugin process is killed; Trestle restarts it and re-opens the room."""
    rooms_dir = tmp_path / "rooms"
    proc = trestle(rooms=ROOMS, plugins=plugins(rooms_dir))
    proc.wait_for_log(r"plugin started", timeout=10)
    proc.wait_for_log(r"file_mirror: opened general", timeout=10)
    started = next(line for line in proc.log_text().splitlines() if "plugin started" in line)
    pid = int(re.search(r"\bpid=(\d+)", started).group(1))
    os.kill(pid, signal.SIGKILL)
    proc.wait_for_log(r"plugin started", timeout=10, count=2)
    proc.wait_for_log(r"file_mirror: opened general", timeout=10, count=2)

    async def scenario():
        async with MUCUser("alice@localhost", PASSWORD, prosody) as alice:
            await enter(alice, GENERAL, "Alice")
            alice.say(GENERAL, "after the restart")
            wait_for_file_line(rooms_dir / "general.log", "after the restart")

    run(scenario())
    assert proc.running, proc.log_tail()
