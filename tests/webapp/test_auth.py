"""The application's own login: hashes, demo users, sessions, CSRF, redirects."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from nblaunch.webapp import Settings, create_app
from nblaunch.webapp.auth import hash_password, verify_password

from .conftest import csrf_of


def test_hash_is_salted_and_verifies() -> None:
    first, second = hash_password("pw"), hash_password("pw")
    assert first != second
    assert verify_password("pw", first) and verify_password("pw", second)
    assert not verify_password("PW", first)


@pytest.mark.parametrize(
    "stored", ["", "md5$x", "scrypt$a$b$c$d$e", "scrypt$1$1$1$zz$00", "scrypt$2$1$1$00$é"]
)
def test_malformed_hashes_never_verify(stored: str) -> None:
    assert not verify_password("pw", stored)


def test_demo_users_are_made_once_and_their_passwords_kept(settings: Settings) -> None:
    first = create_app(settings, client=None)
    credentials = first.state.demo_credentials
    assert set(credentials) == {"alice", "bob"} and all(len(p) >= 12 for p in credentials.values())
    stored = json.loads((settings.data_dir / "demo-credentials.json").read_text())
    assert stored == credentials
    assert (settings.data_dir / "demo-credentials.json").stat().st_mode & 0o077 == 0
    first.state.engine.dispose()
    second = create_app(settings, client=None)  # A second run reuses the data it made.
    assert second.state.demo_credentials == credentials
    with TestClient(second) as web:
        assert len(web.get("/api/items").json()) == 8
    second.state.engine.dispose()


def test_pages_need_login_and_come_back_after_it(web: TestClient) -> None:
    response = web.get("/items/2", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fitems%2F2"
    page = web.get(response.headers["location"])
    token = csrf_of(page.text)
    password = web.app.state.demo_credentials["bob"]  # type: ignore[attr-defined]
    form = {"username": "bob", "password": password, "csrf_token": token, "next": "/items/2"}
    response = web.post("/login", data=form, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/items/2"
    assert "bob" in web.get("/items/2").text


def test_wrong_password_is_refused_with_the_form_again(web: TestClient) -> None:
    token = csrf_of(web.get("/login").text)
    form = {"username": "alice", "password": "nope", "csrf_token": token}
    response = web.post("/login", data=form)
    assert response.status_code == 401
    assert "wrong password" in response.text
    assert web.get("/items", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil"])
def test_next_cannot_leave_the_application(web: TestClient, target: str) -> None:
    token = csrf_of(web.get("/login").text)
    password = web.app.state.demo_credentials["alice"]  # type: ignore[attr-defined]
    form = {"username": "alice", "password": password, "csrf_token": token, "next": target}
    response = web.post("/login", data=form, follow_redirects=False)
    assert response.headers["location"] == "/items"


def test_post_without_csrf_token_is_refused(web: TestClient) -> None:
    password = web.app.state.demo_credentials["alice"]  # type: ignore[attr-defined]
    web.get("/login")
    response = web.post("/login", data={"username": "alice", "password": password})
    assert response.status_code == 403
    assert "Form expired" in response.text and "Traceback" not in response.text


@pytest.mark.parametrize(
    ("where", "token"),
    [
        ("header", "é".encode("latin-1")),  # what a browser may send: one byte per character
        ("header", "日本".encode()),
        ("form", "日本語"),
        ("form", "é"),
    ],
)
def test_a_non_ascii_csrf_token_is_refused_not_a_crash(
    web: TestClient, login: Callable[..., str], where: str, token: str | bytes
) -> None:
    login(web, "alice")
    if where == "header":
        response = web.post("/logout", headers={"X-CSRF-Token": token})  # type: ignore[dict-item]
    else:
        response = web.post("/logout", data={"csrf_token": token})
    assert response.status_code == 403
    assert "Form expired" in response.text and "Traceback" not in response.text


def test_logout_ends_the_session(web: TestClient, login: Callable[..., str]) -> None:
    token = login(web, "alice")
    response = web.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert web.get("/items", follow_redirects=False).status_code == 303


def test_login_starts_a_new_session(web: TestClient, login: Callable[..., str]) -> None:
    before = csrf_of(web.get("/login").text)
    after = login(web, "alice")
    assert before != after  # No session fixation: the pre-login session is not reused.
