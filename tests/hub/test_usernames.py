"""User names with capitals: refused with a clear 4xx where a host's name enters, never merged.

The Hub logs ``Quentin`` in as ``quentin``; the contents API used to look ``Quentin`` up and answer
"no user", and ``Quentin`` and ``quentin`` of the host shared one Hub account. Now a ticket and a
contents call for a name the Hub would change are refused, and nobody is logged in.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import httpx
import pytest

from .conftest import HOST_TOKEN, SECRET, Hub

pytestmark = pytest.mark.integration


def signed_ticket(username: str) -> str:
    """A correctly signed ticket for any name (``make_ticket`` itself refuses such names now)."""
    now = int(time.time())
    body = {"v": 1, "u": username, "n": "n" + str(time.monotonic_ns()), "iat": now, "exp": now + 30}
    payload = base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=").decode()
    signature = hmac.new(SECRET.encode(), payload.encode(), hashlib.sha256).digest()
    return f"{payload}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


@pytest.mark.parametrize("username", ["Quentin", "QUENTIN"])
def test_a_ticket_for_a_name_the_hub_would_change_is_refused(hub: Hub, username: str) -> None:
    with hub.client() as client:
        response = client.get(hub.login_url(signed_ticket(username), "/hub/home"))
        assert response.status_code == 400
        assert "<code>user-name-not-normal</code>" in response.text
        assert "&#39;quentin&#39;" in response.text  # the page names the Hub's form
        assert "jupyterhub-session-id" not in response.headers.get("set-cookie", "")
        assert client.get(hub.url + "hub/home").status_code == 302  # nobody logged in
    assert hub.admin("GET", "users/quentin").status_code == 404


def test_the_lower_case_name_logs_in(hub: Hub) -> None:
    with hub.client() as client:
        assert client.get(hub.login_url(signed_ticket("quentin"), "/hub/home")).status_code == 302
    assert hub.admin("GET", "users/quentin").json()["name"] == "quentin"


@pytest.mark.parametrize("method", ["GET", "PUT"])
def test_the_contents_api_refuses_such_names_with_400(hub: Hub, method: str) -> None:
    body = {"content": {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}}
    response = httpx.request(
        method,
        hub.service + "api/users/Quentin/contents/a.ipynb",
        headers={"Authorization": f"token {HOST_TOKEN}", "Accept": "application/json"},
        json=body if method == "PUT" else None,
        timeout=30,
    )
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "user-name-not-normal"
    assert "'quentin'" in response.json()["message"]
