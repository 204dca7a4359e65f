"""An async client of the Hub's REST API and of users' Contents APIs, with the service's token.

The token goes only into the ``Authorization`` header of requests to the Hub and to users'
servers through the proxy: never into a URL, a page or a log line (``repr`` hides it too).
Every answer the flow does not expect becomes an error from ``nblaunch.hub.errors``, so a
handler can always turn it into a 4xx/5xx JSON body or page.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from ..core import ServerStartError
from .errors import (
    HubBusyError,
    HubUnavailableError,
    NotFoundError,
    ServerNotRunningError,
    UserNotFoundError,
)

#: How long a start request may take: under load the Hub sets up spawns one after another,
#: and the request now runs in the progress stream, where the page shows the wait.
START_TIMEOUT = 300.0


def _server_path(user: str, server: str) -> str:
    base = f"users/{quote(user, safe='')}/server"
    return f"{base}s/{quote(server, safe='')}" if server else base


class HubAPI:
    """The Hub at ``api_url`` and users' servers behind the proxy at ``proxy_url``.

    >>> HubAPI("http://127.0.0.1:8081/hub/api", "secret", "http://127.0.0.1:8000")
    HubAPI(api_url='http://127.0.0.1:8081/hub/api/')
    """

    def __init__(
        self,
        api_url: str,
        token: str,
        proxy_url: str,
        *,
        log: logging.Logger | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.api_url = api_url.rstrip("/") + "/"
        self.proxy_url = proxy_url.rstrip("/")
        self.log = log or logging.getLogger(__name__)
        headers = {"Authorization": f"token {token}"}
        self._client = httpx.AsyncClient(headers=headers, timeout=timeout)

    #: The Hub's version, from the ``X-JupyterHub-Version`` header of its last answer.
    hub_version = ""

    def __repr__(self) -> str:
        return f"HubAPI(api_url={self.api_url!r})"

    async def close(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()

    async def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            response = await self._client.request(method, url, **kwargs)
        except httpx.HTTPError as err:
            # The URL holds no secret (the token is a header), so it can be named.
            self.log.warning("nblaunch: %s %s failed: %s", method, url, err)
            raise HubUnavailableError(
                "The Hub or its proxy did not answer (restarting?); try again in a moment.",
                url=url,
            ) from err
        self.hub_version = response.headers.get("X-JupyterHub-Version", self.hub_version)
        return response

    async def user(self, name: str) -> dict[str, Any]:
        """The user's model (with ``servers``), or ``UserNotFoundError``."""
        response = await self._request("GET", self.api_url + f"users/{quote(name, safe='')}")
        if response.status_code == 404:
            raise UserNotFoundError(
                f"The Hub has no user {name!r}; users are created when they first log in.",
                user=name,
            )
        _expect(response, 200)
        model: dict[str, Any] = response.json()
        return model

    async def server(self, user: str, server: str = "") -> dict[str, Any] | None:
        """The server model (``ready``, ``pending``, ``url``...), or None when it is stopped."""
        servers = (await self.user(user)).get("servers") or {}
        model: dict[str, Any] | None = servers.get(server)
        return model

    async def start(
        self, user: str, server: str = "", options: dict[str, str] | None = None
    ) -> int:
        """Ask the Hub to start a server; 201 started, 202 pending, 400 already running.

        ``options`` are the spawn's ``user_options`` (a link's ``opt-*``: a z2jh profile).
        ``HubBusyError`` (with ``retry_after``) when the Hub's spawn limit says later.
        """
        url = self.api_url + _server_path(user, server)
        body = start_body(options or {}, self.hub_version)
        response = await self._request("POST", url, json=body, timeout=START_TIMEOUT)
        if response.status_code == 404:
            raise UserNotFoundError(f"The Hub has no user {user!r}.", user=user)
        if response.status_code == 429:
            raise HubBusyError(
                "The Hub is starting many servers right now; yours is queued.",
                user=user,
                retry_after=_retry_after(response),
            )
        if response.status_code == 400:
            message = _message(response)
            # Already running, pending or stopping: all handled by watching the progress.
            if any(word in message for word in ("already", "pending")):
                return 400
            raise ServerStartError(f"The Hub did not start the server: {message}", user=user)
        _expect(response, 201, 202)
        return response.status_code

    async def progress(self, user: str, server: str = "") -> AsyncIterator[dict[str, Any]]:
        """The Hub's spawn progress events, as dicts, until the stream ends.

        The Hub's keep-alives (blank lines every few seconds) come through as empty dicts.
        """
        url = self.api_url + _server_path(user, server) + "/progress"
        try:
            async with self._client.stream("GET", url, timeout=None) as response:
                if response.status_code != 200:
                    return
                in_event = False
                async for line in response.aiter_lines():
                    if line.startswith("data:"):
                        in_event = True
                        yield json.loads(line[5:])
                    elif not line:
                        if not in_event:
                            yield {}
                        in_event = False
        except (httpx.HTTPError, ValueError) as err:
            self.log.warning("nblaunch: progress stream for %s/%s ended: %s", user, server, err)

    def server_url(self, server_model: dict[str, Any], path: str) -> tuple[str, dict[str, str]]:
        """The URL of ``path`` in a user's server through the proxy, and the headers to send.

        With per-user subdomains the model's ``url`` is a full URL on the user's own host: the
        request still goes to the proxy, with that host in ``Host`` so the proxy routes it.

        >>> api = HubAPI("http://hub:8081/hub/api", "t", "http://proxy:8000")
        >>> api.server_url({"url": "https://alice.hub.example.org/user/alice/"}, "api/x")
        ('http://proxy:8000/user/alice/api/x', {'Host': 'alice.hub.example.org'})
        """
        parts = urlsplit(server_model["url"])
        headers = {"Host": parts.netloc} if parts.netloc else {}
        return f"{self.proxy_url}{parts.path.rstrip('/')}/{path.lstrip('/')}", headers

    def contents_url(self, server_model: dict[str, Any], path: str) -> tuple[str, dict[str, str]]:
        """The Contents API URL of ``path`` in a user's server, and the headers to send."""
        return self.server_url(server_model, f"api/contents/{quote(path.strip('/'), safe='/')}")

    async def get_file(
        self, server_model: dict[str, Any], path: str, *, content: bool = True
    ) -> dict[str, Any]:
        """A Contents API model, or ``NotFoundError``."""
        url, headers = self.contents_url(server_model, path)
        params = {"content": "1" if content else "0"}
        response = await self._request("GET", url, params=params, headers=headers)
        if response.status_code == 404 and not _is_json(response):
            # Not the server's JSON 404 but the proxy's page: it has no route to the server yet
            # (restarted, restoring its routes). Taking it for "no such file" would fail a save
            # with a false hash-mismatch, or write a launch's copy twice.
            raise HubUnavailableError(
                "The proxy has no route to the server yet (restarting?); try again in a moment.",
                status=503,
            )
        if response.status_code == 404:
            raise NotFoundError(f"There is no file {path} in the server.", path=path)
        _expect(response, 200)
        model: dict[str, Any] = response.json()
        return model

    async def exists(self, server_model: dict[str, Any], path: str) -> bool:
        """Whether ``path`` exists in the server."""
        try:
            await self.get_file(server_model, path, content=False)
        except NotFoundError:
            return False
        return True

    async def put_file(
        self, server_model: dict[str, Any], path: str, model: dict[str, Any]
    ) -> dict[str, Any]:
        """Save a Contents API model (notebook or directory) and return the saved model."""
        url, headers = self.contents_url(server_model, path)
        response = await self._request("PUT", url, json=model, headers=headers)
        _expect(response, 200, 201)
        saved: dict[str, Any] = response.json()
        return saved

    async def ensure_dir(self, server_model: dict[str, Any], folder: str) -> None:
        """Create ``folder`` and its parents in the server if they are missing."""
        parts = [p for p in folder.split("/") if p]
        for i in range(1, len(parts) + 1):
            sub = "/".join(parts[:i])
            if not await self.exists(server_model, sub):
                await self.put_file(server_model, sub, {"type": "directory"})

    async def wait_routed(self, server_model: dict[str, Any], timeout: float = 60.0) -> None:
        """Wait until the proxy routes to a server the Hub just reported ready.

        The Hub's REST model says ``ready`` once the spawn is done, before it adds the route
        to the proxy (``finish_user_spawn``: ``_proxy_pending`` is not part of ``pending``),
        and under a crowd its busy event loop adds it many seconds later (a crowd of 20 here
        took more than 15 s): a write then reaches the Hub itself (a 302, 404 or 403) instead
        of the server. The server's ``/api`` answers its version once the route is there.
        """
        url, headers = self.server_url(server_model, "api")
        deadline = time.monotonic() + timeout
        delay = 0.05
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                response = await self._client.get(url, headers=headers)
                if response.status_code == 200 and '"version"' in response.text:
                    return
            await asyncio.sleep(delay)
            delay = min(delay * 2, 1.0)
        # Routed or not, the write that follows reports what it finds.

    async def grant(self, server_model: dict[str, Any], path: str, basis: str) -> None:
        """Ask the user's server to grant one autorun of the copy at ``path`` (its extension's
        grants API, with the service's ``access:servers``)."""
        url, headers = self.server_url(server_model, "nblaunch/api/grants")
        response = await self._request(
            "POST", url, json={"path": path, "basis": basis}, headers=headers
        )
        _expect(response, 201)


