"""``nblaunch demo`` end to end, as a newcomer meets it: the real command, one Chromium.

The module starts ``python -m nblaunch demo`` itself (its own process group, free ports, a
temporary data folder) and drives the reference application in Debian's Chromium: log in, an
item page, "Analyze here" (the embedded notebook, an edit, the application's Save button, the
version's HTML render), a save from JupyterLab's own shortcut inside the frame, restore of an
older version and its conflict check, "Open in Jupyter" (a new tab with the item's id injected
and the autorun plot). The last tests stop the demo with Ctrl-C (no process or port
left behind) and start it again on the same folder (same credentials, the versions still there).

Tests run in file order and build on each other (the versions made by one are restored by the
next), which keeps the module to one demo and one browser. Screenshots go to
``test-artifacts/screenshots/``; the path is printed at the end of the module.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.integration]

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
CHP = REPO / ".cache" / "node" / "node_modules" / ".bin" / "configurable-http-proxy"
ITEM = 1  # Cameraman, an image: offers image-stats (autorun, a histogram) and item-explorer.
# "Open in Jupyter" on another item: a launch reuses an existing copy as it is, without autorun.
# It comes after "Analyze here": a Lab tab's layout (open file browser) would show in the frame.
TAB_ITEM = 2
TEMPLATE = "image-stats"
MARK_BUTTON = "saved_with_the_app_button = 4242"
MARK_SHORTCUT = "saved_with_lab_ctrl_s = 2424"
# Longer than the demo's own bounded waits (120 s app, 120 s Hub, 60 s service), so on a loaded
# machine the demo fails with its own reason rather than being stopped in the middle of starting.
START_TIMEOUT = 330.0


# --- the demo as a subprocess ---------------------------------------------------------------


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def _free_ports() -> tuple[int, int]:
    """A Hub port whose +1 (proxy API) and +81 (Hub's own) are free too, and an app port."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            hub: int = sock.getsockname()[1]
        if hub + 81 < 65536 and all(_port_free(p) for p in (hub + 1, hub + 81, hub + 2)):
            return hub, hub + 2


def _children_map() -> dict[int, list[int]]:
    """Parent pid → child pids, from /proc (no psutil needed)."""
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: the fields start after the last ")".
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _descendants(pid: int) -> set[int]:
    tree, found, todo = _children_map(), set(), [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # A zombie has exited; only its parent's wait() is missing.


@dataclass
class Demo:
    """One ``nblaunch demo`` process and what it printed."""

    data_dir: Path
    hub_port: int
    app_port: int
    process: subprocess.Popen[bytes] | None = None
    output: Path = field(init=False)

    def __post_init__(self) -> None:
        self.output = self.data_dir.parent / f"{self.data_dir.name}-demo-output.txt"

    @property
    def app_url(self) -> str:
        return f"http://127.0.0.1:{self.app_port}"

    @property
    def hub_url(self) -> str:
        return f"http://127.0.0.1:{self.hub_port}"

    @property
    def ports(self) -> tuple[int, ...]:
        return (self.app_port, self.hub_port, self.hub_port + 1, self.hub_port + 81)

    def printed(self) -> str:
        return self.output.read_text(errors="replace") if self.output.exists() else ""

    def credentials(self) -> dict[str, str]:
        path = self.data_dir / "webapp" / "demo-credentials.json"
        return dict(json.loads(path.read_text()))

    def start(self) -> float:
        """Start the demo and wait until it says it is running; return the seconds it took."""
        argv = [sys.executable, "-m", "nblaunch", "demo", "--data-dir", str(self.data_dir)]
        argv += ["--hub-port", str(self.hub_port), "--app-port", str(self.app_port)]
        env = dict(os.environ, NBLAUNCH_CHP=str(CHP))
        began = time.monotonic()
        with self.output.open("wb") as out:
            # Its own session: Ctrl-C is simulated by signalling this group, as a terminal would.
            self.process = subprocess.Popen(
                argv, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        try:
            # "is running" comes first, the credentials after it: wait for the last line.
            while "stops everything." not in self.printed():
                if self.process.poll() is not None or time.monotonic() - began > START_TIMEOUT:
                    pytest.fail(f"nblaunch demo did not start; it printed:\n{self.printed()}")
                time.sleep(0.2)
        except BaseException:
            # A failed setup runs no teardown: stop the demo here (a pytest-timeout too).
            self.stop()
            raise
        return time.monotonic() - began

    def stop(self, sig: signal.Signals = signal.SIGINT, timeout: float = 30.0) -> set[int]:
        """Signal the demo's group like a terminal's Ctrl-C; return the processes left alive."""
        if self.process is None or self.process.poll() is not None:
            return set()
        # The demo starts its children in their own groups: note them now to check them after.
        family = _descendants(self.process.pid) | {self.process.pid}
        os.killpg(self.process.pid, sig)
        with suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout)
        deadline = time.monotonic() + 5
        while any(_alive(p) for p in family) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = {p for p in family if _alive(p)}
        for pid in left:  # Never leave a stray process behind, even when the test fails.
            os.kill(pid, signal.SIGKILL)
        return left


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Demo]:
    """``nblaunch demo`` running on free ports, with a fresh data folder, for the whole module."""
    if not CHP.exists():
        pytest.skip("the Node configurable-http-proxy is not installed (make setup)")
    hub_port, app_port = _free_ports()
    running = Demo(tmp_path_factory.mktemp("demo") / "data", hub_port, app_port)
    seconds = running.start()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    yield running
    running.stop()
    # Shown even without -s: pytest captures a fixture's output unless told otherwise.
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(f"\nnblaunch demo started in {seconds:.1f} s; screenshots in {SCREENSHOTS}")


@pytest.fixture(scope="module")
def alice_login(demo: Demo, browser: Any) -> dict[str, Any]:
    """Alice's cookies once she has logged in to the application."""
    context = browser.new_context()
    tab = context.new_page()
    _log_in(tab, demo, "alice")
    tab.wait_for_url(f"{demo.app_url}/items")  # The session cookie is set once this page loads.
    state: dict[str, Any] = context.storage_state()
    context.close()
    return state


def _alice_context(browser: Any, login: dict[str, Any]) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, storage_state=login)
    context.set_default_timeout(60_000)
    return context


