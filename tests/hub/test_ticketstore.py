"""Replay protection for login tickets: once per nonce, across restarts, expired rows purged."""

from __future__ import annotations

import pytest

from nblaunch.core import Ticket, TicketReplayError, make_ticket, verify_ticket
from nblaunch.hub.ticketstore import TicketStore


def test_a_nonce_is_accepted_once(db_url: str) -> None:
    store = TicketStore(db_url)
    ticket = verify_ticket(make_ticket("alice", "k"), "k")
    store.consume(ticket)
    with pytest.raises(TicketReplayError):
        store.consume(ticket)


def test_refused_after_a_restart_or_by_another_process(db_url: str) -> None:
    url = db_url
    ticket = verify_ticket(make_ticket("alice", "k"), "k")
    TicketStore(url).consume(ticket)
    with pytest.raises(TicketReplayError):
        TicketStore(url).consume(ticket)


def test_two_tickets_minted_in_one_second_both_pass(db_url: str) -> None:
    store = TicketStore(db_url)
    first, second = (make_ticket("alice", "k", now=1000.0) for _ in range(2))
    assert first != second
    store.consume(verify_ticket(first, "k", now=1001.0))
    store.consume(verify_ticket(second, "k", now=1001.0))


def test_expired_nonces_are_purged() -> None:
    store = TicketStore("sqlite://")
    store.consume(Ticket("alice", "old", 0, 100), now=50)
    store.consume(Ticket("alice", "new", 0, 10_000), now=200)
    assert store.count() == 1
