"""Everything the application asks of JupyterHub, through ``nblaunch.client.NBLaunchClient``.

The application holds one Hub token (the nblaunch service's) and never a scope on users' servers:
launching, reading and restoring notebooks all go through the hub service. Client errors are
turned into a :class:`HubProblem`, which the error pages show in words; a traceback never
reaches a browser.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote, urlencode

from .settings import Settings

log = logging.getLogger(__name__)


class _MissingClientError(Exception):
    """Stand-in for ``NBLaunchClientError`` while ``nblaunch.client`` is not importable."""


# The client is written alongside this application; without it the pages still work. Read
# through ``Any`` so that mypy passes whether or not the client is installed.
NBLaunchClient: Any = None
NBLaunchClientError: type[Exception] = _MissingClientError
_client_module: Any = None
try:
    _client_module = importlib.import_module("nblaunch.client")
    NBLaunchClient = _client_module.NBLaunchClient
    NBLaunchClientError = _client_module.NBLaunchClientError
except (ImportError, AttributeError):  # pragma: no cover - depends on what is installed
    pass

EMBED_SCRIPT = "nblaunch-embed.js"
EMBED_PATH = "/embed/"


class FetchedNotebook(Protocol):
    """What ``NBLaunchClient.fetch`` returns."""

    content: dict[str, Any]
    last_modified: datetime | str | None
    hash: str


class HubClient(Protocol):
    """The part of ``NBLaunchClient`` this application uses; tests may pass any such object."""

    def launch_url(
        self,
        username: str,
        template: str,
        values: dict[str, Any],
        *,
        ui: str = "doc",
        autorun: bool = False,
    ) -> str: ...

    def open_url(self, username: str, path: str) -> str: ...

    def templates(self) -> list[Any]: ...

    def fetch(self, username: str, path: str) -> FetchedNotebook: ...

    def put(
        self, username: str, path: str, content: dict[str, Any], *, expect_hash: str | None = None
    ) -> Any: ...


def make_client(settings: Settings) -> HubClient | None:
    """The real client when ``nblaunch.client`` is installed and a Hub token is configured.

    >>> make_client(Settings(api_token="")) is None
    True
    """
    if NBLaunchClient is None or not settings.api_token:
        return None
    client: HubClient = NBLaunchClient(
        settings.hub_url,
        settings.api_token,
        settings.ticket_secret,
        service_prefix=settings.service_prefix.strip("/") + "/",
    )
    return client


def embed_static_dir() -> Path | None:
    """The folder holding ``nblaunch-embed.js`` in the installed client, if there is one."""
    folder = getattr(_client_module, "STATIC_DIR", None) if _client_module else None
    return Path(folder) if folder and (Path(folder) / EMBED_SCRIPT).is_file() else None


def embed_script_url(settings: Settings) -> str:
    """Where the item page loads ``nblaunch-embed.js`` from.

    From this application (``/embed/...``) when the client package is installed: a module
    script from another origin needs CORS headers, which the Hub's static files do not send.
    Otherwise from the hub service.

    >>> embed_script_url(Settings()) in ("/embed/nblaunch-embed.js",
    ...     "http://127.0.0.1:8000/services/nblaunch/static/nblaunch-embed.js")
    True
    """
    if embed_static_dir() is not None:
        return EMBED_PATH + EMBED_SCRIPT
    return settings.service_url + "static/" + EMBED_SCRIPT


def plain_link(settings: Settings, template: str, values: dict[str, Any]) -> str:
    """The shareable "Open in Jupyter" link: the hub service's ``open`` URL with ``autorun=1``.

    >>> plain_link(Settings(hub_url="http://hub"), "image-stats", {"item_id": 2})
    'http://hub/services/nblaunch/open/image-stats?item_id=2&autorun=1'
    """
    try:
        from nblaunch.core.links import build_link
    except ImportError:  # pragma: no cover - core is always shipped in a release
        query = urlencode({**{k: str(v) for k, v in values.items()}, "autorun": "1"})
        return f"{settings.service_url}open/{quote(template, safe='')}?{query}"
    base = settings.hub_url
    if settings.service_prefix.strip("/") != "services/nblaunch":
        # build_link knows only the default prefix; swap ours in.
        link = build_link(base, template, values, autorun=True)
        return link.replace("/services/nblaunch/", "/" + settings.service_prefix.strip("/") + "/")
    return build_link(base, template, values, autorun=True)


@dataclass(frozen=True)
class HubProblem:
    """A failure explained for people: a stable code, a title, what happened and what to do."""

    code: str
    title: str
    message: str
    status: int = 502

    def to_json(self) -> dict[str, str]:
        """The ``{"code", "message"}`` body of a JSON error answer."""
        return {"code": self.code, "message": self.message}


NOT_CONFIGURED = HubProblem(
    "hub-not-configured",
    "JupyterHub is not connected",
    "This application has no JupyterHub token configured, so it cannot open notebooks. "
    "Set NBLAUNCH_WEBAPP_API_TOKEN and NBLAUNCH_WEBAPP_TICKET_SECRET, or start it with "
    "`nblaunch demo`.",
    503,
)

# Matched, in order, against the client's error class names (ConflictError,
# ServerNotRunningError, HubUnreachableError, UserNotFoundError, NotebookNotFoundError, AuthError)
# and the service's ``code``; substrings, so a renamed subclass still lands on the right page.
_KINDS: tuple[tuple[tuple[str, ...], HubProblem], ...] = (
    (("conflict", "hash-mismatch"), HubProblem(
        "conflict", "The notebook changed in Jupyter",
        "The notebook in your Jupyter server was changed after the version you chose was saved. "
        "Save it first, or restore anyway to replace it.", 409)),
    (("notrunning", "not-running", "servernotrunning", "stopped"), HubProblem(
        "server-not-running", "Your Jupyter server is not running",
        "Your Jupyter server has stopped (it may have been shut down after a period of "
        "inactivity). Open the notebook again to restart it; your saved versions are safe.", 409)),
    (("serverstart", "server-failed", "spawn", "startfailed"), HubProblem(
        "server-failed", "Your Jupyter server failed to start",
        "JupyterHub could not start your server. Try again in a minute; if it keeps failing, "
        "contact the administrator.", 503)),
    (("unreachable", "connect", "timeout", "network"), HubProblem(
        "hub-unreachable", "JupyterHub is unreachable",
        "This application cannot reach JupyterHub right now. Try again in a minute.", 503)),
    (("usernotfound", "user-not-found"), HubProblem(
        "user-not-found", "You have no Jupyter server yet",
        "You have not opened a notebook in Jupyter yet, so there is nothing to read or restore. "
        "Open one from an item page first.", 404)),
    (("autherror", "forbidden", "unauthorized"), HubProblem(
        "hub-auth", "JupyterHub refused this application",
        "JupyterHub refused this application's token. The administrator must check the "
        "token and its role (see docs/webapp.md).", 502)),
    (("notfound", "not-found", "missing"), HubProblem(
        "not-found", "Notebook not found",
        "The notebook is not in your Jupyter server (it may have been renamed or deleted).", 404)),
)  # fmt: skip

SERVICE_MISSING = HubProblem(
    "service-unavailable", "The notebook service is not available",
    "JupyterHub is up, but its nblaunch service does not answer (it may still be starting). "
    "Try again in a minute.", 503,
)  # fmt: skip

GENERIC = HubProblem(
    "hub-error", "JupyterHub refused the request",
    "JupyterHub answered with an error. Try again; if it keeps happening, contact the "
    "administrator.",
)  # fmt: skip


def describe(exc: BaseException) -> HubProblem:
    """The user-facing explanation of a client error (the details go to the server log).

    >>> describe(ConnectionRefusedError()).code
    'hub-unreachable'
    """
    if getattr(exc, "status_code", None) == 404 and not getattr(exc, "code", None):
        # A 404 without the service's error body: the proxy has no route to the service yet.
        log.warning("Hub call failed (service missing): %r", exc)
        return SERVICE_MISSING
    names = [cls.__name__.lower() for cls in type(exc).__mro__]
    names.append(str(getattr(exc, "code", "")).lower())
    if isinstance(exc, ConnectionError | TimeoutError | OSError):
        names.append("unreachable")
    if _is_connect_error(exc) or _is_connect_error(exc.__cause__):
        names.append("unreachable")
    for needles, problem in _KINDS:
        if any(needle in name for name in names for needle in needles):
            log.warning("Hub call failed (%s): %r", problem.code, exc)
            return problem
    log.warning("Hub call failed: %r", exc)
    return GENERIC


def _is_connect_error(exc: BaseException | None) -> bool:
    try:
        import httpx
    except ImportError:  # pragma: no cover - httpx is a core dependency
        return False
    return isinstance(exc, httpx.TransportError)
