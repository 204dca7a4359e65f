"""The application against a real JupyterHub with the nblaunch service and the real client.

No browser: httpx follows the ticket link through login, spawn and progress like a browser would,
and the user's server is edited on disk the way JupyterLab would save it. ``test_notebooks.py``
checks each route's answers against the same Hub (``real_hub`` in ``conftest.py``); the browser
tests add the embed and the UI on top.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from fastapi.testclient import TestClient


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
    notebook["cells"].append({"cell_type": "markdown", "id": uuid.uuid4().hex[:8],
                              "metadata": {}, "source": source})  # fmt: skip
    file.write_text(json.dumps(notebook))


def test_open_save_restore_against_a_real_hub(
    hub_web: TestClient, real_hub: Any, login: Callable[..., str]
) -> None:
    # The copy outlives the test (opening the link again reuses it), so the edits are unique.
    first_edit, unsaved_edit = (f"{name} {uuid.uuid4().hex[:8]}" for name in ("first", "unsaved"))
    token = login(hub_web, "alice")
    path = _open(hub_web, real_hub, 3, "image-stats")
    copy = json.loads((real_hub.home("alice") / path).read_text())
    injected = "".join("".join(c["source"]) for c in copy["cells"])
    assert "item_id = 3" in injected and "api_url = " in injected

    body = {"template": "image-stats", "path": path}
    first = _post(hub_web, "/items/3/save", body).json()
    assert first["created"] is True, first
    assert _post(hub_web, "/items/3/save", body).json()["created"] is False
    _edit_on_disk(real_hub, "alice", path, first_edit)
    second = _post(hub_web, "/items/3/save", body).json()
    assert second["created"] is True
    assert first_edit in hub_web.get(f"/versions/{second['version_id']}/html").text

    # Restore the first version: the file is what we last stored, so no conflict.
    response = hub_web.post(f"/versions/{first['version_id']}/restore", data={"csrf_token": token})
    assert response.status_code == 200 and "was restored" in response.text
    assert first_edit not in (real_hub.home("alice") / path).read_text()

    # Edited in Jupyter and not saved here: a restore is refused, then forced.
    _edit_on_disk(real_hub, "alice", path, unsaved_edit)
    response = hub_web.post(f"/versions/{second['version_id']}/restore", data={"csrf_token": token})
    assert response.status_code == 409 and "changed in Jupyter" in response.text
    assert unsaved_edit in (real_hub.home("alice") / path).read_text()
    form = {"csrf_token": token, "force": "true"}
    response = hub_web.post(f"/versions/{second['version_id']}/restore", data=form)
    assert response.status_code == 200
    assert unsaved_edit not in (real_hub.home("alice") / path).read_text()


def test_embed_urls_log_in_by_ticket(
    hub_web: TestClient, real_hub: Any, login: Callable[..., str]
) -> None:
    login(hub_web, "bob")
    body = _post(hub_web, "/items/7/launch", {"template": "table-summary"}).json()
    assert body["origin"] == real_hub.origin
    with real_hub.client() as browser:
        final = real_hub.launch(browser, body["src"])
    assert "/user/bob/doc/tree/" in final.headers["location"]
