"""A test Prosody with MUC components, quiet logs and many accounts.

Extends the integration tests' `ProsodyServer` (by subclassing: the tests'
server stays as it is) with what the MUC benchmark needs:

- MUC components (`Component "conference.localhost" "muc"`), each with its
  own extra modules, e.g. `muc_mam` for an archived variant;
- a log level other than debug (a debug log line per stanza would be part
  of what is measured);
(`register_many`, for hundreds of accounts, is the base class's.)
"""

from __future__ import annotations

import re

from support.prosody import ProsodyServer


def _lua(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class MUCProsody(ProsodyServer):
    """`ProsodyServer` plus MUC components.

    `mucs` maps each MUC domain to the modules enabled on it besides `muc`
    itself (`{"conference.localhost": [], "archive.localhost": ["muc_mam"]}`).
    Rooms are unlocked at creation (a burst of joiners must not wait for an
    owner to configure the room), every room of a `muc_mam` component is
    archived, and the archive keeps up to `archive_limit` messages per room.
    """

    def __init__(self, mucs: dict[str, list[str]], log_level: str = "warn",
                 archive_limit: int = 1_000_000, **kwargs):
        # Set before super().__init__, which writes the config.
        self.mucs = {domain: list(modules) for domain, modules in mucs.items()}
        self.log_level = log_level
        self.archive_limit = archive_limit
        super().__init__(**kwargs)

    def config_text(self) -> str:
        text, count = re.subn(r"^log = \{ debug = (.*) \}$",
                              lambda m: f"log = {{ {self.log_level} = {m.group(1)} }}",
                              super().config_text(), count=1, flags=re.MULTILINE)
        if count != 1:
            raise RuntimeError("ProsodyServer's log line changed; update MUCProsody.config_text")
        lines = [text.rstrip("\n"), ""]
        for domain, modules in self.mucs.items():
            lines += [
                f"Component {_lua(domain)} \"muc\"",
                "    modules_enabled = { " + ", ".join(_lua(m) for m in modules) + " }",
                "    muc_room_locking = false",
                "    restrict_room_creation = false",
                "    muc_log_all_rooms = true",
                "    muc_log_by_default = true",
                # mod_storage_internal's archive refuses (and mod_muc_mam then
                # truncates) beyond 10000 messages a room by default.
                f"    storage_archive_item_limit = {int(self.archive_limit)}",
                "",
            ]
        return "\n".join(lines) + "\n"
