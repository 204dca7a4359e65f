"""OAuth login states that every replica of the service can read: a login begun on one replica
finishes on another.

JupyterHub's ``HubOAuth`` (5.x and 6.x) keeps each login's state (the page to return to and,
since 6.0, the PKCE code verifier) in the memory of the process that began the login; the state
cookie and the ``state`` parameter carry only a random id. Behind a balancer the OAuth callback
may reach another replica, which knows neither: JupyterHub 6 then refuses the code exchange
("Code verifier required", a 500 page), JupyterHub 5 forgets the launch link and lands on the
catalog. ``SharedStateHubOAuth`` keeps the states in the table ``nblaunch_oauth_states`` of the
database the save leases use (``NBLAUNCH_LOCK_URL``, normally the Hub's own), so any replica can
finish a login that another began. The verifier stays on the server side, as JupyterHub keeps
it; a row lives as long as the state cookie (``oauth_state_max_age``, 10 minutes) or until its
login completes.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from jupyterhub.services.auth import HubOAuth
from sqlalchemy import BigInteger, Column, MetaData, String, Table, Text, delete, insert, select
from traitlets import Instance

from .db import create_tables, engine_for

_metadata = MetaData()
STATES = Table(
    "nblaunch_oauth_states",
    _metadata,
    Column("id", String(64), primary_key=True),
    Column("state", Text, nullable=False),
    # Seconds since the epoch, by the clock of the replica that began the login.
    Column("expires", BigInteger, nullable=False, index=True),
)


class OAuthStates:
    """Login states by id in the SQL database at ``url``; each expires after ``max_age`` s.

    >>> states = OAuthStates("sqlite://")
    >>> states.put("abc", {"next_url": "/services/nblaunch/open/stats?n=2"})
    >>> states.get("abc")["next_url"], states.get("nope")
    ('/services/nblaunch/open/stats?n=2', {})
    >>> states.drop("abc"); states.get("abc")
    {}
    """

    def __init__(
        self, url: str, *, max_age: float = 600, clock: Callable[[], float] = time.time
    ) -> None:
        self.engine = engine_for(url)
        create_tables(_metadata, self.engine)
        self.max_age = max_age
        self.clock = clock

    def put(self, state_id: str, state: dict[str, Any]) -> None:
        """Record a new login's state (and forget the ones that have expired)."""
        now = int(self.clock())
        with self.engine.begin() as conn:
            conn.execute(delete(STATES).where(STATES.c.expires < now))
            row = {"id": state_id, "state": json.dumps(state), "expires": now + self.max_age}
            conn.execute(insert(STATES).values(**row))

    def get(self, state_id: str) -> dict[str, Any]:
        """The state of a login still under way, or ``{}``."""
        with self.engine.connect() as conn:
            found = conn.execute(
                select(STATES.c.state).where(
                    STATES.c.id == state_id, STATES.c.expires >= int(self.clock())
                )
            ).scalar()
        return dict(json.loads(found)) if found else {}

    def drop(self, state_id: str) -> None:
        """Forget a login's state once it has been used."""
        with self.engine.begin() as conn:
            conn.execute(delete(STATES).where(STATES.c.id == state_id))


class SharedStateHubOAuth(HubOAuth):
    """``HubOAuth`` whose login states are in ``states`` rather than in this process."""

    states = Instance(OAuthStates, help="Where login states are kept (shared by the replicas).")

    def generate_state(self, next_url: str | None = None, **extra_state: Any) -> str:
        # As HubOAuth.generate_state does, with the state stored in the shared table.
        state_id: str = super().generate_state(next_url, **extra_state)
        self.states.put(state_id, self._oauth_states.pop(state_id, {"next_url": next_url}))
        return state_id

    def _decode_state(self, state_id: str, /) -> dict[str, Any]:
        # get_next_url, get_code_verifier (6.0) and get_state_cookie_name all read through here.
        return self.states.get(state_id) if state_id else {}

    def clear_oauth_state(self, state_id: str) -> None:
        self.states.drop(state_id)
