"""The examples in the hub modules' docstrings run and hold."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "accesslog",
    "api",
    "auth",
    "catalog",
    "config",
    "db",
    "hubapi",
    "launcher",
    "locks",
    "oauthstate",
    "openapi",
    "store",
    "ticketstore",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(f"nblaunch.hub.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
