"""Open, embed, save, version, render, download, restore: the parts that talk to the Hub.

Every test here uses the in-process FakeHub (marked ``fakehub``) and is to be replaced by the
real end-to-end tests against a running JupyterHub (tests/browser).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from .fakehub import FakeHub, content_hash

pytestmark = pytest.mark.fakehub

PATH = "image-stats-1.ipynb"


def notebook(source: str) -> dict[str, Any]:
    return {
        "cells": [
            {"cell_type": "code", "id": "c1", "source": source, "metadata": {"trusted": True},
             "execution_count": 1,
             "outputs": [{"output_type": "stream", "name": "stdout", "text": "out\n"}]},
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                    "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }  # fmt: skip


def json_post(web: TestClient, url: str, token: str, body: dict[str, Any]) -> Any:
    headers = {"X-CSRF-Token": token, "Accept": "application/json"}
    return web.post(url, json=body, headers=headers)


def save(web: TestClient, token: str, item_id: int = 1, path: str = PATH) -> Any:
    return json_post(
        web, f"/items/{item_id}/save", token, {"template": "image-stats", "path": path}
    )


@pytest.fixture
def alice(web: TestClient, login: Callable[..., str]) -> str:
    return login(web, "alice")


def test_open_in_jupyter_redirects_to_a_fresh_ticket_link(
    web: TestClient, alice: str, fake_hub: FakeHub
) -> None:
    first = web.get("/items/2/open/image-stats", follow_redirects=False)
    second = web.get("/items/2/open/image-stats", follow_redirects=False)
    assert first.status_code == 303
    assert first.headers["location"] != second.headers["location"]  # single-use tickets
    assert first.headers["location"].startswith("http://127.0.0.1:8000/hub/login?login_token=")
    values = {"item_id": 2, "api_url": "http://127.0.0.1:8090/api"}
    assert fake_hub.calls[0] == ("launch_url", ("alice", "image-stats", values, "lab", True))


@pytest.mark.parametrize("template", ["table-summary", "nope", "..%2Fetc", "image-stats.ipynb"])
def test_only_templates_offered_for_the_item_open(
    web: TestClient, alice: str, template: str
) -> None:
    assert web.get(f"/items/1/open/{template}", follow_redirects=False).status_code == 404


def test_analyze_here_gets_an_embed_url(web: TestClient, alice: str, fake_hub: FakeHub) -> None:
    response = json_post(web, "/items/1/launch", alice, {"template": "item-explorer"})
    assert response.status_code == 200
    body = response.json()
    assert body["origin"] == "http://127.0.0.1:8000" and body["template"] == "item-explorer"
    assert "login_token=alice." in body["src"]
    assert fake_hub.calls[-1][1][3] == "doc"


def test_launch_needs_csrf_and_login(web: TestClient, alice: str) -> None:
    response = web.post("/items/1/launch", json={"template": "image-stats"})
    assert response.status_code == 403
    web.cookies.clear()
    response = json_post(web, "/items/1/launch", alice, {"template": "image-stats"})
    assert response.status_code == 401 and response.json()["code"] == "login-required"


def test_launch_needs_a_template_or_path(web: TestClient, alice: str) -> None:
    response = json_post(web, "/items/1/launch", alice, {})
    assert response.status_code == 400 and "template or a path" in response.json()["message"]


def test_save_stores_a_version_only_when_the_content_changed(
    web: TestClient, alice: str, fake_hub: FakeHub
) -> None:
    fake_hub.files[("alice", PATH)] = notebook("x = 1")
    first = save(web, alice).json()
    assert first["created"] is True and first["path"] == PATH
    again = save(web, alice).json()  # e.g. our Save and JupyterLab's "saved" event
    assert again == {**first, "created": False}
    fake_hub.files[("alice", PATH)] = notebook("x = 2")
    third = save(web, alice).json()
    assert third["created"] is True and third["version_id"] != first["version_id"]


def test_trusted_flags_do_not_make_a_new_version(
    web: TestClient, alice: str, fake_hub: FakeHub
) -> None:
    fake_hub.files[("alice", PATH)] = notebook("x = 1")
    save(web, alice)
    untrusted = notebook("x = 1")
    del untrusted["cells"][0]["metadata"]["trusted"]
    fake_hub.files[("alice", PATH)] = untrusted
    assert save(web, alice).json()["created"] is False


@pytest.mark.parametrize(
    "path", ["../x.ipynb", "/etc/x.ipynb", "x.py", ".hidden/x.ipynb", "a//b.ipynb"]
)
def test_save_refuses_unsafe_paths(web: TestClient, alice: str, path: str) -> None:
    response = save(web, alice, path=path)
    assert response.status_code == 400 and response.json()["code"] == "bad-path"


def test_save_with_server_stopped_keeps_the_last_version(
    web: TestClient, alice: str, fake_hub: FakeHub
) -> None:
    fake_hub.files[("alice", PATH)] = notebook("x = 1")
    kept = save(web, alice).json()
    fake_hub.running = False
    response = save(web, alice)
    assert response.status_code == 409
    assert response.json()["code"] == "server-not-running"
    assert "saved versions are safe" in response.json()["message"]
    page = web.get(f"/versions/{kept['version_id']}")
    assert page.status_code == 200


def test_hub_unreachable_gives_a_clear_page(web: TestClient, alice: str, fake_hub: FakeHub) -> None:
    fake_hub.reachable = False
    response = web.get("/items/1/open/image-stats")
    assert response.status_code == 503
    assert "JupyterHub is unreachable" in response.text and "Traceback" not in response.text
    assert 'href="http://testserver/items/1/open/image-stats"' in response.text  # "Try again"
    response = json_post(web, "/items/1/launch", alice, {"template": "image-stats"})
    assert response.json()["code"] == "hub-unreachable"


def _saved_versions(web: TestClient, token: str, hub: FakeHub, *sources: str) -> list[int]:
    ids = []
    for source in sources:
        hub.files[("alice", PATH)] = notebook(source)
        ids.append(save(web, token).json()["version_id"])
    return ids


def test_my_analyses_and_version_list(web: TestClient, alice: str, fake_hub: FakeHub) -> None:
    assert "not saved an analysis yet" in web.get("/analyses").text
    first, second = _saved_versions(web, alice, fake_hub, "x = 1", "x = 2")
    fake_hub.files[("alice", "other.ipynb")] = notebook("y = 1")
    json_post(web, "/items/6/save", alice, {"template": "table-summary", "path": "other.ipynb"})
    page = web.get("/analyses").text
    assert PATH in page and "other.ipynb" in page and "Stock prices" in page
    history = web.get(f"/analyses/history?path={PATH}").text
    assert f"/versions/{first}" in history and f"/versions/{second}" in history
    assert history.index(f"#{second}") < history.index(f"#{first}")  # newest first
    assert web.get("/analyses/history?path=none.ipynb").status_code == 404
    item_page = web.get("/items/1").text
    assert f'data-analyze-path="{PATH}"' in item_page


def test_version_page_render_and_download(web: TestClient, alice: str, fake_hub: FakeHub) -> None:
    (version,) = _saved_versions(web, alice, fake_hub, "answer = 42")
    page = web.get(f"/versions/{version}")
    assert page.status_code == 200 and "latest" in page.text
    html = web.get(f"/versions/{version}/html")
    assert "answer" in html.text and "42" in html.text
    assert html.headers["content-security-policy"].startswith("sandbox; default-src 'none'")
    download = web.get(f"/versions/{version}/download")
    assert download.headers["content-disposition"] == (
        f'attachment; filename="image-stats-1-v{version}.ipynb"'
    )
    assert download.json() == notebook("answer = 42")


def test_versions_of_other_users_are_not_found(
    web: TestClient, alice: str, fake_hub: FakeHub, login: Callable[..., str]
) -> None:
    (version,) = _saved_versions(web, alice, fake_hub, "mine = 1")
    login(web, "bob")
    for suffix in ("", "/html", "/download", "/open"):
        assert web.get(f"/versions/{version}{suffix}").status_code == 404
    assert "not saved an analysis yet" in web.get("/analyses").text


def test_restore_writes_the_version_back(web: TestClient, alice: str, fake_hub: FakeHub) -> None:
    old, _new = _saved_versions(web, alice, fake_hub, "x = 1", "x = 2")
    response = web.post(f"/versions/{old}/restore", data={"csrf_token": alice})
    assert response.status_code == 200 and "was restored" in response.text
    assert fake_hub.files[("alice", PATH)]["cells"][0]["source"] == "x = 1"
    expect = fake_hub.calls[-2][1][2]
    assert expect == content_hash(notebook("x = 2"))  # checked against the newest version


def test_restore_refuses_when_the_file_changed_then_forces(
    web: TestClient, alice: str, fake_hub: FakeHub
) -> None:
    (old,) = _saved_versions(web, alice, fake_hub, "x = 1")
    edited = copy.deepcopy(notebook("edited in Jupyter, not saved here"))
    fake_hub.files[("alice", PATH)] = edited
    response = web.post(f"/versions/{old}/restore", data={"csrf_token": alice})
    assert response.status_code == 409 and "changed in Jupyter" in response.text
    assert fake_hub.files[("alice", PATH)] == edited  # nothing overwritten
    response = web.post(f"/versions/{old}/restore", data={"csrf_token": alice, "force": "true"})
    assert response.status_code == 200
    assert fake_hub.files[("alice", PATH)]["cells"][0]["source"] == "x = 1"


def test_restore_with_server_stopped(web: TestClient, alice: str, fake_hub: FakeHub) -> None:
    (old,) = _saved_versions(web, alice, fake_hub, "x = 1")
    fake_hub.running = False
    response = web.post(f"/versions/{old}/restore", data={"csrf_token": alice})
    assert response.status_code == 409 and "not running" in response.text


def test_open_a_version_and_continue_embedded(
    web: TestClient, alice: str, fake_hub: FakeHub
) -> None:
    (version,) = _saved_versions(web, alice, fake_hub, "x = 1")
    response = web.get(f"/versions/{version}/open", follow_redirects=False)
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["next"] == [f"/hub/user-redirect/doc/tree/{PATH}"]
    body = json_post(web, "/items/1/launch", alice, {"path": PATH}).json()
    assert body["template"] == "image-stats" and "login_token=" in body["src"]


def test_without_a_hub_embed_and_restore_explain(settings: Any, login: Callable[..., str]) -> None:
    from nblaunch.webapp import create_app

    app = create_app(settings, client=None)
    with TestClient(app) as web:
        token = login(web)
        response = json_post(web, "/items/1/launch", token, {"template": "image-stats"})
        assert response.status_code == 503 and response.json()["code"] == "hub-not-configured"
    app.state.engine.dispose()


def test_embed_fallback_mints_a_fresh_ticket(web: TestClient, alice: str) -> None:
    body = json_post(web, "/items/1/launch", alice, {"template": "image-stats"}).json()
    assert body["fallback"] == "/items/1/open/image-stats"
    body = json_post(web, "/items/1/launch", alice, {"path": "a b.ipynb"}).json()
    assert body["fallback"] == "/analyses/open?path=a%20b.ipynb"
    response = web.get(body["fallback"], follow_redirects=False)
    assert response.status_code == 303
    assert parse_qs(urlsplit(response.headers["location"]).query)["next"] == [
        "/hub/user-redirect/doc/tree/a%20b.ipynb"
    ]
    assert web.get("/analyses/open?path=../x.ipynb").status_code == 400


def test_save_keeps_only_known_template_names(
    web: TestClient, alice: str, fake_hub: FakeHub
) -> None:
    fake_hub.files[("alice", PATH)] = notebook("x = 1")
    body = {"template": "<script>x</script>", "path": PATH}
    version = json_post(web, "/items/1/save", alice, body).json()["version_id"]
    assert "<script>x</script>" not in web.get(f"/versions/{version}").text


def test_a_restored_version_becomes_the_latest(
    web: TestClient, alice: str, fake_hub: FakeHub
) -> None:
    # Without this, the next restore compares the file with the version the user left: a false
    # "changed in Jupyter" although nobody touched the file.
    old, new = _saved_versions(web, alice, fake_hub, "x = 1", "x = 2")
    assert web.post(f"/versions/{old}/restore", data={"csrf_token": alice}).status_code == 200
    response = web.post(f"/versions/{new}/restore", data={"csrf_token": alice})
    assert response.status_code == 200 and "was restored" in response.text
    assert fake_hub.files[("alice", PATH)]["cells"][0]["source"] == "x = 2"
