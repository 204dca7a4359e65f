"""``nblaunch demo``'s processes, with the real command: a Hub killed with SIGKILL takes its proxy
and its service with it when the demo exits, and the demo says how the Hub ended.

JupyterHub starts configurable-http-proxy and the service in sessions of their own, so they
survived a killed Hub before (orphaned to init, holding the demo's ports); the browser tests of
the demo are in ``tests/browser/test_demo_browser.py``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from nblaunch.demo import _with_log_printed
from nblaunch.processes import DemoError, family

REPO = Path(__file__).resolve().parents[1]
CHP = REPO / ".cache" / "node" / "node_modules" / ".bin" / "configurable-http-proxy"


def _free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def _ports() -> tuple[int, int]:
    """A Hub port whose +1 (proxy API) and +81 (the Hub's own) are free, and an app port."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            hub: int = sock.getsockname()[1]
        if hub + 81 < 65536 and all(_free(p) for p in (hub + 1, hub + 2, hub + 81)):
            return hub, hub + 2


def _until(condition: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"waited {timeout:.0f} s for {what}"
        time.sleep(0.1)


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], Path, Path]]:
    """A running ``nblaunch demo`` (its own session) and the files of its output and data."""
    if not CHP.exists():
        pytest.skip("the Node configurable-http-proxy is not installed (make setup)")
    hub_port, app_port = _ports()
    data, output = tmp_path / "data", tmp_path / "output.txt"
    argv = [sys.executable, "-m", "nblaunch", "demo", "--data-dir", str(data)]
    argv += ["--hub-port", str(hub_port), "--app-port", str(app_port)]
    with output.open("wb") as out:
        process = subprocess.Popen(
            argv, cwd=REPO, env=dict(os.environ, NBLAUNCH_CHP=str(CHP)),
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    everything: dict[int, int] = {}
    try:
        _until(
            lambda: "stops everything." in output.read_text() or process.poll() is not None,
            180, "the demo to start",
        )  # fmt: skip
        assert process.poll() is None, output.read_text()
        yield process, output, data
    finally:
        everything = family([process.pid])
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
            process.wait(60)
        for pid in family(everything):  # never leave a stray behind, even when the test fails
            os.kill(pid, signal.SIGKILL)


def test_a_failed_start_prints_the_log_as_lines(capsys: pytest.CaptureFixture[str]) -> None:
    # The CLI prints an error on one line: the log's lines go to stderr first, as lines.
    err = DemoError("hub did not start (u): hub exited with status 1; its log (l) ends:\na\nb")
    headline = _with_log_printed(err)
    assert capsys.readouterr().err == "a\nb\n"
    assert headline.message == "hub did not start (u): hub exited with status 1; its log (l) " \
        "ends with the lines above."  # fmt: skip
    assert _with_log_printed(DemoError("Port 1 is in use.")).message == "Port 1 is in use."


@pytest.mark.integration
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_hub_killed_with_sigkill_leaves_no_proxy_and_is_reported(
    demo: tuple[subprocess.Popen[bytes], Path, Path],
) -> None:
    process, output, data = demo
    (hub,) = [p for p in family([process.pid]) if "jupyterhub -f" in _cmdline(p)]
    proxy = int((data / "hub" / "proxy.pid").read_text())
    service = [p for p in family([hub]) if "nblaunch.hub.service" in _cmdline(p)]
    assert service and "configurable-http-proxy" in _cmdline(proxy)
    assert os.getpgid(proxy) != hub  # JupyterHub's own session for it: out of the Hub's group
    log = data / "logs" / "jupyterhub.log"
    before = [line for line in log.read_text().splitlines()[-10:] if line.strip()]
    os.kill(hub, signal.SIGKILL)  # no clean-up of its own: what the Hub started is orphaned
    assert process.wait(60) == 1
    printed = output.read_text()
    assert "jupyterhub was killed by signal 9 (SIGKILL)" in printed
    assert f"its log ({log.resolve()}) ends:" in printed
    # With the log's last lines (the proxy, stopped afterwards, may add one of its own).
    assert any(line in printed for line in before)
    assert family([proxy, *service]) == {}
