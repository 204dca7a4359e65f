"""``docs/examples/embed_app.py``, the guide's FastAPI example, against the real Hub in Chromium.

The example is loaded from the docs folder as it is printed in the guide; only its
``current_user`` dependency is replaced (the guide says: your application's login).
"""

from __future__ import annotations

import importlib.util
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from .conftest import hubfix

pytestmark = [pytest.mark.integration, pytest.mark.browser]

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "embed_app.py"
USER = "ex-user"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _load(hub_url: str) -> ModuleType:
    env = {"NBLAUNCH_HUB_URL": hub_url, "NBLAUNCH_TOKEN": hubfix.HOST_TOKEN}
    env["NBLAUNCH_SECRET"] = hubfix.SECRET
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        spec = importlib.util.spec_from_file_location("embed_app_example", EXAMPLE)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key)
            else:
                os.environ[key] = value
    return module


@pytest.fixture(scope="module")
def example(make_hub: Callable[..., Any]) -> Iterator[tuple[str, ModuleType]]:
    uvicorn = pytest.importorskip("uvicorn")
    port = _free_port()
    origin = f"http://127.0.0.1:{port}"
    hub = make_hub(embed_origins=[origin])
    module = _load(hub.url)
    module.app.dependency_overrides[module.current_user] = lambda: USER
    server = uvicorn.Server(
        uvicorn.Config(module.app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the example app did not start"
        time.sleep(0.05)
    yield origin, module
    server.should_exit = True
    thread.join(10)
    module.client.close()


def test_the_fallback_route_mints_a_fresh_ticket(example: tuple[str, ModuleType]) -> None:
    origin, module = example
    first = httpx.get(f"{origin}/items/4/new-tab")
    second = httpx.get(f"{origin}/items/4/new-tab")
    assert first.status_code == 307
    assert first.headers["location"].startswith(module.client.hub_url + "hub/login?login_token=")
    assert first.headers["location"] != second.headers["location"]


def test_embed_edit_save_lands_in_the_apps_store(
    page: Any, example: tuple[str, ModuleType]
) -> None:
    origin, module = example
    page.set_default_timeout(90_000)
    page.goto(f"{origin}/items/4")
    frame = page.frame_locator("#nb iframe")
    frame.locator(".jp-Cell .cm-content").filter(has_text="n = 4").first.wait_for()
    editor = frame.locator(".jp-Notebook .jp-Cell .cm-content").last
    editor.click()
    editor.press("Control+End")
    editor.press_sequentially("  # saved-by-the-example")
    page.click("#save")
    page.wait_for_function("document.getElementById('status').textContent === 'Saved'")
    deadline = time.monotonic() + 20
    while not module.versions.get(USER):
        assert time.monotonic() < deadline, "the example stored nothing"
        time.sleep(0.1)
    stored = module.versions[USER][-1]
    sources = "".join("".join(c["source"]) for c in stored.content["cells"])
    assert "# saved-by-the-example" in sources
    assert stored.path.startswith("nblaunch/stats")
