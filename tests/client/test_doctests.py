"""The examples in the client modules' docstrings run and hold (network examples are skipped)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["", "._api", "._base", ".aio", ".errors", ".models", ".sync", ".urls"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(f"nblaunch.client{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
