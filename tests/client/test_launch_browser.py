"""The client's browser URLs in Chromium against the real Hub: ticket login, then the notebook."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from nblaunch.client import NBLaunchClient

pytestmark = [pytest.mark.integration, pytest.mark.browser]


def test_launch_url_logs_in_and_lands_in_the_notebook(page: Any, client: NBLaunchClient) -> None:
    page.set_default_timeout(90_000)
    page.goto(client.launch_url("cl-browser", "stats", {"n": 8, "label": "from the client"}))
    page.wait_for_url("**/user/cl-browser/doc/tree/nblaunch/stats*")
    cells = page.locator(".jp-Notebook .jp-Cell .cm-content")
    cells.filter(has_text="n = 8").first.wait_for()
    cells.filter(has_text='label = "from the client"').first.wait_for()
    # The ticket is gone from the address the user sees, and works only once.
    assert "login_token" not in page.url


def test_open_url_lands_in_an_existing_notebook(
    page: Any, client: NBLaunchClient, running: Any
) -> None:
    path = running("cl-open", n=9)
    page.set_default_timeout(90_000)
    page.goto(client.open_url("cl-open", path, ui="lab"))
    page.wait_for_url("**/user/cl-open/lab/tree/**")
    assert unquote(urlsplit(page.url).path).endswith(path)
    page.locator(".jp-Notebook .jp-Cell .cm-content").filter(has_text="n = 9").first.wait_for()


def test_a_used_ticket_is_refused(page: Any, client: NBLaunchClient) -> None:
    url = client.launch_url("cl-replay", "stats", {"n": 1})
    page.goto(url)
    page.wait_for_url("**/user/cl-replay/**", timeout=90_000)
    page.context.clear_cookies()
    response = page.goto(url)
    assert response is not None and response.status == 403
    assert "already been used" in page.content()
