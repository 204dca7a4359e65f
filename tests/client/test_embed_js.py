"""Unit tests of ``nblaunch-embed.js`` in headless Chromium, against a fake notebook page.

The fake (``fakechild.html``) speaks the bridge protocol, version 2 like today's Lab plugin or
version 1 like older ones (no save ``reason``); the real
plugin is exercised end to end in ``tests/browser/test_embed.py``. Host and fake child live on
two ports of 127.0.0.1, so they are two origins, as in a real deployment.
"""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser

CREATE = """([child, options]) => {
  const box = document.getElementById("box");
  window.events = [];
  window.nb = NBLaunch.embed(box, { src: child, ...options });
  for (const name of ["ready", "dirty", "saved", "error", "kernel"]) {
    window.nb.on(name, (detail) => window.events.push([name, detail]));
  }
}"""


def child_url(child: str, host: str, mode: str, version: int = 2) -> str:
    return f"{child}/child.html?mode={mode}&host={host}&v={version}"


def start(page: Any, pages: tuple[str, str], mode: str, version: int = 2, **options: Any) -> None:
    host, child = pages
    page.goto(f"{host}/host.html")
    page.wait_for_function("window.hostLoaded === 1")
    options.setdefault("origin", child)
    page.evaluate(CREATE, [child_url(child, host, mode, version), options])


def events(page: Any, name: str | None = None) -> list[Any]:
    found = page.evaluate("window.events")
    return [d for n, d in found if n == name] if name else found


def wait_ready(page: Any) -> None:
    page.wait_for_function("window.nb.isReady === true")


def test_module_and_global_are_the_same_function(page: Any, embed_pages: tuple[str, str]) -> None:
    page.goto(f"{embed_pages[0]}/host.html")
    page.wait_for_function("window.hostLoaded === 1")
    assert page.evaluate("window.embedFromModule === window.NBLaunch.embed")
    assert page.evaluate("Object.isFrozen(window.NBLaunch)")


def test_frame_has_clipboard_permissions_and_src(page: Any, embed_pages: tuple[str, str]) -> None:
    start(page, embed_pages, "normal")
    frame = page.locator("#box iframe")
    assert frame.get_attribute("allow") == "clipboard-read; clipboard-write"
    assert frame.get_attribute("src").startswith(embed_pages[1] + "/child.html")


def test_ready_event_and_promise(page: Any, embed_pages: tuple[str, str]) -> None:
    start(page, embed_pages, "normal")
    assert page.evaluate("window.nb.ready") == {"path": "nblaunch/fake.ipynb"}
    assert events(page, "ready") == [{"path": "nblaunch/fake.ipynb"}]


def test_ready_through_ping_when_the_notebook_waits_for_the_host(
    page: Any, embed_pages: tuple[str, str]
) -> None:
    # With several allowed origins the plugin holds its events until the host speaks first.
    start(page, embed_pages, "queue", pingInterval=200)
    assert page.evaluate("window.nb.ready")["path"] == "nblaunch/fake.ipynb"


def test_save_resolves_with_path_and_time(page: Any, embed_pages: tuple[str, str]) -> None:
    start(page, embed_pages, "normal")
    wait_ready(page)
    saved = page.evaluate("window.nb.save()")
    assert saved == {
        "path": "nblaunch/fake.ipynb",
        "last_modified": "2026-01-01T00:00:01Z",
        "reason": "user",
    }
    # The answer to our request is not announced twice: one "saved" event per save.
    page.wait_for_function("window.events.filter(e => e[0] === 'saved').length === 1")
    second = page.evaluate("window.nb.save()")
    assert second["last_modified"] == "2026-01-01T00:00:02Z"


def test_save_failed_rejects_with_the_reason(page: Any, embed_pages: tuple[str, str]) -> None:
    start(page, embed_pages, "fail")
    wait_ready(page)
    error = page.evaluate("window.nb.save().then(() => null, e => [e.name, e.code, e.message])")
    assert error == ["NBLaunchError", "save-failed", "Server unreachable (fake)."]


def test_save_times_out(page: Any, embed_pages: tuple[str, str]) -> None:
    start(page, embed_pages, "hang", saveTimeout=300)
    wait_ready(page)
    error = page.evaluate("window.nb.save().then(() => null, e => e.code)")
    assert error == "timeout"


def test_save_before_ready_rejects_at_once(page: Any, embed_pages: tuple[str, str]) -> None:
    start(page, embed_pages, "silent")
    error = page.evaluate("window.nb.save().then(() => null, e => e.code)")
    assert error == "not-ready"


def test_run_all(page: Any, embed_pages: tuple[str, str]) -> None:
    start(page, embed_pages, "normal")
    wait_ready(page)
    assert page.evaluate("window.nb.runAll()") == {"ok": True}


def test_events_are_forwarded(page: Any, embed_pages: tuple[str, str]) -> None:
    start(page, embed_pages, "chatty")
    page.wait_for_function("window.events.length >= 4")
    assert events(page, "dirty") == [{"path": "nblaunch/fake.ipynb", "dirty": True}]
    assert events(page, "kernel") == [{"path": "nblaunch/fake.ipynb", "status": "busy"}]
    assert events(page, "saved")[0]["last_modified"] == "2026-01-01T00:00:09Z"


