"""A real IRC server (InspIRCd 3, Debian's `inspircd`) for tests, on a free
loopback port, configured in a temp directory.

Flood limits are switched off for loopback so that tests measure Trestle's
own pacing, not the server's; IRCv3 modules are loaded so that CAP
negotiation has something to negotiate (server-time, message-tags, msgid,
echo-message, multi-prefix, …). TLS is offered on a second port with a
self-signed certificate made per server.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from .lifetime import die_with_parent, terminate
from .prosody import free_port, port_open

_RUNNING: set["IRCServer"] = set()

MODULES = [
    "cap", "ircv3", "ircv3_servertime", "ircv3_msgid", "ircv3_ctctags", "ircv3_echomessage", "ircv3_batch",
    "ircv3_labeledresponse", "ircv3_chghost", "ircv3_accounttag", "ircv3_capnotify", "namesx", "uhnames",
    "samode", "cgiirc",
]


class IRCServerError(RuntimeError):
    pass


class IRCServer:
    host = "127.0.0.1"
    name = "irc.test"

    def __init__(self, directory: str | Path | None = None, tls: bool = False, binary: str | None = None):
        self.ident = False  # when True (set before start), the server asks every client's identd
        self.services_port: int | None = None  # set by `Services` before start: a link port for them
        self.lookups = False  # when True, host lookups (and their "*** Looking up…" notices) are on
        self.motd: str | None = None  # the message of the day, when set before start
        self.left_out: set[str] = set()  # MODULES not to load (set before start), to test without them
        self.dir = Path(directory or tempfile.mkdtemp(prefix="ircd-test-")).resolve()
        self.dir.mkdir(parents=True, exist_ok=True)
        self.binary = binary or os.environ.get("INSPIRCD_BIN", "inspircd")
        self.port = free_port(self.host)
        self.tls = tls
        self.tls_port = free_port(self.host) if tls else None
        self.config_path = self.dir / "inspircd.conf"
        self.log_path = self.dir / "ircd.log"
        self.cert_path = self.dir / "cert.pem"
        self.key_path = self.dir / "key.pem"
        self.process: subprocess.Popen | None = None

    def config_text(self) -> str:
        lines = [
            f'<server name="{self.name}" description="Trestle test server" network="TrestleTest">',
            '<admin name="Test" nick="test" email="test@localhost">',
            f'<bind address="{self.host}" port="{self.port}" type="clients">',
            f'<pid file="{self.dir / "inspircd.pid"}">',
            # Anyone may connect (the server listens on loopback only; WEBIRC
            # puppets arrive with addresses of their own), with no flood
            # limits, no clone limits and no DNS or ident lookups to wait for.
            '<connect name="loopback" allow="*" timeout="60" pingfreq="120" hardsendq="10485760"'
            ' softsendq="10485760" recvq="10485760" threshold="1000000" commandrate="1000000000" fakelag="no"'
            ' localmax="100000" globalmax="100000" limit="100000" maxchans="1000"'
            f' useident="{"yes" if self.ident else "no"}" resolvehostnames="{"yes" if self.lookups else "no"}">',
            '<dns timeout="1">',
            '<ident timeout="5">',  # InspIRCd's default; 2 s flaked on a loaded machine
            '<security hidesplits="no" runasuser="" runasgroup="">',
            '<limits maxnick="30" maxchan="64" maxmodes="20" maxident="12" maxreal="128" maxkick="255"'
            ' maxtopic="307" maxaway="200">',
            '<performance softlimit="100000" clonesonconnect="no" quietbursts="yes"'
            f' nouserdns="{"no" if self.lookups else "yes"}">',
            f'<log method="file" type="* -USERINPUT -USEROUTPUT" level="default" target="{self.log_path}">',
            # The oper used by tests to kill connections (and to K-line).
            '<class name="All" commands="*" privs="*" usermodes="*" chanmodes="*">',
            '<type name="Admin" classes="All">',
            '<oper name="admin" password="adminpw" host="*@*" type="Admin">',
        ]
        lines += [f'<module name="{name}">' for name in MODULES + (["ident"] if self.ident else []) if name not in self.left_out]
        if self.motd is not None:
            (self.dir / "motd.txt").write_text(self.motd + "\n")
            lines.append(f'<files motd="{self.dir / "motd.txt"}">')
        # Trestle's puppets may say who they are for (WEBIRC) with this password.
        lines.append('<cgihost type="webirc" password="webpass" hash="plaintext" mask="127.0.0.0/8">')
        if self.services_port:
            # Services (Atheme) link here; they handle SASL and accounts.
            lines += [
                '<module name="spanningtree">', '<module name="services_account">', '<module name="sasl">',
                f'<bind address="{self.host}" port="{self.services_port}" type="servers">',
                f'<link name="services.test" ipaddr="{self.host}" port="{self.services_port}" allowmask="127.0.0.0/8"'
                ' sendpass="linkpass" recvpass="linkpass">',
                '<uline server="services.test" silent="yes">',
                '<sasl target="services.test">',
            ]
        if self.tls:
            lines += [
                '<module name="ssl_gnutls">',
                f'<bind address="{self.host}" port="{self.tls_port}" type="clients" ssl="test">',
                f'<sslprofile name="test" provider="gnutls" certfile="{self.cert_path}" keyfile="{self.key_path}"'
                ' hash="sha256" requestclientcert="no">',
            ]
        return "\n".join(lines) + "\n"

    def make_certificate(self) -> None:
        """A self-signed certificate for localhost and 127.0.0.1 (the CA file tests trust)."""
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-keyout", str(self.key_path), "-out", str(self.cert_path), "-subj", "/CN=localhost",
             "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
            check=True, capture_output=True)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        parts = []
        for path in (self.log_path, self.dir / "console.log"):
            if path.exists():
                parts.append(f"--- {path.name} ---\n" + "\n".join(path.read_text(errors="replace").splitlines()[-lines:]))
        return "\n".join(parts) or "(no log written)"

    def start(self, timeout: float = 20.0) -> "IRCServer":
        if self.running:
            return self
        if self.tls and not self.cert_path.exists():
            self.make_certificate()
        self.config_path.write_text(self.config_text())
        console = open(self.dir / "console.log", "ab")
        try:
            self.process = subprocess.Popen(
                [self.binary, "--nofork", "--runasroot", f"--config={self.config_path}"],
                cwd=self.dir, stdin=subprocess.DEVNULL, stdout=console, stderr=subprocess.STDOUT,
                start_new_session=True, preexec_fn=die_with_parent)
        finally:
            console.close()
        _RUNNING.add(self)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise IRCServerError(f"inspircd exited with {self.process.returncode} while starting\n" + self.log_tail())
            if port_open(self.host, self.port) and (not self.tls or port_open(self.host, self.tls_port)):
                return self
            time.sleep(0.05)
        self.stop()
        raise IRCServerError(f"inspircd did not open port {self.port} within {timeout:.0f} s\n" + self.log_tail())

    def stop(self, timeout: float = 10.0) -> None:
        process, self.process = self.process, None
        _RUNNING.discard(self)
        terminate(process, timeout)

    def restart(self, pause: float = 0.0) -> None:
        self.stop()
        if pause:
            time.sleep(pause)
        self.start()

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
