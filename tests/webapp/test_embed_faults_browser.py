"""Faults while a notebook is embedded on the item page (issue 11 §2), in Debian's Chromium with
a real JupyterHub, the nblaunch service, the Lab plugin and the reference application.

- The user's server is killed (SIGKILL): the page's Save fails with a clear message and stores
  nothing; "Open again" starts a new server and shows the last saved version.
- Two tabs save the same notebook: the stale one does not overwrite the other's work; it gets a
  conflict with actions, its content is kept as a version of a copy, and "Keep mine" makes it the
  newest version while the other tab's stays in the history.

The Hub here is this module's own: it polls its servers every second (``Spawner.poll_interval``,
30 s by default), so that it notices a killed server while the test waits.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from _harness.waiting import wait_until
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from sqlalchemy import select

from nblaunch.webapp import Settings, create_app
from nblaunch.webapp.models import NotebookVersion

pytestmark = [pytest.mark.browser, pytest.mark.integration]

REPO = Path(__file__).resolve().parents[2]
SAVED = "saved_before_the_kill = 1"
LOST = "typed_after_the_kill = 2"
TAB_ONE = "from_tab_one = 11"
TAB_TWO = "from_tab_two = 22"


@pytest.fixture(scope="module")
def stack(make_hub: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The application over HTTP, framing notebooks of a Hub that polls its servers every second."""
    import _harness.hub as helpers
    import uvicorn

    app_socket = socket.socket()
    app_socket.bind(("127.0.0.1", 0))
    app_socket.listen()
    app_url = f"http://127.0.0.1:{app_socket.getsockname()[1]}"
    hub = make_hub(
        templates_dir=str(REPO / "nblaunch" / "templates"), embed_origins=[app_url],
        host_url=app_url, extra_config="c.Spawner.poll_interval = 1\n",
    )  # fmt: skip
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("faults"), hub_url=hub.url, api_token=helpers.HOST_TOKEN,
        ticket_secret=helpers.SECRET, public_url=app_url, secret_key="test",
    )  # fmt: skip
    app = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, args=([app_socket],), daemon=True)
    thread.start()
    wait_until(lambda: server.started, "the application to serve")
    yield {"hub": hub, "app": app, "url": app_url}
    server.should_exit = True
    thread.join(10)
    app.state.engine.dispose()
    app_socket.close()


def _tab(stack: dict[str, Any], browser: Any, user: str) -> Any:
    """A logged-in tab of its own browser context (its own cookies), on item 3."""
    url, app = stack["url"], stack["app"]
    page = browser.new_context(viewport={"width": 1300, "height": 1000}).new_page()
    page.set_default_timeout(90_000)
    page.goto(url + "/login?next=/items/3")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", app.state.demo_credentials[user])
    page.click("button[type=submit]")
    page.wait_for_url(url + "/items/3")
    return page


def _status(page: Any, text: str) -> str:
    script = "t => document.querySelector('#nb-status').textContent.includes(t)"
    try:
        page.wait_for_function(script, arg=text, timeout=90_000)
    except PlaywrightTimeout:
        shown = page.text_content("#nb-status")
        raise AssertionError(f"waited for {text!r}; the status says {shown!r}") from None
    return str(page.text_content("#nb-status"))


def _ready(page: Any) -> Any:
    """Wait until the embedded notebook is shown; return its frame."""
    page.locator("#nb-save:enabled").wait_for()
    frame = page.frame_locator("#nb-frame iframe")
    frame.locator(".jp-Notebook .jp-Cell").first.wait_for()
    return frame


def _opened(page: Any) -> Any:
    """Open item 3's image-stats embedded and wait until its automatic run has saved: a host
    Save clicked during the run would race the run's own outputs and saves."""
    page.click("[data-analyze-template=image-stats]")
    frame = _ready(page)
    page.locator("#nb-note", has_text="the automatic run saved its outputs").wait_for()
    return frame