def start_body(options: dict[str, str], hub_version: str) -> dict[str, Any]:
    """The body of a server start: JupyterHub 6 wraps the user options, 5 takes them as is.

    >>> start_body({"profile": "gpu"}, "6.1.1"), start_body({"profile": "gpu"}, "5.5.0")
    ({'user_options': {'profile': 'gpu'}}, {'profile': 'gpu'})
    """
    if not options:
        return {}
    major = hub_version.split(".", 1)[0]
    if major.isdigit() and int(major) < 6:
        return dict(options)
    return {"user_options": options}


def _message(response: httpx.Response) -> str:
    try:
        return str(response.json().get("message", ""))
    except (ValueError, AttributeError):
        return response.text[:200]


def _is_json(response: httpx.Response) -> bool:
    return response.headers.get("Content-Type", "").startswith("application/json")


def _retry_after(response: httpx.Response) -> float:
    try:
        return max(1.0, min(float(response.headers.get("Retry-After", "")), 300.0))
    except ValueError:
        return 5.0


def _expect(response: httpx.Response, *codes: int) -> None:
    if response.status_code in codes:
        return
    if response.status_code in (424, 503):
        raise ServerNotRunningError(
            "The Jupyter server is not running; open a notebook link to start it.",
        )
    if response.status_code == 403:
        raise HubUnavailableError(
            "The Hub refused the service's request; check the service's role.", status=403
        )
    raise HubUnavailableError(
        f"The Hub answered {response.status_code} to {response.request.method} "
        f"{response.request.url.path}.",
        status=response.status_code,
    )
