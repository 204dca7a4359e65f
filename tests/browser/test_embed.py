"""A host application embeds a notebook from a real JupyterHub, end to end, in Chromium.

The host is a small HTTP server in this process, on its own 127.0.0.1 port (another origin,
same site as the Hub): its page uses ``nblaunch-embed.js`` with an iframe on
``NBLaunchClient.launch_url`` (ticket login → the service's launch flow → JupyterLab with the
nblaunch plugin), and its backend stores versions with ``NBLaunchClient.fetch`` when the page
reports a save. The Hub (TicketAuthenticator, the service, the Node proxy) comes from
``tests/hub/conftest.py`` and lists only the host's origin in ``embed_origins``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pytest
from _harness.waiting import wait_until
from hostapp import Host, edit_last_cell, hub_harness, serve, source, wait_ready, wait_versions

from nblaunch.client import NBLaunchClient

pytestmark = [pytest.mark.browser, pytest.mark.integration]

hubfix = hub_harness()  # its make_hub fixture comes with the harness plugin


@pytest.fixture(scope="module")
def hosts() -> Iterator[tuple[Host, Host]]:
    """Two host servers on 127.0.0.1: the listed one and one whose origin is not listed."""
    (listed, first), (unlisted, second) = serve(), serve()
    yield listed, unlisted
    for server in (first, second):
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def embed_hub(make_hub: Any, hosts: tuple[Host, Host]) -> Iterator[Any]:
    hub = make_hub(embed_origins=[hosts[0].url])
    for host in hosts:
        host.client = NBLaunchClient(hub.url, hubfix.HOST_TOKEN, hubfix.SECRET)
        host.hub_origin = hub.origin
    yield hub
    for host in hosts:
        if host.client is not None:
            host.client.close()


@pytest.fixture
def page(context: Any) -> Any:
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    return tab  # closed with its context


def _open(
    page: Any, host: Host, user: str, *, ready: int = 60000, origin: str = "", autorun: bool = False
) -> None:
    base = host.url.replace("127.0.0.1", origin) if origin else host.url
    page.goto(f"{base}/embed?user={user}&ready={ready}&autorun={int(autorun)}")


def _wait_saves(page: Any, reason: str, count: int) -> list[str]:
    """Wait until the host page heard ``count`` saves for ``reason``; return every reason heard."""
    script = "([r, n]) => window.saves.filter((s) => s === r).length >= n"
    page.wait_for_function(script, arg=[reason, count], timeout=60_000)
    return list(page.evaluate("window.saves"))


def test_ticket_login_and_no_token_in_any_url(page: Any, embed_hub: Any, hosts: Any) -> None:
    listed = hosts[0]
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    page.on("websocket", lambda socket: urls.append(socket.url))
    _open(page, listed, "em-login")
    path = wait_ready(page)
    assert path.startswith("nblaunch/stats")
    frame = page.frame_locator("#nb iframe")
    # The injected parameters cell is shown: the launch went through the service's flow.
    frame.locator(".jp-Notebook .jp-Cell .cm-content").filter(has_text="n = 5").first.wait_for()
    page.wait_for_function("window.kernelStatus === 'idle'")
    logins = [u for u in urls if "login_token=" in u]
    assert len(logins) == 1 and urlsplit(logins[0]).path == "/hub/login", logins
    ticket = parse_qs(urlsplit(logins[0]).query)["login_token"][0]
    assert [u for u in urls if ticket in u] == logins
    secrets = (hubfix.HOST_TOKEN, hubfix.SERVICE_TOKEN, hubfix.ADMIN_TOKEN)
    for url in urls:
        names = parse_qs(urlsplit(url).query)
        assert not [n for n in names if "token" in n.lower() and url not in logins], url
        assert not any(secret in url for secret in secrets), url
    assert any("/api/kernels/" in u and u.startswith("ws") for u in urls), "no kernel socket seen"


def test_host_save_and_lab_save_reach_the_host_store(page: Any, embed_hub: Any, hosts: Any) -> None:
    listed = hosts[0]
    _open(page, listed, "em-save")
    path = wait_ready(page)
    frame = page.frame_locator("#nb iframe")
    edit_last_cell(frame, "  # edited-in-the-host-page")
    page.click("#save")
    page.wait_for_function("document.getElementById('status').textContent === 'Saved'")
    first = wait_versions(listed, "em-save", 1)[-1]
    assert first.path == path and "# edited-in-the-host-page" in source(first)

    # JupyterLab's own shortcut: the "saved" event makes the host store it too.
    edit_last_cell(frame, "  # saved-from-jupyterlab")
    frame.locator(".jp-Notebook").press("Control+s")
    second = wait_versions(listed, "em-save", 2)[-1]
    assert "# saved-from-jupyterlab" in source(second)
    # Both saves reached the host once each: unchanged content is never stored twice. Wait
    # until every "saved" event of the user's has had its answer from the host's backend.
    page.wait_for_function(
        """() => window.saves.filter((r) => r === "user").length >= 2 &&
                 window.log.filter((e) => e[0] === "saved-event").length ===
                 window.saves.filter((r) => r === "user").length"""
    )
    assert len(listed.versions("em-save")) == 2


def test_autorun_saves_are_not_the_users(page: Any, embed_hub: Any, hosts: Any) -> None:
    # Autorun saves its outputs when its run ends: the host hears "autorun" and keeps no
    # version until the user saves.
    listed = hosts[0]
    _open(page, listed, "em-autorun", autorun=True)
    path = wait_ready(page)
    assert page.evaluate("window.nb.version") == 2
    assert _wait_saves(page, "autorun", 1) == ["autorun"]
    on_disk = (embed_hub.home("em-autorun") / path).read_text()
    assert "5 x" in on_disk  # the run's output: print(n, label)
    assert listed.versions("em-autorun") == []

    frame = page.frame_locator("#nb iframe")
    edit_last_cell(frame, "  # the-users-own-save")
    frame.locator(".jp-Notebook").press("Control+s")
    assert _wait_saves(page, "user", 1) == ["autorun", "user"]
    (stored,) = wait_versions(listed, "em-autorun", 1)
    assert "# the-users-own-save" in source(stored)


def test_autosave_is_not_the_users(page: Any, embed_hub: Any, hosts: Any) -> None:
    listed, user = hosts[0], "em-autosave"
    # JupyterLab reads the user's settings from ~/.jupyter: autosave every second, not 120 s.
    settings = embed_hub.home(user) / ".jupyter/lab/user-settings/@jupyterlab/docmanager-extension"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "plugin.jupyterlab-settings").write_text(json.dumps({"autosaveInterval": 1}))
    _open(page, listed, user)
    wait_ready(page)
    edit_last_cell(page.frame_locator("#nb iframe"), "  # autosaved")
    assert set(_wait_saves(page, "autosave", 1)) == {"autosave"}
    assert listed.versions(user) == []


def test_save_after_the_server_stopped_is_refused_clearly(
    page: Any, embed_hub: Any, hosts: Any
) -> None:
    listed = hosts[0]
    _open(page, listed, "em-stop")
    wait_ready(page)
    frame = page.frame_locator("#nb iframe")
    edit_last_cell(frame, "  # kept")
    page.click("#save")
    page.wait_for_function("document.getElementById('status').textContent === 'Saved'")
    kept = wait_versions(listed, "em-stop", 1)
    # Edited before the stop: once the server is gone, JupyterLab's own "Server unavailable"
    # dialog covers the notebook in the frame (the host's Save button stays reachable).
    edit_last_cell(frame, "  # lost-edit")
    stop = embed_hub.admin("DELETE", "users/em-stop/server", timeout=60)
    assert stop.status_code in (202, 204)
    wait_until(lambda: not embed_hub.servers("em-stop"), "the server stopped", timeout=60)
    page.click("#save")
    page.wait_for_function(
        "document.getElementById('status').textContent.startsWith('Save failed')",
        timeout=30_000,
    )
    status = page.inner_text("#status")
    assert len(status) > len("Save failed: "), status
    assert listed.versions("em-stop") == kept


def test_an_unlisted_origin_cannot_frame_the_hub(page: Any, embed_hub: Any, hosts: Any) -> None:
    # localhost is another origin (and another site) than the listed 127.0.0.1 host.
    listed = hosts[0]
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "frame" in m.text.lower() else None)
    answers: list[str] = []
    page.on(
        "response",
        lambda r: (
            answers.append(r.headers.get("content-security-policy", ""))
            if "/hub/login" in r.url
            else None
        ),
    )
    _open(page, listed, "em-csp", ready=8000, origin="localhost")
    page.locator("#nb .nblaunch-fallback a").wait_for(timeout=20_000)
    assert answers and all(a == f"frame-ancestors {listed.url}" for a in answers), answers
    assert any("frame-ancestors" in text for text in refused), refused
    assert page.evaluate("window.nb.isReady") is False


def test_the_bridge_ignores_an_unlisted_origin(
    page: Any, context: Any, embed_hub: Any, hosts: Any
) -> None:
    # Another 127.0.0.1 port is the same site but not listed. The browser is made to drop the
    # CSP here, so that the Lab plugin's own origin check is what is tested: it must not answer.
    unlisted = hosts[1]
    assert unlisted.client is not None
    page.goto(unlisted.client.launch_url("em-other", "stats", {"n": 6}))
    page.wait_for_url("**/user/em-other/doc/tree/**", timeout=90_000)
    path = unquote(urlsplit(page.url).path.split("/doc/tree/", 1)[1])
    before = (embed_hub.home("em-other") / path).read_text()
    # The login cookies are set; the frame goes straight to the notebook (no redirects, which
    # a routed response could not carry with their cookies).
    context.route(embed_hub.url + "user/**", _strip_csp)
    page.goto(f"{unlisted.url}/embed?user=em-other&path={quote(path)}&ready=60000")
    frame = page.frame_locator("#nb iframe")
    frame.locator(".jp-Notebook .jp-Cell .cm-content").first.wait_for(timeout=90_000)
    # The plugin is there and knows its one listed origin, which this page is not.
    lab = page.locator("#nb iframe").element_handle().content_frame()
    config = lab.evaluate("JSON.parse(document.getElementById('jupyter-config-data').textContent)")
    assert json.loads(config["nblaunchAllowedOrigins"]) == [hosts[0].url]
    edit_last_cell(frame, "  # must-not-be-saved")
    page.click("#save")
    page.wait_for_timeout(3000)
    assert page.evaluate("window.nb.isReady") is False
    assert page.inner_text("#status").startswith("Save failed")
    assert unlisted.versions("em-other") == []
    assert (embed_hub.home("em-other") / path).read_text() == before


def _strip_csp(route: Any) -> None:
    if route.request.resource_type != "document":
        route.continue_()
        return
    response = route.fetch()
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-security-policy"}
    route.fulfill(response=response, headers=headers)
