"""The pages' JavaScript in Debian's Chromium: the progress page and the catalog's link builder."""

from __future__ import annotations

import re
from typing import Any

import pytest

from .conftest import Hub

pytestmark = [pytest.mark.integration, pytest.mark.browser]


@pytest.fixture
def page(context: Any) -> Any:
    # A cold spawn under a loaded CI machine can take a while; the root page's 30 s is too short.
    tab = context.new_page()
    tab.set_default_timeout(90_000)
    return tab  # closed with its context


def test_progress_page_streams_then_lands_in_lab(hub: Hub, page: Any) -> None:
    seen: list[tuple[int, str]] = []
    page.on("response", lambda r: seen.append((r.status, r.url)))
    link = hub.service + "open/stats?n=4&label=browser"
    page.goto(hub.login_url(hub.ticket("hana"), link))
    page.wait_for_url(re.compile(r".*/user/hana/lab/tree/nblaunch/stats-label-browser-n-4-.*"))
    assert (200, link) in seen  # the progress page was shown while the server started
    progress = [(status, url) for status, url in seen if "/api/progress?" in url]
    assert progress and all(status == 200 for status, _ in progress)
    # The stream is authenticated by the login cookie plus its xsrf token: one OAuth round trip
    # for the service (the first visit), none for each EventSource connection.
    assert (
        sum("/hub/api/oauth2/authorize" in url and "service-nblaunch" in url for _, url in seen)
        <= 1
    )
    # No URL the browser requested carries a token (the ticket rides as login_token, once).
    assert not [u for _, u in seen if re.search(r"[?&]token=", u)]
    assert sum("login_token=" in u for _, u in seen) == 1


def test_a_failed_spawn_shows_its_reason_and_a_retry_button(hub: Hub, page: Any) -> None:
    link = hub.service + "open/stats?n=3"
    page.goto(hub.login_url(hub.ticket("broken-bo"), link))
    page.locator("#nblaunch-failed").wait_for()
    assert "Your Jupyter server exited (status 3)" in page.inner_text("#nblaunch-reason")
    assert page.url == link  # still the link itself: "Try again" reloads it
    with page.expect_navigation():
        page.click("#nblaunch-retry")
    page.locator("#nblaunch-failed").wait_for()
    assert "exited (status 3)" in page.inner_text("#nblaunch-reason")


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