# Tests close contexts, never single pages: Chromium can drop a page close that lands on a
# navigation commit, and Playwright's page.close() then waits forever (playwright#41900).
@pytest.fixture
def alice(browser: Any, alice_login: dict[str, Any]) -> Iterator[Any]:
    """A browser context of alice's, logged in to the application, for one test."""
    context = _alice_context(browser, alice_login)
    yield context
    context.close()


@pytest.fixture(scope="module")
def workspace(demo: Demo, browser: Any, alice_login: dict[str, Any]) -> Iterator[Any]:
    """Alice's item page, shared by the "Analyze here" tests (one embedded notebook for all)."""
    context = _alice_context(browser, alice_login)
    tab = context.new_page()
    tab.goto(f"{demo.app_url}/items/{ITEM}")
    yield tab
    context.close()


@pytest.fixture(scope="module")
def versions() -> dict[str, int]:
    """Version ids the tests made, by name, for the tests that come after."""
    return {}


def _log_in(tab: Any, demo: Demo, user: str, password: str | None = None) -> None:
    tab.goto(f"{demo.app_url}/login?next=/items")
    tab.fill("input[name=username]", user)
    tab.fill("input[name=password]", password or demo.credentials()[user])
    tab.click("button[type=submit]")


def _status(tab: Any, text: str, timeout: float = 60_000) -> str:
    """Wait until the workspace's status line contains ``text``; return the whole line."""
    script = "t => document.querySelector('#nb-status').textContent.includes(t)"
    try:
        tab.wait_for_function(script, arg=text, timeout=timeout)
    except Exception:
        pytest.fail(f"status never said {text!r}; it says {tab.text_content('#nb-status')!r}")
    return str(tab.text_content("#nb-status"))


def _version_id(status: str) -> int:
    return int(status.rsplit("#", 1)[1].rstrip("."))


def _notebook_path(tab: Any, demo: Demo, version_id: int) -> str:
    """The path in alice's server of the notebook that ``version_id`` is a version of."""
    tab.goto(f"{demo.app_url}/versions/{version_id}")
    return str(tab.text_content("p.crumbs code"))


# --- the tests, in the order a newcomer goes ------------------------------------------------


def test_demo_prints_urls_and_credentials(demo: Demo) -> None:
    printed = demo.printed()
    assert f"{demo.app_url}/" in printed and f"{demo.hub_url}/hub/" in printed
    for user, password in demo.credentials().items():
        assert user in printed and password in printed
    assert httpx.get(f"{demo.app_url}/api/health").json() == {"status": "ok"}


