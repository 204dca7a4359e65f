"""The switch confirmation in Debian's Chromium: a real browser's GET never switches users, and
its form POST (with the Sec-Fetch headers and cookies a browser sends) does, once."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Hub

pytestmark = [pytest.mark.integration, pytest.mark.browser]


def test_the_page_names_both_users_and_its_button_switches(hub: Hub, page: Any) -> None:
    page.goto(hub.login_url(hub.ticket("alice"), "/hub/home"))
    page.wait_for_url("**/hub/home")
    bobs_link = hub.login_url(hub.ticket("bob"), "/hub/home")
    page.goto(bobs_link)
    assert page.inner_text("#nblaunch-current-user") == "alice"
    assert page.inner_text("#nblaunch-new-user") == "bob"
    # Still alice: the GET switched nobody.
    assert "alice" in page.context.new_page().goto(hub.url + "hub/home").text()
    with page.expect_navigation():
        page.click("#nblaunch-switch")
    page.wait_for_url("**/hub/home")
    assert "bob" in page.content()
    # The link was used by that POST: opening it again is refused.
    response = page.goto(bobs_link)
    assert response is not None and response.status == 403
    assert page.inner_text("code") == "ticket-replayed"
