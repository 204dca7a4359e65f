"""Request dependencies: the database session, settings, the Hub client, the user, CSRF checks.

Everything lives on ``app.state`` (set by ``create_app``), never in module globals, so two
applications with different settings can run in one process (the tests do).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session

from .db import session_scope
from .jupyter import NOT_CONFIGURED, HubClient
from .models import User
from .settings import Settings

CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"


#: A row id in a URL: SQLite and PostgreSQL keep 64-bit integers, and a larger one in a path
#: must be a 422 that says so, not an OverflowError from the database.
RowId = Annotated[int, Path(ge=1, le=2**63 - 1, description="a row id (1 to 2**63-1)")]


class LoginRequiredError(Exception):
    """The page needs a logged-in user; answered with a redirect to the login page (or a 401)."""


class HubCallError(Exception):
    """A Hub call failed or cannot be made; ``problem`` says why in words."""

    def __init__(self, problem: object) -> None:
        super().__init__(getattr(problem, "message", str(problem)))
        self.problem = problem


class CSRFError(Exception):
    """A state-changing request without the session's CSRF token."""


def get_db(request: Request) -> Iterator[Session]:
    """One database session per request."""
    yield from session_scope(request.app.state.sessions)


def get_settings(request: Request) -> Settings:
    """The application's settings."""
    settings: Settings = request.app.state.settings
    return settings


def get_client(request: Request) -> HubClient:
    """The Hub client, or a clear "not connected" page when there is none."""
    client: HubClient | None = request.app.state.client
    if client is None:
        raise HubCallError(NOT_CONFIGURED)
    return client


def current_user(request: Request, db: Annotated[Session, Depends(get_db)]) -> User:
    """The logged-in user, from the session cookie."""
    user_id = request.session.get("user_id")
    user = db.get(User, user_id) if isinstance(user_id, int) else None
    if user is None:
        raise LoginRequiredError()
    return user


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use; templates put it in every form."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(24)
        request.session["csrf"] = token
    return token


async def check_csrf(request: Request) -> None:
    """Refuse a POST whose form field or header does not carry the session's token.

    The session cookie is SameSite=Lax already; the token also covers same-site pages that are
    not ours (on one machine, every port of 127.0.0.1 is the same site).
    """
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and "form" in request.headers.get("content-type", ""):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    expected = request.session.get("csrf")
    if not (isinstance(expected, str) and sent and same_secret(sent, expected)):
        raise CSRFError()


def same_secret(given: str, expected: str) -> bool:
    """Whether two secrets are equal, in constant time, whatever characters ``given`` holds.

    ``hmac.compare_digest`` raises TypeError on a str with non-ASCII characters, which anyone
    can send in a header or a form field: compare the UTF-8 bytes instead.

    >>> same_secret("日本", "abc"), same_secret("abc", "abc")
    (False, True)
    """
    return hmac.compare_digest(given.encode(), expected.encode())
