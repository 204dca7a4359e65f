"""Single-use login tickets: a host application's backend vouches for a user to the Hub.

A ticket is ``base64url(payload).base64url(HMAC-SHA256(secret, payload))``; the payload names the
user, carries a random nonce (two tickets minted in the same second differ) and expires in at
most ``MAX_TTL`` seconds. Refusing a replayed nonce is the verifier's job (it needs a store that
survives restarts), not this module's.

User names must already be in JupyterHub's normal form (``check_username``): the Hub lowercases
the names it logs in, so a ticket for ``Carol`` would land in the account ``carol`` and share it
with the host's user ``carol``. Refusing such names keeps one host user to one Hub account; the
host decides how its names map onto Hub names.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

from .errors import TicketError, TicketExpiredError, UserNameError

MAX_TTL = 60
VERSION = 1
_NOT_VALID = "This login link is not valid; go back to the application and open the notebook again."


def check_username(username: str) -> str:
    """``username`` unchanged if the Hub would log it in under that very name, else an error.

    The rule is JupyterHub's default normalisation (lower case) and validation (not empty, no
    ``/``, no surrounding spaces). A Hub whose authenticator maps names further (``username_map``)
    refuses such tickets too, by its own rule.

    >>> check_username("carol")
    'carol'
    >>> check_username("Carol")
    Traceback (most recent call last):
    ...
    nblaunch.core.errors.UserNameError: The user name 'Carol' is not a Hub user name: ...
    """
    if not username:
        raise UserNameError("A ticket needs a user name: the name of the Hub user to log in.")
    normal = username.strip().lower()
    if normal and normal == username and "/" not in username and set(username) != {"."}:
        return username
    hint = f" (the Hub would make it {normal!r})" if normal and normal != username else ""
    raise UserNameError(
        f"The user name {username!r} is not a Hub user name: use lower case, no spaces around "
        f"it and no '/'{hint}. Map your application's user names onto Hub names yourself, so "
        "two of your users never share one Hub account.",
        user=username,
    )


@dataclass(frozen=True)
class Ticket:
    """A verified ticket's content."""

    username: str
    nonce: str
    issued: int
    expires: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: str | bytes, payload: str) -> str:
    key = secret.encode() if isinstance(secret, str) else secret
    return _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())


def make_ticket(
    username: str, secret: str | bytes, ttl: int = 30, *, now: float | None = None
) -> str:
    """Mint a ticket for ``username`` that expires in ``ttl`` seconds (at most 60).

    >>> make_ticket("alice", "s3cret") != make_ticket("alice", "s3cret")
    True
    """
    check_username(username)
    if not secret:
        raise TicketError("A ticket needs a shared secret; set the same one on the Hub.")
    if not 0 < ttl <= MAX_TTL:
        raise TicketError(f"A ticket lives 1 to {MAX_TTL} seconds, not {ttl}.")
    issued = int(now if now is not None else time.time())
    body = {"v": VERSION, "u": username, "n": secrets.token_hex(16), "iat": issued}
    body["exp"] = issued + ttl
    payload = _b64(json.dumps(body, separators=(",", ":")).encode())
    return f"{payload}.{_sign(secret, payload)}"


def verify_ticket(ticket: str, secret: str | bytes, *, now: float | None = None) -> Ticket:
    """Check a ticket's signature and lifetime, or raise a ``TicketError``.

    >>> verify_ticket(make_ticket("alice", "k"), "k").username
    'alice'
    """
    payload, _, signature = (ticket or "").partition(".")
    # A ticket is ASCII; anything else (``?login_token=x.%C3%A9``) is refused here, and the
    # signatures are compared as bytes: compare_digest raises TypeError on non-ASCII str.
    if not payload or not ticket.isascii():
        raise TicketError(_NOT_VALID)
    if not hmac.compare_digest(_sign(secret, payload).encode(), signature.encode()):
        raise TicketError(_NOT_VALID)
    try:
        body = json.loads(_unb64(payload))
        found = Ticket(str(body["u"]), str(body["n"]), int(body["iat"]), int(body["exp"]))
    except (ValueError, KeyError, TypeError) as err:
        raise TicketError("This login link is malformed; open the notebook again.") from err
    moment = now if now is not None else time.time()
    if body.get("v") != VERSION or found.expires - found.issued > MAX_TTL or not found.username:
        raise TicketError("This login link is not valid; open the notebook again.")
    if moment > found.expires or moment < found.issued - 5:
        raise TicketExpiredError(
            "This login link has expired (they last a minute); go back to the application and "
            "open the notebook again."
        )
    return found
