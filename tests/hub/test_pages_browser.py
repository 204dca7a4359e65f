"""The pages' JavaScript in Debian's Chromium: the progress page and the catalog's link builder."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from .conftest import Hub

pytestmark = [pytest.mark.integration, pytest.mark.browser]
CHROMIUM = os.environ.get("NBLAUNCH_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (make chromium)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context()
    tab = context.new_page()
    tab.set_default_timeout(90_000)
    yield tab
    context.close()


def test_progress_page_streams_then_lands_in_lab(hub: Hub, page: Any) -> None:
    seen: list[tuple[int, str]] = []
    page.on("response", lambda r: seen.append((r.status, r.url)))
    link = hub.service + "open/stats?n=4&label=browser"
    page.goto(hub.login_url(hub.ticket("hana"), link))
    page.wait_for_url(re.compile(r".*/user/hana/lab/tree/nblaunch/stats-label-browser-n-4-.*"))
    assert (200, link) in seen  # the progress page was shown while the server started
    assert any(url.endswith("/api/progress") for _, url in seen)
    # No URL the browser requested carries a token (the ticket rides as login_token, once).
    assert not [u for _, u in seen if re.search(r"[?&]token=", u)]
    assert sum("login_token=" in u for _, u in seen) == 1


def test_catalog_builds_the_link_and_opens_it(hub: Hub, page: Any) -> None:
    page.goto(hub.login_url(hub.ticket("hana"), hub.service))
    form = page.locator("#template-stats form")
    form.locator("input[name=n]").fill("12")
    form.locator("input[name=label]").fill("42")
    form.locator("select[name=ui]").select_option("notebook")
    shown = form.locator("[data-link]").inner_text()
    # "42" for a str parameter is JSON-quoted, so it stays text rather than becoming a number.
    assert shown == hub.service + "open/stats?n=12&label=%2242%22&ui=notebook"
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/user/hana/notebooks/nblaunch/stats-label-42-n-12-.*"))
