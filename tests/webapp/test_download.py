"""Downloading a stored version: any notebook name gives a file and a well-formed header.

The versions are written straight into the application's database (no Hub needed): the name of
the download comes from the notebook's path in the user's server, which the user chose.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from nblaunch.webapp.models import Item, NotebookVersion, User

CONTENT = {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def stored(web: TestClient, username: str, path: str) -> int:
    """A version of ``path`` for ``username`` in the application's database; its id."""
    with web.app.state.sessions() as db:  # type: ignore[attr-defined]
        user = db.scalar(select(User).where(User.username == username))
        version = NotebookVersion(
            user=user, item=db.get(Item, 1), template="", path=path, hash="h", content=CONTENT
        )
        db.add(version)
        db.commit()
        return version.id


@pytest.mark.parametrize(
    ("path", "fallback", "name"),
    [
        ("nblaunch/日本語.ipynb", "___", "日本語"),
        ('a"b.ipynb', "a_b", 'a"b'),  # a quote would end filename="..."
        ("two\nlines.ipynb", "two_lines", "two\nlines"),  # a newline would end the header
        ("back\\slash;x=y.ipynb", "back_slash;x=y", "back\\slash;x=y"),
        ("plain-name.ipynb", "plain-name", "plain-name"),
    ],
)
def test_a_version_downloads_under_its_name(
    web: TestClient, login: Callable[..., str], path: str, fallback: str, name: str
) -> None:
    login(web, "alice")
    version = stored(web, "alice", path)
    response = web.get(f"/versions/{version}/download")
    assert response.status_code == 200, response.text
    assert response.json() == CONTENT
    header = response.headers["content-disposition"]
    assert header.isascii() and "\n" not in header and "\r" not in header
    plain, extended = header.removeprefix("attachment; ").split("; ")
    assert plain == f'filename="{fallback}-v{version}.ipynb"'
    assert extended.startswith("filename*=UTF-8''")
    assert unquote(extended.removeprefix("filename*=UTF-8''")) == f"{name}-v{version}.ipynb"
