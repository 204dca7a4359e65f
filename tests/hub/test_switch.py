"""A ticket never switches users on a GET: login CSRF is refused, the switch needs a POST.

Alice is logged in to the Hub in a browser; a link with a ticket for bob (anyone can mint one for
themselves in the host application) must not make that browser bob's on one GET. It shows who is
logged in and whom the link is for, and only a POST of the same ticket with the Hub's xsrf token
switches. The ticket is used once in total.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from .conftest import Hub

pytestmark = pytest.mark.integration


def hidden(page: str, name: str) -> str:
    found = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', page)
    assert found, f"no hidden {name} in the page"
    return html.unescape(found.group(1))


def logged_in_as(hub: Hub, client: httpx.Client) -> str:
    """The user whose session this browser holds, as the Hub's own API says."""
    xsrf = client.cookies.get("_xsrf", path="/hub/")
    response = client.get(
        hub.url + "hub/api/user",
        headers={"Accept": "application/json", "X-XSRFToken": xsrf or ""},
    )
    assert response.status_code == 200, response.text
    return str(response.json()["name"])


@contextmanager
def alice_browser(hub: Hub) -> Iterator[httpx.Client]:
    """A browser logged in to the Hub as alice."""
    with hub.client() as client:
        assert hub.login(client, "alice").status_code == 302
        client.get(hub.url + "hub/home")  # a page view sets the session's xsrf cookie
        assert logged_in_as(hub, client) == "alice"
        yield client


def test_a_get_for_another_user_asks_and_switches_nobody(hub: Hub) -> None:
    with alice_browser(hub) as client:
        ticket = hub.ticket("bob")
        page = client.get(hub.login_url(ticket, "/hub/home"))
        assert page.status_code == 200
        assert 'id="nblaunch-switch-form"' in page.text
        assert '<strong id="nblaunch-current-user">alice</strong>' in page.text
        assert '<strong id="nblaunch-new-user">bob</strong>' in page.text
        assert page.headers["cache-control"] == "no-store"
        assert "jupyterhub-session-id" not in page.headers.get("set-cookie", "")
        assert logged_in_as(hub, client) == "alice"
        # Asking again is harmless: the GET did not use the ticket up.
        assert client.get(hub.login_url(ticket, "/hub/home")).status_code == 200
        assert logged_in_as(hub, client) == "alice"


def test_the_post_with_the_xsrf_token_switches_once(hub: Hub) -> None:
    with alice_browser(hub) as client:
        page = client.get(hub.login_url(hub.ticket("bob"), "/hub/home")).text
        form = {name: hidden(page, name) for name in ("login_token", "next", "_xsrf")}
        switched = client.post(hub.url + "hub/login", data=form)
        assert switched.status_code == 302, switched.text
        assert switched.headers["location"] == "/hub/home"
        assert logged_in_as(hub, client) == "bob"
        # The POST used the ticket: a second one is a replay, whoever sends it.
        form["_xsrf"] = client.cookies.get("_xsrf", path="/hub/") or ""
        again = client.post(hub.url + "hub/login", data=form)
        assert again.status_code == 403
        assert "<code>ticket-replayed</code>" in again.text
    with hub.client() as other:
        replay = other.get(hub.login_url(form["login_token"], "/hub/home"))
    assert replay.status_code == 403


@pytest.mark.parametrize("xsrf", ["", "forged", "another-browser"])
def test_a_post_without_this_browsers_xsrf_token_is_refused(hub: Hub, xsrf: str) -> None:
    if xsrf == "another-browser":
        # The attacker's own page view gives them a token, but for their own session.
        with hub.client() as attacker:
            attacker.get(hub.url + "hub/login")
            xsrf = attacker.cookies.get("_xsrf") or ""
            assert xsrf
    with alice_browser(hub) as client:
        ticket = hub.ticket("bob")
        data = {"login_token": ticket, "next": "/hub/home", **({"_xsrf": xsrf} if xsrf else {})}
        response = client.post(hub.url + "hub/login", data=data)
        assert response.status_code == 403
        assert logged_in_as(hub, client) == "alice"
        # The refused POST did not use the ticket up: the confirmed switch still works.
        page = client.get(hub.login_url(ticket, "/hub/home")).text
        form = {name: hidden(page, name) for name in ("login_token", "next", "_xsrf")}
        assert client.post(hub.url + "hub/login", data=form).status_code == 302
        assert logged_in_as(hub, client) == "bob"


def test_the_same_user_goes_straight_through(hub: Hub) -> None:
    with alice_browser(hub) as client:
        ticket = hub.ticket("alice")
        response = client.get(hub.login_url(ticket, "/hub/home"))
        assert response.status_code == 302
        assert response.headers["location"] == "/hub/home"
        assert logged_in_as(hub, client) == "alice"
        # Used up by that GET.
        assert client.get(hub.login_url(ticket, "/hub/home")).status_code == 403


def test_nobody_logged_in_goes_straight_through(hub: Hub) -> None:
    with hub.client() as client:
        response = client.get(hub.login_url(hub.ticket("bob"), "/hub/home"))
        assert response.status_code == 302
        assert logged_in_as(hub, client) == "bob"


def test_a_bad_ticket_while_logged_in_is_refused_not_asked(hub: Hub) -> None:
    with alice_browser(hub) as client:
        response = client.get(hub.login_url(hub.ticket("bob", secret="wrong-secret"), "/hub/home"))
        assert response.status_code == 403
        assert "<code>bad-ticket</code>" in response.text
        assert logged_in_as(hub, client) == "alice"
