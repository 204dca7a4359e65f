"""Children in their own process groups: started, waited for, and always stopped.

With real processes. ``HUB`` plays JupyterHub's part: it starts a "proxy" in a session of its own
(as JupyterHub starts configurable-http-proxy, its services and the users' servers), so killing
its group does not reach it; the tests kill the "hub" with SIGKILL and check the proxy is gone
once ``running()`` ends.
"""

from __future__ import annotations

import doctest
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import nblaunch.processes
from nblaunch.processes import DemoError, check_port_free, family, running, start, wait_http

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


@pytest.mark.parametrize(
    ("ending", "how"),
    [
        ("sys.exit(3)", "exited with status 3"),
        ("os.kill(os.getpid(), signal.SIGKILL)", r"was killed by signal 9 \(SIGKILL\)"),
        ("os.kill(os.getpid(), signal.SIGTERM)", r"was killed by signal 15 \(SIGTERM\)"),
    ],
)
def test_a_child_that_dies_is_reported_with_how_it_ended_and_its_log(
    tmp_path: Path, ending: str, how: str
) -> None:
    code = f"import os, signal, sys; print('cannot bind', flush=True); {ending}"
    child = start("app", [sys.executable, "-c", code], cwd=tmp_path, env={}, log_dir=tmp_path)
    with pytest.raises(DemoError, match=rf"(?s)app did not start.*app {how}.*cannot bind"):
        wait_http(child, "http://127.0.0.1:9/", timeout=30)


def test_a_silent_death_says_the_log_is_empty(tmp_path: Path) -> None:
    argv = [sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"]
    child = start("hub", argv, cwd=tmp_path, env={}, log_dir=tmp_path)
    with pytest.raises(DemoError, match=r"(?s)killed by signal 9.*hub.log is empty"):
        wait_http(child, "http://127.0.0.1:9/", timeout=30)


def test_a_taken_port_is_refused_before_anything_starts() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(DemoError, match=f"Port {port}"):
            check_port_free("127.0.0.1", port)


# --- what the children start in sessions of their own ---------------------------------------

# A "hub": starts a "proxy" in a new session (JupyterHub's proxy.py: start_new_session=True),
# writes its pid, and waits. On SIGTERM it exits without stopping the proxy, as a Hub still
# starting up does (JupyterHub installs its own handler only at the end of its start-up).
HUB = """
import subprocess, sys, time
proxy = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"],
                         start_new_session=True)
open(sys.argv[1] + ".tmp", "w").write(str(proxy.pid))
__import__("os").replace(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(120)
"""


def _until(condition: Callable[[], object], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _start_hub(tmp_path: Path) -> tuple[nblaunch.processes.Child, int]:
    pid_file = tmp_path / "proxy.pid"
    hub = start("hub", [sys.executable, "-c", HUB, str(pid_file)], cwd=tmp_path, env={},
                log_dir=tmp_path)  # fmt: skip
    _until(pid_file.exists)
    return hub, int(pid_file.read_text())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a subreaper is Linux only")
@pytest.mark.parametrize("ends", ["killed", "stopped"])
def test_what_a_child_started_in_its_own_session_does_not_outlive_the_block(
    tmp_path: Path, ends: str
) -> None:
    children: list[nblaunch.processes.Child] = []
    with running(children):
        hub, proxy = _start_hub(tmp_path)
        children.append(hub)
        assert os.getpgid(proxy) != hub.process.pid  # out of reach of the hub's group
        if ends == "killed":
            os.kill(hub.process.pid, signal.SIGKILL)
            hub.process.wait(30)
            # Orphaned, it is reparented here (not to init), so the clean-up can still find it.
            _until(lambda: nblaunch.processes._stat(proxy)[1] == os.getpid())  # type: ignore[index]
            assert _running(proxy)
    assert not _running(proxy)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a subreaper is Linux only")
def test_processes_started_outside_the_block_are_left_alone(tmp_path: Path) -> None:
    # A test session's other servers are children of the same process: none of the block's.
    other = subprocess.Popen(SLEEPER, start_new_session=True)
    try:
        with running([]):
            pass
        assert other.poll() is None
    finally:
        other.kill()
        other.wait()


def test_family_follows_children_across_sessions(tmp_path: Path) -> None:
    hub, proxy = _start_hub(tmp_path)
    try:
        assert set(family([hub.process.pid])) == {hub.process.pid, proxy}
    finally:
        hub.process.kill()
        hub.process.wait()
        os.kill(proxy, signal.SIGKILL)


def test_doctests() -> None:
    assert doctest.testmod(nblaunch.processes).failed == 0
