"""Saved notebook versions: store a save when its content changed, render, restore.

Saving is the second half of the embed protocol (issue 4): the page's Save button (or JupyterLab's
own) makes the notebook land on disk in the user's server; the backend then reads it back with
``client.fetch`` and keeps a new version only if the hub service reports a different hash.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ..core.errors import UnsafePathError
from ..core.paths import safe_path
from .db import store_error
from .jupyter import FetchedNotebook, HubClient
from .models import Item, NotebookVersion, User


class UnsafeNotebookPathError(ValueError):
    """A notebook path from the browser that could name something other than a user's notebook."""


def check_path(path: str) -> str:
    """``path`` if it is a relative ``.ipynb`` path inside the server root, else an error.

    >>> check_path("analyses/image-stats-1.ipynb")
    'analyses/image-stats-1.ipynb'
    >>> check_path("../etc/passwd")
    Traceback (most recent call last):
    ...
    nblaunch.webapp.versions.UnsafeNotebookPathError: Not a notebook path: '../etc/passwd'
    """
    # The same rule as every launch path (nblaunch.core.paths), and the path as given: a
    # path that only normalises to a safe one ("a//b.ipynb", "/a.ipynb") is not one we wrote.
    try:
        clean = safe_path(path)
    except UnsafePathError:
        clean = None
    if clean != path or not path.endswith(".ipynb") or len(path) > 1000:
        raise UnsafeNotebookPathError(f"Not a notebook path: {path!r}")
    return path


def latest_version(db: Session, user: User, path: str) -> NotebookVersion | None:
    """The newest stored version of ``path`` for ``user``, or None."""
    query = (
        select(NotebookVersion)
        .where(NotebookVersion.user_id == user.id, NotebookVersion.path == path)
        .order_by(NotebookVersion.id.desc())
        .limit(1)
    )
    return db.scalar(query)


@dataclass(frozen=True)
class SaveResult:
    """The version that holds the notebook now, and whether this save created it."""

    version: NotebookVersion
    created: bool

    def to_json(self) -> dict[str, Any]:
        """The JSON answer of the save endpoint."""
        v = self.version
        return {"version_id": v.id, "created": self.created, "hash": v.hash, "path": v.path}


def record_save(
    db: Session, user: User, item: Item, template: str, path: str, fetched: FetchedNotebook
) -> SaveResult:
    """Store ``fetched`` as a new version unless the newest one has the same hash.

    >>> record_save(db, alice, item, "image-stats", "a.ipynb", client.fetch("alice", "a.ipynb"))
    ... # doctest: +SKIP
    SaveResult(version=<...>, created=True)
    """
    with storing(db):
        latest = latest_version(db, user, path)
        if latest is not None and latest.hash == fetched.hash:
            return SaveResult(latest, created=False)
        version = NotebookVersion(
            user=user, item=item, template=template, path=path, hash=fetched.hash,
            content=fetched.content,
        )  # fmt: skip
        db.add(version)
        db.commit()
    return SaveResult(version, created=True)


@contextmanager
def storing(db: Session) -> Iterator[None]:
    """Turn a busy or full database into the ``StoreError`` a person whose save failed reads.

    The session is rolled back first: SQLite has undone the transaction already, and the
    session must not keep a version the database never took.

    >>> with storing(db):  # doctest: +SKIP
    ...     db.commit()
    Traceback (most recent call last):
    nblaunch.webapp.db.StoreFullError: The server's disk is full; your notebook is still in ...
    """
    try:
        yield
    except (DBAPIError, OSError) as exc:
        db.rollback()
        kind = store_error(exc)
        if kind is None:
            raise
        raise kind(kind.save_message) from exc


def restore(
    db: Session, client: HubClient, user: User, version: NotebookVersion, *, force: bool = False
) -> None:
    """Write ``version`` back into the user's server, and keep what is there now as the latest.

    Unless ``force``, the file must still be what the application last stored for that path:
    otherwise the client raises its conflict error and nothing is overwritten. The restored
    content becomes the newest version (unless it already is): the next restore compares the
    file with it, not with the version the user just left, which would be a false conflict.
    """
    latest = latest_version(db, user, version.path)
    expect = None if force or latest is None else latest.hash
    written = client.put(user.username, version.path, version.content, expect_hash=expect)
    record_save(db, user, version.item, version.template, version.path, written)


def analyses(db: Session, user: User) -> list[dict[str, Any]]:
    """The user's notebooks across items, newest first: one row per path with its version count."""
    counts = (
        select(
            NotebookVersion.path,
            func.count(NotebookVersion.id).label("count"),
            func.max(NotebookVersion.id).label("latest_id"),
        )
        .where(NotebookVersion.user_id == user.id)
        .group_by(NotebookVersion.path)
        .subquery()
    )
    query = (
        select(NotebookVersion, counts.c.count)
        .join(counts, NotebookVersion.id == counts.c.latest_id)
        .order_by(NotebookVersion.id.desc())
    )
    return [{"latest": version, "count": count} for version, count in db.execute(query)]


def history(db: Session, user: User, path: str) -> list[NotebookVersion]:
    """Every stored version of ``path`` for ``user``, newest first."""
    query = (
        select(NotebookVersion)
        .where(NotebookVersion.user_id == user.id, NotebookVersion.path == path)
        .order_by(NotebookVersion.id.desc())
    )
    return list(db.scalars(query))


def render_html(content: dict[str, Any]) -> str:
    """A static HTML page of a notebook, made by nbconvert without starting Jupyter or a kernel.

    >>> "<html" in render_html({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    True
    """
    import nbformat
    from nbconvert import HTMLExporter

    node = nbformat.from_dict(content)
    body, _resources = HTMLExporter(template_name="lab").from_notebook_node(node)
    return str(body)
