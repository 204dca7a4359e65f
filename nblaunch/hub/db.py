"""The rows nblaunch keeps beside the Hub's own, in the Hub's database: one way to open it.

The ticket replay table (``ticketstore``), the save leases (``locks``) and the OAuth login
states (``oauthstate``) each have their own table; every replica of the service and the Hub
itself open the same database, so none of them keeps state a restart or a second replica loses.
"""

from __future__ import annotations

from sqlalchemy import MetaData, create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import StaticPool


def engine_for(url: str) -> Engine:
    """An engine for ``url``; an in-memory SQLite one is a single shared connection.

    >>> engine_for("sqlite://").url.drivername
    'sqlite'
    """
    if url in ("sqlite://", "sqlite:///:memory:"):
        # One shared connection, or every new connection would see a fresh empty database.
        return create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    return create_engine(url, pool_pre_ping=True)


def create_tables(metadata: MetaData, engine: Engine) -> None:
    """Create ``metadata``'s tables if they are missing, whoever else is creating them now.

    Replicas that start together race to create a table: PostgreSQL refuses the second
    ``CREATE``. Once the table exists, checking first finds it.

    >>> create_tables(MetaData(), engine_for("sqlite://"))
    """
    try:
        metadata.create_all(engine)
    except DBAPIError:
        metadata.create_all(engine)
