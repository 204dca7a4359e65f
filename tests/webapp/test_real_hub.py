"""The application against a real JupyterHub with the nblaunch service and the real client.

No browser: httpx follows the ticket link through login, spawn and progress like a browser would,
and the user's server is edited on disk the way JupyterLab would save it. These replace the
``fakehub`` tests where a Hub can run; the browser tests add the embed and the UI on top.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from fastapi.testclient import TestClient

from nblaunch.webapp import Settings, create_app

pytestmark = pytest.mark.integration

HUB_CONFTEST = Path(__file__).resolve().parents[1] / "hub" / "conftest.py"


def _hub_helpers() -> Any:
    # The hub tests' start_hub(), loaded under its own name: conftest fixtures of a sibling
    # folder are not visible here, and this keeps one way of starting a test Hub.
    spec = importlib.util.spec_from_file_location("_nblaunch_hub_helpers", HUB_CONFTEST)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def real_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    helpers = _hub_helpers()
    if not Path(helpers.CHP).exists():
        pytest.skip("the Node configurable-http-proxy is not installed (make setup)")
    templates = Path(__file__).resolve().parents[2] / "nblaunch" / "templates"
    hub = helpers.start_hub(tmp_path_factory.mktemp("realhub"), templates_dir=str(templates))
    hub.helpers = helpers
    yield hub
    hub.stop()


@pytest.fixture
def web_real(real_hub: Any, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        data_dir=tmp_path / "data",
        hub_url=real_hub.url,
        api_token=real_hub.helpers.HOST_TOKEN,
        ticket_secret=real_hub.helpers.SECRET,
        secret_key="test",
    )
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
    app.state.engine.dispose()


def _open(web: TestClient, hub: Any, item_id: int, template: str) -> str:
    """Follow "Open in Jupyter" into the user's server; return the notebook's path there."""
    response = web.get(f"/items/{item_id}/open/{template}", follow_redirects=False)
    assert response.status_code == 303, response.text
    with hub.client() as browser:
        final = hub.launch(browser, response.headers["location"])
    location = urljoin(hub.url, final.headers["location"])
    found = re.search(r"/(?:lab|doc)/tree/([^?]+)", urlsplit(location).path)
    assert found, location
    return unquote(found.group(1))


def _post(web: TestClient, url: str, body: dict[str, Any]) -> Any:
    token = re.search(r'data-csrf="([^"]+)"', web.get("/items/1").text)
    assert token
    headers = {"X-CSRF-Token": token.group(1), "Accept": "application/json"}
    return web.post(url, json=body, headers=headers)


def _edit_on_disk(hub: Any, user: str, path: str, source: str) -> None:
    file = hub.home(user) / path
    notebook = json.loads(file.read_text())
    notebook["cells"].append({"cell_type": "markdown", "id": f"e{len(source)}",
                              "metadata": {}, "source": source})  # fmt: skip
    file.write_text(json.dumps(notebook))


def test_open_save_restore_against_a_real_hub(
    web_real: TestClient, real_hub: Any, login: Callable[..., str]
) -> None:
    token = login(web_real, "alice")
    path = _open(web_real, real_hub, 3, "image-stats")
    copy = json.loads((real_hub.home("alice") / path).read_text())
    injected = "".join("".join(c["source"]) for c in copy["cells"])
    assert "item_id = 3" in injected and "api_url = " in injected

    body = {"template": "image-stats", "path": path}
    first = _post(web_real, "/items/3/save", body).json()
    assert first["created"] is True, first
    assert _post(web_real, "/items/3/save", body).json()["created"] is False
    _edit_on_disk(real_hub, "alice", path, "first edit")
    second = _post(web_real, "/items/3/save", body).json()
    assert second["created"] is True
    assert "first edit" in web_real.get(f"/versions/{second['version_id']}/html").text

    # Restore the first version: the file is what we last stored, so no conflict.
    response = web_real.post(f"/versions/{first['version_id']}/restore", data={"csrf_token": token})
    assert response.status_code == 200 and "was restored" in response.text
    assert "first edit" not in (real_hub.home("alice") / path).read_text()

    # Edited in Jupyter and not saved here: a restore is refused, then forced.
    _edit_on_disk(real_hub, "alice", path, "unsaved edit")
    response = web_real.post(
        f"/versions/{second['version_id']}/restore", data={"csrf_token": token}
    )
    assert response.status_code == 409 and "changed in Jupyter" in response.text
    assert "unsaved edit" in (real_hub.home("alice") / path).read_text()
    form = {"csrf_token": token, "force": "true"}
    response = web_real.post(f"/versions/{second['version_id']}/restore", data=form)
    assert response.status_code == 200
    assert "unsaved edit" not in (real_hub.home("alice") / path).read_text()


def test_embed_urls_log_in_by_ticket(
    web_real: TestClient, real_hub: Any, login: Callable[..., str]
) -> None:
    login(web_real, "bob")
    body = _post(web_real, "/items/7/launch", {"template": "table-summary"}).json()
    assert body["origin"] == real_hub.origin
    with real_hub.client() as browser:
        final = real_hub.launch(browser, body["src"])
    assert "/user/bob/doc/tree/" in final.headers["location"]


def test_save_with_the_server_stopped_is_refused_clearly(
    web_real: TestClient, real_hub: Any, login: Callable[..., str]
) -> None:
    login(web_real, "alice")
    path = _open(web_real, real_hub, 1, "item-explorer")
    stopped = real_hub.admin("DELETE", "users/alice/server")
    assert stopped.status_code in (202, 204)
    deadline = time.monotonic() + 20
    while real_hub.servers("alice") and time.monotonic() < deadline:
        time.sleep(0.2)  # a 202 stop finishes in the background
    response = _post(web_real, "/items/1/save", {"template": "item-explorer", "path": path})
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "server-not-running"
