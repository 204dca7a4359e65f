"""The hub door's handlers in-process, with no Hub: part of ``make test-fast``.

The service's tornado application runs in the test's event loop beside a real Jupyter Server
(pytest-jupyter, with nblaunch's extension) that stands where a user's server stands behind the
proxy. The Hub's API URL points at a closed port, so any call the service makes to the Hub
fails with a 502: the tests show which paths need none. A user's login is what the Hub would
have answered for their OAuth token, put where ``jupyterhub.services.auth.HubOAuth`` keeps the
answers it got (its cache); the real Hub answers it in the integration tests
(``test_launch.py``).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import socket
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import nbformat
import pytest
from _harness.hub import free_port, write_templates
from _harness.jupyter import *  # noqa: F403
from jupyter_server.utils import url_path_join
from tornado.httpserver import HTTPServer
from tornado.testing import bind_unused_port

from nblaunch.hub.service import NBLaunchService

PREFIX = "/services/nblaunch/"
HTML = {"Accept": "text/html"}
JSON = {"Accept": "application/json"}
ACCESS = "access:services!service=nblaunch"


@asynccontextmanager
async def serve(
    root: Path, monkeypatch: pytest.MonkeyPatch, jp_serverapp: Any, jp_http_port: int, hub_api: str
) -> AsyncIterator[dict[str, Any]]:
    """The service's application on a free port, its Hub API at ``hub_api``."""
    write_templates(root / "templates")
    env = {
        # The user's server accepts the service's token as the proxy would pass it on.
        "JUPYTERHUB_API_TOKEN": jp_serverapp.identity_provider.token,
        "JUPYTERHUB_API_URL": hub_api,
        "JUPYTERHUB_CLIENT_ID": "service-nblaunch",
        "JUPYTERHUB_SERVICE_PREFIX": PREFIX,
        "JUPYTERHUB_OAUTH_CALLBACK_URL": PREFIX + "oauth_callback",
        "JUPYTERHUB_OAUTH_ACCESS_SCOPES": json.dumps([ACCESS]),
        "JUPYTERHUB_BASE_URL": "/",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    app = NBLaunchService(
        templates_dir=str(root / "templates"),
        hub_api_url=hub_api,
        proxy_url=f"http://127.0.0.1:{jp_http_port}",
    ).make_app()
    sock, port = bind_unused_port()
    server = HTTPServer(app, xheaders=True)
    server.add_sockets([sock])
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        yield {"app": app, "client": client, "hub_auth": app.settings["hub_auth"]}
    server.stop()


@pytest.fixture
async def service(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    jp_serverapp: Any,
    http_server_client: Any,
    jp_http_port: int,
) -> AsyncIterator[dict[str, Any]]:
    """The service, the Hub unreachable (nothing listens at its API), the user's server up."""
    hub_api = f"http://127.0.0.1:{free_port()}/hub/api"
    async with serve(tmp_path, monkeypatch, jp_serverapp, jp_http_port, hub_api) as running:
        yield running


def sign_in(hub_auth: Any, name: str, servers: dict[str, Any] | None = None) -> dict[str, str]:
    """Headers of a request by ``name``: a token whose identity the login cache holds."""
    token = f"oauth-token-of-{name}"
    model: dict[str, Any] = {"kind": "user", "name": name, "admin": False, "scopes": [ACCESS]}
    if servers is not None:
        model["servers"] = servers
    hub_auth.cache["token::" + hashlib.sha256(token.encode()).hexdigest()] = model
    return {"Authorization": f"token {token}"}


def running(jp_base_url: str) -> dict[str, Any]:
    """The server model the Hub gives for a ready server at the test server's URL."""
    return {"": {"name": "", "ready": True, "pending": None, "url": jp_base_url}}


async def test_a_visitor_is_sent_to_the_hub_login_with_the_link_kept(
    service: dict[str, Any],
) -> None:
    answer = await service["client"].get(PREFIX + "open/stats?n=2&label=a", headers=HTML)
    assert answer.status_code == 302
    assert answer.headers["location"].startswith("/hub/api/oauth2/authorize?")
    assert "client_id=service-nblaunch" in answer.headers["location"]
    # The link itself waits in the service's OAuth state, for after the login.
    assert any(c.startswith("service-nblaunch-oauth-state") for c in answer.cookies)


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("open/stats?n=abc", 400, "invalid-parameters"),
        ("open/stats?n=1&evil%0A=1", 400, None),
        ("open/nope?n=1", 404, "template-not-found"),
        ("no/such/page", 404, None),
        ("open/stats?n=1&n=2", 400, None),
    ],
)
async def test_bad_links_are_refused_before_the_hub_is_asked(
    service: dict[str, Any], path: str, status: int, code: str | None
) -> None:
    headers = {**JSON, **sign_in(service["hub_auth"], "alice")}
    answer = await service["client"].get(PREFIX + path, headers=headers)
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert set(body) >= {"code", "message"} and body["message"]
    if code:
        assert body["code"] == code
    assert "Traceback" not in answer.text


