"""``NBLaunchClient`` and ``AsyncNBLaunchClient`` against a real JupyterHub with the service.

Each test uses its own user, so the session's shared Hub can serve them in any order. Users
are created by their first ticket login (no ``admin:users`` anywhere).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import nbformat
import pytest
from _harness.waiting import wait_until

from nblaunch.client import (
    AsyncNBLaunchClient,
    AuthError,
    ConflictError,
    HubUnreachableError,
    NBLaunchClient,
    Notebook,
    NotebookNotFoundError,
    ServerNotRunningError,
    UserNotFoundError,
)

from .conftest import hubfix, launch

pytestmark = pytest.mark.integration


def notebook(source: str) -> dict[str, Any]:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell(source)]
    return json.loads(nbformat.writes(nb))


def test_templates_lists_the_catalog_with_schemas(client: NBLaunchClient) -> None:
    found = {t.name: t for t in client.templates()}
    assert {"stats", "plain"} <= set(found)
    names = [p["name"] for p in found["stats"].parameters]
    assert names == ["n", "label"]
    assert found["stats"].title == "Stats"


def test_launch_lands_in_the_parameterized_copy(
    hub: Any, client: NBLaunchClient, running: Callable[..., str]
) -> None:
    path = running("cl-launch", n=7, label="seven")
    copy = json.loads((hub.home("cl-launch") / path).read_text())
    sources = "\n".join("".join(c["source"]) for c in copy["cells"])
    assert "n = 7" in sources and 'label = "seven"' in sources


def test_fetch_put_round_trip(client: NBLaunchClient, running: Callable[..., str]) -> None:
    path = running("cl-trip")
    first = client.fetch("cl-trip", path)
    assert first.path == path and first.hash and first.last_modified is not None
    assert "trusted" not in json.dumps([c.get("metadata", {}) for c in first.content["cells"]])
    edited = notebook("print('restored from the host')")
    written = client.put("cl-trip", "saved/restored.ipynb", edited)
    again = client.fetch("cl-trip", "saved/restored.ipynb")
    assert again.hash == written.hash
    assert again.content["cells"][0]["source"] == "print('restored from the host')"
    # Same content, same hash: a host stores a new version only when it changed.
    assert client.fetch("cl-trip", "saved/restored.ipynb").hash == again.hash


def test_put_with_the_current_hash_overwrites(
    client: NBLaunchClient, running: Callable[..., str]
) -> None:
    path = running("cl-cas")
    current = client.fetch("cl-cas", path)
    client.put("cl-cas", path, notebook("x = 'second'"), expect_hash=current.hash)
    assert client.fetch("cl-cas", path).content["cells"][0]["source"] == "x = 'second'"


def test_put_with_a_stale_hash_is_refused_and_writes_nothing(
    hub: Any, client: NBLaunchClient, running: Callable[..., str]
) -> None:
    path = running("cl-stale")
    seen = client.fetch("cl-stale", path)
    # Someone saves in between (the user in JupyterLab, here another put).
    client.put("cl-stale", path, notebook("x = 'theirs'"), expect_hash=seen.hash)
    on_disk = (hub.home("cl-stale") / path).read_bytes()
    with pytest.raises(ConflictError) as caught:
        client.put("cl-stale", path, notebook("x = 'mine'"), expect_hash=seen.hash)
    assert caught.value.response is not None and caught.value.response.status_code == 409
    assert "NOT overwritten" in str(caught.value)
    assert (hub.home("cl-stale") / path).read_bytes() == on_disk


async def test_racing_puts_one_wins_and_its_answer_is_what_is_stored(
    hub: Any, aclient: AsyncNBLaunchClient, running: Callable[..., str]
) -> None:
    path = running("cl-race")
    seen = await aclient.fetch("cl-race", path)
    sources = [f"z = {i}" for i in range(4)]
    results = await asyncio.gather(
        *(aclient.put("cl-race", path, notebook(text), expect_hash=seen.hash) for text in sources),
        return_exceptions=True,
    )
    won = [r for r in results if isinstance(r, Notebook)]
    assert len(won) == 1, results
    assert all(isinstance(r, ConflictError) for r in results if r is not won[0])
    # The winner reports the content that is stored and that content's hash, nobody else's.
    stored = await aclient.fetch("cl-race", path)
    assert (won[0].hash, won[0].content) == (stored.hash, stored.content)
    assert won[0].content["cells"][0]["source"] in sources


def test_a_user_name_the_hub_would_change_is_refused(client: NBLaunchClient) -> None:
    with pytest.raises(ValueError, match="'carol'"):
        client.fetch("Carol", "a.ipynb")


def test_unknown_user(client: NBLaunchClient) -> None:
    with pytest.raises(UserNotFoundError) as caught:
        client.fetch("nobody-ever-logged-in", "a.ipynb")
    assert "first login" in str(caught.value)
    assert caught.value.request is not None


def test_missing_notebook(client: NBLaunchClient, running: Callable[..., str]) -> None:
    running("cl-missing")
    with pytest.raises(NotebookNotFoundError):
        client.fetch("cl-missing", "no/such.ipynb")


def test_server_not_running(hub: Any, client: NBLaunchClient, running: Callable[..., str]) -> None:
    path = running("cl-stopped")
    response = hub.admin("DELETE", "users/cl-stopped/server", timeout=60)
    assert response.status_code in (202, 204)
    _wait_stopped(hub, "cl-stopped")
    with pytest.raises(ServerNotRunningError) as caught:
        client.fetch("cl-stopped", path)
    assert "start their server" in str(caught.value)
    with pytest.raises(ServerNotRunningError):
        client.put("cl-stopped", path, notebook("lost?"))


def test_wrong_token(hub: Any) -> None:
    client = NBLaunchClient(hub.url, "not-a-token-" + "x" * 20, hubfix.SECRET)
    with client, pytest.raises(AuthError) as caught:
        client.fetch("alice", "a.ipynb")
    assert caught.value.status_code == 403
    assert "not-a-token" not in str(caught.value)


def test_a_user_token_lacks_the_contents_scope(hub: Any) -> None:
    # A token of the service itself may reach the service, but holds no custom:nblaunch:contents.
    client = NBLaunchClient(hub.url, hubfix.SERVICE_TOKEN, hubfix.SECRET)
    with client, pytest.raises(AuthError):
        client.fetch("alice", "a.ipynb")


def test_hub_unreachable() -> None:
    client = NBLaunchClient("http://127.0.0.1:9/", "token", "secret", timeout=2)
    with client, pytest.raises(HubUnreachableError) as caught:
        client.templates()
    assert caught.value.response is None
    assert "Check hub_url" in str(caught.value)


async def test_hub_unreachable_async() -> None:
    async with AsyncNBLaunchClient("http://127.0.0.1:9/", "token", "secret", timeout=2) as client:
        with pytest.raises(HubUnreachableError):
            await client.templates()


async def test_async_client_does_the_same(
    hub: Any, aclient: AsyncNBLaunchClient, running: Callable[..., str]
) -> None:
    path = running("cl-async")
    assert "stats" in {t.name for t in await aclient.templates()}
    seen = await aclient.fetch("cl-async", path)
    await aclient.put("cl-async", path, notebook("y = 1"), expect_hash=seen.hash)
    with pytest.raises(ConflictError):
        await aclient.put("cl-async", path, notebook("y = 2"), expect_hash=seen.hash)
    assert (await aclient.fetch("cl-async", path)).content["cells"][0]["source"] == "y = 1"
    with pytest.raises(UserNotFoundError):
        await aclient.fetch("nobody-async", path)


def test_hub_with_a_base_url_prefix(make_hub: Callable[..., Any]) -> None:
    hub = make_hub(base_url="/jhub/")
    with NBLaunchClient(hub.url, hubfix.HOST_TOKEN, hubfix.SECRET) as client:
        assert client.hub_url.endswith("/jhub/")
        assert "stats" in {t.name for t in client.templates()}
        url = client.launch_url("cl-prefix", "stats", {"n": 3})
        assert "/jhub/hub/login?" in url
        path = launch(hub, client, "cl-prefix", n=3)
        assert client.fetch("cl-prefix", path).content["cells"]
        # open_url goes through the Hub's user-redirect into the same notebook.
        with hub.client() as browserish:
            response = hub.launch(browserish, client.open_url("cl-prefix", path))
        assert response.headers["location"].split("?")[0].endswith(f"/doc/tree/{path}")


def _wait_stopped(hub: Any, user: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not hub.servers(user):
            return
        time.sleep(0.2)
    raise AssertionError(f"{user}'s server did not stop")


def test_no_token_in_any_url(client: NBLaunchClient) -> None:
    request = client.api.templates_request()
    assert hubfix.HOST_TOKEN not in str(request.url)
    assert request.headers["Authorization"] == f"token {hubfix.HOST_TOKEN}"
    assert isinstance(request, httpx.Request)


def test_prestart_starts_a_stopped_server_and_writes_nothing(
    hub: Any, client: NBLaunchClient, running: Callable[..., str]
) -> None:
    running("cl-prestart")  # she has logged in once; her server is up
    assert client.prestart("cl-prestart") == "ready"
    response = hub.admin("DELETE", "users/cl-prestart/server", timeout=60)
    assert response.status_code in (202, 204)
    _wait_stopped(hub, "cl-prestart")
    before = sorted(p.name for p in hub.home("cl-prestart").rglob("*.ipynb"))
    assert client.prestart("cl-prestart") in ("starting", "ready")
    wait_until(lambda: hub.servers("cl-prestart").get("", {}).get("ready"), "the prestarted server")
    assert sorted(p.name for p in hub.home("cl-prestart").rglob("*.ipynb")) == before
    with pytest.raises(UserNotFoundError):
        client.prestart("nobody-ever-logged-in")
