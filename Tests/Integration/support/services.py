"""IRC services (Atheme, Debian's `atheme-services`) linked to the test
IRC server, for what only services do: accounts and SASL.

The configuration is Atheme's own example with the names, the protocol
module (InspIRCd) and the uplink set for the test server."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from .lifetime import die_with_parent, terminate
from .prosody import free_port

EXAMPLE = Path("/usr/share/doc/atheme-services/examples/atheme.conf.example")


class ServicesError(RuntimeError):
    pass


class Services:
    def __init__(self, ircd, directory: Path):
        self.ircd = ircd
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.dir / "atheme.log"
        self.process: subprocess.Popen | None = None
        ircd.services_port = free_port(ircd.host)

    def config_text(self) -> str:
        text = EXAMPLE.read_text()
        replacements = {
            '#loadmodule "modules/protocol/charybdis";': 'loadmodule "modules/protocol/inspircd";',
            'name = "services.int";': 'name = "services.test";',
            'host = "services.int";': 'host = "services.test";',
            'netname = "misconfigured network";': 'netname = "TrestleTest";',
            'hidehostsuffix = "users.misconfigured";': 'hidehostsuffix = "users.test";',
            'adminname = "misconfigured admin";': 'adminname = "test";',
            'adminemail = "misconfigured@admin.tld";': 'adminemail = "test@localhost";',
        }
        for old, new in replacements.items():
            if old not in text:
                raise ServicesError(f"Atheme's example config changed: no {old!r}")
            text = text.replace(old, new)
        start = text.index('uplink "irc.example.net" {')
        end = text.index("};", text.index('uplink "irc6.example.net" {')) + 2
        uplink = (f'uplink "{self.ircd.name}" {{\n\thost = "{self.ircd.host}";\n\tpassword = "linkpass";\n'
                  f'\tport = {self.ircd.services_port};\n}};')
        return text[:start] + uplink + text[end:]

    def start(self, timeout: float = 20.0) -> "Services":
        config = self.dir / "atheme.conf"
        config.write_text(self.config_text())
        (self.dir / "data").mkdir(exist_ok=True)
        console = open(self.dir / "console.log", "ab")
        try:
            self.process = subprocess.Popen(
                ["atheme-services", "-n", "-c", str(config), "-D", str(self.dir / "data"), "-l", str(self.log_path),
                 "-p", str(self.dir / "atheme.pid")],
                cwd=self.dir, stdin=subprocess.DEVNULL, stdout=console, stderr=subprocess.STDOUT,
                start_new_session=True, preexec_fn=die_with_parent)
        finally:
            console.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServicesError(f"atheme exited with {self.process.returncode}\n" + self.log_tail())
            if self.log_path.exists() and "finished synching with uplink" in self.log_path.read_text(errors="replace"):
                return self
            time.sleep(0.1)
        raise ServicesError("atheme did not finish linking\n" + self.log_tail())

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:]) if self.log_path.exists() else ""

    def stop(self) -> None:
        process, self.process = self.process, None
        terminate(process, 10)

    async def register_account(self, nick: str, password: str) -> None:
        """Registers the account `nick` with NickServ, as a person would."""
        from .irc_user import IRCUser

        async with IRCUser(self.ircd, nick) as owner:
            owner.say("NickServ", f"REGISTER {password} {nick}@example.org")
            await owner.wait_for(lambda l: l.command == "NOTICE" and l.nick == "NickServ"
                                 and "registered" in l.text.lower(), what="the account registered")
