"""``TicketAuthenticator``: a host application logs its user in to the Hub with a one-time ticket.

The host's backend mints ``make_ticket(username, secret, ttl)`` and sends the browser to
``/hub/login?login_token=<ticket>&next=<path on the Hub>``. The login handler registered here
checks the signature, lifetime and user name (core, then the authenticator's own
``normalize_username``: a name the Hub would change is refused, so two host users never share
one account), refuses a nonce seen before (``TicketStore``), and logs that user in through the
Hub's normal login path (so the user is created on first login, subject to
``allow_all``/``allowed_users``). A bad ticket gives a page saying so, with a link back to
``host_url``; it never logs anyone in. The parameter is called ``login_token`` because the Hub's
request log scrubs arguments whose name contains ``token``; the ticket itself is never logged.

When another user is logged in in the same browser, a GET never switches: anyone can mint a
ticket for themselves in the host application, so a link could otherwise log a victim in to the
sender's account (login CSRF). The GET shows who is logged in and whom the link is for, and only
a POST of the same ticket with the Hub's xsrf token switches. The ticket is used up by the
request that logs in (the GET when nobody or the same user is logged in, else the POST), so it
is accepted once in total.

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
from tornado import web
from traitlets import Dict, Unicode, default

from ..core import Ticket, TicketError, verify_ticket
from ..core.errors import UserNameError
from ..pages import page_environment
from .errors import LoginRefusedError
from .ticketstore import TicketStore

TICKET_ARG = "login_token"
SERVICE_COOKIE = "service-nblaunch"
_PAGES = page_environment(Path(__file__).parent / "templates")


class TicketLoginHandler(LoginHandler):
    """``/hub/login?login_token=...&next=...``: log in by ticket; otherwise the usual form.

    Refused tickets are raised as ``TicketError`` and answered by ``write_error``.
    """

    authenticator: TicketAuthenticator

    async def get(self) -> None:
        text = self.get_argument(TICKET_ARG, default="")
        if not text:
            await super().get()
            return
        ticket = self.authenticator.check_ticket(text)
        previous = self.get_current_user_cookie()
        if previous is not None and previous.name != ticket.username:
            # Not used up here: the POST from the confirmation page carries it.
            self._confirm_switch(previous.name, ticket, text)
            return
        self.authenticator.use_ticket(ticket)
        await self._log_in(ticket, switching=False)

    async def post(self) -> None:
        # The Hub's prepare() has checked _xsrf against this browser's session already.
        text = self.get_body_argument(TICKET_ARG, default="")
        if not text:
            if not self.get_body_argument("username", default=""):
                # JupyterHub's own form handler reads data['username'] unguarded (a 500).
                raise web.HTTPError(400, "Give your user name and password to log in.")
            await super().post()
            return
        ticket = self.authenticator.check_ticket(text)
        self.authenticator.use_ticket(ticket)
        previous = self.get_current_user_cookie()
        await self._log_in(
            ticket, switching=previous is not None and previous.name != ticket.username
        )

    def _confirm_switch(self, current: str, ticket: Ticket, text: str) -> None:
        self.log.info(
            "nblaunch: ticket for %s while %s is logged in: asking", ticket.username, current
        )
        # The page holds a live ticket: no cache may keep it.
        self.set_header("Cache-Control", "no-store")
        self.finish(
            _PAGES.get_template("switch.html").render(
                current_user=current,
                new_user=ticket.username,
                ticket=text,
                next=self.get_argument("next", default=""),
                xsrf=self.xsrf_token.decode("ascii"),
                action=url_path_join(self.hub.base_url, "login"),
                stay_url=url_path_join(self.hub.base_url, "home"),
                host_url=self.authenticator.host_url,
            )
        )

    async def _log_in(self, ticket: Ticket, *, switching: bool) -> None:
        if switching:
            # Another user was logged in in this browser and confirmed the switch: end that
            # session first (this also revokes the tokens issued in it), then start a fresh one.
            self.log.info("nblaunch: ticket switches session to %s", ticket.username)
            self.clear_login_cookie()
            self.set_session_cookie()
        # The service keeps its own login cookie; drop it so it asks the Hub who this is again.
        self.clear_cookie(SERVICE_COOKIE, path=url_path_join(self.base_url, "services/nblaunch/"))
        # The same cookie when the Hub uses __Host- prefixed cookies (path / and secure only).
        self.clear_cookie("__Host-" + SERVICE_COOKIE, path="/", secure=True)
        user = await self.login_user({"username": ticket.username, "ticket": ticket})
        if user is None:
            raise LoginRefusedError("This user may not log in to this Hub.", user=ticket.username)
        self.redirect(self._next_without_ticket(user))

    def _next_without_ticket(self, user: Any) -> str:
        # Without a valid ``next`` the Hub's own default would copy this request's query, ticket
        # included, into ``/hub/spawn?...``: build the fallback here instead, with no query.
        next_url = self._validate_next_url(self.get_argument("next", default=""))
        if next_url:
            return str(next_url)
        return str(user.url) if user.spawner.active else url_path_join(self.hub.base_url, "home")

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        """A refused ticket is one warning line: its message names no ticket content, and the
        request line (which holds the ticket) is not logged."""
        if isinstance(value, TicketError):
            self.log.warning("nblaunch: login ticket refused: %s (%s)", value.code, value.message)
            return
        super().log_exception(typ, value, tb)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """A refused ticket is the ticket page with a link back to the host application."""
        err = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(err, TicketError):
            self.set_status(err.status)
            self.finish(self.authenticator.refusal_page(err))
            return
        super().write_error(status_code, **kwargs)


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
        """Verify a ticket's signature, lifetime and user name, or raise a ``TicketError``.

        The ticket is not used up: ``use_ticket`` does that when it logs someone in.
        """
        if not self.ticket_secret:
            raise TicketError("This Hub does not accept login links from applications.")
        ticket = verify_ticket(text, self.ticket_secret)
        normal = self.normalize_username(ticket.username)
        if normal != ticket.username:
            # The Hub would log this name in as ``normal``, an account that may belong to
            # another of the host's users: refuse rather than merge them.
            raise UserNameError(
                f"This login link is for {ticket.username!r}, which this Hub would log in as "
                f"{normal!r}. The application must use Hub user names as they are; tell its "
                "administrator.",
                user=ticket.username,
            )
        return ticket

    def use_ticket(self, ticket: Ticket) -> None:
        """Use a checked ticket up, or raise ``TicketReplayError`` if it was used before."""
        self.store.consume(ticket)

    def refusal_page(self, err: TicketError) -> str:
        """The HTML page for a refused ticket, with a link back to the host application."""
        return _PAGES.get_template("ticket.html").render(
            message=err.message, code=err.code, host_url=self.host_url
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
