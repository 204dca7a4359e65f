"""The rows that need a host application: the reference web app (``nblaunch.webapp``) in Chromium.

Its own Hub (``harness.start_hub`` with the web app registered as the host, its token and
origin, and the repository's templates, which the item pages offer), the web app under uvicorn
in a subprocess (SQLite in a temporary folder, its users made here), Debian's Chromium.

- P5: the item page's own Save button clicked after an edit in the embedded notebook → a new
  ``NotebookVersion`` row in the web app's database, read from here with SQLAlchemy every few
  milliseconds (the row is what the person's save is for; the status line comes after it).
- P2p: a server started by the item page's prestart while the page was open (the Hub says
  ready), then "Analyze here" → the notebook visible in its frame, against the same click for a
  user whose server has run since long before; two users, taking turns. Each visit is a fresh
  browser context with the cookies of the user's first visit (web app, Hub and service), as a
  returning person's browser holds them; every click starts a kernel (autorun) on both sides.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from browser import CELL, TIMEOUT_MS
from harness import ADMIN_TOKEN, ROOT, SECRET, Hub, free_port, start_hub, stop_process
from rows import Row, median, p95
from sqlalchemy import Engine, create_engine, func, select

from nblaunch.webapp.models import NotebookVersion

HOST_TOKEN = "bench-host-" + "w" * 32
ITEM = 3  # the demo catalog's item whose first template is image-stats, as the tests use
TEMPLATE = "image-stats"  # autoruns when opened: its run's save must not become a version
FRAME = "#nb-frame iframe"
USERS = ("saver", "prestarted", "warmuser")
POLL_S = 0.002
VIEWPORT = {"width": 1300, "height": 1000}


@dataclass
class WebApp:
    """The web app's process, its URL and an engine on its database (read-only use)."""

    url: str
    proc: subprocess.Popen[bytes]
    engine: Engine

    def latest_version(self) -> int:
        with self.engine.connect() as db:
            return int(db.scalar(select(func.max(NotebookVersion.id))) or 0)

    def stop(self) -> None:
        self.engine.dispose()
        stop_process(self.proc)


def password_of(user: str) -> str:
    return f"pw-{user}-bench"


def settings_env(data: Path, hub: Hub, url: str) -> dict[str, str]:
    """The web app's settings as its ``NBLAUNCH_WEBAPP_*`` variables; no demo users."""
    return {
        "NBLAUNCH_WEBAPP_DATA_DIR": str(data), "NBLAUNCH_WEBAPP_HUB_URL": hub.url,
        "NBLAUNCH_WEBAPP_API_TOKEN": HOST_TOKEN, "NBLAUNCH_WEBAPP_TICKET_SECRET": SECRET,
        "NBLAUNCH_WEBAPP_SECRET_KEY": "bench-" + "s" * 32, "NBLAUNCH_WEBAPP_PUBLIC_URL": url,
        "NBLAUNCH_WEBAPP_DEMO_USERS": "false",
    }  # fmt: skip


def prepare(env: dict[str, str]) -> Engine:
    """Migrate the database and make ``USERS`` before the web app starts; return an engine."""
    from nblaunch.webapp import Settings
    from nblaunch.webapp.app import prepare_data
    from nblaunch.webapp.auth import create_user
    from nblaunch.webapp.db import session_factory

    engine, _ = prepare_data(Settings.from_env(env))
    with session_factory(engine)() as db:
        for user in USERS:
            create_user(db, user, password_of(user))
        db.commit()
    engine.dispose()
    return create_engine(Settings.from_env(env).effective_database_url)


def start_webapp(root: Path, hub: Hub, port: int) -> WebApp:
    """``python -m nblaunch.webapp`` on ``port``; returns once its health check answers."""
    url = f"http://127.0.0.1:{port}"
    env = settings_env(root / "webapp", hub, url)
    engine = prepare(env)
    with (root / "webapp.log").open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "nblaunch.webapp", "--port", str(port)], cwd=root,
            env={**os.environ, **env, "PYTHONPATH": str(ROOT)}, stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    app = WebApp(url, proc, engine)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(url + "/api/health", timeout=2).status_code == 200:
                return app
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    app.stop()
    raise RuntimeError("the web app did not start:\n" + (root / "webapp.log").read_text()[-3000:])


