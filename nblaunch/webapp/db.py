"""Engine, sessions and migrations.

The schema is owned by Alembic: ``migrate(engine)`` runs ``upgrade head`` at application start, so a
new release brings its own schema changes to an existing database (SQLite or PostgreSQL).

A database that cannot take a change right now is a ``StoreError`` (issue 11), never a 500:

    StoreError          store-error  503
    ├── StoreBusyError  store-busy   503  (another writer held the lock past BUSY_TIMEOUT)
    └── StoreFullError  store-full   503  (the disk is full, or a file-size or quota limit hit)
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).with_name("migrations")

#: Seconds a SQLite statement waits for another connection's lock before "database is locked":
#: long enough for any commit of ours or a backup's to finish, short enough that a person whose
#: save cannot go through hears why instead of watching a spinner.
BUSY_TIMEOUT = 5.0


def make_engine(url: str) -> Engine:
    """An engine for ``url``, with foreign keys enforced on SQLite too.

    >>> make_engine("sqlite://").dialect.name
    'sqlite'
    """
    connect_args: dict[str, Any] = {}
    if url.startswith("sqlite"):
        # FastAPI runs sync handlers in a thread pool; each session still uses one connection.
        connect_args["check_same_thread"] = False
        connect_args["timeout"] = BUSY_TIMEOUT
    engine = create_engine(url, connect_args=connect_args, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_foreign_keys)
    return engine


def _sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    # SQLite ignores ON DELETE CASCADE unless asked per connection.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration bound to ``engine`` (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # Passed as an object, not as a URL string: URLs with '%' break configparser interpolation.
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema to ``revision`` (default: the newest).

    >>> migrate(make_engine("sqlite://"))
    """
    command.upgrade(alembic_config(engine), revision)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """The session maker handlers use; objects stay readable after commit for the templates."""
    return sessionmaker(engine, expire_on_commit=False)


def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One session per request, rolled back on error so a failed request leaves no half-write."""
    with factory() as session:
        try:
            yield session
        except Exception:
            session.rollback()
            raise


class StoreError(Exception):
    """The database did not take a change; the transaction was rolled back, nothing is half-kept.

    ``message`` says so to a person; ``save_message`` says it to someone whose save failed.

    >>> StoreFullError().code, StoreFullError().status
    ('store-full', 503)
    """

    code: ClassVar[str] = "store-error"
    status: ClassVar[int] = 503
    title: ClassVar[str] = "Not stored"
    default: ClassVar[str] = "The database did not take the change, so nothing was stored."
    save_message: ClassVar[str] = default

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default
        super().__init__(self.message)


class StoreBusyError(StoreError):
    """Another connection held the database's lock for longer than ``BUSY_TIMEOUT``."""

    code = "store-busy"
    title = "Database busy"
    default = (
        "The application's database is busy with another writer, so nothing was changed. "
        "Please try again in a moment."
    )
    save_message = (
        "The application's database is busy with another writer, so this version was not "
        "stored; your notebook is still in Jupyter. Please try again in a moment."
    )


class StoreFullError(StoreError):
    """The database's disk is full (or a file-size limit or quota was reached)."""

    code = "store-full"
    title = "Disk full"
    default = (
        "The server's disk is full, so nothing was stored. "
        "Please tell the administrator; try again once space has been freed."
    )
    save_message = (
        "The server's disk is full; your notebook is still in Jupyter, nothing was stored. "
        "Please tell the administrator and save again once space has been freed."
    )


# EFBIG: RLIMIT_FSIZE; EDQUOT: a quota. To the person saving, each is a full disk.
_FULL_ERRNOS = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}
# PostgreSQL's SQLSTATEs: lock_not_available, deadlock_detected, serialization_failure; disk_full.
_PG_BUSY = {"55P03", "40P01", "40001"}
_PG_FULL = {"53100"}


def store_error(exc: BaseException) -> type[StoreError] | None:
    """Which ``StoreError`` the database error ``exc`` is, or None for any other failure.

    >>> import sqlite3
    >>> store_error(sqlite3.OperationalError("database is locked")).code
    'store-busy'
    >>> store_error(sqlite3.OperationalError("no such table: x")) is None
    True
    """
    driver = getattr(exc, "orig", None) or exc  # SQLAlchemy wraps the driver's exception
    if isinstance(driver, OSError):
        return StoreFullError if driver.errno in _FULL_ERRNOS else None
    name = str(getattr(driver, "sqlite_errorname", ""))
    state = getattr(driver, "sqlstate", None) or getattr(driver, "pgcode", None)
    text = str(driver)
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or state in _PG_BUSY:
        return StoreBusyError
    # SQLite reports ENOSPC as SQLITE_FULL, but EFBIG (a file-size limit) as a failed write:
    # a write the kernel refused is, for the person saving, a disk that takes no more.
    if name in ("SQLITE_FULL", "SQLITE_IOERR_WRITE") or state in _PG_FULL:
        return StoreFullError
    if "database is locked" in text:
        return StoreBusyError
    return StoreFullError if "database or disk is full" in text else None
