"""``TicketAuthenticator``: a host application logs its user in to the Hub with a one-time ticket.

The host's backend mints ``make_ticket(username, secret, ttl)`` and sends the browser to
``/hub/login?login_token=<ticket>&next=<path on the Hub>``. The login handler registered here
checks the signature and lifetime (core), refuses a nonce seen before (``TicketStore``), logs that
user in through the Hub's normal login path (so the user is created on first login, subject to
``allow_all``/``allowed_users``), and switches the session when another user was logged in in the
same browser. A bad ticket gives a page saying so, with a link back to ``host_url``; it never
logs anyone in. The parameter is called ``login_token`` because the Hub's request log scrubs
arguments whose name contains ``token``; the ticket itself is never logged.

Without a ticket, ``/hub/login`` is the usual username and password form, checked against the
``passwords`` trait (a demo convenience: use a real authenticator's check in production).
"""

from __future__ import annotations

import hmac
import os
from pathlib import Path
from typing import Any

from jupyterhub.auth import Authenticator
from jupyterhub.handlers.login import LoginHandler
from jupyterhub.utils import url_path_join
from traitlets import Dict, Unicode, default

from ..core import Ticket, TicketError, verify_ticket
from ..pages import page_environment
from .ticketstore import TicketStore

TICKET_ARG = "login_token"
SERVICE_COOKIE = "service-nblaunch"
_PAGES = page_environment(Path(__file__).parent / "templates")


class TicketLoginHandler(LoginHandler):
    """``GET /hub/login?login_token=...&next=...``: log in by ticket; otherwise the usual form."""

    async def get(self) -> None:
        ticket_text = self.get_argument(TICKET_ARG, default="")
        if not ticket_text:
            await super().get()
            return
        authenticator: TicketAuthenticator = self.authenticator
        try:
            ticket = authenticator.check_ticket(ticket_text)
        except TicketError as err:
            # The message names no ticket content, so it may be logged.
            self.log.warning("nblaunch: login ticket refused: %s (%s)", err.code, err.message)
            self.set_status(err.status)
            self.finish(authenticator.refusal_page(err))
            return
        await self._switch_to(ticket)

    async def _switch_to(self, ticket: Ticket) -> None:
        previous = self.get_current_user_cookie()
        if previous is not None and previous.name != ticket.username:
            # Another user was logged in in this browser: end that session first (this also
            # revokes the tokens issued in it), then start a fresh one for the ticket's user.
            self.log.info("nblaunch: ticket switches session from %s", previous.name)
            self.clear_login_cookie()
            self.set_session_cookie()
        # The service keeps its own login cookie; drop it so it asks the Hub who this is again.
        self.clear_cookie(SERVICE_COOKIE, path=url_path_join(self.base_url, "services/nblaunch/"))
        # The same cookie when the Hub uses __Host- prefixed cookies (path / and secure only).
        self.clear_cookie("__Host-" + SERVICE_COOKIE, path="/", secure=True)
        user = await self.login_user({"username": ticket.username, "ticket": ticket})
        if user is None:
            self.set_status(403)
            self.finish(self.authenticator.refusal_page(None))
            return
        self.redirect(self._next_without_ticket(user))

    def _next_without_ticket(self, user: Any) -> str:
        # Without a valid ``next`` the Hub's own default would copy this request's query, ticket
        # included, into ``/hub/spawn?...``: build the fallback here instead, with no query.
        next_url = self._validate_next_url(self.get_argument("next", default=""))
        if next_url:
            return str(next_url)
        return str(user.url) if user.spawner.active else url_path_join(self.hub.base_url, "home")


class TicketAuthenticator(Authenticator):
    """Log users in with host-signed tickets (``?login_token=``) or, without one, a password."""

    ticket_secret = Unicode(
        help="""Secret shared with the host application, used to check the HMAC of login
        tickets (at least 32 random bytes; `openssl rand -hex 32`). Empty: tickets are refused.
        Environment default: NBLAUNCH_TICKET_SECRET.""",
    ).tag(config=True)

    host_url = Unicode(
        help="""Where the "go back" link of a refused-ticket page points: the host
        application's page that opens notebooks. Environment default: NBLAUNCH_HOST_URL.""",
    ).tag(config=True)

    ticket_store_url = Unicode(
        help="""SQLAlchemy URL of the database that remembers used tickets (one small table).
        Empty: the Hub's own database (c.JupyterHub.db_url), so replays are refused across
        restarts. Environment default: NBLAUNCH_TICKET_STORE_URL.""",
    ).tag(config=True)

    passwords = Dict(
        key_trait=Unicode(),
        value_trait=Unicode(),
        help="""Username to password, for the login form when no ticket is given. A demo
        convenience only; an empty dict refuses every password login.""",
    ).tag(config=True)

    @default("ticket_secret")
    def _default_ticket_secret(self) -> str:
        return os.environ.get("NBLAUNCH_TICKET_SECRET", "")

    @default("host_url")
    def _default_host_url(self) -> str:
        return os.environ.get("NBLAUNCH_HOST_URL", "")

    @default("ticket_store_url")
    def _default_ticket_store_url(self) -> str:
        return os.environ.get("NBLAUNCH_TICKET_STORE_URL", "")

    _store: TicketStore | None = None

    def get_handlers(self, app: Any) -> list[tuple[str, Any]]:
        """Register the ticket-aware login handler at ``/hub/login``."""
        self._store = TicketStore(self.ticket_store_url or app.db_url)
        return [("/login", TicketLoginHandler)]

    @property
    def store(self) -> TicketStore:
        """The nonce store (opened when handlers are registered, else from the trait)."""
        if self._store is None:
            self._store = TicketStore(self.ticket_store_url or "sqlite://")
        return self._store

    def check_ticket(self, text: str) -> Ticket:
        """Verify a ticket and use it up, or raise a ``TicketError``."""
        if not self.ticket_secret:
            raise TicketError("This Hub does not accept login links from applications.")
        ticket = verify_ticket(text, self.ticket_secret)
        self.store.consume(ticket)
        return ticket

    def refusal_page(self, err: TicketError | None) -> str:
        """The HTML page for a refused ticket, with a link back to the host application."""
        message = err.message if err else "This user may not log in to this Hub."
        return _PAGES.get_template("ticket.html").render(
            message=message, code=err.code if err else "not-allowed", host_url=self.host_url
        )

    async def authenticate(self, handler: Any, data: dict[str, Any]) -> str | None:
        """A checked ticket names the user; otherwise compare the form's password."""
        ticket = data.get("ticket")
        if isinstance(ticket, Ticket):
            # Only TicketLoginHandler puts a Ticket object here; form data are strings.
            return ticket.username
        username = str(data.get("username", ""))
        expected = self.passwords.get(username)
        given = str(data.get("password", ""))
        if expected and hmac.compare_digest(expected.encode(), given.encode()):
            return username
        return None
