"""A Hub under ``/jhub/``: every URL the service builds keeps the prefix."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from urllib.parse import urljoin

import pytest

from .conftest import Hub

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def jhub(make_hub: Callable[..., Hub]) -> Iterator[Hub]:
    """A second Hub at base_url /jhub/, only for this module."""
    hub = make_hub("/jhub/", default_ui="doc")
    yield hub
    hub.stop()


def test_launch_under_a_base_url(jhub: Hub) -> None:
    assert jhub.service.endswith("/jhub/services/nblaunch/")
    with jhub.client() as client:
        jhub.login(client, "frank")
        landing = jhub.launch(client, jhub.service + "open/stats?n=9&autorun=1")
        location = landing.headers["location"]
        assert location.startswith("/jhub/user/frank/doc/tree/nblaunch/stats-n-9-")
        page = client.get(urljoin(jhub.url, location), follow_redirects=True)
        assert page.status_code == 200
        assert str(page.url).startswith(jhub.url + "user/frank/doc/tree/")
    copy = next((jhub.home("frank") / "nblaunch").glob("stats-n-9-*.ipynb"))
    link = json.loads(copy.read_text())["metadata"]["nblaunch"]["link"]
    assert link == jhub.service + "open/stats?n=9&autorun=1"


def test_login_redirect_keeps_the_prefix(jhub: Hub) -> None:
    with jhub.client() as client:
        response = client.get(jhub.login_url(jhub.ticket("frank"), "https://evil.example/"))
    assert response.status_code == 302
    assert response.headers["location"] in ("/jhub/hub/home", "/jhub/user/frank/")
