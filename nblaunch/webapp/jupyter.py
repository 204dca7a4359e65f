"""Everything the application asks of JupyterHub, through ``nblaunch.client.NBLaunchClient``.

The application holds one Hub token (the nblaunch service's) and never a scope on users' servers:
launching, reading and restoring notebooks all go through the hub service. The client's typed
errors are turned into a :class:`HubProblem`, which the error pages show in words; a traceback
never reaches a browser. (Named for what it talks to; ``nblaunch.hub`` is the service itself.)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

from nblaunch.client import (
    STATIC_DIR,
    APIError,
    AuthError,
    ConflictError,
    HubUnreachableError,
    NBLaunchClient,
    NBLaunchClientError,
    NotebookNotFoundError,
    ServerNotRunningError,
    UserNotFoundError,
)
from nblaunch.client.urls import launch_path

from .settings import Settings

log = logging.getLogger(__name__)

#: ``nblaunch-embed.js``, served by this application from the installed client's folder.
EMBED_DIR = STATIC_DIR
EMBED_PATH = "/embed/"
EMBED_SCRIPT_URL = EMBED_PATH + "nblaunch-embed.js"


class FetchedNotebook(Protocol):
    """What the application reads of ``NBLaunchClient.fetch``'s ``Notebook`` (read-only)."""

    @property
    def content(self) -> dict[str, Any]: ...

    @property
    def hash(self) -> str: ...


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

    def prestart(self, username: str) -> str: ...

    def fetch(self, username: str, path: str) -> FetchedNotebook: ...

    def put(
        self, username: str, path: str, content: dict[str, Any], *, expect_hash: str | None = None
    ) -> Any: ...


def service_prefix(settings: Settings) -> str:
    """The hub service's prefix as the client writes it: no leading slash, one trailing.

    >>> service_prefix(Settings(service_prefix="/services/launch"))
    'services/launch/'
    """
    return settings.service_prefix.strip("/") + "/"


def make_client(settings: Settings) -> HubClient | None:
    """The real client when a Hub token is configured, else None (pages say "not connected").

    >>> make_client(Settings(api_token="")) is None
    True
    """
    if not settings.api_token:
        return None
    client: HubClient = NBLaunchClient(
        settings.hub_url,
        settings.api_token,
        settings.ticket_secret,
        service_prefix=service_prefix(settings),
    )
    return client


def plain_link(settings: Settings, template: str, values: dict[str, Any]) -> str:
    """The shareable "Open in Jupyter" link: where ``launch_url``'s ticket leads, without it.

    The client's ``launch_path`` builds both, so the link and the ticket's ``next`` cannot
    disagree (service prefix, Hub base path, how values are written). Anyone with a Hub account
    can use it: the Hub asks them to log in.

    >>> plain_link(Settings(hub_url="http://hub/jhub"), "image-stats", {"item_id": 2})
    'http://hub/jhub/services/nblaunch/open/image-stats?item_id=2&ui=lab&autorun=1'
    """
    path = launch_path(
        settings.hub_url, service_prefix(settings), template, values, ui="lab", server=None,
        autorun=True,
    )  # fmt: skip
    return settings.hub_origin + path


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

# The client's typed errors, most specific first (ConflictError and the others are APIErrors).
_PROBLEMS: tuple[tuple[type[NBLaunchClientError], HubProblem], ...] = (
    (ConflictError, HubProblem(
        "conflict", "The notebook changed in Jupyter",
        "The notebook in your Jupyter server was changed after the version you chose was saved. "
        "Save it first, or restore anyway to replace it.", 409)),
    (ServerNotRunningError, HubProblem(
        "server-not-running", "Your Jupyter server is not running",
        "Your Jupyter server has stopped (it may have been shut down after a period of "
        "inactivity). Open the notebook again to restart it; your saved versions are safe.", 409)),
    (HubUnreachableError, HubProblem(
        "hub-unreachable", "JupyterHub is unreachable",
        "This application cannot reach JupyterHub right now. Try again in a minute.", 503)),
    (UserNotFoundError, HubProblem(
        "user-not-found", "You have no Jupyter server yet",
        "You have not opened a notebook in Jupyter yet, so there is nothing to read or restore. "
        "Open one from an item page first.", 404)),
    (AuthError, HubProblem(
        "hub-auth", "JupyterHub refused this application",
        "JupyterHub refused this application's token. The administrator must check the "
        "token and its role (see docs/webapp.md).", 502)),
    (NotebookNotFoundError, HubProblem(
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


def describe(exc: NBLaunchClientError) -> HubProblem:
    """The user-facing explanation of a client error (the details go to the server log).

    >>> describe(HubUnreachableError("The Hub did not answer.")).code
    'hub-unreachable'
    """
    if isinstance(exc, APIError) and exc.code is None and exc.status_code == 404:
        # A 404 without the service's error body: the proxy has no route to the service yet.
        log.warning("Hub call failed (service missing): %r", exc)
        return SERVICE_MISSING
    for kind, problem in _PROBLEMS:
        if isinstance(exc, kind):
            log.warning("Hub call failed (%s): %r", problem.code, exc)
            return problem
    log.warning("Hub call failed: %r", exc)
    return GENERIC
