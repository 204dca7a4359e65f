"""Fixtures for the client's tests.

- ``browser`` / ``page``: Debian's headless Chromium through Playwright (never a downloaded
  browser), for the unit tests of ``nblaunch-embed.js``; same launch flags as
  ``tests/browser/conftest.py``.
- ``embed_pages``: a host page and a fake notebook page (the protocol peer) on two 127.0.0.1
  ports, i.e. two origins; yields ``(host_url, child_url)``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from nblaunch.client import STATIC_DIR

from .pages import serve

HERE = Path(__file__).parent
CHROMIUM = os.environ.get("NBLAUNCH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (make chromium)")
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
