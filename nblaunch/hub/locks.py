"""Short leases on notebooks in a shared database: two saves of one notebook never interleave.

A conditional save (``expect_hash``) is a read, a compare and a write through the user's server;
two of them side by side would both see the old hash and both write. The contents API therefore
holds a lease on ``(user, server, path)`` from the compare until it has read back what it wrote.
The leases live in one small table, ``nblaunch_contents_locks``, of a database every replica of
the service can reach (by default the Hub's own, like the ticket store), so the guard holds with
several replicas. A lease expires after ``lease_seconds``: a replica that crashed while holding
one blocks that notebook for that long at most.

Taking a lease is one atomic statement on SQLite and PostgreSQL alike: an INSERT, which the
primary key lets only one replica win, or, when the row is there but expired, an UPDATE whose
WHERE clause only one replica can still satisfy.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from jupyterhub.utils import exponential_backoff
from sqlalchemy import BigInteger, Column, MetaData, String, Table, delete, insert, update
from sqlalchemy.exc import IntegrityError

from .db import create_tables, engine_for
from .errors import NotebookBusyError

_metadata = MetaData()
LOCKS = Table(
    "nblaunch_contents_locks",
    _metadata,
    Column("key", String(64), primary_key=True),
    Column("owner", String(64), nullable=False),
    # Milliseconds since the epoch, by the clock of the replica that took the lease.
    Column("expires", BigInteger, nullable=False),
)


@dataclass(frozen=True)
class Lease:
    """A lease held on one notebook: its row's key and this holder's random id."""

    key: str
    owner: str


def lock_key(user: str, server: str, path: str) -> str:
    """The row key of a notebook: a hash, so any path fits the column.

    >>> lock_key("ann", "", "a.ipynb") == lock_key("ann", "", "a.ipynb")
    True
    """
    blob = json.dumps([user, server, path], ensure_ascii=False).encode()
    return hashlib.sha256(blob).hexdigest()


class ContentsLocks:
    """Leases on notebooks in the SQL database at ``url``.

    >>> locks = ContentsLocks("sqlite://")
    >>> lease = locks.try_acquire("ann", "", "a.ipynb")
    >>> locks.try_acquire("ann", "", "a.ipynb") is None
    True
    >>> locks.release(lease)
    True
    """

    def __init__(
        self, url: str, *, lease_seconds: float = 30.0, clock: Callable[[], float] = time.time
    ) -> None:
        self.engine = engine_for(url)
        create_tables(_metadata, self.engine)
        self.lease_ms = int(lease_seconds * 1000)
        self.clock = clock

    def _now(self) -> int:
        return int(self.clock() * 1000)

    def try_acquire(self, user: str, server: str, path: str) -> Lease | None:
        """Take the lease on a notebook now, or None when another holder's lease is live."""
        lease = Lease(lock_key(user, server, path), secrets.token_hex(16))
        now = self._now()
        row = {"key": lease.key, "owner": lease.owner, "expires": now + self.lease_ms}
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(LOCKS).values(**row))
            return lease
        except IntegrityError:
            pass
        # The row exists: take it only if its lease has run out. A separate transaction, since
        # PostgreSQL aborts a transaction in which a statement failed.
        with self.engine.begin() as conn:
            taken = conn.execute(
                update(LOCKS)
                .where(LOCKS.c.key == lease.key, LOCKS.c.expires < now)
                .values(owner=lease.owner, expires=row["expires"])
            )
        return lease if taken.rowcount == 1 else None

    def renew(self, lease: Lease) -> None:
        """Extend a lease still held, or raise ``NotebookBusyError`` if it was lost."""
        with self.engine.begin() as conn:
            kept = conn.execute(
                update(LOCKS)
                .where(LOCKS.c.key == lease.key, LOCKS.c.owner == lease.owner)
                .values(expires=self._now() + self.lease_ms)
            )
        if kept.rowcount != 1:
            raise NotebookBusyError(
                "Saving took longer than its lease and another save of this notebook has "
                "started; nothing was written. Fetch the notebook again and retry."
            )

    def release(self, lease: Lease) -> bool:
        """Give a lease back; False if it had expired and another holder had taken it."""
        with self.engine.begin() as conn:
            gone = conn.execute(
                delete(LOCKS).where(LOCKS.c.key == lease.key, LOCKS.c.owner == lease.owner)
            )
        return gone.rowcount == 1

    @asynccontextmanager
    async def hold(
        self, user: str, server: str, path: str, *, wait: float = 10.0
    ) -> AsyncIterator[Lease]:
        """Hold the lease on a notebook for a block, waiting up to ``wait`` seconds for it.

        Raises ``NotebookBusyError`` when another save held it all that time.
        """
        try:
            lease: Lease = await exponential_backoff(
                lambda: self.try_acquire(user, server, path),
                "lease",
                start_wait=0.02,
                max_wait=0.5,
                timeout=wait,
            )
        except TimeoutError as err:
            raise NotebookBusyError(
                f"{path} is being saved by someone else right now; nothing was written. "
                "Fetch it again in a moment and retry.",
                path=path,
            ) from err
        try:
            yield lease
        finally:
            self.release(lease)
