"""Models and migrations, on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.command import downgrade
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select

from nblaunch.webapp.auth import create_user
from nblaunch.webapp.db import alembic_config, make_engine, migrate, session_factory
from nblaunch.webapp.models import Base, Item, NotebookVersion, User

NOTEBOOK = {
    "cells": [{"cell_type": "code", "source": "x = 'é ✓'", "metadata": {}, "outputs": []}],
    "metadata": {"kernelspec": {"name": "python3"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}


def test_migrations_agree_with_models(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate(engine)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations disagree; add a revision: {diff}"


def test_upgrade_is_idempotent_and_downgrade_empties(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate(engine)
    migrate(engine)  # A second start changes nothing.
    tables = set(inspect(engine).get_table_names())
    assert {"users", "items", "notebook_versions", "alembic_version"} <= tables
    downgrade(alembic_config(engine), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()


def test_version_roundtrip_and_cascade(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate(engine)
    sessions = session_factory(engine)
    with sessions() as db:
        user = create_user(db, "carol", "pw")
        item = Item(kind="image", title="t", meta={"a": [1, 2]}, data_file="f.png",
                    media_type="image/png")  # fmt: skip
        db.add(item)
        db.flush()
        db.add(NotebookVersion(user=user, item=item, template="image-stats", path="a.ipynb",
                               hash="h1", content=NOTEBOOK))  # fmt: skip
        db.commit()
    with sessions() as db:
        version = db.scalars(select(NotebookVersion)).one()
        assert version.content == NOTEBOOK  # JSON, unicode included, comes back unchanged
        assert version.created.tzinfo is not None or engine.dialect.name == "sqlite"
        assert version.user.username == "carol" and version.item.meta == {"a": [1, 2]}
        db.delete(db.scalars(select(User)).one())
        db.commit()
        assert db.scalars(select(NotebookVersion)).all() == []  # ON DELETE CASCADE
    engine.dispose()
