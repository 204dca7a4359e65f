"""The JSON API for host applications, and what the service's own token may not do."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import nbformat
import pytest

from nblaunch.hub import SERVICE_SCOPES
from nblaunch.hub.config import service_scopes
from nblaunch.hub.launcher import content_hash

from .conftest import HOST_TOKEN, SERVICE_TOKEN, Hub

pytestmark = pytest.mark.integration


def host(
    hub: Hub, method: str, path: str, token: str = HOST_TOKEN, **kwargs: Any
) -> httpx.Response:
    headers = {"Authorization": f"token {token}", "Accept": "application/json"}
    return httpx.request(method, hub.service + path, headers=headers, timeout=30, **kwargs)


@pytest.fixture(scope="module")
def erin(hub: Hub) -> str:
    """A user with a running server and one launched notebook."""
    with hub.client() as client:
        hub.login(client, "erin")
        hub.launch(client, hub.service + "open/stats?n=3")
    return "erin"


def notebook(text: str) -> dict[str, Any]:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(text)])
    return dict(nbformat.from_dict(nb))


def test_fetch_strips_trusted_and_hashes(hub: Hub, erin: str) -> None:
    path = next((hub.home(erin) / "nblaunch").glob("stats-n-3-*.ipynb")).name
    response = host(hub, "GET", f"api/users/{erin}/contents/nblaunch/{path}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"path", "content", "last_modified", "hash"}
    assert body["hash"].startswith("sha256:")
    assert all("trusted" not in c["metadata"] for c in body["content"]["cells"])
    again = host(hub, "GET", f"api/users/{erin}/contents/nblaunch/{path}").json()
    assert again["hash"] == body["hash"]


def test_put_then_conflict_on_a_stale_hash(hub: Hub, erin: str) -> None:
    url = f"api/users/{erin}/contents/saved/a.ipynb"
    first = host(hub, "PUT", url, json={"content": notebook("x = 1"), "expect_hash": ""})
    assert first.status_code == 200, first.text
    saved = first.json()
    assert (hub.home(erin) / "saved" / "a.ipynb").exists()
    assert host(hub, "GET", url).json()["hash"] == saved["hash"]
    second = host(
        hub, "PUT", url, json={"content": notebook("x = 2"), "expect_hash": saved["hash"]}
    )
    assert second.status_code == 200
    stale = host(hub, "PUT", url, json={"content": notebook("x = 3"), "expect_hash": saved["hash"]})
    assert stale.status_code == 409
    assert stale.json()["code"] == "hash-mismatch"
    assert "x = 2" in (hub.home(erin) / "saved" / "a.ipynb").read_text()
    exists = host(hub, "PUT", url, json={"content": notebook("x = 4"), "expect_hash": ""})
    assert exists.status_code == 409


async def put_all(hub: Hub, url: str, bodies: list[dict[str, Any]]) -> list[httpx.Response]:
    """Send every PUT at once, each on its own connection, as separate host processes would."""
    headers = {"Authorization": f"token {HOST_TOKEN}", "Accept": "application/json"}

    async def put(body: dict[str, Any]) -> httpx.Response:
        async with httpx.AsyncClient(headers=headers, timeout=60) as client:
            return await client.put(hub.service + url, json=body)

    return list(await asyncio.gather(*(put(body) for body in bodies)))


async def test_of_concurrent_puts_with_one_expect_hash_exactly_one_is_written(
    hub: Hub, erin: str
) -> None:
    url = f"api/users/{erin}/contents/saved/race.ipynb"
    base = host(hub, "PUT", url, json={"content": notebook("x = 0"), "expect_hash": ""}).json()
    sources = [f"x = {i}" for i in range(1, 6)]
    answers = await put_all(
        hub, url, [{"content": notebook(text), "expect_hash": base["hash"]} for text in sources]
    )
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200, 409, 409, 409, 409], [a.text for a in answers]
    assert {a.json()["code"] for a in answers if a.status_code == 409} == {"hash-mismatch"}
    won = next(a.json() for a in answers if a.status_code == 200)
    # The winner's answer is its own content and that content's hash, which is what is stored.
    assert won["content"]["cells"][0]["source"] in sources
    stored = host(hub, "GET", url).json()
    assert (stored["hash"], stored["content"]) == (won["hash"], won["content"])
    on_disk = (hub.home(erin) / "saved" / "race.ipynb").read_text()
    assert won["content"]["cells"][0]["source"] in on_disk


async def test_each_unconditional_put_answers_with_what_it_stored(hub: Hub, erin: str) -> None:
    url = f"api/users/{erin}/contents/saved/overwrite.ipynb"
    sources = [f"y = {i}" for i in range(5)]
    answers = await put_all(hub, url, [{"content": notebook(text)} for text in sources])
    assert [a.status_code for a in answers] == [200] * 5
    for text, answer in zip(sources, answers, strict=True):
        saved = answer.json()
        # Never another writer's content or hash: the answer was read back under the lease.
        assert saved["content"]["cells"][0]["source"] == text
        assert saved["hash"] == content_hash(saved["content"])


@pytest.mark.parametrize(
    ("path", "body", "code"),
    [
        ("api/users/{u}/contents/missing.ipynb", None, "not-found"),
        ("api/users/{u}/contents/..%2F..%2Fetc%2Fpasswd", None, "unsafe-path"),
        ("api/users/{u}/contents/x.ipynb", {"content": {"no": "cells"}}, "not-a-notebook"),
        ("api/users/{u}/contents/x.ipynb", {"nothing": 1}, "bad-query"),
        ("api/users/nobody-here/contents/x.ipynb", None, "user-not-found"),
        ("api/users/{u}/contents/x.ipynb?server=other", None, "server-not-running"),
    ],
)
def test_errors_are_json_with_codes(
    hub: Hub, erin: str, path: str, body: dict[str, Any] | None, code: str
) -> None:
    method = "GET" if body is None else "PUT"
    response = host(hub, method, path.format(u=erin), json=body)
    assert 400 <= response.status_code < 500
    assert response.json()["code"] == code


def test_contents_api_needs_the_custom_scope(hub: Hub, erin: str) -> None:
    url = f"api/users/{erin}/contents/saved/a.ipynb"
    assert host(hub, "GET", url, token="wrong").status_code == 403
    assert httpx.get(hub.service + url).status_code == 403
    # A logged-in user's own browser session holds no such scope either.
    with hub.client() as client:
        hub.login(client, erin)
        hub.launch(client, hub.service)
        response = client.get(hub.service + url, headers={"Accept": "application/json"})
    assert response.status_code == 403


def test_service_role_is_exactly_its_scopes(hub: Hub) -> None:
    service = hub.admin("GET", "services/nblaunch").json()
    assert service["roles"] == ["nblaunch-service"]
    assert service["admin"] is False
    headers = {"Authorization": f"token {SERVICE_TOKEN}"}
    me = httpx.get(hub.url + "hub/api/user", headers=headers).json()
    # The Hub expands read:servers to include read:users:name; nothing else may appear. On
    # JupyterHub 5 (no start:servers) "servers" is needed to start, and expands further.
    if "servers" in service_scopes():
        expected = {"servers", "read:servers", "delete:servers", "access:servers"}
    else:
        expected = set(SERVICE_SCOPES)
    assert set(me["scopes"]) == {*expected, "read:users:name"}


def test_host_token_holds_only_the_service_and_contents_scopes(hub: Hub) -> None:
    headers = {"Authorization": f"token {HOST_TOKEN}"}
    me = httpx.get(hub.url + "hub/api/user", headers=headers).json()
    assert set(me["scopes"]) == {"access:services!service=nblaunch", "custom:nblaunch:contents"}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "users/mallory", {"admin": True}),
        ("PATCH", "users/alice", {"admin": True}),
        ("POST", "users/alice/tokens", {"note": "impersonation"}),
        ("GET", "users", None),
        ("DELETE", "users/alice/server", None),
        ("POST", "services", None),
    ],
)
def test_service_token_cannot_exceed_its_role(
    hub: Hub, method: str, path: str, body: dict[str, Any] | None
) -> None:
    headers = {"Authorization": f"token {SERVICE_TOKEN}"}
    response = httpx.request(method, hub.url + "hub/api/" + path, headers=headers, json=body)
    assert response.status_code in (403, 404, 405), (path, response.status_code, response.text)
    assert hub.admin("GET", "users/mallory").status_code == 404


def test_service_token_never_in_a_log_line(hub: Hub, erin: str) -> None:
    assert SERVICE_TOKEN not in hub.log_text()
    assert HOST_TOKEN not in hub.log_text()
