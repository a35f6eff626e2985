"""A Matrix user as a client program is one: plain client-server API calls
with an access token, and a /sync loop that keeps every room event it
sees, for tests to wait on."""

from __future__ import annotations

import time
import urllib.parse
import uuid

from .synapse import request


def quote(text: str) -> str:
    return urllib.parse.quote(text, safe="")


class MatrixUser:
    def __init__(self, homeserver: str, user_id: str, token: str):
        self.homeserver = homeserver
        self.user_id = user_id
        self.token = token
        self.since: str | None = None
        self.events: list[dict] = []
        self.typing: dict[str, list[str]] = {}

    def call(self, method: str, path: str, body: dict | None = None, expect: int | None = 200) -> dict:
        status, answer = request(method, self.homeserver + path, body, token=self.token)
        if expect is not None and status != expect:
            raise AssertionError(f"{method} {path} -> {status} {answer}")
        return answer

    def create_room(self, name: str = "bridged", public: bool = True, invite: list[str] | None = None,
                    power: dict[str, int] | None = None, direct: bool = False) -> str:
        body = {"name": name, "preset": "public_chat" if public else "private_chat", "invite": invite or [],
                "is_direct": direct}
        if power:
            body["power_level_content_override"] = {"users": power}
        return self.call("POST", "/_matrix/client/v3/createRoom", body)["room_id"]

    def join(self, room: str) -> str:
        return self.call("POST", f"/_matrix/client/v3/join/{quote(room)}", {})["room_id"]

    def send(self, room: str, content: dict, type: str = "m.room.message") -> str:
        path = f"/_matrix/client/v3/rooms/{quote(room)}/send/{type}/{uuid.uuid4().hex}"
        return self.call("PUT", path, content)["event_id"]

    def say(self, room: str, text: str, **extra) -> str:
        return self.send(room, {"msgtype": "m.text", "body": text, **extra})

    def redact(self, room: str, event_id: str) -> str:
        path = f"/_matrix/client/v3/rooms/{quote(room)}/redact/{quote(event_id)}/{uuid.uuid4().hex}"
        return self.call("PUT", path, {})["event_id"]

    def state(self, room: str, type: str, key: str = "") -> tuple[int, dict]:
        return request("GET", f"{self.homeserver}/_matrix/client/v3/rooms/{quote(room)}/state/{type}/{quote(key)}",
                       token=self.token)

    def sync(self, timeout_ms: int = 1000) -> None:
        params = {"timeout": str(timeout_ms)}
        if self.since:
            params["since"] = self.since
        answer = self.call("GET", "/_matrix/client/v3/sync?" + urllib.parse.urlencode(params))
        self.since = answer["next_batch"]
        for room_id, room in answer.get("rooms", {}).get("join", {}).items():
            for event in room.get("timeline", {}).get("events", []):
                event["room_id"] = room_id
                self.events.append(event)
            for event in room.get("ephemeral", {}).get("events", []):
                if event.get("type") == "m.typing":
                    self.typing[room_id] = list(event.get("content", {}).get("user_ids", []))

    def wait_for_typing(self, room: str, predicate, timeout: float = 15.0, what: str = "typing") -> list[str]:
        """Sync until who types in `room` (the last m.typing seen) matches `predicate`."""
        deadline = time.monotonic() + timeout
        while True:
            users = self.typing.get(room, [])
            if predicate(users):
                return users
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.user_id}: no {what} within {timeout} s; typing: {users}")
            self.sync(timeout_ms=500)

    def wait_for(self, predicate, timeout: float = 15.0, what: str = "event") -> dict:
        """Sync until an event matching `predicate` has been seen (blocking)."""
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events:
                if predicate(event):
                    return event
            if time.monotonic() > deadline:
                got = "\n".join(str(e)[:300] for e in self.events[-10:])
                raise TimeoutError(f"{self.user_id}: no {what} within {timeout} s; last events:\n{got}")
            self.sync(timeout_ms=500)


def message_from(sender: str, body: str):
    """Predicate: an m.room.message from `sender` with `body`."""
    return lambda e: e.get("type") == "m.room.message" and e.get("sender") == sender \
        and e.get("content", {}).get("body") == body
