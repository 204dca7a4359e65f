"""A throwaway PostgreSQL server for the tests: initdb + pg_ctl in a temporary folder.

PostgreSQL refuses to run as root, so under root the binaries run as the ``postgres`` system user
through ``runuser`` and the folder is handed to that user.

For a conftest:

- ``postgres_base`` (session fixture, imported): the server's SQLAlchemy base URL (no database
  name); skips when the PostgreSQL binaries are missing.
- ``database_fixture(name)``: makes the fixture ``name``, a fresh, empty database, once on
  SQLite and once on PostgreSQL (marked ``postgres``, test ids ``[sqlite]`` and ``[postgres]``),
  for code that must work on both.

``fresh_database(base)`` makes one more database on that server, for a test that needs its own.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

PG_BIN_CANDIDATES = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
# The parameters of ``database_fixture``: ids ``[sqlite]`` and ``[postgres]``.
DATABASES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def pg_bin() -> Path | None:
    """The newest PostgreSQL bin folder that has initdb and pg_ctl, or None."""
    for folder in PG_BIN_CANDIDATES:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    found = shutil.which("pg_ctl")
    return Path(found).parent if found and shutil.which("initdb") else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def postgres_server() -> Iterator[str]:
    """Start a server; yield its SQLAlchemy base URL (no database name); stop and delete it."""
    folder = pg_bin()
    assert folder is not None
    root = Path(tempfile.mkdtemp(prefix="nblaunch-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        os.chown(root, account.pw_uid, account.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    data, port = root / "data", free_port()
    run = [*prefix, str(folder / "pg_ctl"), "-D", str(data)]
    try:
        subprocess.run(
            [*prefix, str(folder / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
             "-E", "UTF8", "--no-sync"],
            check=True, capture_output=True,
        )  # fmt: skip
        options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(
            [*run, "-l", str(root / "log"), "-w", "-o", options, "start"],
            check=True, capture_output=True,
        )  # fmt: skip
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run([*run, "-m", "immediate", "-w", "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def fresh_database(base: str) -> Iterator[str]:
    """Create a database with a new name on the server at ``base``; yield its URL; drop it.

    A database per test keeps the tests independent without a server per test (a start costs
    seconds); the drop is forced, so a connection a test forgot to close cannot keep it.
    """
    name = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield f"{base}/{name}"
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_base() -> Iterator[str]:
    """One throwaway server for the session: its base URL."""
    if pg_bin() is None:
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) not found: apt-get install postgresql")
    with postgres_server() as url:
        yield url


def database_fixture(name: str) -> Any:
    """A fixture called ``name``: a fresh database, SQLite in the test's folder, then one on the
    session's PostgreSQL (``postgres_base``). A factory, so that each folder keeps the name its
    tests already use: ``db_url = database_fixture("db_url")`` in its conftest.
    """

    @pytest.fixture(name=name, params=DATABASES)
    def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
        if request.param == "sqlite":
            yield f"sqlite:///{tmp_path / 'test.sqlite'}"
            return
        with fresh_database(request.getfixturevalue("postgres_base")) as url:
            yield url

    return fresh