@contextmanager
def stack(root: Path) -> Iterator[tuple[Hub, WebApp]]:
    """A Hub that lets the web app frame notebooks and call the service, and the web app."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    templates = ROOT / "nblaunch" / "templates"
    hub = start_hub(root / "hub", embed_origins=[url], host=(url, HOST_TOKEN), templates=templates)
    try:
        app = start_webapp(root, hub, port)
        try:
            yield hub, app
        finally:
            app.stop()
    finally:
        hub.stop()


def web_login(browser: Any, app: WebApp, user: str) -> dict[str, Any]:
    """Log ``user`` in on the web app through its form; return the cookies for new contexts."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{app.url}/login?next=/items/{ITEM}")
        page.fill("input[name=username]", user)
        page.fill("input[name=password]", password_of(user))
        page.click("button[type=submit]")
        page.wait_for_url(f"{app.url}/items/{ITEM}")
        state: dict[str, Any] = context.storage_state()
        return state
    finally:
        context.close()


def analyze(page: Any) -> Any:
    """Click "Analyze here"; wait for the notebook in its frame; return the frame."""
    page.click(f"[data-analyze-template={TEMPLATE}]")
    frame = page.frame_locator(FRAME)
    frame.locator(CELL).first.wait_for(timeout=TIMEOUT_MS)
    return frame


def settle(page: Any) -> None:
    """Wait until the embed is ready and autorun has saved its outputs (not a version)."""
    page.locator("#nb-save:enabled").wait_for(timeout=TIMEOUT_MS)
    page.locator("#nb-note", has_text="not a version").wait_for(timeout=TIMEOUT_MS)


def stop_kernels(hub: Hub, user: str) -> None:
    """Shut down the user's kernels (every launch starts one): no idle kernels pile up."""
    api = f"{hub.url}user/{user}/api/kernels"
    headers = {"Authorization": f"token {ADMIN_TOKEN}"}
    try:
        kernels = httpx.get(api, headers=headers, timeout=30).json()
        for kernel in kernels if isinstance(kernels, list) else []:
            httpx.delete(f"{api}/{kernel['id']}", headers=headers, timeout=30)
    except (httpx.HTTPError, ValueError):
        pass  # a stopped server has no kernels


def wait_ready(hub: Hub, user: str, timeout: float = 300) -> None:
    """Poll the Hub's API until the user's default server is ready."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = hub.admin("GET", f"users/{user}")
        if answer.status_code == 200 and answer.json().get("servers", {}).get("", {}).get("ready"):
            return
        time.sleep(0.05)
    raise RuntimeError(f"the server of {user} did not become ready")


def new_row(app: WebApp, before: int, start: float, timeout: float = 60) -> float:
    """Seconds from ``start`` until a version row newer than ``before`` exists."""
    deadline = start + timeout
    while time.perf_counter() < deadline:
        if app.latest_version() > before:
            return time.perf_counter() - start
        time.sleep(POLL_S)
    raise RuntimeError("the Save made no version row in the web app's database")


def edit(page: Any, frame: Any, n: int) -> None:
    """Type a new line at the end of the first cell; wait until the host page hears of it."""
    frame.locator(CELL).first.click()
    page.keyboard.press("Control+End")
    page.keyboard.type(f"\nsaved_by_bench = {n}")
    page.keyboard.press("Escape")
    page.locator("#nb-status", has_text="Unsaved changes").wait_for(timeout=30_000)


def one_save(page: Any, frame: Any, app: WebApp, n: int) -> float:
    """Edit, click the host's Save (a real mouse click), time until the row exists."""
    edit(page, frame, n)
    box = page.locator("#nb-save:enabled").bounding_box()
    before = app.latest_version()
    start = time.perf_counter()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    seconds = new_row(app, before, start)
    page.locator("#nb-status", has_text="Saved as version #").wait_for(timeout=30_000)
    return seconds


