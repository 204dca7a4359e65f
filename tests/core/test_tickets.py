"""Login tickets: signature, lifetime, nonce, malformed input."""

from __future__ import annotations

import base64
import json

import pytest

from nblaunch.core import MAX_TTL, TicketError, TicketExpiredError, make_ticket, verify_ticket

SECRET = "s3cret"
NOW = 1_800_000_000.0


def test_round_trip() -> None:
    ticket = verify_ticket(make_ticket("ann", SECRET, 30, now=NOW), SECRET, now=NOW + 1)
    assert (ticket.username, ticket.issued, ticket.expires) == ("ann", int(NOW), int(NOW) + 30)
    assert len(ticket.nonce) == 32


def test_two_tickets_in_one_second_differ() -> None:
    first, second = (make_ticket("ann", SECRET, now=NOW) for _ in range(2))
    assert first != second
    assert (
        verify_ticket(first, SECRET, now=NOW).nonce != verify_ticket(second, SECRET, now=NOW).nonce
    )


def test_bytes_secret() -> None:
    assert verify_ticket(make_ticket("ann", b"k", now=NOW), b"k", now=NOW).username == "ann"


@pytest.mark.parametrize("moment", [NOW + 31, NOW - 6])
def test_expired_or_from_the_future(moment: float) -> None:
    with pytest.raises(TicketExpiredError):
        verify_ticket(make_ticket("ann", SECRET, 30, now=NOW), SECRET, now=moment)


def _forge(body: dict[str, object]) -> str:
    import hashlib
    import hmac

    payload = base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=").decode()
    signature = hmac.new(SECRET.encode(), payload.encode(), hashlib.sha256).digest()
    return f"{payload}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


@pytest.mark.parametrize(
    "ticket",
    [
        "",
        "garbage",
        "a.b",
        make_ticket("ann", "other-secret", now=NOW),
        make_ticket("ann", SECRET, now=NOW) + "x",
        _forge({"v": 1, "u": "ann", "n": "x", "iat": NOW, "exp": NOW + 3600}),  # too long-lived
        _forge({"v": 2, "u": "ann", "n": "x", "iat": NOW, "exp": NOW + 10}),
        _forge({"v": 1, "u": "", "n": "x", "iat": NOW, "exp": NOW + 10}),
        _forge({"v": 1, "u": "ann"}),
    ],
)
def test_refused(ticket: str) -> None:
    with pytest.raises(TicketError) as info:
        verify_ticket(ticket, SECRET, now=NOW)
    assert info.value.status == 403
    assert not isinstance(info.value, TicketExpiredError)


@pytest.mark.parametrize(
    ("username", "secret", "ttl"), [("", SECRET, 30), ("ann", "", 30), ("ann", SECRET, 0),
                                    ("ann", SECRET, MAX_TTL + 1)]
)  # fmt: skip
def test_make_refuses(username: str, secret: str, ttl: int) -> None:
    with pytest.raises(TicketError):
        make_ticket(username, secret, ttl)
