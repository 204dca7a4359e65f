"""An in-process stand-in for ``NBLaunchClient``, for the web application's own tests ONLY.

TO BE REPLACED: every test that uses it is marked ``fakehub``; the real end-to-end tests (a real
JupyterHub with the nblaunch service, the real client, a browser) live in ``tests/browser`` and
supersede them. It implements just the calls the application makes, with the same names and the
behaviour issue 4 specifies: single-use ticket URLs, ``fetch`` with a content hash that ignores the
``trusted`` flags, ``put`` refusing a stale ``expect_hash`` with a conflict error.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from nblaunch.webapp.hub import NBLaunchClientError


class FakeConflictError(NBLaunchClientError):
    """The file changed since ``expect_hash``."""


class FakeServerNotRunningError(NBLaunchClientError):
    """The user's server is stopped."""


class FakeHubUnreachableError(NBLaunchClientError):
    """The Hub does not answer."""


class FakeNotFoundError(NBLaunchClientError):
    """No such file in the user's server."""


def content_hash(content: dict[str, Any]) -> str:
    """sha256 of the notebook JSON without the ``trusted`` flags the server adds."""
    clean = json.loads(json.dumps(content))
    for cell in clean.get("cells", []):
        cell.get("metadata", {}).pop("trusted", None)
    return hashlib.sha256(json.dumps(clean, sort_keys=True).encode()).hexdigest()


@dataclass
class Fetched:
    content: dict[str, Any]
    last_modified: str
    hash: str


@dataclass
class FakeHub:
    """Users' files in memory; flip ``reachable`` or ``running`` to simulate failures."""

    hub_url: str = "http://127.0.0.1:8000"
    files: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    reachable: bool = True
    running: bool = True
    calls: list[tuple[str, Any]] = field(default_factory=list)

    def _check(self) -> None:
        if not self.reachable:
            raise FakeHubUnreachableError("Cannot connect to the Hub.")
        if not self.running:
            raise FakeServerNotRunningError("The user's server is not running.")

    def launch_url(
        self,
        username: str,
        template: str,
        values: dict[str, Any],
        *,
        ui: str = "doc",
        autorun: bool = False,
    ) -> str:
        if not self.reachable:
            raise FakeHubUnreachableError("Cannot connect to the Hub.")
        self.calls.append(("launch_url", (username, template, values, ui, autorun)))
        query = urlencode({**values, "ui": ui, **({"autorun": 1} if autorun else {})})
        nxt = f"/services/nblaunch/open/{quote(template)}?{query}"
        return self._ticket_url(username, nxt)

    def open_url(self, username: str, path: str) -> str:
        if not self.reachable:
            raise FakeHubUnreachableError("Cannot connect to the Hub.")
        self.calls.append(("open_url", (username, path)))
        return self._ticket_url(username, f"/hub/user-redirect/doc/tree/{quote(path)}")

    def _ticket_url(self, username: str, nxt: str) -> str:
        ticket = f"{username}.{secrets.token_urlsafe(8)}"
        return f"{self.hub_url}/hub/login?{urlencode({'login_token': ticket, 'next': nxt})}"

    def templates(self) -> list[dict[str, Any]]:
        if not self.reachable:
            raise FakeHubUnreachableError("Cannot connect to the Hub.")
        return []

    def fetch(self, username: str, path: str) -> Fetched:
        self._check()
        self.calls.append(("fetch", (username, path)))
        content = self.files.get((username, path))
        if content is None:
            raise FakeNotFoundError(f"No file {path}.")
        return Fetched(content, "2026-01-01T00:00:00Z", content_hash(content))

    def put(
        self, username: str, path: str, content: dict[str, Any], *, expect_hash: str | None = None
    ) -> Fetched:
        self._check()
        self.calls.append(("put", (username, path, expect_hash)))
        current = self.files.get((username, path))
        if expect_hash is not None and current is not None and content_hash(current) != expect_hash:
            raise FakeConflictError(f"{path} changed since it was saved.")
        self.files[(username, path)] = json.loads(json.dumps(content))
        return self.fetch(username, path)
