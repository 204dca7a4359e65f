"""Fixtures of the reference application's tests.

- ``postgres_base`` (session) and ``database_url`` (a fresh, empty database, once on SQLite and
  once on PostgreSQL, the latter marked ``postgres``): from ``tests/_harness/pg.py``.
- ``settings``: application settings in a temporary data folder on that database, with a Hub
  token and ticket secret for a Hub at ``http://127.0.0.1:8000`` that the ``web`` tests never
  reach (pages, API, login).
- ``app`` / ``web``: the application built from ``settings`` (so with the real
  ``NBLaunchClient``) and a TestClient for it.
- ``login``: factory fixture, ``login(web, "alice")`` logs that demo user in and returns the CSRF
  token of the new session.

Against a real JupyterHub (tests using them are marked ``integration`` by the fixture):

- ``real_hub`` (session): one JupyterHub with the Node proxy and the nblaunch service serving the
  application's templates, started by the hub tests' ``start_hub`` (``tests/hub/conftest.py``,
  loaded by path; its helpers are ``real_hub.helpers``). One per session: each costs seconds.
  It lets ``real_hub.app_url`` frame notebooks: a browser test serves the application there on
  the listening ``real_hub.app_socket``.
- ``hub_client`` (session): the real ``NBLaunchClient`` on ``real_hub`` with the host token, to
  write and read users' notebooks the way JupyterLab would (``put``) and to check the result
  (``fetch``).
- ``hub_web``: a TestClient for the application on ``database_url`` connected to ``real_hub``.
- ``running``: ``running(user)`` makes sure the user's server runs, launching a template through
  the service over plain HTTP with a ticket if it does not.
- ``write``: ``write(path, notebook)`` makes alice's server run and hold ``notebook`` at ``path``.
"""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from _harness.pg import database_fixture, postgres_base  # noqa: F401 (a fixture)
from fastapi.testclient import TestClient

from nblaunch.client import NBLaunchClient
from nblaunch.webapp import Settings, create_app

REPO = Path(__file__).resolve().parents[2]
PUBLIC_URL = "http://127.0.0.1:8090"


def _hub_helpers() -> Any:
    # The Hub harness (tests/_harness/hub.py): one way of starting a test Hub.
    import _harness.hub

    return _harness.hub


@pytest.hookimpl(tryfirst=True)  # before -m deselects
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if "real_hub" in getattr(item, "fixturenames", ()) and here in item.path.parents:
            item.add_marker(pytest.mark.integration)


database_url = database_fixture("database_url")


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        hub_url="http://127.0.0.1:8000",
        api_token="test-host-token",
        ticket_secret="test-ticket-secret",
        public_url=PUBLIC_URL,
        secret_key="test-secret",
    )


@pytest.fixture
def app(settings: Settings) -> Iterator[object]:
    application = create_app(settings)
    yield application
    application.state.engine.dispose()


@pytest.fixture
def web(app: object) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as client:  # type: ignore[arg-type]
        yield client


@pytest.fixture(scope="session")
def real_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    helpers = _hub_helpers()
    if not Path(helpers.CHP).exists():
        pytest.skip("the Node configurable-http-proxy is not installed (make setup)")
    # The browser tests serve the application over HTTP for the Hub to let it frame notebooks:
    # its socket listens from now on, so that no other process takes the port meanwhile.
    app_socket = socket.socket()
    app_socket.bind(("127.0.0.1", 0))
    app_socket.listen()
    app_url = f"http://127.0.0.1:{app_socket.getsockname()[1]}"
    templates = REPO / "nblaunch" / "templates"
    hub = helpers.start_hub(
        tmp_path_factory.mktemp("realhub"), templates_dir=str(templates),
        embed_origins=[app_url], host_url=app_url,
    )  # fmt: skip
    hub.helpers, hub.app_socket, hub.app_url = helpers, app_socket, app_url
    yield hub
    hub.stop()
    app_socket.close()


@pytest.fixture(scope="session")
def hub_client(real_hub: Any) -> Iterator[NBLaunchClient]:
    helpers = real_hub.helpers
    with NBLaunchClient(real_hub.url, helpers.HOST_TOKEN, helpers.SECRET, timeout=60) as client:
        yield client


@pytest.fixture
def hub_web(real_hub: Any, settings: Settings) -> Iterator[TestClient]:
    connected = settings.with_changes(
        hub_url=real_hub.url,
        api_token=real_hub.helpers.HOST_TOKEN,
        ticket_secret=real_hub.helpers.SECRET,
    )
    application = create_app(connected)
    with TestClient(application, raise_server_exceptions=False) as client:
        yield client
    application.state.engine.dispose()


def _settle(hub: Any, user: str, timeout: float = 60) -> dict[str, Any]:
    """The user's default server once it is neither starting nor stopping (``{}`` if none)."""
    deadline = time.monotonic() + timeout
    while True:
        server = hub.servers(user).get("", {})
        if not server.get("pending") or time.monotonic() > deadline:
            return dict(server)
        time.sleep(0.2)


@pytest.fixture
def running(real_hub: Any, hub_client: NBLaunchClient) -> Callable[[str], None]:
    def start(user: str) -> None:
        if _settle(real_hub, user).get("ready"):
            return
        values = {"item_id": 1, "api_url": PUBLIC_URL + "/api"}
        link = hub_client.launch_url(user, "item-explorer", values, ui="doc")
        with real_hub.client() as browser:
            response = real_hub.launch(browser, link)
        assert response.is_redirect, (response.status_code, response.text[:500])
        assert _settle(real_hub, user).get("ready"), real_hub.log_text()[-3000:]

    return start


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(page: str) -> str:
    match = CSRF.search(page)
    assert match, "no CSRF token on the page"
    return match.group(1)


@pytest.fixture
def login() -> Callable[[TestClient, str], str]:
    def log_in(web: TestClient, username: str = "alice") -> str:
        password = web.app.state.demo_credentials[username]  # type: ignore[attr-defined]
        token = csrf_of(web.get("/login").text)
        response = web.post(
            "/login", data={"username": username, "password": password, "csrf_token": token}
        )
        assert response.status_code == 200, response.text
        return csrf_of(web.get("/items").text)

    return log_in


@pytest.fixture
def write(
    running: Callable[[str], None], hub_client: NBLaunchClient
) -> Callable[[str, dict[str, Any]], None]:
    """``write(path, notebook)``: alice's server runs and holds ``notebook`` at ``path``."""

    def put(path: str, content: dict[str, Any]) -> None:
        running("alice")
        hub_client.put("alice", path, content)

    return put