def _add_cell(page: Any, frame: Any, text: str) -> None:
    """Add a code cell at the end holding ``text``, as a person would."""
    frame.locator(".jp-Notebook .jp-Cell").last.click()
    page.keyboard.press("Escape")
    page.keyboard.press("b")
    page.keyboard.press("Enter")
    page.keyboard.type(text)
    page.keyboard.press("Escape")


def _shows(frame: Any, text: str) -> None:
    frame.locator(".jp-Notebook .cm-content", has_text=text).first.wait_for()


def _saved_version(page: Any) -> int:
    return int(_status(page, "Saved as version #").rsplit("#", 1)[1].rstrip("."))


def _versions(app: Any, user: str, path: str | None = None) -> list[tuple[int, str, str]]:
    """The user's versions (of ``path`` if given): (id, path, cell sources), oldest first."""
    with app.state.sessions() as db:
        rows = db.scalars(select(NotebookVersion).order_by(NotebookVersion.id))
        found = [(v.id, v.path, _sources(v.content)) for v in rows if v.user.username == user]
    return [row for row in found if path is None or row[1] == path]


def _sources(content: dict[str, Any]) -> str:
    return "\n".join("".join(cell["source"]) for cell in content["cells"])


def _server_process(hub: Any, user: str) -> psutil.Process | None:
    """The user's jupyterhub-singleuser process, found under the Hub's process tree."""
    for child in psutil.Process(hub.proc.pid).children(recursive=True):
        try:
            if "jupyterhub-singleuser" not in " ".join(child.cmdline()):
                continue
            if child.environ().get("JUPYTERHUB_USER") == user:
                return child
        except psutil.NoSuchProcess:
            continue
    return None


def test_killed_server_save_fails_clearly_and_open_again_shows_the_last_save(
    stack: dict[str, Any], browser: Any
) -> None:
    hub, app = stack["hub"], stack["app"]
    page = _tab(stack, browser, "alice")
    frame = _opened(page)
    _add_cell(page, frame, SAVED)
    page.click("#nb-save")
    first = _saved_version(page)
    (stored,) = _versions(app, "alice")
    assert stored[0] == first and SAVED in stored[2]
    path = stored[1]

    old = _server_process(hub, "alice")
    assert old is not None, "no jupyterhub-singleuser process for alice"
    os.kill(old.pid, signal.SIGKILL)
    wait_until(lambda: not old.is_running() or old.status() == psutil.STATUS_ZOMBIE, "the kill")
    _add_cell(page, frame, LOST)
    page.click("#nb-save")
    status = _status(page, "Save failed")
    assert "did not answer" in status and "last saved version is safe" in status, status
    assert _versions(app, "alice") == [stored]  # nothing added, nothing changed

    # The Hub notices the dead server on its next poll; then "Open again" starts a new one.
    wait_until(lambda: "" not in hub.servers("alice"), "the Hub to notice", timeout=60)
    page.locator("#nb-reopen:visible").click()
    frame = _ready(page)
    _shows(frame, SAVED)
    assert LOST not in frame.locator(".jp-Notebook").inner_text()
    new = _server_process(hub, "alice")
    assert new is not None and new.pid != old.pid
    assert "differs" not in str(page.text_content("#nb-note"))
    assert _versions(app, "alice") == [stored]

    # Edits on disk that never became a version (autosave, another program) are shown, and the
    # page says so and offers the stored version.
    on_disk = hub.home("alice") / path
    content = json.loads(on_disk.read_text())
    content["cells"].append({**content["cells"][-1], "source": "written_elsewhere = 3"})
    on_disk.write_text(json.dumps(content))
    page.reload()  # "Your analyses of this item" lists the notebook now
    page.click(f"[data-analyze-path='{path}']")
    _shows(_ready(page), "written_elsewhere")
    page.locator("#nb-note", has_text=f"differs from your last saved version #{first}").wait_for()
    page.click(f"#nb-note a[href='/versions/{first}']")
    page.locator("text=Restore into my Jupyter server").wait_for()
    page.context.close()


