"""The fuzz tests' own helpers: the raw client's request checks and the known-defect matchers."""

from __future__ import annotations

import doctest

from . import raw


def test_doctests() -> None:
    assert doctest.testmod(raw).failed == 0
