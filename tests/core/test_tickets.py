"""Login tickets: signature, lifetime, nonce, malformed input."""

from __future__ import annotations

import base64
import json

import pytest

from nblaunch.core import MAX_TTL, TicketError, TicketExpiredError, make_ticket, verify_ticket
from nblaunch.core.tickets import UserNameError, check_username

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
        # Not ASCII: compare_digest on such str raised TypeError, a 500 on the Hub.
        "x.\u00e9",
        "\u00e9.x",
        make_ticket("ann", SECRET, now=NOW) + "\u00e9",
        make_ticket("ann", SECRET, now=NOW).replace(".", ".\U0001f600"),
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


@pytest.mark.parametrize(
    ("username", "normal"),
    [("carol", True), ("c.smith@example.org", True), ("d\u00f6rte", True), ("1234", True),
     ("Carol", False), ("CAROL", False), (" carol", False), ("carol ", False), ("a/b", False),
     ("..", False), ("", False), ("D\u00d6RTE", False)],
)  # fmt: skip
def test_user_names_must_be_hub_names(username: str, normal: bool) -> None:
    if normal:
        assert check_username(username) == username
        assert verify_ticket(make_ticket(username, SECRET, now=NOW), SECRET, now=NOW).username == (
            username
        )
        return
    with pytest.raises(UserNameError) as info:
        make_ticket(username, SECRET, now=NOW)
    assert info.value.code == "user-name-not-normal"
    assert info.value.status == 400
    # A wrong argument to the host's own call: ValueError as well as a TicketError.
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, TicketError)


def test_the_refusal_names_the_hubs_form() -> None:
    with pytest.raises(UserNameError, match="'carol'"):
        check_username("Carol")
