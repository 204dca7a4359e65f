"""Fixtures for the client's tests.

- ``browser`` / ``page``: from ``tests/conftest.py`` (Debian's Chromium, one per module).
- ``embed_pages``: a host page and a fake notebook page (the protocol peer) on two 127.0.0.1
  ports, i.e. two origins; yields ``(host_url, child_url)``.
- ``make_hub`` / ``hub``: the real JupyterHub of ``tests/hub/conftest.py`` (loaded from there,
  not copied; pytest shows a conftest's fixtures only to its own folder).
- ``client`` / ``aclient``: ``NBLaunchClient`` / ``AsyncNBLaunchClient`` on ``hub`` with the
  host token and ticket secret that hub was configured with.
- ``running``: ``running(user) -> path`` launches the ``stats`` template for ``user`` through
  the service (plain HTTP, no browser), so the user's server runs; returns the copy's path.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import _harness.hub as _harness_hub
import pytest

from nblaunch.client import STATIC_DIR, AsyncNBLaunchClient, NBLaunchClient

from .pages import serve

HERE = Path(__file__).parent


# The Hub harness plugin's fixtures (make_hub, hub) are visible here; its constants:
hubfix = _harness_hub


@pytest.fixture(scope="session")
def embed_pages() -> Iterator[tuple[str, str]]:
    script = (STATIC_DIR / "nblaunch-embed.js").read_bytes()
    host_routes = {
        "/host.html": ("text/html", (HERE / "fakehost.html").read_bytes()),
        "/static/nblaunch-embed.js": ("text/javascript", script),
    }
    child_routes = {"/child.html": ("text/html", (HERE / "fakechild.html").read_bytes())}
    with serve(host_routes) as host, serve(child_routes) as child:
        yield host, child


@pytest.fixture
def client(hub: Any) -> Iterator[NBLaunchClient]:
    with NBLaunchClient(hub.url, hubfix.HOST_TOKEN, hubfix.SECRET) as found:
        yield found


@pytest.fixture
async def aclient(hub: Any) -> AsyncIterator[AsyncNBLaunchClient]:
    async with AsyncNBLaunchClient(hub.url, hubfix.HOST_TOKEN, hubfix.SECRET) as found:
        yield found


def launch(hub: Any, client: NBLaunchClient, user: str, **values: Any) -> str:
    """Follow ``client.launch_url`` over plain HTTP; return the path of the opened copy."""
    with hub.client() as browserish:
        response = hub.launch(browserish, client.launch_url(user, "stats", values or {"n": 2}))
    assert response.is_redirect, (response.status_code, response.text[:500])
    location = urlparse(response.headers["location"]).path
    return unquote(location.split("/doc/tree/", 1)[1])


@pytest.fixture
def running(hub: Any, client: NBLaunchClient) -> Callable[..., str]:
    return lambda user, **values: launch(hub, client, user, **values)
