"""What the sync and async clients share: configuration and the browser URLs (no I/O)."""

from __future__ import annotations

from typing import Any

import httpx

from ..core.origins import origin_of
from ..core.signing import LinkSigner
from . import _api, urls


class BaseClient:
    """Configuration, ``launch_url`` and ``open_url``; subclasses add the HTTP calls.

    >>> BaseClient("http://127.0.0.1:8000/jhub", "host-token", "k").hub_url
    'http://127.0.0.1:8000/jhub/'
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
        sign_with: LinkSigner | None = None,
    ) -> None:
        if not ticket_secret:
            raise ValueError("ticket_secret is empty: use the secret configured on the Hub.")
        self.api = _api.Api(hub_url, api_token, service_prefix=service_prefix, timeout=timeout)
        self._secret = ticket_secret
        self._ttl = ticket_ttl
        self.sign_with = sign_with

    @property
    def hub_url(self) -> str:
        """The Hub's base URL, with its path prefix and one trailing slash."""
        return self.api.hub_url

    @property
    def hub_origin(self) -> str:
        """The Hub's origin (``scheme://host:port``), the ``origin`` for ``nblaunch-embed.js``.

        With per-user subdomains (``subdomain_host``) the notebook's origin is the user's
        subdomain instead: pass that one to the script.

        Written as browsers report ``event.origin`` (``nblaunch.core.origins``): a default port
        dropped, the host lower-cased, an IDN host in punycode, so the script's origin check
        matches the plugin's messages.

        >>> BaseClient("http://127.0.0.1:8000/jhub/", "host-token", "k").hub_origin
        'http://127.0.0.1:8000'
        >>> BaseClient("https://Hub.Example.org:443/", "host-token", "k").hub_origin
        'https://hub.example.org'
        """
        return origin_of(self.api.hub_url)

    def __repr__(self) -> str:  # never show the token or the secret
        return f"{type(self).__name__}({self.api.hub_url!r})"

    def launch_url(
        self,
        username: str,
        template: str,
        values: dict[str, Any],
        *,
        ui: str = "doc",
        server: str | None = None,
        autorun: bool = False,
    ) -> str:
        """A one-use URL that logs ``username`` in and opens a parameterized copy of ``template``.

        Use it as an iframe's ``src`` or a link's ``href``. It holds a fresh ticket that expires
        in ``ticket_ttl`` seconds and is accepted once: mint it when the page is rendered.
        With ``sign_with`` (a ``LinkSigner``) the launch is a signed link (``exp=``, ``sig=``).
        ``username`` is the Hub user name as is (lower case): ``UserNameError``, a
        ``ValueError``, otherwise. A browser logged in to the Hub as someone else is asked
        before it switches.

        >>> c = BaseClient("http://127.0.0.1:8000/", "host-token", "k")
        >>> c.launch_url("ann", "stats", {"n": 2}, autorun=True)  # doctest: +ELLIPSIS
        'http://127.0.0.1:8000/hub/login?login_token=...&next=%2Fservices%2Fnblaunch%2Fopen%2Fstats%3Fn%3D2%26ui%3Ddoc%26autorun%3D1'
        """
        nxt = urls.launch_path(
            self.api.hub_url,
            self.api.service_prefix,
            template,
            values,
            ui=ui,
            server=server,
            autorun=autorun,
            sign_with=self.sign_with,
        )
        return urls.login_url(self.api.hub_url, username, self._secret, nxt, self._ttl)

    def open_url(
        self, username: str, path: str, *, ui: str = "doc", server: str | None = None
    ) -> str:
        """A one-use URL that logs ``username`` in and opens the existing notebook ``path``.

        The default server is reached through ``/hub/user-redirect/`` (which starts it when it
        is stopped); a named server through ``/user/<name>/<server>/``.

        >>> c = BaseClient("http://127.0.0.1:8000/", "host-token", "k")
        >>> c.open_url("ann", "nblaunch/a.ipynb")  # doctest: +ELLIPSIS
        'http://127.0.0.1:8000/hub/login?login_token=...&next=%2Fhub%2Fuser-redirect%2Fdoc%2Ftree%2Fnblaunch%2Fa.ipynb'
        """
        nxt = urls.open_path(self.api.hub_url, username, path, ui=ui, server=server)
        return urls.login_url(self.api.hub_url, username, self._secret, nxt, self._ttl)