@pytest.mark.parametrize(
    ("version", "reason"),
    [
        (2, "autorun"),  # today's plugin says why it saved
        (1, "user"),  # an older plugin says nothing: every save counted as the user's
    ],
)
def test_saved_says_why_and_the_plugins_version(
    page: Any, embed_pages: tuple[str, str], version: int, reason: str
) -> None:
    start(page, embed_pages, "chatty", version=version)
    page.wait_for_function("window.events.some((e) => e[0] === 'saved')")
    assert events(page, "saved")[0]["reason"] == reason
    assert page.evaluate("window.nb.version") == version
    assert page.evaluate("[window.NBLaunch.PROTOCOL, window.NBLaunch.VERSION]") == [1, 2]


@pytest.mark.parametrize("version", [1, 2])
def test_a_requested_save_is_the_users(
    page: Any, embed_pages: tuple[str, str], version: int
) -> None:
    start(page, embed_pages, "normal", version=version)
    wait_ready(page)
    assert page.evaluate("window.nb.save()")["reason"] == "user"
    page.wait_for_function("window.events.filter(e => e[0] === 'saved').length === 1")
    assert events(page, "saved")[0]["reason"] == "user"


def test_no_ready_shows_the_fallback_link(page: Any, embed_pages: tuple[str, str]) -> None:
    start(page, embed_pages, "silent", readyTimeout=500, fallbackHref="/reopen")
    link = page.locator("#box .nblaunch-fallback a")
    link.wait_for()
    assert link.inner_text() == "Open in a new tab"
    assert link.get_attribute("href") == "/reopen"
    assert link.get_attribute("target") == "_blank"
    assert link.get_attribute("rel") == "noopener"
    assert page.locator("#box iframe").is_hidden()
    assert events(page, "error")[0]["type"] == "timeout"


def test_fallback_defaults_to_src(page: Any, embed_pages: tuple[str, str]) -> None:
    start(page, embed_pages, "silent", readyTimeout=300)
    link = page.locator("#box .nblaunch-fallback a")
    link.wait_for()
    assert link.get_attribute("href").startswith(embed_pages[1] + "/child.html")


def test_a_late_ready_replaces_the_fallback(page: Any, embed_pages: tuple[str, str]) -> None:
    start(page, embed_pages, "late", readyTimeout=300)
    page.locator("#box .nblaunch-fallback").wait_for()
    wait_ready(page)
    assert page.locator("#box .nblaunch-fallback").count() == 0
    assert page.locator("#box iframe").is_visible()


def test_messages_from_another_origin_are_ignored(page: Any, embed_pages: tuple[str, str]) -> None:
    child = embed_pages[1]
    # The frame is really on 127.0.0.1:<port>; the host expects localhost:<port>, another origin.
    wrong = child.replace("127.0.0.1", "localhost")
    start(page, embed_pages, "normal", origin=wrong, pingInterval=100)
    page.wait_for_timeout(800)
    assert page.evaluate("window.nb.isReady") is False
    assert events(page, "ready") == []
    # ...and nothing we posted reached the frame: targetOrigin did not match.
    frame = page.locator("#box iframe").element_handle().content_frame()
    assert frame is not None
    assert frame.evaluate("window.received") == []


def test_messages_from_another_frame_of_the_same_origin_are_ignored(
    page: Any, embed_pages: tuple[str, str]
) -> None:
    host, child = embed_pages
    start(page, embed_pages, "silent")
    # A second frame on the notebook's origin that announces "ready" to the host page.
    page.evaluate(
        """(url) => { const f = document.createElement("iframe"); f.src = url;
                      document.getElementById("box2").appendChild(f); }""",
        child_url(child, host, "normal"),
    )
    page.wait_for_timeout(800)
    assert page.evaluate("window.nb.isReady") is False


def test_requests_reach_the_notebook_frame(page: Any, embed_pages: tuple[str, str]) -> None:
    start(page, embed_pages, "normal")
    wait_ready(page)
    frame = page.locator("#box iframe").element_handle().content_frame()
    received = frame.evaluate("window.received")
    assert received and all(m["nblaunch"] == 1 for m in received)


def test_destroy_removes_the_frame_and_rejects_pending(
    page: Any, embed_pages: tuple[str, str]
) -> None:
    start(page, embed_pages, "hang")
    wait_ready(page)
    code = page.evaluate(
        """() => { const p = window.nb.save().then(() => null, e => e.code);
                   window.nb.destroy(); return p; }"""
    )
    assert code == "destroyed"
    assert page.locator("#box iframe").count() == 0


def test_unknown_event_name_throws(page: Any, embed_pages: tuple[str, str]) -> None:
    start(page, embed_pages, "normal")
    message = page.evaluate(
        "(() => { try { nb.on('nope', () => 0) } catch (e) { return e.message } })()"
    )
    assert "unknown event nope" in message


def test_wildcard_origin_is_refused(page: Any, embed_pages: tuple[str, str]) -> None:
    page.goto(f"{embed_pages[0]}/host.html")
    page.wait_for_function("window.hostLoaded === 1")
    message = page.evaluate(
        """(src) => { try { NBLaunch.embed(document.body, {src, origin: "*"}) }
                      catch (e) { return e.message } }""",
        embed_pages[1] + "/child.html",
    )
    assert "exact origin" in message