def test_log_in(demo: Demo, browser: Any) -> None:
    context = browser.new_context()
    tab = context.new_page()
    _log_in(tab, demo, "alice", "not-the-password")
    assert "wrong password" in tab.text_content("[role=alert]")
    _log_in(tab, demo, "alice")
    tab.wait_for_url(f"{demo.app_url}/items")
    assert tab.text_content(".who") == "alice"
    assert tab.locator(f"a[href='/items/{ITEM}']").count() >= 1
    context.close()


def test_item_page(demo: Demo, workspace: Any) -> None:
    tab = workspace
    assert tab.locator("h1").first.inner_text().startswith("Cameraman")
    assert tab.locator(f"a[href='/items/{ITEM}/open/{TEMPLATE}']").inner_text() == "Open in Jupyter"
    assert tab.locator(f"[data-analyze-template={TEMPLATE}]").is_enabled()
    tab.locator("img.preview").wait_for()
    tab.screenshot(path=str(SCREENSHOTS / "item-page.png"))


def test_analyze_here_save_creates_a_version_with_the_edit(
    demo: Demo, workspace: Any, versions: dict[str, int]
) -> None:
    tab = workspace
    tab.click(f"[data-analyze-template={TEMPLATE}]")
    _status(tab, "Ready")
    frame = tab.frame_locator("#nb-frame iframe")
    frame.locator(".jp-Notebook .jp-Cell").last.locator(".jp-OutputArea-output img").wait_for()
    # Autorun saved its outputs in Jupyter, which is no version: nobody asked for one.
    tab.locator("#nb-note", has_text="not a version").wait_for()
    # A first save keeps the notebook as autorun left it: the "older version" restored later.
    versions["plain"] = _save_with_button(tab)
    _add_cell(tab, frame, MARK_BUTTON)
    tab.screenshot(path=str(SCREENSHOTS / "embedded-notebook.png"))
    versions["button"] = _save_with_button(tab)
    assert versions["button"] > versions["plain"]
    render = httpx.get(f"{demo.app_url}/versions/{versions['button']}/html", cookies=_cookies(tab))
    assert render.status_code == 200
    assert "saved_with_the_app_button" in render.text
    old = httpx.get(f"{demo.app_url}/versions/{versions['plain']}/html", cookies=_cookies(tab))
    assert "saved_with_the_app_button" not in old.text


def _save_with_button(tab: Any) -> int:
    """Click the application's Save button; return the id of the new version it stored."""
    tab.evaluate("document.querySelector('#nb-status').textContent = ''")
    tab.click("#nb-save")
    return _version_id(_status(tab, "Saved as version #"))


def _add_cell(tab: Any, frame: Any, code: str) -> None:
    """Below the last cell, a new code cell holding ``code``, typed as a person would."""
    frame.locator(".jp-Notebook .jp-Cell").last.click()
    tab.keyboard.press("Escape")
    tab.keyboard.press("b")
    tab.keyboard.press("Enter")
    tab.keyboard.type(code)
    tab.keyboard.press("Escape")
    frame.locator(".jp-Notebook .jp-Cell", has_text=code).wait_for()


def _cookies(tab: Any) -> dict[str, str]:
    return {c["name"]: c["value"] for c in tab.context.cookies() if c["domain"] == "127.0.0.1"}


def test_lab_save_shortcut_in_the_frame_becomes_a_version(
    demo: Demo, workspace: Any, versions: dict[str, int]
) -> None:
    tab = workspace
    frame = tab.frame_locator("#nb-frame iframe")
    _add_cell(tab, frame, MARK_SHORTCUT)
    tab.evaluate("document.querySelector('#nb-status').textContent = ''")
    tab.keyboard.press("Control+s")  # Focus is inside the frame: JupyterLab's own save.
    versions["shortcut"] = _version_id(_status(tab, "Saved as version #"))
    assert versions["shortcut"] > versions["button"]
    render = httpx.get(
        f"{demo.app_url}/versions/{versions['shortcut']}/html", cookies=_cookies(tab)
    )
    assert "saved_with_lab_ctrl_s" in render.text
    # Leave the notebook (no autosave behind the next test's back); it is among "My analyses".
    path = _notebook_path(tab, demo, versions["shortcut"])
    tab.goto(f"{demo.app_url}/analyses")
    assert path in tab.inner_text("main")


def _restore(tab: Any, demo: Demo, version_id: int, expect: str = "?restored=1") -> None:
    """Press "Restore into my Jupyter server" on a version's page; wait for the answer."""
    tab.goto(f"{demo.app_url}/versions/{version_id}")
    tab.get_by_role("button", name="Restore into my Jupyter server").click()
    tab.wait_for_url(f"**{expect}")


