"""The hub tests use the Hub harness plugin, ``tests/_harness/hub.py`` (loaded for the whole run
with ``-p _harness.hub``): its fixtures ``make_hub`` and ``hub`` are visible here without an
import. ``postgres_base`` and ``db_url`` (SQLite, then a throwaway PostgreSQL) are for the rows
nblaunch keeps in the Hub's database. The harness's constants and helpers are re-exported for
``from .conftest import ...``; its fixtures are not, so that every folder shares one Hub.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from _harness.hub import (  # noqa: F401
    ADMIN_TOKEN,
    CHP,
    HOST_TOKEN,
    HOST_URL,
    PASSWORDS,
    ROOT,
    SECRET,
    SERVICE_TOKEN,
    Hub,
    free_port,
    read_events,
    read_stream,
    start_hub,
    write_templates,
)
from _harness.pg import pg_bin, postgres_server
from sqlalchemy import create_engine, text


@pytest.fixture(scope="module")
def postgres_base() -> Iterator[str]:
    """A throwaway PostgreSQL server (``tests/_harness/pg.py``): its base URL."""
    if pg_bin() is None:
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) not found: apt-get install postgresql")
    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database for the rows nblaunch keeps in the Hub's: SQLite, then PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'jupyterhub.sqlite'}"
        return
    base = request.getfixturevalue("postgres_base")
    name = "nblaunch_" + uuid.uuid4().hex[:12]
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield f"{base}/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
