"""The rows measured in Chromium: what a person sees, not only what the servers answer.

Debian's ``/usr/bin/chromium`` through Playwright (``executable_path``: no browser is
downloaded). Every visit gets a fresh browser context carrying the same login cookies (so no
page inherits another's memory or scripts), and the two sides of a ratio take turns.

- P1: warm launch: a launch link → the notebook visible with the injected value, against
  opening the copy's JupyterLab URL directly.
- P6: autorun: a link with ``autorun=1`` → the last cell's output visible, against opening a
  copy without outputs and choosing Run → Run All Cells once the kernel is idle (a new kernel
  in both; a Run All clicked while the kernel still connects is sometimes lost).
- P7: embedded: the host page (``nblaunch-embed.js``, a fresh ticket) loaded → the notebook
  visible inside its frame, against loading the same copy's URL directly (warm). The Hub must
  list the host page's origin (``start_hub(embed_origins=...)``).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from harness import SECRET, Hub
from rows import Row, median, side_by_side

from nblaunch.client import STATIC_DIR, NBLaunchClient

CHROMIUM = os.environ.get("NBLAUNCH_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run"]  # fmt: skip
TIMEOUT_MS = 120_000
# Visible ones only: a page may hold hidden tabs whose cells carry the same text.
CELL = ".jp-Notebook .jp-Cell .cm-content:visible"
OUTPUT = ".jp-OutputArea-output:visible"
HOST_PAGE = """<!doctype html><meta charset="utf-8"><title>host</title>
<div id="nb" style="height: 760px"></div><script type="module">
import { embed } from "/static/nblaunch-embed.js";
window.nb = embed(document.getElementById("nb"), OPTIONS);
</script>"""


@contextmanager
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def logged_in(browser: Any, hub: Hub, user: str, first: str, text: str) -> dict[str, Any]:
    """Log ``user`` in, open ``first`` until ``text`` shows (the service's OAuth, the server
    started, the copy written); return the cookies for the next contexts."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(hub.login_url(user))
        page.goto(first)
        page.locator(CELL).filter(has_text=text).first.wait_for(timeout=TIMEOUT_MS)
        state: dict[str, Any] = context.storage_state()
        return state
    finally:
        context.close()


def visit(
    browser: Any, hub: Hub, user: str, state: dict[str, Any], act: Callable[[Any], None]
) -> None:
    """Run ``act`` on a page of a fresh context carrying the login cookies in ``state``, with
    no JupyterLab layout saved by an earlier visit (each page opens one notebook)."""
    hub.forget_workspaces(user)
    # Close contexts, never single pages: a page closed mid-navigation can hang Playwright.
    context = browser.new_context(storage_state=state, viewport={"width": 1280, "height": 800})
    try:
        act(context.new_page())
    finally:
        context.close()


def shows(url: str, selector: str, text: str) -> Callable[[Any], None]:
    def act(page: Any) -> None:
        page.goto(url)
        page.locator(selector).filter(has_text=text).first.wait_for(timeout=TIMEOUT_MS)

    return act


def warm(browser: Any, hub: Hub, rounds: int) -> list[Row]:
    """P1: link → notebook with the injected value visible, vs the copy's Lab URL."""
    user, text = "chromium", 'label = "chromium"'
    link = hub.service + "open/stats?n=5&label=chromium"
    state = logged_in(browser, hub, user, link, text)
    with hub.client() as client:
        hub.login(client, user)
        lab_url = hub.launch(client, link).lab_url
    turns = side_by_side(
        {
            "link": lambda: visit(browser, hub, user, state, shows(link, CELL, text)),
            "Lab URL": lambda: visit(browser, hub, user, state, shows(lab_url, CELL, text)),
        },
        rounds,
    )
    ours, direct = median(turns["link"]), median(turns["Lab URL"])
    measure = (f"Chromium, warm: link → injected value visible ÷ the copy's Lab URL, p50 of "
               f"{rounds} ({ours:.2f} s ÷ {direct:.2f} s)")  # fmt: skip
    hub.stop_servers([user])
    return [Row("P1", measure, ours / direct, "x", 1.05, samples=turns, label="warm launch")]