def test_restore_an_older_version(demo: Demo, alice: Any, versions: dict[str, int]) -> None:
    tab = alice.new_page()
    path = _notebook_path(tab, demo, versions["plain"])
    on_disk = demo.data_dir / "users" / "alice" / path
    tab.goto(f"{demo.app_url}/analyses/history?path={path}")
    listed = tab.inner_text("table.list")
    assert all(f"#{versions[name]}" in listed for name in ("plain", "button", "shortcut"))
    # The file is what the application last stored: restoring the first version just works.
    _restore(tab, demo, versions["plain"])
    assert "was restored" in tab.inner_text("main")
    assert "saved_with" not in on_disk.read_text()
    # The restored content is now the latest version: going forward again is no conflict.
    _restore(tab, demo, versions["shortcut"])
    assert "saved_with_lab_ctrl_s" in on_disk.read_text()


def test_restore_asks_when_the_file_changed_in_jupyter(
    demo: Demo, alice: Any, versions: dict[str, int]
) -> None:
    tab = alice.new_page()
    on_disk = demo.data_dir / "users" / "alice" / _notebook_path(tab, demo, versions["button"])
    # Edited outside the application since its last save (a cell added, never saved there).
    content = json.loads(on_disk.read_text())
    content["cells"].insert(0, {"cell_type": "markdown", "id": "elsewhere", "metadata": {},
                                "source": "edited elsewhere"})  # fmt: skip
    on_disk.write_text(json.dumps(content))
    _restore(tab, demo, versions["button"], expect="/restore")
    assert "The notebook changed in Jupyter" in tab.inner_text("main")
    assert "edited elsewhere" in on_disk.read_text()  # Nothing was overwritten.
    tab.get_by_role("button", name="Restore anyway").click()
    tab.wait_for_url("**?restored=1")
    assert "was restored" in tab.inner_text("main")
    assert "saved_with_the_app_button" in on_disk.read_text()
    assert "edited elsewhere" not in on_disk.read_text()


def test_open_in_jupyter_injects_the_id_and_autoruns(demo: Demo, alice: Any) -> None:
    tab = alice.new_page()
    tab.goto(f"{demo.app_url}/items/{TAB_ITEM}")
    with tab.expect_popup() as popup:
        tab.click(f"a[href='/items/{TAB_ITEM}/open/{TEMPLATE}']")
    lab = popup.value
    lab.wait_for_url("**/user/alice/lab/tree/**", timeout=90_000)
    # Autorun: the last cell draws the image and its histogram.
    lab.locator(".jp-Notebook .jp-Cell").last.locator(".jp-OutputArea-output img").wait_for(
        timeout=90_000
    )
    text = lab.locator(".jp-Notebook").inner_text()
    assert f"item_id = {TAB_ITEM}" in text
    assert f"{demo.app_url}/api" in text
    # The demo decided JupyterLab's news setting: no prompt covers the notebook.
    assert lab.get_by_text("notified about official Jupyter news").count() == 0
    lab.screenshot(path=str(SCREENSHOTS / "open-in-jupyter.png"))


def test_ctrl_c_stops_everything(demo: Demo) -> None:
    left = demo.stop(signal.SIGINT)
    assert not left, f"processes left after Ctrl-C: {sorted(left)}"
    assert demo.process is not None and demo.process.returncode == 0
    busy = [port for port in demo.ports if not _port_free(port)]
    assert not busy, f"ports still answering after Ctrl-C: {busy}"


def test_second_run_reuses_the_data(demo: Demo, browser: Any, versions: dict[str, int]) -> None:
    before = demo.credentials()
    again = Demo(demo.data_dir, demo.hub_port, demo.app_port)
    again.output = demo.data_dir.parent / "second-run-output.txt"
    seconds = again.start()
    try:
        assert again.credentials() == before
        for password in before.values():
            assert password in again.printed()
        context = browser.new_context()
        tab = context.new_page()
        _log_in(tab, again, "alice", before["alice"])
        tab.wait_for_url(f"{again.app_url}/items")
        tab.goto(f"{again.app_url}/versions/{versions['shortcut']}")
        assert f"Version #{versions['shortcut']}" in tab.inner_text("h1")
        render = httpx.get(
            f"{again.app_url}/versions/{versions['shortcut']}/html", cookies=_cookies(tab)
        )
        assert "saved_with_lab_ctrl_s" in render.text
        context.close()
    finally:
        left = again.stop(signal.SIGTERM)
    assert not left, f"processes left after SIGTERM: {sorted(left)}"
    print(f"second start took {seconds:.1f} s")
