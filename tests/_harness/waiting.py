"""``wait_until``: the one way tests wait, on a condition, never for a fixed time."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(
    condition: Callable[[], T], what: str, *, timeout: float = 30.0, interval: float = 0.05
) -> T:
    """Call ``condition`` until it returns something true, and return that; fail after
    ``timeout`` seconds saying what was awaited. Intervals grow to 0.5 s, as JupyterHub's
    ``exponential_backoff`` does, so a slow condition costs little CPU on a loaded machine.

    >>> wait_until(lambda: 42, "the answer")
    42
    """
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)
        interval = min(interval * 1.5, 0.5)
