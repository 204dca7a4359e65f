"""Faults of the reference application's own database during a save (issue 11): nothing the user
saved is lost.

Real conditions, no mocks, against the real JupyterHub (``real_hub``): another program holds an
exclusive lock on the application's SQLite file (``BEGIN EXCLUSIVE`` from the ``sqlite3``
module), or the database lives on a small tmpfs that a filler file has filled (the kernel answers
ENOSPC, as on a full disk). Either way the save answers 503 with a stable code and words a person
can act on, the database keeps exactly what it held, and once the condition is gone the next save
stores one new version. A file-size limit (``RLIMIT_FSIZE``, EFBIG) is a full disk too.
"""

from __future__ import annotations

import errno
import json
import sqlite3
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from nblaunch.webapp import Settings, create_app

from .conftest import PUBLIC_URL
from .test_notebooks import notebook, save


@pytest.fixture
def path() -> str:
    return f"faults-{uuid.uuid4().hex[:8]}.ipynb"


@contextmanager
def serve(real_hub: Any, tmp_path: Path, database: Path) -> Iterator[TestClient]:
    """The application on the SQLite file ``database``, connected to ``real_hub``."""
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=f"sqlite:///{database}",
        hub_url=real_hub.url,
        api_token=real_hub.helpers.HOST_TOKEN,
        ticket_secret=real_hub.helpers.SECRET,
        public_url=PUBLIC_URL,
        secret_key="test-secret",
    )
    app = create_app(settings)
    try:
        with TestClient(app, raise_server_exceptions=False) as web:
            yield web
    finally:
        app.state.engine.dispose()


def stored(database: Path, path: str) -> list[str]:
    """The first cell's source of every version of ``path`` in ``database``, oldest first.

    Read-only, so that it works on a full disk and takes no lock the application would meet.
    """
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        rows = db.execute(
            "SELECT json_extract(content, '$.cells[0].source') FROM notebook_versions"
            " WHERE path = ? ORDER BY id",
            (path,),
        ).fetchall()
    return [source for (source,) in rows]


def integrity(database: Path) -> str:
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        return str(db.execute("PRAGMA integrity_check").fetchone()[0])


def test_a_save_while_another_writer_holds_the_database(
    real_hub: Any,
    tmp_path: Path,
    login: Callable[..., str],
    write: Callable[..., None],
    path: str,
) -> None:
    database = tmp_path / "app.sqlite"
    with serve(real_hub, tmp_path, database) as web:
        token = login(web, "alice")
        write(path, notebook("x = 1"))
        # isolation_level=None: the sqlite3 module sends BEGIN EXCLUSIVE as written, and the
        # lock stays until ROLLBACK, whatever the application tries meanwhile.
        holder = sqlite3.connect(database, isolation_level=None)
        try:
            holder.execute("BEGIN EXCLUSIVE")
            busy = save(web, token, path)
            page = web.get("/items/1")  # a person meets a page, not a traceback
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert busy.status_code == 503, busy.text
        assert busy.json()["code"] == "store-busy"
        assert "try again in a moment" in busy.json()["message"]
        assert busy.headers["retry-after"]
        assert page.status_code == 503 and "try again in a moment" in page.text
        assert 'data-code="store-busy"' in page.text and "Traceback" not in page.text
        assert stored(database, path) == []
        again = save(web, token, path)
        assert again.status_code == 200, again.text
        assert again.json()["created"] is True
        assert stored(database, path) == ["x = 1"]


@contextmanager
def small_disk(where: Path, size: str = "4m") -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``where``: a disk that really fills up (needs root)."""
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (root needed): {mounted.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill(disk: Path) -> Path:
    """Write a file on ``disk`` until the kernel says ENOSPC; delete it to free the space."""
    filler = disk / "filler"
    chunk = b"\0" * 65536
    with filler.open("wb", buffering=0) as out:
        try:
            while True:
                out.write(chunk)
        except OSError as error:
            assert error.errno == errno.ENOSPC, error
    # A smaller write may still fit in the last partial block: take that too.
    with filler.open("ab", buffering=0) as out:
        try:
            while True:
                out.write(b"\0" * 512)
        except OSError as error:
            assert error.errno == errno.ENOSPC, error
    return filler


def test_a_save_on_a_full_disk(
    real_hub: Any,
    tmp_path: Path,
    login: Callable[..., str],
    write: Callable[..., None],
    path: str,
) -> None:
    with small_disk(tmp_path / "disk") as disk:
        database = disk / "app.sqlite"
        with serve(real_hub, tmp_path, database) as web:
            token = login(web, "alice")
            write(path, notebook("x = 1"))
            first = save(web, token, path)
            assert first.status_code == 200, first.text
            filler = fill(disk)
            big = notebook("x = 2")
            big["cells"][0]["outputs"][0]["text"] = "y" * 300_000 + "\n"
            write(path, big)
            full = save(web, token, path)
            assert full.status_code == 503, full.text
            assert full.json()["code"] == "store-full"
            assert "disk is full" in full.json()["message"]
            assert "still in Jupyter" in full.json()["message"]
            # Nothing half-written: no hot journal left, the file is sound, the old version intact.
            assert not (disk / "app.sqlite-journal").exists()
            assert integrity(database) == "ok"
            assert stored(database, path) == ["x = 1"]
            version = first.json()["version_id"]
            download = web.get(f"/versions/{version}/download")
            assert download.json()["cells"][0]["source"] == "x = 1"
            filler.unlink()
            again = save(web, token, path)
            assert again.status_code == 200, again.text
            assert again.json()["created"] is True
            assert stored(database, path) == ["x = 1", "x = 2"]
            assert integrity(database) == "ok"


# In a child process, since RLIMIT_FSIZE would limit every file pytest writes: the application's
# engine on a fresh database, a limit just above its size, then a version far larger.
LIMITED = textwrap.dedent("""
    import json, os, resource, signal, sqlite3, sys
    from sqlalchemy.orm import Session
    from nblaunch.webapp.db import make_engine, migrate, store_error
    from nblaunch.webapp.models import Item, NotebookVersion, User
    database = sys.argv[1]
    engine = make_engine(f"sqlite:///{database}")
    migrate(engine)
    with Session(engine) as db:
        db.add_all([User(id=1, username="alice", password_hash="x"),
                    Item(id=1, kind="table", title="t", data_file="t", media_type="text/csv")])
        db.commit()
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of a core dump
    limit = os.path.getsize(database) + 65536
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
    with Session(engine) as db:
        db.add(NotebookVersion(user_id=1, item_id=1, template="", path="a.ipynb", hash="h",
                               content={"text": "y" * 1_000_000}))
        try:
            db.commit()
            code = None
        except Exception as exc:
            db.rollback()
            code = getattr(store_error(exc), "code", repr(exc))
    check = sqlite3.connect(database).execute("PRAGMA integrity_check").fetchone()[0]
    print(json.dumps({"code": code, "integrity": check}))
""")


def test_a_file_size_limit_is_a_full_disk(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", LIMITED, str(tmp_path / "app.sqlite")],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout) == {"code": "store-full", "integrity": "ok"}
    assert stored(tmp_path / "app.sqlite", "a.ipynb") == []
