"""Fixtures of the reference application's tests.

- ``postgres_url`` (session): base URL of a throwaway PostgreSQL server (``pg.py``).
- ``database_url``: a fresh, empty database, once on SQLite and once on PostgreSQL (the latter
  marked ``postgres``).
- ``settings``: application settings in a temporary data folder on that database.
- ``fake_hub``: the in-process ``NBLaunchClient`` stand-in (``fakehub.py``); tests using it are
  marked ``fakehub`` and are to be replaced by the real end-to-end tests.
- ``app`` / ``web``: the application with ``fake_hub`` and a TestClient for it.
- ``login``: factory fixture, ``login(web, "alice")`` logs that demo user in and returns the CSRF
  token of the new session.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from nblaunch.webapp import Settings, create_app

from .fakehub import FakeHub
from .pg import pg_bin, postgres_server


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "fakehub: uses the in-process Hub stand-in; replaced by real end-to-end tests"
    )


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    if pg_bin() is None:
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) not found: apt-get install postgresql")
    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.sqlite'}"
        return
    base = request.getfixturevalue("postgres_url")
    name = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield f"{base}/{name}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        hub_url="http://127.0.0.1:8000",
        public_url="http://127.0.0.1:8090",
        secret_key="test-secret",
    )


@pytest.fixture
def fake_hub() -> FakeHub:
    return FakeHub()


@pytest.fixture
def app(settings: Settings, fake_hub: FakeHub) -> Iterator[object]:
    application = create_app(settings, client=fake_hub)
    yield application
    application.state.engine.dispose()


@pytest.fixture
def web(app: object) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as client:  # type: ignore[arg-type]
        yield client


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