def autorun(browser: Any, hub: Hub, rounds: int) -> list[Row]:
    """P6: autorun link → last output visible, vs opening a copy and running all by hand."""
    user = "autorun"
    state = logged_in(browser, hub, user, hub.service + "open/stats?n=1&label=x", 'label = "x"')
    count = iter(range(1000, 10_000))

    def by_link() -> None:
        n = next(count)
        link = hub.service + f"open/stats?n={n}&label=auto&autorun=1"
        visit(browser, hub, user, state, shows(link, OUTPUT, f"{n} auto"))

    def by_hand() -> None:
        n = next(count)
        with hub.client() as client:  # the copy, written before the clock starts
            hub.login(client, user)
            lab_url = hub.launch(client, hub.service + f"open/stats?n={n}&label=hand").lab_url

        def act(page: Any) -> None:
            page.goto(lab_url)
            page.locator(CELL).filter(has_text=f"n = {n}").first.wait_for(timeout=TIMEOUT_MS)
            # Run All before the kernel is up is lost now and then (Lab drops it): wait for the
            # status bar's "Idle", as a person would, then click. Both sides start a kernel.
            page.locator("#jp-main-statusbar").filter(has_text="Idle").wait_for(timeout=TIMEOUT_MS)
            output = page.locator(OUTPUT).filter(has_text=f"{n} hand").first
            for attempt in range(3):  # as a person would: click again if nothing ran
                page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
                page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
                try:
                    output.wait_for(timeout=30_000 * (attempt + 1))
                    return
                except Exception:  # a Playwright timeout: the click was lost
                    clicks_again.append(n)
            raise RuntimeError(f"Run All Cells showed no output for n={n}")

        start = time.perf_counter()
        visit(browser, hub, user, state, act)
        hand.append(time.perf_counter() - start)

    hand: list[float] = []
    clicks_again: list[int] = []
    turns = side_by_side({"autorun link": by_link, "by hand": by_hand}, rounds)
    turns["by hand"] = hand[-rounds:]  # without the copy's writing, done before the clock
    ours, direct = median(turns["autorun link"]), median(turns["by hand"])
    measure = (f"Chromium: autorun link → last output visible ÷ open + Run All by hand, "
               f"p50 of {rounds} ({ours:.2f} s ÷ {direct:.2f} s)")  # fmt: skip
    hub.stop_servers([user])
    note = (
        f"Run All clicked again {len(clicks_again)} times (n={clicks_again})"
        if clicks_again
        else ""
    )
    samples: dict[str, Any] = {**turns, "clicked_again": clicks_again}
    return [
        Row("P6", measure, ours / direct, "x", 1.1, note=note, samples=samples, label="autorun")
    ]


@contextmanager
def host_app(hub: Hub, port: int, user: str, values: dict[str, Any]) -> Iterator[str]:
    """A host page on 127.0.0.1:``port`` embedding ``stats`` for ``user``, with a fresh ticket
    in each page (``nblaunch.client``'s ``launch_url``); yields the page's URL."""
    client = NBLaunchClient(hub.url, "not-used-for-launch-urls", SECRET)
    script = (STATIC_DIR / "nblaunch-embed.js").read_bytes()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.startswith("/static/nblaunch-embed.js"):
                body, kind = script, "text/javascript"
            else:
                options = {"src": client.launch_url(user, "stats", values), "origin": hub.url[:-1]}
                body = HOST_PAGE.replace("OPTIONS", json.dumps(options)).encode()
                kind = "text/html; charset=utf-8"
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}/item"
    finally:
        server.shutdown()
        server.server_close()


def embedded(browser: Any, hub: Hub, port: int, rounds: int) -> list[Row]:
    """P7: host page load → notebook visible in its frame, vs the copy's URL loaded directly."""
    user, text = "embed", 'label = "embed"'
    values = {"n": 7, "label": "embed"}
    link = hub.service + "open/stats?n=7&label=embed&ui=doc"
    state = logged_in(browser, hub, user, link, text)
    with hub.client() as client:
        hub.login(client, user)
        doc_url = hub.launch(client, link).lab_url

    def in_frame(url: str) -> Callable[[Any], None]:
        def act(page: Any) -> None:
            page.goto(url)
            frame = page.frame_locator("#nb iframe")
            frame.locator(CELL).filter(has_text=text).first.wait_for(timeout=TIMEOUT_MS)

        return act

    with host_app(hub, port, user, values) as page_url:
        turns = side_by_side(
            {
                "host page": lambda: visit(browser, hub, user, state, in_frame(page_url)),
                "direct": lambda: visit(browser, hub, user, state, shows(doc_url, CELL, text)),
            },
            rounds,
        )
    ours, direct = median(turns["host page"]), median(turns["direct"])
    measure = (f"Chromium, warm: host page → notebook visible in its frame ÷ the copy's URL, "
               f"p50 of {rounds} ({ours:.2f} s ÷ {direct:.2f} s)")  # fmt: skip
    hub.stop_servers([user])
    return [Row("P7", measure, ours / direct, "x", 1.1, samples=turns, label="embedded page")]
