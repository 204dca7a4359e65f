"""Embedding from another site, over HTTPS: the host on 127.0.0.1, the Hub on localhost.

``https://127.0.0.1:<port>`` and ``https://localhost:<port>`` are different sites, so inside the
host's page every cookie of the Hub, the service and the user's server is a third-party cookie,
and the notebook's storage is third-party storage. Two browsers:

- Chrome's default profile, which allows third-party cookies: the notebook works when every
  one of those cookies is ``SameSite=None; Secure`` (the Hub's, the service's, the server's
  OAuth and xsrf cookies), which ``configure(c, cross_site_cookies=True)`` makes of them; they
  are also ``Partitioned`` (CHIPS), for browsers that keep only partitioned ones (Safari).
- a profile that blocks third-party cookies (Chromium's own default, Incognito): the browser
  also denies JupyterLab its localStorage in the frame, so no cookie setting can help; the
  page shows nblaunch-embed.js's "Open in a new tab" instead of a blank frame.

One test certificate (for ``localhost`` and ``127.0.0.1``) is trusted by the service and the
host's client; the browser is told to accept it.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from _harness.tls import certificate
from hostapp import Host, edit_last_cell, hub_harness, serve, source, wait_ready, wait_versions

from nblaunch.client import NBLaunchClient

pytestmark = [pytest.mark.browser, pytest.mark.integration]

harness = hub_harness()
# After configure(): the browser's address of the Hub is another site than the host's, and the
# service trusts the test certificate when it reaches users' servers through the proxy.
HUB_EXTRA = """
c.JupyterHub.public_url = "https://localhost:{port}/"
for _service in c.JupyterHub.services:
    if _service["name"] == "nblaunch":
        _service["environment"]["SSL_CERT_FILE"] = %r
"""


@pytest.fixture(scope="module")
def cross_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Host, Any]]:
    """The host on https://127.0.0.1 and a Hub on https://localhost that lets it frame."""
    if not Path(harness.CHP).exists():
        pytest.skip("the Node configurable-http-proxy is not installed (make setup)")
    tls = certificate(tmp_path_factory.mktemp("tls"))
    host, server = serve(tls)
    hub = harness.start_hub(
        tmp_path_factory.mktemp("xsitehub"),
        tls=tls,
        extra_config=HUB_EXTRA % str(tls[0]),
        embed_origins=[host.url],
        host_url=host.url,
        cross_site_cookies=True,
    )
    public = hub.url.replace("127.0.0.1", "localhost")
    http = httpx.Client(verify=ssl.create_default_context(cafile=str(tls[0])))
    host.client = NBLaunchClient(public, harness.HOST_TOKEN, harness.SECRET, http=http)
    host.hub_origin = host.client.hub_origin
    yield host, hub
    hub.stop()
    host.client.close()
    http.close()
    server.shutdown()
    server.server_close()


@pytest.fixture
def chrome_default(browser: Any, chromium_options: dict[str, Any], tmp_path: Path) -> Iterator[Any]:
    """A persistent profile with Chrome's default: third-party cookies (and storage) allowed."""
    (tmp_path / "Default").mkdir()
    preferences = {"profile": {"cookie_controls_mode": 0, "block_third_party_cookies": False}}
    (tmp_path / "Default" / "Preferences").write_text(json.dumps(preferences))
    context = browser.browser_type.launch_persistent_context(
        str(tmp_path), ignore_https_errors=True, **chromium_options
    )
    context.set_default_timeout(60_000)
    yield context
    context.close()


def test_chrome_default_embeds_and_saves_across_sites(
    chrome_default: Any, cross_site: tuple[Host, Any]
) -> None:
    host, _ = cross_site
    cookies: list[tuple[str, str]] = []
    chrome_default.on(
        "response",
        lambda r: cookies.extend(
            (r.url, h["value"]) for h in r.headers_array() if h["name"].lower() == "set-cookie"
        ),
    )
    page = chrome_default.new_page()
    page.goto(f"{host.url}/embed?user=xs-ana&ready=90000")
    wait_ready(page)
    edit_last_cell(page.frame_locator("#nb iframe"), "  # saved across sites")
    # The save is a PUT from JupyterLab in the frame: the server's xsrf cookie had to arrive.
    page.click("#save")
    page.wait_for_function("document.getElementById('status').textContent === 'Saved'")
    versions = wait_versions(host, "xs-ana", 1)
    assert "# saved across sites" in source(versions[-1])
    # Every cookie set in the frame (not the expired ones that clear a cookie) is cross-site.
    kept = [(u, v) for u, v in cookies if u.startswith("https://localhost:") and '=""' not in v]
    names = {value.split("=", 1)[0] for _, value in kept}
    assert {"jupyterhub-session-id", "service-nblaunch", "jupyterhub-user-xs-ana"} <= names
    # The Hub's, the service's and the server's xsrf cookies, one path each.
    xsrf_paths = {p.strip() for _, v in kept if v.startswith("_xsrf=") for p in v.split(";")[1:]}
    assert {"Path=/hub/", "Path=/services/nblaunch/", "Path=/user/xs-ana/"} <= xsrf_paths
    for url, value in kept:
        attributes = {part.strip().lower() for part in value.split(";")[1:]}
        assert {"samesite=none", "secure", "partitioned"} <= attributes, (url, value)


def test_where_third_party_storage_is_blocked_the_page_offers_a_new_tab(
    browser: Any, cross_site: tuple[Host, Any]
) -> None:
    host, _ = cross_site
    context = browser.new_context(ignore_https_errors=True)
    context.set_default_timeout(60_000)
    page = context.new_page()
    page.goto(f"{host.url}/embed?user=xs-ben&ready=20000")
    link = page.get_by_role("link", name="Open in a new tab")
    link.wait_for(timeout=60_000)
    assert link.get_attribute("href", timeout=1000)
    assert page.evaluate("typeof window.readyPath") == "undefined"
    assert not host.versions("xs-ben")
    context.close()
