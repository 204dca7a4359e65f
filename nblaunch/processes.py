"""Child processes in their own process groups, stopped together however the parent ends.

``nblaunch demo`` runs the reference application and JupyterHub (which runs the proxy, the
service and the users' servers) as children: each in a new session, so one signal to the group
reaches everything it started, and a Ctrl-C in the terminal reaches only the parent, which then
stops the children in order.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx

from .core import NBLaunchError


class DemoError(NBLaunchError):
    """The demo cannot start: a port is taken, a component is missing, a process died."""

    code = "demo-failed"


@dataclass
class Child:
    """One child process, in its own process group, logging to a file."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def stop(self, grace: float = 10.0) -> None:
        if self.process.poll() is not None:
            return
        _signal_group(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(grace)
        except subprocess.TimeoutExpired:
            _signal_group(self.process.pid, signal.SIGKILL)
            self.process.wait()


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with suppress(ProcessLookupError):
        os.killpg(pid, sig)


def start(name: str, argv: list[str], *, cwd: Path, env: dict[str, str], log_dir: Path) -> Child:
    """Start ``argv`` in a new process group with output to ``log_dir/<name>.log``."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}.log"
    log: IO[bytes] = log_path.open("ab")
    process = subprocess.Popen(
        argv, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    log.close()
    return Child(name, process, log_path)


def wait_http(child: Child, url: str, *, timeout: float = 60.0, routed: bool = False) -> None:
    """Wait until ``url`` answers below 500, or raise ``DemoError`` with the log's last lines.

    ``routed``: a 404 does not count either (the proxy answers 404 until the route exists).
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.process.poll() is not None:
            break
        try:
            status = httpx.get(url, timeout=2.0).status_code
            if status < 500 and not (routed and status == 404):
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    tail = child.log_path.read_text(errors="replace").splitlines()[-15:]
    raise DemoError(f"{child.name} did not start ({url}); its log ends:\n" + "\n".join(tail))


def check_port_free(ip: str, port: int) -> None:
    """Refuse early, with a clear message, when a port is already taken."""
    with socket.socket() as sock:
        if sock.connect_ex((ip, port)) == 0:
            raise DemoError(f"Port {port} on {ip} is in use; choose another with the port options.")


@contextmanager
def running(children: list[Child]) -> Iterator[list[Child]]:
    """Stop every child, last started first, however the block ends."""
    try:
        yield children
    finally:
        # A second Ctrl-C or SIGTERM must not cut the clean-up short and orphan a process.
        # The handlers come back afterwards: an ignored signal is inherited by every process
        # started later, which could then never be stopped politely.
        previous = {
            sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            for child in reversed(children):
                child.stop()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