async def test_a_bad_value_gets_the_page_with_the_form_to_correct_it(
    service: dict[str, Any],
) -> None:
    headers = {**HTML, **sign_in(service["hub_auth"], "alice")}
    answer = await service["client"].get(PREFIX + "open/stats?n=abc&label=a", headers=headers)
    assert answer.status_code == 400
    assert f'action="{PREFIX}open/stats"' in answer.text
    assert "abc" in answer.text and 'name="n"' in answer.text


async def test_a_link_asking_to_run_an_untrusted_template_asks_first(
    service: dict[str, Any],
) -> None:
    headers = {**HTML, **sign_in(service["hub_auth"], "alice")}
    answer = await service["client"].get(PREFIX + "open/plain?autorun=1", headers=headers)
    assert answer.status_code == 200
    assert 'name="run"' in answer.text and "_xsrf" in answer.text


async def test_a_warm_launch_writes_the_copy_with_no_hub_call(
    service: dict[str, Any], jp_base_url: str, jp_root_dir: Path
) -> None:
    login = sign_in(service["hub_auth"], "alice", running(jp_base_url))
    answer = await service["client"].get(
        PREFIX + "open/stats?n=3&label=warm", headers={**HTML, **login}
    )
    assert answer.status_code == 302, answer.text
    location = answer.headers["location"]
    assert location.startswith(url_path_join(jp_base_url, "lab/tree/nblaunch/stats-"))
    (copy,) = (jp_root_dir / "nblaunch").glob("stats-label-warm-n-3-*.ipynb")
    assert location.endswith(copy.name)
    sources = [c.source for c in nbformat.read(copy, as_version=4).cells]
    assert 'n = 3\nlabel = "warm"' in "\n".join(sources)
    again = await service["client"].get(
        PREFIX + "open/stats?n=3&label=warm", headers={**HTML, **login}
    )
    assert again.headers["location"] == location  # the same copy, reused


async def test_a_warm_launch_that_may_run_leaves_one_grant_in_the_server(
    service: dict[str, Any],
    jp_base_url: str,
    jp_root_dir: Path,
    redeem: Callable[[str], Any],
) -> None:
    login = sign_in(service["hub_auth"], "alice", running(jp_base_url))
    answer = await service["client"].get(
        PREFIX + "open/stats?n=4&autorun=1", headers={**HTML, **login}
    )
    assert answer.status_code == 302, answer.text
    (copy,) = (jp_root_dir / "nblaunch").glob("stats-n-4-*.ipynb")
    path = f"nblaunch/{copy.name}"
    assert await redeem(path) is True
    assert await redeem(path) is False  # used up


async def test_without_the_servers_in_the_login_the_hub_is_asked_and_its_absence_said(
    service: dict[str, Any],
) -> None:
    headers = {**JSON, **sign_in(service["hub_auth"], "alice")}
    answer = await service["client"].get(PREFIX + "open/stats?n=3", headers=headers)
    assert answer.status_code == 502
    assert answer.json()["code"] == "hub-unavailable"
    assert "did not answer" in answer.json()["message"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "api/users/alice/contents/a.ipynb"),
        ("PUT", "api/users/alice/contents/a.ipynb"),
        ("POST", "api/users/alice/prestart"),
    ],
)
async def test_the_json_api_refuses_a_request_with_no_login(
    service: dict[str, Any], method: str, path: str
) -> None:
    answer = await service["client"].request(method, PREFIX + path, headers=JSON)
    assert answer.status_code == 403, answer.text
    assert "Traceback" not in answer.text


async def test_the_openapi_document_describes_the_json_api(service: dict[str, Any]) -> None:
    answer = await service["client"].get(PREFIX + "api/openapi.json")
    assert answer.status_code == 200
    paths = answer.json()["paths"]
    assert any("contents" in p for p in paths) and any("prestart" in p for p in paths)


async def test_a_slow_hub_holds_up_only_the_request_that_waits_for_it(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    jp_serverapp: Any,
    http_server_client: Any,
    jp_http_port: int,
) -> None:
    # A Hub that takes connections and never answers: the kernel completes the handshake.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(64)
        hub_api = f"http://127.0.0.1:{silent.getsockname()[1]}/hub/api"
        async with serve(tmp_path, monkeypatch, jp_serverapp, jp_http_port, hub_api) as svc:
            login = {"Authorization": "token not-in-the-cache", **JSON}
            waiting = asyncio.ensure_future(svc["client"].get(PREFIX + "open/stats", headers=login))
            await asyncio.sleep(0)  # the request is sent; its identity is asked of the Hub
            started = time.monotonic()
            answer = await svc["client"].get(PREFIX + "api/openapi.json")
            assert answer.status_code == 200
            assert time.monotonic() - started < 2.0  # not behind the identity's wait
            waiting.cancel()
