"""A Hub configured as ``https://localhost:443/``, the default port written out, embedded.

Browsers drop a scheme's default port: the messages of the Lab plugin in the frame arrive with
``event.origin == "https://localhost"``. The host's client is given the Hub's URL with ``:443``,
as an operator may copy it, and its ``hub_origin`` (which ``nblaunch-embed.js`` compares every
message with) must be the browser's form, or the host page never hears ``ready`` or ``saved``.
The Hub listens on port 443 for real (this needs root or ``CAP_NET_BIND_SERVICE``); the host
application is on another port of ``localhost``, the same site, over HTTPS with a test
certificate.
"""

from __future__ import annotations

import errno
import socket
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
HUB_URL = "https://localhost:443/"
HUB_EXTRA = """
c.JupyterHub.public_url = %r
for _service in c.JupyterHub.services:
    if _service["name"] == "nblaunch":
        _service["environment"]["SSL_CERT_FILE"] = %r
"""


def _port_443_free() -> str:
    """Why the Hub cannot listen on 443 here, or "" if it can."""
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", 443))
        except OSError as err:
            if err.errno == errno.EACCES:
                return "binding port 443 needs root or CAP_NET_BIND_SERVICE"
            return f"port 443 is taken: {err}"
    return ""


@pytest.fixture(scope="module")
def on_443(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Host]:
    """The host on https://localhost:<port>, the Hub on https://localhost:443."""
    if not Path(harness.CHP).exists():
        pytest.skip("the Node configurable-http-proxy is not installed (make setup)")
    if reason := _port_443_free():
        pytest.skip(reason)
    tls = certificate(tmp_path_factory.mktemp("tls"))
    host, server = serve(tls)
    host.url = host.url.replace("127.0.0.1", "localhost")
    hub = harness.start_hub(
        tmp_path_factory.mktemp("hub443"),
        tls=tls,
        port=443,
        extra_config=HUB_EXTRA % (HUB_URL, str(tls[0])),
        embed_origins=[host.url],
        host_url=host.url,
    )
    http = httpx.Client(verify=ssl.create_default_context(cafile=str(tls[0])))
    host.client = NBLaunchClient(HUB_URL, harness.HOST_TOKEN, harness.SECRET, http=http)
    host.hub_origin = host.client.hub_origin
    yield host
    hub.stop()
    host.client.close()
    http.close()
    server.shutdown()
    server.server_close()


def test_a_hub_url_with_the_default_port_embeds_and_saves(browser: Any, on_443: Host) -> None:
    host = on_443
    assert host.hub_origin == "https://localhost"
    context = browser.new_context(ignore_https_errors=True)
    context.set_default_timeout(60_000)
    page = context.new_page()
    page.goto(f"{host.url}/embed?user=port-443&ready=90000")
    path = wait_ready(page)  # the plugin's "ready", accepted from https://localhost
    assert path.startswith("nblaunch/stats-n-5-")
    edit_last_cell(page.frame_locator("#nb iframe"), "  # saved through :443")
    page.click("#save")
    page.wait_for_function("document.getElementById('status').textContent === 'Saved'")
    versions = wait_versions(host, "port-443", 1)
    assert "# saved through :443" in source(versions[-1])
    context.close()
