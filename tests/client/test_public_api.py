"""The client's public names are pinned, and the sync and async clients offer the same calls."""

from __future__ import annotations

import inspect

import nblaunch.client as client_module
from nblaunch.client import AsyncNBLaunchClient, NBLaunchClient

PUBLIC = [
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
CALLS = ["templates", "launch_url", "open_url", "fetch", "put"]


def test_all_is_pinned() -> None:
    assert client_module.__all__ == PUBLIC
    for name in PUBLIC:
        assert hasattr(client_module, name), name


def test_the_embed_script_ships_in_the_package() -> None:
    script = client_module.STATIC_DIR / "nblaunch-embed.js"
    assert "export function embed" in script.read_text()


def test_sync_and_async_have_the_same_calls() -> None:
    for name in CALLS:
        sync = inspect.signature(getattr(NBLaunchClient, name))
        asynchronous = inspect.signature(getattr(AsyncNBLaunchClient, name))
        assert sync == asynchronous, name
    for name in ("templates", "fetch", "put"):
        assert inspect.iscoroutinefunction(getattr(AsyncNBLaunchClient, name)), name
        assert not inspect.iscoroutinefunction(getattr(NBLaunchClient, name)), name
    # URLs need no I/O: plain methods on both, from one shared implementation.
    assert AsyncNBLaunchClient.launch_url is NBLaunchClient.launch_url
    assert AsyncNBLaunchClient.open_url is NBLaunchClient.open_url


def test_every_public_call_documents_an_example() -> None:
    for cls in (NBLaunchClient, AsyncNBLaunchClient):
        for name in CALLS:
            assert ">>>" in (getattr(cls, name).__doc__ or ""), f"{cls.__name__}.{name}"
