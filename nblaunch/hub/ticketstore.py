"""Replay protection for login tickets: each ticket's nonce is accepted once, across restarts.

Core signs and checks tickets (``nblaunch.core.tickets``); remembering which nonces were used is
the verifier's job. The nonces live in one small table, ``nblaunch_ticket_nonces``, by default in
the Hub's own database (``c.JupyterHub.db_url``), so a restarted Hub still refuses a ticket used
before the restart. A row is kept until its ticket has expired; after that the ticket is refused
as expired anyway, so the row is deleted.
"""

from __future__ import annotations

import time

from sqlalchemy import Column, Integer, MetaData, String, Table, delete, insert
from sqlalchemy.exc import IntegrityError

from ..core import Ticket, TicketReplayError
from .db import create_tables, engine_for

_metadata = MetaData()
NONCES = Table(
    "nblaunch_ticket_nonces",
    _metadata,
    Column("nonce", String(64), primary_key=True),
    Column("username", String(255), nullable=False),
    Column("expires", Integer, nullable=False, index=True),
)


class TicketStore:
    """Nonces of tickets already used, in a SQL database at ``url``.

    >>> store = TicketStore("sqlite://")
    >>> store.consume(Ticket("alice", "n1", 0, 2**31 - 1))
    >>> store.consume(Ticket("alice", "n1", 0, 2**31 - 1))
    Traceback (most recent call last):
    ...
    nblaunch.core.errors.TicketReplayError: This login link has already been used; ...
    """

    def __init__(self, url: str) -> None:
        self.engine = engine_for(url)
        create_tables(_metadata, self.engine)

    def consume(self, ticket: Ticket, *, now: float | None = None) -> None:
        """Record the ticket's nonce, or raise ``TicketReplayError`` if it was used before."""
        moment = int(now if now is not None else time.time())
        try:
            with self.engine.begin() as conn:
                conn.execute(delete(NONCES).where(NONCES.c.expires < moment))
                conn.execute(
                    insert(NONCES).values(
                        nonce=ticket.nonce, username=ticket.username, expires=ticket.expires
                    )
                )
        except IntegrityError as err:
            raise TicketReplayError(
                "This login link has already been used; go back to the application and open "
                "the notebook again.",
                user=ticket.username,
            ) from err

    def count(self) -> int:
        """How many nonces are remembered (for tests and monitoring)."""
        with self.engine.connect() as conn:
            return len(conn.execute(NONCES.select()).all())