def saves(browser: Any, app: WebApp, rounds: int) -> list[Row]:
    """P5: host's Save → new version row, ``rounds`` times in one embedded notebook."""
    state = web_login(browser, app, USERS[0])
    context = browser.new_context(storage_state=state, viewport=VIEWPORT)
    try:
        page = context.new_page()
        page.goto(f"{app.url}/items/{ITEM}")
        frame = analyze(page)
        settle(page)
        one_save(page, frame, app, 0)  # warm-up: the first save also stores the autorun's run
        times = [one_save(page, frame, app, n) for n in range(1, rounds + 1)]
    finally:
        context.close()
    ms = [t * 1000 for t in times]
    measure = (f"Chromium: host's Save clicked → new version row in its database, p95 of "
               f"{rounds} (p50 {median(ms):.0f} ms)")  # fmt: skip
    return [Row("P5", measure, p95(ms), "ms", 400.0, samples={"ms": ms}, label="embedded Save")]


def first_visit(browser: Any, hub: Hub, app: WebApp, user: str) -> dict[str, Any]:
    """Log in on the web app and open the notebook once: the Hub learns the user (a prestart
    needs that) and the browser keeps the Hub's and the service's cookies, as a returning
    person's does. Returns the cookies for the timed visits."""
    state = web_login(browser, app, user)
    hub.forget_workspaces(user)
    context = browser.new_context(storage_state=state, viewport=VIEWPORT)
    try:
        page = context.new_page()
        page.goto(f"{app.url}/items/{ITEM}")
        analyze(page)
        settle(page)
        kept: dict[str, Any] = context.storage_state()
        return kept
    finally:
        context.close()
        stop_kernels(hub, user)


def click_to_notebook(browser: Any, hub: Hub, app: WebApp, user: str, state: Any) -> float:
    """Open the item page, let its prestart answer and the server be ready, then time the
    click on "Analyze here" until the notebook shows in its frame."""
    hub.forget_workspaces(user)
    context = browser.new_context(storage_state=state, viewport=VIEWPORT)
    try:
        page = context.new_page()
        page.goto(f"{app.url}/items/{ITEM}")
        page.wait_for_function("document.getElementById('workspace').dataset.prestart")
        status = page.eval_on_selector("#workspace", "e => e.dataset.prestart")
        if status not in ("starting", "ready"):
            raise RuntimeError(f"the item page's prestart for {user} answered {status!r}")
        wait_ready(hub, user)
        start = time.perf_counter()
        analyze(page)
        seconds = time.perf_counter() - start
        settle(page)  # untimed: autorun's kernel is then idle when the context closes
        return seconds
    finally:
        context.close()
        stop_kernels(hub, user)


def prestart(browser: Any, hub: Hub, app: WebApp, rounds: int) -> list[Row]:
    """P2p: after a prestart the page was open for, "Analyze here" ÷ the same on a warm server
    (one that has run since the first visit, long before)."""
    cold_user, warm_user = USERS[1], USERS[2]
    states = {user: first_visit(browser, hub, app, user) for user in (cold_user, warm_user)}
    sides: dict[str, Callable[[], float]] = {
        "prestarted": lambda: stopped_then(hub, cold_user, lambda: click_to_notebook(
            browser, hub, app, cold_user, states[cold_user])),
        "warm": lambda: click_to_notebook(browser, hub, app, warm_user, states[warm_user]),
    }  # fmt: skip
    turns: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(rounds):
        for name, side in sides.items():
            turns[name].append(side())
    hub.stop_servers([cold_user, warm_user])
    ours, warm = median(turns["prestarted"]), median(turns["warm"])
    measure = (f"Chromium: server prestarted while the item page was open, \"Analyze here\" "
               f"→ notebook ÷ warm, p50 of {rounds} ({ours:.2f} s ÷ {warm:.2f} s)")  # fmt: skip
    return [Row("P2p", measure, ours / warm, "x", 1.3, samples=turns, label="prestarted launch")]


def stopped_then(hub: Hub, user: str, action: Callable[[], float]) -> float:
    """Stop the user's server (untimed), then run ``action``."""
    hub.stop_servers([user])
    return action()


def rows(browser: Any, root: Path, only: set[str], quick: bool) -> list[Row]:
    """The rows of this module that ``only`` asks for, on one Hub and web app."""
    found: list[Row] = []
    with stack(root) as (hub, app):
        if "P5" in only:
            found += saves(browser, app, 5 if quick else 20)
        if "P2p" in only:
            found += prestart(browser, hub, app, 3 if quick else 7)
    return found
