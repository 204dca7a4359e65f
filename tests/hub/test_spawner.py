"""FastLocalSpawner's servers: default signal handling, whatever the Hub inherited."""

from __future__ import annotations

import doctest
import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest

import nblaunch.hub.spawner
from nblaunch.hub.spawner import default_signals

STATUS = "print(open('/proc/self/status').read().split('SigIgn:')[1].split()[0])"
INT_AND_TERM = 1 << signal.SIGINT - 1 | 1 << signal.SIGTERM - 1


@pytest.fixture
def ignoring() -> Iterator[None]:
    """This process ignores SIGINT and SIGTERM, as a Hub started as a background job would."""
    saved = [signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM)]
    yield
    for sig, handler in zip((signal.SIGINT, signal.SIGTERM), saved, strict=True):
        signal.signal(sig, handler)


def _ignored(**popen: object) -> int:
    run = subprocess.run([sys.executable, "-c", STATUS], capture_output=True, text=True, **popen)
    return int(run.stdout, 16) & INT_AND_TERM


def test_a_child_inherits_ignored_signals_without_it(ignoring: None) -> None:
    assert _ignored() == INT_AND_TERM  # the problem, as the Hub would pass it on


def test_default_signals_gives_the_server_its_signals_back(ignoring: None) -> None:
    assert _ignored(preexec_fn=default_signals) == 0


def test_docstring_examples() -> None:
    result = doctest.testmod(nblaunch.hub.spawner)
    assert result.failed == 0 and result.attempted > 0
