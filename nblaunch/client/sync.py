"""``NBLaunchClient``: the blocking client, on ``httpx.Client``.

Requests, URLs and parsing come from ``_api``, ``urls`` and ``_base``; this module only sends.
"""

from __future__ import annotations

from typing import Any

import httpx

from ..core.signing import LinkSigner
from . import _api
from ._base import BaseClient
from .models import Notebook, Template


class NBLaunchClient(BaseClient):
    """Talk to the nblaunch service of a JupyterHub on behalf of a host application.

    ``api_token`` is the host's Hub token (scope ``custom:nblaunch:contents``); it is only ever
    sent in a header. ``ticket_secret`` is the secret shared with the Hub's
    ``TicketAuthenticator``; it signs the login tickets in browser URLs.

    >>> with NBLaunchClient("http://127.0.0.1:8000/", "host-token", "secret") as client:
    ...     client.launch_url("ann", "image-stats", {"image_id": 7}).split("?")[0]
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
        http: httpx.Client | None = None,
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
        self._http = http if http is not None else httpx.Client()

    def __enter__(self) -> NBLaunchClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool (only if this client created it)."""
        if self._own_http:
            self._http.close()

    def _send(self, request: httpx.Request) -> httpx.Response:
        try:
            return self._http.send(request)
        except httpx.TransportError as err:
            raise _api.unreachable(request, err) from err

    def _call(self, request: httpx.Request) -> Any:
        return _api.check(self._send(request))

    def templates(self) -> list[Template]:
        """The service's catalog, each template with its parameter schemas.

        >>> [t.name for t in client.templates()]  # doctest: +SKIP
        ['image-stats', 'item-explorer', 'table-summary']
        """
        return _api.parse_templates(self._call(self.api.templates_request()))

    def prestart(self, username: str, *, server: str | None = None) -> str:
        """Start the user's server now, so a launch a moment later finds it ready.

        Call it when a page that offers a notebook loads: the spawn overlaps the person's
        reading. Writes no file; a server started and never used is stopped by the Hub's idle
        culling. ``"ready"`` or ``"starting"``; the user must have logged in to the Hub once.

        >>> client.prestart("ann")  # doctest: +SKIP
        'starting'
        """
        request = self.api.prestart_request(username, server=server)
        return _api.parse_prestart(self._call(request))

    def fetch(self, username: str, path: str, *, server: str | None = None) -> Notebook:
        """Read a notebook from the user's running server (``trusted`` flags removed).

        ``server`` names a named server; the default server otherwise.

        >>> client.fetch("ann", "nblaunch/a.ipynb").hash  # doctest: +SKIP
        '9f2c...'
        """
        request = self.api.contents_request(username, path, server=server)
        return _api.parse_notebook(self._call(request), path)

    def put(
        self,
        username: str,
        path: str,
        content: dict[str, Any],
        *,
        expect_hash: str | None = None,
        server: str | None = None,
    ) -> Notebook:
        """Write a notebook into the user's server; with ``expect_hash``, only if unchanged.

        Raises ``ConflictError``, writing nothing, when the file's hash is not ``expect_hash``
        (or another save of the same notebook is under way). Of several puts with the same
        ``expect_hash`` exactly one is written. The answer is what the server stored (read back
        by the service while no other save could interleave) with its hash: pass that hash as
        the next ``expect_hash``, and store that content as the saved version.

        >>> client.put("ann", "a.ipynb", saved.content, expect_hash=saved.hash)  # doctest: +SKIP
        Notebook(path='a.ipynb', ...)
        """
        body = _api.put_body(content, expect_hash)
        request = self.api.contents_request(username, path, body, server=server)
        return _api.parse_saved(self._send(request), path)
