"""The host application's side of nblaunch: URLs for browsers, notebooks in and out of the Hub.

``NBLaunchClient`` (blocking) and ``AsyncNBLaunchClient`` (asyncio) talk to the nblaunch service
on a JupyterHub with one host token; ``make_ticket`` signs login tickets for hosts that build
URLs themselves. ``static/nblaunch-embed.js`` is the host page's half (see docs/embedding.md).

    >>> from nblaunch.client import NBLaunchClient
    >>> client = NBLaunchClient("https://hub.example.org/", "host-token", "ticket-secret")
    >>> client.open_url("ann", "analysis.ipynb").startswith("https://hub.example.org/hub/login?")
    True
"""

from __future__ import annotations

from pathlib import Path

from ..core.tickets import make_ticket
from .aio import AsyncNBLaunchClient
from .errors import (
    APIError,
    AuthError,
    ConflictError,
    HubUnreachableError,
    NBLaunchClientError,
    NotebookNotFoundError,
    ServerNotRunningError,
    UserNotFoundError,
)
from .models import Notebook, Template
from .sync import NBLaunchClient

#: The folder holding ``nblaunch-embed.js``, for hosts that serve it themselves.
STATIC_DIR = Path(__file__).parent / "static"

__all__ = [
    "STATIC_DIR",
    "APIError",
    "AsyncNBLaunchClient",
    "AuthError",
    "ConflictError",
    "HubUnreachableError",
    "NBLaunchClient",
    "NBLaunchClientError",
    "Notebook",
    "NotebookNotFoundError",
    "ServerNotRunningError",
    "Template",
    "UserNotFoundError",
    "make_ticket",
]
