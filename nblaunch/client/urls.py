"""Browser URLs for a host page: ticket login, then the service's launch flow or a notebook.

Pure functions, no I/O: both clients call them. The ticket rides in ``login_token`` (the Hub's
request log scrubs parameter names containing ``token``) and ``next`` is a path on the Hub,
percent-encoded once, so the Hub's ``_validate_next_url`` keeps it.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from ..core.copies import notebook_url
from ..core.errors import ControlValueError
from ..core.links import build_query
from ..core.query import SERVER_NAME
from ..core.signing import LinkSigner
from ..core.tickets import make_ticket


def normalize_base(url: str) -> str:
    """The Hub's base URL with exactly one trailing slash.

    >>> normalize_base("http://127.0.0.1:8000/jhub")
    'http://127.0.0.1:8000/jhub/'
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"hub_url must be an http(s) URL (https://hub.example.org/), not {url!r}")
    return url.rstrip("/") + "/"


def base_path(hub_url: str) -> str:
    """The path part of the Hub's base URL, where ``next`` starts (``/`` or ``/jhub/``).

    >>> base_path("http://127.0.0.1:8000/jhub/")
    '/jhub/'
    """
    return urlsplit(normalize_base(hub_url)).path


def login_url(hub_url: str, username: str, secret: str | bytes, next_path: str, ttl: int) -> str:
    """``{hub}hub/login?login_token=<fresh ticket>&next=<next_path, encoded>``.

    >>> login_url("http://h/", "ann", "k", "/hub/home", 30).split("&")[1]
    'next=%2Fhub%2Fhome'
    """
    if not next_path.startswith("/") or next_path.startswith("//"):
        raise ValueError(f"next must be a path on the Hub, not {next_path!r}")
    ticket = make_ticket(username, secret, ttl)
    return (
        f"{normalize_base(hub_url)}hub/login?login_token={quote(ticket, safe='')}"
        f"&next={quote(next_path, safe='')}"
    )


def launch_path(
    hub_url: str,
    service_prefix: str,
    template: str,
    values: dict[str, object],
    *,
    ui: str,
    server: str | None,
    autorun: bool,
    sign_with: LinkSigner | None = None,
) -> str:
    """The path (with query) of the service's ``open`` URL for a template.

    ``sign_with`` signs it (``nblaunch.core.signing``: the same canonical form as everywhere).

    >>> launch_path("http://h/jhub/", "services/nblaunch/", "stats", {"n": 2}, ui="doc",
    ...             server=None, autorun=True)
    '/jhub/services/nblaunch/open/stats?n=2&ui=doc&autorun=1'
    """
    query = build_query(values, autorun=autorun, ui=ui, server=_checked_server(server))
    if sign_with is not None:
        query = sign_with.sign(query, template, door="hub")
    path = f"{base_path(hub_url)}{service_prefix}open/{quote(template, safe='')}"
    return f"{path}?{query}" if query else path


def open_path(hub_url: str, username: str, path: str, *, ui: str, server: str | None) -> str:
    """The Hub path that opens an existing notebook in the user's default or named server.

    The default server goes through ``/hub/user-redirect/`` (which starts a stopped server);
    a named server is addressed directly, ``/user/<name>/<server>/``.

    >>> open_path("http://h/", "ann", "nblaunch/a b.ipynb", ui="doc", server=None)
    '/hub/user-redirect/doc/tree/nblaunch/a%20b.ipynb'
    >>> open_path("http://h/", "ann", "a.ipynb", ui="lab", server="gpu")
    '/user/ann/gpu/lab/tree/a.ipynb'
    """
    target = notebook_url(ui, path)
    if server is None:
        return f"{base_path(hub_url)}hub/user-redirect/{target}"
    name = quote(username, safe="")
    return f"{base_path(hub_url)}user/{name}/{_checked_server(server)}/{target}"


def _checked_server(server: str | None) -> str | None:
    if server is not None and not SERVER_NAME.fullmatch(server):
        raise ControlValueError(
            f"server={server!r} is not a valid server name: use 1-30 lowercase letters, digits "
            "and single hyphens, starting with a letter."
        )
    return server
