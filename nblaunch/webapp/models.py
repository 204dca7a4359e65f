"""The application's tables: users, catalog items and saved notebook versions.

A change here needs a new Alembic revision in ``migrations/versions/``;
``tests/webapp/test_models.py`` fails while the two disagree.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Named constraints, so that migrations on PostgreSQL and SQLite name them the same way.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time in UTC, timezone-aware: ``utcnow().tzinfo is timezone.utc``."""
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class User(Base):
    """A person who logs in to the application; the same name is their JupyterHub user name."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    versions: Mapped[list[NotebookVersion]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )


class Item(Base):
    """One catalog entry: an image or a table, its metadata and the file holding its data."""

    __tablename__ = "items"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    # Free-form description of the data (shape, columns, source, licence), shown and served as is.
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    # A file name inside the data folder's ``items/``; never a path supplied by a request.
    data_file: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))

    versions: Mapped[list[NotebookVersion]] = relationship(
        back_populates="item", cascade="all, delete-orphan", passive_deletes=True
    )

    def to_json(self, api_url: str) -> dict[str, Any]:
        """The item as the JSON API serves it, with an absolute ``data_url``."""
        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "metadata": self.meta,
            "data_url": f"{api_url.rstrip('/')}/items/{self.id}/data",
            "media_type": self.media_type,
        }


class NotebookVersion(Base):
    """A notebook saved from a user's server: one row per save whose content changed."""

    __tablename__ = "notebook_versions"
    __table_args__ = (Index("ix_notebook_versions_user_path", "user_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    template: Mapped[str] = mapped_column(String(200))
    # Path of the notebook in the user's server, relative to its root.
    path: Mapped[str] = mapped_column(Text)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The content hash reported by the hub service; equal hashes mean "nothing new to store".
    hash: Mapped[str] = mapped_column(String(128))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)

    user: Mapped[User] = relationship(back_populates="versions")
    item: Mapped[Item] = relationship(back_populates="versions")
