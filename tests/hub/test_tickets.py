"""Login tickets against a real Hub: valid, expired, forged, replayed, switching, never logged."""

from __future__ import annotations

import re
import time
from urllib.parse import urljoin

import pytest

from nblaunch.core import make_ticket

from .conftest import HOST_URL, Hub

pytestmark = pytest.mark.integration


def refused(hub: Hub, ticket: str, code: str) -> None:
    with hub.client() as client:
        response = client.get(hub.login_url(ticket, "/hub/home"))
        assert response.status_code == 403
        assert f"<code>{code}</code>" in response.text
        assert f'href="{HOST_URL}"' in response.text
        assert "jupyterhub-session-id" not in response.headers.get("set-cookie", "")
        # Nobody is logged in: the Hub's home sends this browser to the login page.
        home = client.get(hub.url + "hub/home")
    assert home.status_code == 302
    assert "/hub/login" in home.headers["location"]


def test_valid_ticket_logs_in_and_goes_to_next(hub: Hub) -> None:
    with hub.client() as client:
        response = client.get(hub.login_url(hub.ticket("dora"), "/hub/home"))
        assert response.status_code == 302
        assert response.headers["location"] == "/hub/home"
        assert client.get(hub.url + "hub/home").status_code == 200


def test_expired_ticket_is_refused(hub: Hub) -> None:
    refused(hub, hub.ticket("dora", ttl=5, now=time.time() - 60), "ticket-expired")


def test_forged_ticket_is_refused(hub: Hub) -> None:
    refused(hub, hub.ticket("dora", secret="not-the-hubs-secret"), "bad-ticket")
    refused(hub, "garbage.garbage", "bad-ticket")
    genuine = hub.ticket("dora")
    payload, _, signature = genuine.partition(".")
    refused(hub, payload[:-2] + "AA." + signature, "bad-ticket")
    # Not ASCII (?login_token=x.%C3%A9): compare_digest raised TypeError, a 500.
    refused(hub, "x.\u00e9", "bad-ticket")
    refused(hub, genuine + "\u00e9", "bad-ticket")


def test_replayed_ticket_is_refused(hub: Hub) -> None:
    ticket = hub.ticket("dora")
    with hub.client() as client:
        assert client.get(hub.login_url(ticket, "/hub/home")).status_code == 302
    refused(hub, ticket, "ticket-replayed")


def test_two_tickets_minted_in_one_second_both_work(hub: Hub) -> None:
    now = float(int(time.time()))
    first, second = hub.ticket("dora", now=now), hub.ticket("dora", now=now)
    assert first != second
    for ticket in (first, second):
        with hub.client() as client:
            assert client.get(hub.login_url(ticket, "/hub/home")).status_code == 302


def test_ticket_for_another_user_switches_the_session_once_confirmed(hub: Hub) -> None:
    with hub.client() as client:
        hub.login(client, "alice")
        assert (
            hub.launch(client, hub.service + "open/plain")
            .headers["location"]
            .startswith("/user/alice/")
        )
        # The host application's next user, same browser: bob's ticket must not leave alice in,
        # nor switch on a GET (test_switch.py): the page asks, its form switches.
        link = hub.service + "open/plain?ui=lab"
        page = client.get(hub.login_url(hub.ticket("bob"), link))
        assert page.status_code == 200
        form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page.text))
        switched = client.post(hub.url + "hub/login", data=form)
        assert switched.status_code == 302
        landing = hub.launch(client, urljoin(hub.url, switched.headers["location"]))
        assert landing.status_code == 302
        assert landing.headers["location"].startswith("/user/bob/lab/tree/nblaunch/plain-")
        assert (hub.home("bob") / "nblaunch").is_dir()
        # The Hub agrees: its home page is bob's now.
        home = client.get(hub.url + "hub/home")
    assert home.status_code == 200
    assert "bob" in home.text


def test_no_next_goes_home_without_the_ticket(hub: Hub) -> None:
    ticket = hub.ticket("dora")
    with hub.client() as client:
        response = client.get(urljoin(hub.url, f"hub/login?login_token={ticket}&x=1"))
    assert response.status_code == 302
    assert ticket not in response.headers["location"]
    assert "login_token" not in response.headers["location"]


def test_password_form_still_works_and_wrong_password_fails(hub: Hub) -> None:
    with hub.client() as client:
        page = client.get(hub.url + "hub/login")
        assert page.status_code == 200
        xsrf = client.cookies.get("_xsrf")
        bad = client.post(
            hub.url + "hub/login", data={"username": "alice", "password": "no", "_xsrf": xsrf}
        )
        assert bad.status_code == 403
    # A ticket-shaped string in the password field is just a wrong password.
    forged = make_ticket("alice", "k")
    with hub.client() as client:
        client.get(hub.url + "hub/login")
        data = {"username": "alice", "password": forged, "_xsrf": client.cookies.get("_xsrf")}
        assert client.post(hub.url + "hub/login", data=data).status_code == 403


def test_zz_no_ticket_in_any_log_line(hub: Hub) -> None:
    """Runs last in this module: every ticket minted so far is checked against the whole log."""
    assert len(hub.tickets) > 5
    log = hub.log_text()
    assert "login_token=[secret]" in log or "login_token" not in log
    for ticket in hub.tickets:
        payload, _, signature = ticket.partition(".")
        assert payload not in log
        assert signature not in log


def test_a_login_form_with_neither_ticket_nor_name_is_a_400(hub: Hub) -> None:
    # Found by tests/fuzz: JupyterHub's form handler read data['username'] unguarded (a 500).
    with hub.client() as client:
        form = client.get(hub.url + "hub/login")
        xsrf = re.search(r'name="_xsrf" value="([^"]+)"', form.text)
        assert xsrf
        posted = client.post(hub.url + "hub/login", data={"_xsrf": xsrf.group(1)})
    assert posted.status_code == 400, posted.text[:300]
