"""Fixtures for the client's tests.

- ``browser`` / ``page``: Debian's headless Chromium through Playwright (never a downloaded
  browser), per module; same launch flags as ``tests/browser/conftest.py``.
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

import asyncio
import gc
import importlib.util
import os
import shutil
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import pytest

from nblaunch.client import STATIC_DIR, AsyncNBLaunchClient, NBLaunchClient

from .pages import serve

HERE = Path(__file__).parent


def _load_hub_fixtures() -> Any:
    path = HERE.parent / "hub" / "conftest.py"
    spec = importlib.util.spec_from_file_location("nblaunch_tests_hub_fixtures", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


hubfix = _load_hub_fixtures()
make_hub = hubfix.make_hub
hub = hubfix.hub

CHROMIUM = os.environ.get("NBLAUNCH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _live_playwright() -> Any:
    """A sync Playwright that another folder's fixture already holds open, or ``None``.

    Playwright's sync API allows one instance per thread, and ``tests/browser`` and
    ``tests/hub`` each keep their own open for a session or module: starting a second one fails
    ("Sync API inside the asyncio loop"). Until one shared ``browser`` fixture lives in
    ``tests/conftest.py``, borrow the open instance and launch our own browser from it.
    """
    loop = asyncio._get_running_loop()
    if loop is None:
        return None
    from playwright.sync_api import Playwright

    for obj in gc.get_objects():
        if isinstance(obj, Playwright) and obj._loop is loop:
            return obj
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    # Module scope: an open sync Playwright leaves its event loop marked running in this
    # thread, which breaks every asyncio test that runs after it.
    sync_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (make chromium)")
    live = _live_playwright()
    if live is not None:
        chromium = live.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
        return
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context()  # type: ignore[attr-defined]
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


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
