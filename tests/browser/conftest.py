"""Fixtures for browser tests: Debian's headless Chromium driven by Playwright (sync API).

- ``browser``: one Chromium for the session, launched from ``/usr/bin/chromium`` (Playwright's
  own browser download is never used).
- ``context``: a fresh browser context per test (no cookies or storage shared between tests).
- ``page``: a page in that context, with a 30 s default timeout.

Every test here should carry ``@pytest.mark.browser``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

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
def context(browser: object) -> Iterator[object]:
    ctx = browser.new_context()  # type: ignore[attr-defined]
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: object) -> Iterator[object]:
    tab = context.new_page()  # type: ignore[attr-defined]
    tab.set_default_timeout(30_000)
    yield tab
    tab.close()
