"""``AsyncNBLaunchClient``: the asyncio client, on ``httpx.AsyncClient``.

Same methods and answers as ``NBLaunchClient``; requests, URLs and parsing come from ``_api``,
``urls`` and ``_base``, only the sending is awaited.
"""

from __future__ import annotations

from typing import Any

import httpx

from ..core.signing import LinkSigner
from . import _api
from ._base import BaseClient
from .models import Notebook, Template


class AsyncNBLaunchClient(BaseClient):
    """The asyncio twin of :class:`nblaunch.client.NBLaunchClient`.

    ``launch_url`` and ``open_url`` do no I/O and stay plain methods.

    >>> client = AsyncNBLaunchClient("http://127.0.0.1:8000/", "host-token", "secret")
    >>> client.open_url("ann", "a.ipynb").split("?")[0]
    'http://127.0.0.1:8000/hub/login'
    """

    def __init__(
        self,
        hub_url: str,
        api_token: str,
        ticket_secret: str | bytes,
        *,
        service_prefix: str = "services/nblaunch/",
        timeout: float | httpx.Timeout = _api.DEFAULT_TIMEOUT,
        ticket_ttl: int = 30,
        http: httpx.AsyncClient | None = None,
        sign_with: LinkSigner | None = None,
    ) -> None:
        super().__init__(
            hub_url,
            api_token,
            ticket_secret,
            service_prefix=service_prefix,
            timeout=timeout,
            ticket_ttl=ticket_ttl,
            sign_with=sign_with,
        )
        self._own_http = http is None
        self._http = http if http is not None else httpx.AsyncClient()

    async def __aenter__(self) -> AsyncNBLaunchClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool (only if this client created it)."""
        if self._own_http:
            await self._http.aclose()

    async def _send(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self._http.send(request)
        except httpx.TransportError as err:
            raise _api.unreachable(request, err) from err

    async def _call(self, request: httpx.Request) -> Any:
        return _api.check(await self._send(request))

    async def templates(self) -> list[Template]:
        """The service's catalog (see ``NBLaunchClient.templates``).

        >>> [t.name for t in await client.templates()]  # doctest: +SKIP
        ['image-stats', 'item-explorer', 'table-summary']
        """
        return _api.parse_templates(await self._call(self.api.templates_request()))

    async def prestart(self, username: str, *, server: str | None = None) -> str:
        """Start the user's server now, so a launch a moment later finds it ready.

        Call it when a page that offers a notebook loads: the spawn overlaps the person's
        reading. Writes no file; a server started and never used is stopped by the Hub's idle
        culling. ``"ready"`` or ``"starting"``; the user must have logged in to the Hub once.

        >>> await client.prestart("ann")  # doctest: +SKIP
        'starting'
        """
        request = self.api.prestart_request(username, server=server)
        return _api.parse_prestart(await self._call(request))

    async def fetch(self, username: str, path: str, *, server: str | None = None) -> Notebook:
        """Read a notebook from the user's running server (see ``NBLaunchClient.fetch``).

        >>> (await client.fetch("ann", "a.ipynb")).hash  # doctest: +SKIP
        '9f2c...'
        """
        answer = await self._call(self.api.contents_request(username, path, server=server))
        return _api.parse_notebook(answer, path)

    async def put(
        self,
        username: str,
        path: str,
        content: dict[str, Any],
        *,
        expect_hash: str | None = None,
        server: str | None = None,
    ) -> Notebook:
        """Write a notebook, refusing with ``ConflictError`` when ``expect_hash`` is stale.

        >>> await client.put("ann", "a.ipynb", nb.content, expect_hash=nb.hash)  # doctest: +SKIP
        Notebook(path='a.ipynb', ...)
        """
        body = _api.put_body(content, expect_hash)
        request = self.api.contents_request(username, path, body, server=server)
        return _api.parse_saved(await self._send(request), path)
