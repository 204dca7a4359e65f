"""Open, embed, save, version, render, download, restore: the parts that talk to the Hub.

Against a real JupyterHub with the nblaunch service (``real_hub``) through the real
``NBLaunchClient``: notebooks are written into the user's running server with the client's
``put`` (as JupyterLab would save them) and read back with ``fetch`` to check what a restore did.
Each test works on a notebook path of its own, since the users' homes outlive a test.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from _harness.waiting import wait_until
from fastapi.testclient import TestClient

from nblaunch.client import NBLaunchClient
from nblaunch.core.tickets import verify_ticket
from nblaunch.webapp import create_app

from .conftest import PUBLIC_URL


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


def save(web: TestClient, token: str, path: str, item_id: int = 1) -> Any:
    return json_post(
        web, f"/items/{item_id}/save", token, {"template": "image-stats", "path": path}
    )


def ticket_link(real_hub: Any, url: str) -> tuple[str, dict[str, list[str]]]:
    """The user a ticket link logs in, and the query of the URL it goes on to."""
    assert url.startswith(real_hub.url + "hub/login?login_token="), url
    query = parse_qs(urlsplit(url).query)
    user = verify_ticket(query["login_token"][0], real_hub.helpers.SECRET).username
    return user, query


@pytest.fixture
def alice(hub_web: TestClient, login: Callable[..., str]) -> str:
    return login(hub_web, "alice")


@pytest.fixture
def path() -> str:
    return f"image-stats-{uuid.uuid4().hex[:8]}.ipynb"


def saved_versions(
    web: TestClient, token: str, write: Callable[..., None], path: str, *sources: str
) -> list[int]:
    ids = []
    for source in sources:
        write(path, notebook(source))
        answer = save(web, token, path)
        assert answer.status_code == 200, answer.text
        ids.append(answer.json()["version_id"])
    return ids


def stop_server(real_hub: Any, user: str) -> None:
    # The Hub answers only once the stop is done or slow_stop_timeout (10 s) has passed.
    stopped = real_hub.admin("DELETE", f"users/{user}/server", timeout=60)
    assert stopped.status_code in (202, 204), stopped.text
    deadline = time.monotonic() + 60
    while real_hub.servers(user) and time.monotonic() < deadline:
        time.sleep(0.2)  # a 202 stop finishes in the background
    assert not real_hub.servers(user)


def test_open_in_jupyter_redirects_to_a_fresh_ticket_link(
    hub_web: TestClient, alice: str, real_hub: Any
) -> None:
    first = hub_web.get("/items/2/open/image-stats", follow_redirects=False)
    second = hub_web.get("/items/2/open/image-stats", follow_redirects=False)
    assert first.status_code == 303
    assert first.headers["location"] != second.headers["location"]  # single-use tickets
    user, query = ticket_link(real_hub, first.headers["location"])
    assert user == "alice"
    target = urlsplit(query["next"][0])
    assert target.path == "/services/nblaunch/open/image-stats"
    assert parse_qs(target.query) == {
        "item_id": ["2"], "api_url": [PUBLIC_URL + "/api"], "ui": ["lab"], "autorun": ["1"]
    }  # fmt: skip


@pytest.mark.parametrize("template", ["table-summary", "nope", "..%2Fetc", "image-stats.ipynb"])
def test_only_templates_offered_for_the_item_open(
    hub_web: TestClient, alice: str, template: str
) -> None:
    assert hub_web.get(f"/items/1/open/{template}", follow_redirects=False).status_code == 404


def test_analyze_here_gets_an_embed_url(hub_web: TestClient, alice: str, real_hub: Any) -> None:
    response = json_post(hub_web, "/items/1/launch", alice, {"template": "item-explorer"})
    assert response.status_code == 200
    body = response.json()
    assert body["origin"] == real_hub.origin and body["template"] == "item-explorer"
    user, query = ticket_link(real_hub, body["src"])
    assert user == "alice"
    target = urlsplit(query["next"][0])
    assert target.path == "/services/nblaunch/open/item-explorer"
    assert parse_qs(target.query)["ui"] == ["doc"]


def test_launch_needs_csrf_and_login(hub_web: TestClient, alice: str) -> None:
    response = hub_web.post("/items/1/launch", json={"template": "image-stats"})
    assert response.status_code == 403
    hub_web.cookies.clear()
    response = json_post(hub_web, "/items/1/launch", alice, {"template": "image-stats"})
    assert response.status_code == 401 and response.json()["code"] == "login-required"


def test_launch_needs_a_template_or_path(hub_web: TestClient, alice: str) -> None:
    response = json_post(hub_web, "/items/1/launch", alice, {})
    assert response.status_code == 400 and "template or a path" in response.json()["message"]


def test_save_stores_a_version_only_when_the_content_changed(
    hub_web: TestClient, alice: str, write: Callable[..., None], path: str
) -> None:
    write(path, notebook("x = 1"))
    first = save(hub_web, alice, path).json()
    assert first["created"] is True and first["path"] == path
    again = save(hub_web, alice, path).json()  # e.g. our Save and JupyterLab's "saved" event
    assert again == {**first, "created": False}
    write(path, notebook("x = 2"))
    third = save(hub_web, alice, path).json()
    assert third["created"] is True and third["version_id"] != first["version_id"]


def test_trusted_flags_do_not_make_a_new_version(
    hub_web: TestClient, alice: str, write: Callable[..., None], path: str
) -> None:
    write(path, notebook("x = 1"))
    assert save(hub_web, alice, path).json()["created"] is True
    untrusted = notebook("x = 1")
    del untrusted["cells"][0]["metadata"]["trusted"]
    write(path, untrusted)
    assert save(hub_web, alice, path).json()["created"] is False


@pytest.mark.parametrize(
    "path", ["../x.ipynb", "/etc/x.ipynb", "x.py", ".hidden/x.ipynb", "a//b.ipynb"]
)
def test_save_refuses_unsafe_paths(hub_web: TestClient, alice: str, path: str) -> None:
    response = save(hub_web, alice, path)
    assert response.status_code == 400 and response.json()["code"] == "bad-path"


def test_with_the_server_stopped_the_last_version_is_kept(
    hub_web: TestClient, alice: str, write: Callable[..., None], path: str, real_hub: Any
) -> None:
    (kept,) = saved_versions(hub_web, alice, write, path, "x = 1")
    stop_server(real_hub, "alice")
    response = save(hub_web, alice, path)
    assert response.status_code == 409
    assert response.json()["code"] == "server-not-running"
    assert "saved versions are safe" in response.json()["message"]
    assert hub_web.get(f"/versions/{kept}").status_code == 200
    assert hub_web.get(f"/versions/{kept}/download").json()["cells"][0]["source"] == "x = 1"
    response = hub_web.post(f"/versions/{kept}/restore", data={"csrf_token": alice})
    assert response.status_code == 409 and "not running" in response.text
    assert "Traceback" not in response.text


def test_my_analyses_and_version_list(
    hub_web: TestClient, alice: str, write: Callable[..., None], path: str
) -> None:
    assert "not saved an analysis yet" in hub_web.get("/analyses").text
    first, second = saved_versions(hub_web, alice, write, path, "x = 1", "x = 2")
    other = f"other-{path}"
    write(other, notebook("y = 1"))
    body = {"template": "table-summary", "path": other}
    assert json_post(hub_web, "/items/6/save", alice, body).status_code == 200
    page = hub_web.get("/analyses").text
    assert path in page and other in page and "Stock prices" in page
    history = hub_web.get(f"/analyses/history?path={path}").text
    assert f"/versions/{first}" in history and f"/versions/{second}" in history
    assert history.index(f"#{second}") < history.index(f"#{first}")  # newest first
    assert hub_web.get("/analyses/history?path=none.ipynb").status_code == 404
    item_page = hub_web.get("/items/1").text
    assert f'data-analyze-path="{path}"' in item_page


def test_version_page_render_and_download(
    hub_web: TestClient,
    alice: str,
    write: Callable[..., None],
    path: str,
    hub_client: NBLaunchClient,
) -> None:
    (version,) = saved_versions(hub_web, alice, write, path, "answer = 42")
    page = hub_web.get(f"/versions/{version}")
    assert page.status_code == 200 and "latest" in page.text
    html = hub_web.get(f"/versions/{version}/html")
    assert "answer" in html.text and "42" in html.text
    assert html.headers["content-security-policy"].startswith("sandbox; default-src 'none'")
    download = hub_web.get(f"/versions/{version}/download")
    stem = path.removesuffix(".ipynb")
    name = f"{stem}-v{version}.ipynb"  # only characters that need no quoting
    assert download.headers["content-disposition"] == (
        f"attachment; filename=\"{name}\"; filename*=UTF-8''{name}"
    )
    # What the user's server held when it was saved, trusted flags removed.
    assert download.json() == hub_client.fetch("alice", path).content
    assert download.json()["cells"][0]["source"] == "answer = 42"
    assert "trusted" not in download.json()["cells"][0]["metadata"]


def test_versions_of_other_users_are_not_found(
    hub_web: TestClient,
    alice: str,
    write: Callable[..., None],
    path: str,
    login: Callable[..., str],
) -> None:
    (version,) = saved_versions(hub_web, alice, write, path, "mine = 1")
    login(hub_web, "bob")
    for suffix in ("", "/html", "/download", "/open"):
        assert hub_web.get(f"/versions/{version}{suffix}").status_code == 404
    assert "not saved an analysis yet" in hub_web.get("/analyses").text


def test_restore_writes_the_version_back(
    hub_web: TestClient,
    alice: str,
    write: Callable[..., None],
    path: str,
    hub_client: NBLaunchClient,
) -> None:
    write(path, notebook("x = 1"))
    old = save(hub_web, alice, path).json()
    write(path, notebook("x = 2"))
    save(hub_web, alice, path)
    response = hub_web.post(f"/versions/{old['version_id']}/restore", data={"csrf_token": alice})
    assert response.status_code == 200 and "was restored" in response.text
    restored = hub_client.fetch("alice", path)
    assert restored.content["cells"][0]["source"] == "x = 1"
    assert restored.hash == old["hash"]


def test_restore_refuses_when_the_file_changed_then_forces(
    hub_web: TestClient,
    alice: str,
    write: Callable[..., None],
    path: str,
    hub_client: NBLaunchClient,
) -> None:
    (old,) = saved_versions(hub_web, alice, write, path, "x = 1")
    write(path, notebook("edited in Jupyter, not saved here"))
    response = hub_web.post(f"/versions/{old}/restore", data={"csrf_token": alice})
    assert response.status_code == 409 and "changed in Jupyter" in response.text
    kept = hub_client.fetch("alice", path).content  # nothing overwritten
    assert kept["cells"][0]["source"] == "edited in Jupyter, not saved here"
    form = {"csrf_token": alice, "force": "true"}
    response = hub_web.post(f"/versions/{old}/restore", data=form)
    assert response.status_code == 200
    assert hub_client.fetch("alice", path).content["cells"][0]["source"] == "x = 1"


def test_a_restored_version_becomes_the_latest(
    hub_web: TestClient,
    alice: str,
    write: Callable[..., None],
    path: str,
    hub_client: NBLaunchClient,
) -> None:
    # Without this, the next restore compares the file with the version the user left: a false
    # "changed in Jupyter" although nobody touched the file.
    old, new = saved_versions(hub_web, alice, write, path, "x = 1", "x = 2")
    response = hub_web.post(f"/versions/{old}/restore", data={"csrf_token": alice})
    assert response.status_code == 200
    response = hub_web.post(f"/versions/{new}/restore", data={"csrf_token": alice})
    assert response.status_code == 200 and "was restored" in response.text
    assert hub_client.fetch("alice", path).content["cells"][0]["source"] == "x = 2"


def test_open_a_version_and_continue_embedded(
    hub_web: TestClient, alice: str, write: Callable[..., None], path: str, real_hub: Any
) -> None:
    (version,) = saved_versions(hub_web, alice, write, path, "x = 1")
    response = hub_web.get(f"/versions/{version}/open", follow_redirects=False)
    assert response.status_code == 303
    user, query = ticket_link(real_hub, response.headers["location"])
    assert user == "alice" and query["next"] == [f"/hub/user-redirect/doc/tree/{path}"]
    body = json_post(hub_web, "/items/1/launch", alice, {"path": path}).json()
    assert body["template"] == "image-stats"
    user, query = ticket_link(real_hub, body["src"])
    assert user == "alice" and query["next"] == [f"/hub/user-redirect/doc/tree/{path}"]


def test_embed_fallback_mints_a_fresh_ticket(
    hub_web: TestClient, alice: str, real_hub: Any
) -> None:
    body = json_post(hub_web, "/items/1/launch", alice, {"template": "image-stats"}).json()
    assert body["fallback"] == "/items/1/open/image-stats"
    body = json_post(hub_web, "/items/1/launch", alice, {"path": "a b.ipynb"}).json()
    assert body["fallback"] == "/analyses/open?path=a%20b.ipynb"
    response = hub_web.get(body["fallback"], follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] != body["src"]
    _user, query = ticket_link(real_hub, response.headers["location"])
    assert query["next"] == [f"/hub/user-redirect/doc/tree/{quote('a b.ipynb')}"]
    assert hub_web.get("/analyses/open?path=../x.ipynb").status_code == 400


def test_save_keeps_only_known_template_names(
    hub_web: TestClient, alice: str, write: Callable[..., None], path: str
) -> None:
    write(path, notebook("x = 1"))
    body = {"template": "<script>x</script>", "path": path}
    version = json_post(hub_web, "/items/1/save", alice, body).json()["version_id"]
    assert "<script>x</script>" not in hub_web.get(f"/versions/{version}").text


def test_without_a_hub_embed_and_restore_explain(settings: Any, login: Callable[..., str]) -> None:
    app = create_app(settings, client=None)
    with TestClient(app) as web:
        token = login(web)
        response = json_post(web, "/items/1/launch", token, {"template": "image-stats"})
        assert response.status_code == 503 and response.json()["code"] == "hub-not-configured"
    app.state.engine.dispose()


def test_the_item_page_prestarts_the_users_server(
    hub_web: TestClient, alice: str, running: Callable[[str], None], real_hub: Any
) -> None:
    running("alice")  # she has logged in to the Hub once
    stop_server(real_hub, "alice")
    assert hub_web.post("/items/1/prestart").status_code in (401, 403)  # login and CSRF
    response = json_post(hub_web, "/items/1/prestart", alice, {})
    assert response.status_code == 200, response.text
    assert response.json()["status"] in ("starting", "ready")
    wait_until(lambda: real_hub.servers("alice").get("", {}).get("ready"), "alice's server")
