"""Alembic environment: runs against the engine that ``nblaunch.webapp.db.migrate`` passes in."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from nblaunch.webapp.models import Base


def run_migrations() -> None:
    """Run the migrations Alembic asked for, in one transaction."""
    config = context.config
    engine = config.attributes.get("engine")
    if engine is None:
        # Plain `alembic -x url=... upgrade head` from a shell.
        engine = create_engine(context.get_x_argument(as_dictionary=True)["url"])
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()


# Alembic sets context.config before it runs this file; a doctest collector importing it does not.
if hasattr(context, "config"):
    run_migrations()
