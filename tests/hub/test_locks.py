"""Leases on notebooks: one holder at a time across replicas, expiry, on SQLite and PostgreSQL.

Each "replica" is its own ``ContentsLocks`` (its own engine and connections) on one database.
"""

from __future__ import annotations

import asyncio
import threading

import pytest

from nblaunch.hub.errors import NotebookBusyError
from nblaunch.hub.locks import ContentsLocks


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_one_holder_across_two_replicas(db_url: str) -> None:
    first, second = ContentsLocks(db_url), ContentsLocks(db_url)
    lease = first.try_acquire("ann", "", "a.ipynb")
    assert lease is not None
    assert second.try_acquire("ann", "", "a.ipynb") is None
    assert first.try_acquire("ann", "", "a.ipynb") is None  # not re-entrant either
    assert first.release(lease)
    again = second.try_acquire("ann", "", "a.ipynb")
    assert again is not None
    second.release(again)


@pytest.mark.parametrize(
    "other",
    [("bob", "", "a.ipynb"), ("ann", "gpu", "a.ipynb"), ("ann", "", "b.ipynb"),
     ("ann", "", "A.ipynb"), ("ann", "", "a.ipynb/x")],
)  # fmt: skip
def test_other_notebooks_are_not_blocked(db_url: str, other: tuple[str, str, str]) -> None:
    first, second = ContentsLocks(db_url), ContentsLocks(db_url)
    assert first.try_acquire("ann", "", "a.ipynb") is not None
    assert second.try_acquire(*other) is not None


def test_a_crashed_holder_blocks_only_until_its_lease_ends(db_url: str) -> None:
    clock = Clock()
    crashed = ContentsLocks(db_url, lease_seconds=30, clock=clock)
    other = ContentsLocks(db_url, lease_seconds=30, clock=clock)
    lost = crashed.try_acquire("ann", "", "a.ipynb")
    assert lost is not None
    clock.now += 29
    assert other.try_acquire("ann", "", "a.ipynb") is None
    clock.now += 2
    taken = other.try_acquire("ann", "", "a.ipynb")
    assert taken is not None
    # The first holder learns it lost the lease before writing, and cannot free the new one.
    with pytest.raises(NotebookBusyError):
        crashed.renew(lost)
    assert not crashed.release(lost)
    assert crashed.try_acquire("ann", "", "a.ipynb") is None
    other.renew(taken)
    assert other.release(taken)


def test_racing_for_an_expired_lease_one_replica_wins(db_url: str) -> None:
    clock = Clock()
    ContentsLocks(db_url, clock=clock).try_acquire("ann", "", "a.ipynb")
    clock.now += 60
    replicas = [ContentsLocks(db_url, clock=clock) for _ in range(6)]
    start = threading.Barrier(len(replicas))
    won: list[object] = []

    def take(locks: ContentsLocks) -> None:
        start.wait()
        won.append(locks.try_acquire("ann", "", "a.ipynb"))

    threads = [threading.Thread(target=take, args=(r,)) for r in replicas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len([lease for lease in won if lease is not None]) == 1


async def test_hold_lets_one_save_in_at_a_time(db_url: str) -> None:
    replicas = [ContentsLocks(db_url), ContentsLocks(db_url)]
    inside: list[int] = []
    most = 0

    async def save(i: int) -> None:
        nonlocal most
        async with replicas[i % 2].hold("ann", "", "a.ipynb"):
            inside.append(i)
            most = max(most, len(inside))
            await asyncio.sleep(0)  # let the others try while this one holds the lease
            await asyncio.sleep(0)
            inside.remove(i)

    await asyncio.gather(*(save(i) for i in range(6)))
    assert most == 1
    # Every lease was given back.
    assert replicas[0].try_acquire("ann", "", "a.ipynb") is not None


async def test_hold_gives_up_with_notebook_busy(db_url: str) -> None:
    holder, waiter = ContentsLocks(db_url), ContentsLocks(db_url)
    assert holder.try_acquire("ann", "", "a.ipynb") is not None
    with pytest.raises(NotebookBusyError) as info:
        async with waiter.hold("ann", "", "a.ipynb", wait=0.2):
            pass  # pragma: no cover
    assert (info.value.code, info.value.status) == ("notebook-busy", 409)