def test_two_tabs_the_stale_save_conflicts_and_both_contents_are_kept(
    stack: dict[str, Any], browser: Any
) -> None:
    app = stack["app"]
    one = _tab(stack, browser, "bob")
    frame_one = _opened(one)
    one.click("#nb-save")
    base = _saved_version(one)
    path = next(v[1] for v in _versions(app, "bob") if v[0] == base)

    # A second tab continues the same analysis; then the first tab saves an edit.
    two = _tab(stack, browser, "bob")
    two.click(f"[data-analyze-path='{path}']")
    frame_two = _ready(two)
    _add_cell(one, frame_one, TAB_ONE)
    one.click("#nb-save")
    theirs = _saved_version(one)
    assert theirs > base

    # The second, stale tab saves its own edit: no dialog waits in its frame, nothing is
    # overwritten, and it is told so with a choice.
    _add_cell(two, frame_two, TAB_TWO)
    two.click("#nb-save")
    _status(two, "Conflict")
    two.locator("#nb-conflict:visible").wait_for()
    assert "was not overwritten" in str(two.text_content("#nb-conflict-text"))
    latest = _versions(app, "bob", path)[-1]
    assert latest[0] == theirs and TAB_ONE in latest[2] and TAB_TWO not in latest[2]
    copies = [v for v in _versions(app, "bob") if v[1] != path]
    assert len(copies) == 1 and TAB_TWO in copies[0][2] and TAB_ONE not in copies[0][2]
    assert copies[0][1].startswith(path.removesuffix(".ipynb") + "-conflict-")
    download = two.locator("#nb-mine-download").get_attribute("href")
    assert download == f"/versions/{copies[0][0]}/download"

    # "Keep mine": the second tab's content becomes the newest version and the file; the first
    # tab's stays in the history.
    two.click("#nb-keep-mine")
    frame_two = _ready(two)
    _shows(frame_two, TAB_TWO)
    two.locator("#nb-note", has_text="are now version #").wait_for()
    history = _versions(app, "bob", path)
    assert TAB_TWO in history[-1][2] and TAB_ONE not in history[-1][2]
    assert any(v[0] == theirs and TAB_ONE in v[2] for v in history)
    assert two.locator("#nb-conflict").is_hidden()
    one.context.close()
    two.context.close()


def test_load_the_stored_one_shows_the_other_tabs_save(stack: dict[str, Any], browser: Any) -> None:
    # The other choice: the stale tab shows the stored notebook; its own edit stays a version.
    app = stack["app"]
    one = _tab(stack, browser, "bob")
    frame_one = _opened(one)
    one.click("#nb-save")
    stored = _saved_version(one)
    path = next(v[1] for v in _versions(app, "bob") if v[0] == stored)
    two = _tab(stack, browser, "bob")
    two.click(f"[data-analyze-path='{path}']")
    frame_two = _ready(two)
    _add_cell(one, frame_one, "tab_one_again = 111")
    one.click("#nb-save")
    _saved_version(one)
    _add_cell(two, frame_two, "tab_two_again = 222")
    two.click("#nb-save")
    two.locator("#nb-conflict:visible").wait_for()
    two.click("#nb-load-stored")
    frame_two = _ready(two)
    _shows(frame_two, "tab_one_again")
    assert "tab_two_again" not in frame_two.locator(".jp-Notebook").inner_text()
    two.locator("#nb-note", has_text="Your changes stay as version #").wait_for()
    kept = [v for v in _versions(app, "bob") if "tab_two_again" in v[2]]
    assert len(kept) == 1 and kept[0][1] != path
    assert "tab_two_again" not in _versions(app, "bob", path)[-1][2]
    one.context.close()
    two.context.close()
