""" "Analyze here" in Debian's Chromium: the embedded notebook, an edit, Save, the version's render,
and a restore, with a real JupyterHub, the nblaunch service, the Lab plugin and the real client.
Only the user's saves become versions: opening an item (autorun saves its outputs) stores none.

Screenshots of the item page and the embedded notebook go to ``test-artifacts/webapp/`` (the path
is printed).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from nblaunch.webapp import Settings, create_app
from nblaunch.webapp.models import NotebookVersion

pytestmark = [pytest.mark.browser, pytest.mark.integration]

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "webapp"
MARKER = "edited_in_the_browser = 4242"


@pytest.fixture(scope="module")
def stack(real_hub: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The application served over HTTP where the session's Hub lets it frame notebooks."""
    import uvicorn

    helpers = real_hub.helpers
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("embed"), hub_url=real_hub.url,
        api_token=helpers.HOST_TOKEN, ticket_secret=helpers.SECRET, public_url=real_hub.app_url,
        secret_key="test",
    )  # fmt: skip
    app = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, args=([real_hub.app_socket],), daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield {"hub": real_hub, "app": app, "url": real_hub.app_url}
    server.should_exit = True
    thread.join(10)
    app.state.engine.dispose()


@pytest.fixture
def page(stack: dict[str, Any], browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1300, "height": 1000})
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    yield tab
    context.close()


def _status(page: Any, text: str) -> str:
    script = "t => document.querySelector('#nb-status').textContent.includes(t)"
    page.wait_for_function(script, arg=text, timeout=60_000)
    return str(page.text_content("#nb-status"))


def _stored(app: Any) -> int:
    with app.state.sessions() as db:
        return int(db.scalar(select(func.count(NotebookVersion.id))) or 0)


def _analyze(page: Any, template: str) -> Any:
    """Click "Analyze here", wait for autorun's plot and its save; return the notebook's frame."""
    page.click(f"[data-analyze-template={template}]")
    page.locator("#nb-save:enabled").wait_for()  # the notebook is ready
    frame = page.frame_locator("#nb-frame iframe")
    frame.locator(".jp-OutputArea-output img").first.wait_for()
    # Autorun saved its outputs in Jupyter: not a version, since nobody asked for one.
    page.locator("#nb-note", has_text="not a version").wait_for()
    return frame


def test_analyze_here_edit_save_render_restore(stack: dict[str, Any], page: Any) -> None:
    url, app, hub = stack["url"], stack["app"], stack["hub"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.goto(url + "/login?next=/items/3")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", app.state.demo_credentials["alice"])
    page.click("button[type=submit]")
    page.wait_for_url(url + "/items/3")
    page.screenshot(path=str(ARTIFACTS / "item-page.png"), full_page=True)

    # Each "Analyze here" autoruns and saves in Jupyter; none of that is a version.
    _analyze(page, "image-stats")
    frame = _analyze(page, "image-stats")
    assert _stored(app) == 0
    page.click("#nb-save")
    first = int(_status(page, "Saved as version #").rsplit("#", 1)[1].rstrip("."))
    page.click("#nb-save")  # the same content again: no new version, and the page says so
    assert f"No changes since version #{first}" in _status(page, "no new version")
    assert _stored(app) == 1

    cell = frame.locator(".jp-Notebook .jp-Cell").last
    cell.click()
    page.keyboard.press("Escape")
    page.keyboard.press("b")
    page.keyboard.press("Enter")
    page.keyboard.type(MARKER)
    page.keyboard.press("Escape")
    page.screenshot(path=str(ARTIFACTS / "embedded-notebook.png"))

    page.click("#nb-save")
    status = _status(page, "Saved as version #")
    version = int(status.rsplit("#", 1)[1].rstrip("."))
    print(f"\nscreenshots in {ARTIFACTS}")

    page.goto(f"{url}/versions/{version}/html")
    assert "edited_in_the_browser" in page.content()
    assert _stored(app) == 2

    # Restore the first version stored for this notebook: the edit leaves the user's file.
    page.goto(f"{url}/analyses")
    page.click("text=view latest")
    path = page.text_content("p.crumbs code")
    page.goto(f"{url}/analyses/history?path={path}")
    oldest = page.locator("table.list tbody tr").last.locator("a").first
    oldest.click()
    page.click("text=Restore into my Jupyter server")
    assert "was restored" in page.text_content("main")
    on_disk = json.loads((hub.home("alice") / str(path)).read_text())
    assert MARKER not in json.dumps(on_disk)


def test_open_in_jupyter_shows_the_plot_in_a_new_tab(stack: dict[str, Any], page: Any) -> None:
    url, app = stack["url"], stack["app"]
    page.goto(url + "/login?next=/items/2")
    page.fill("input[name=username]", "bob")
    page.fill("input[name=password]", app.state.demo_credentials["bob"])
    page.click("button[type=submit]")
    page.wait_for_url(url + "/items/2")
    with page.expect_popup() as popup:
        page.click("a[href='/items/2/open/image-stats']")
    lab = popup.value
    lab.wait_for_url("**/user/bob/lab/tree/**")
    lab.locator(".jp-OutputArea-output img").first.wait_for(timeout=90_000)
    assert "item_id = 2" in lab.locator(".jp-Notebook").inner_text()
    assert "Item 2: Greek coins (image)" in lab.locator(".jp-Notebook").inner_text()
