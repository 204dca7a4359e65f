"""Children in their own process groups: started, waited for, and always stopped."""

from __future__ import annotations

import signal
import socket
import sys
from pathlib import Path

import pytest

from nblaunch.processes import DemoError, check_port_free, running, start, wait_http

SLEEPER = [sys.executable, "-c", "import time; print('up', flush=True); time.sleep(60)"]


def test_running_stops_every_child_however_the_block_ends(tmp_path: Path) -> None:
    children = []
    with pytest.raises(RuntimeError), running(children):
        children.append(start("a", SLEEPER, cwd=tmp_path, env={}, log_dir=tmp_path))
        children.append(start("b", SLEEPER, cwd=tmp_path, env={}, log_dir=tmp_path))
        raise RuntimeError("the parent fails half-way")
    assert [c.process.poll() is not None for c in children] == [True, True]


def test_running_gives_the_signal_handlers_back(tmp_path: Path) -> None:
    def mine(signum: int, frame: object) -> None:
        pass

    signals = (signal.SIGINT, signal.SIGTERM)
    saved = [signal.signal(s, mine) for s in signals]
    try:
        with running([start("a", SLEEPER, cwd=tmp_path, env={}, log_dir=tmp_path)]):
            pass
        # Left ignored, SIGTERM would be ignored by every process started after (a Hub too).
        assert [signal.getsignal(s) for s in signals] == [mine, mine]
    finally:
        for sig, handler in zip(signals, saved, strict=True):
            signal.signal(sig, handler)


def test_a_child_that_dies_is_reported_with_its_log(tmp_path: Path) -> None:
    argv = [sys.executable, "-c", "import sys; print('cannot bind'); sys.exit(3)"]
    child = start("app", argv, cwd=tmp_path, env={}, log_dir=tmp_path)
    with pytest.raises(DemoError, match=r"(?s)app did not start.*cannot bind"):
        wait_http(child, "http://127.0.0.1:9/", timeout=10)


def test_a_taken_port_is_refused_before_anything_starts() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(DemoError, match=f"Port {port}"):
            check_port_free("127.0.0.1", port)
