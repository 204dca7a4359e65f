"""Child processes in their own process groups, stopped together however the parent ends.

``nblaunch demo`` runs the reference application and JupyterHub (which runs the proxy, the
service and the users' servers) as children: each in a new session, so one signal to the group
reaches everything it started, and a Ctrl-C in the terminal reaches only the parent, which then
stops the children in order.

One group is not the whole family, though. JupyterHub starts its proxy, its managed services and
(``LocalProcessSpawner``) every user server with ``start_new_session=True``, and it installs its
own SIGTERM handler, the one that stops them, only at the very end of its start-up. A Hub that
dies any other way (SIGKILL, a SIGTERM while it starts, a failed start after the proxy is up)
leaves them running, reparented to init: an orphaned ``configurable-http-proxy`` holding the
demo's port for hours. So ``running()`` makes this process a child subreaper (Linux
``PR_SET_CHILD_SUBREAPER``): such orphans are reparented here instead, and its clean-up stops
every process descended from the children, whichever session it is in.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx

from .core import NBLaunchError


class DemoError(NBLaunchError):
    """The demo cannot start: a port is taken, a component is missing, a process died."""

    code = "demo-failed"


def describe_exit(returncode: int | None) -> str:
    """How a process ended, from ``Popen.returncode``.

    >>> describe_exit(3), describe_exit(-9), describe_exit(None)
    ('exited with status 3', 'was killed by signal 9 (SIGKILL)', 'is still running')
    """
    if returncode is None:
        return "is still running"
    if returncode < 0:
        with suppress(ValueError):
            return f"was killed by signal {-returncode} ({signal.Signals(-returncode).name})"
        return f"was killed by signal {-returncode}"
    return f"exited with status {returncode}"


@dataclass
class Child:
    """One child process, in its own process group, logging to a file."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def tail(self, lines: int = 15) -> str:
        """The last lines of the log, or a note that it is empty."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:]) or f"({self.log_path} is empty)"

    def death(self) -> str:
        """``"<name> <how it ended>; its log (<path>) ends:"`` and the log's last lines."""
        how = describe_exit(self.process.poll())
        return f"{self.name} {how}; its log ({self.log_path}) ends:\n{self.tail()}"

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
            raise DemoError(f"{child.name} did not start ({url}): {child.death()}")
        try:
            status = httpx.get(url, timeout=2.0).status_code
            if status < 500 and not (routed and status == 404):
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise DemoError(
        f"{child.name} did not answer {url} within {timeout:.0f} s; its log "
        f"({child.log_path}) ends:\n{child.tail()}"
    )


def check_port_free(ip: str, port: int) -> None:
    """Refuse early, with a clear message, when a port is already taken."""
    with socket.socket() as sock:
        if sock.connect_ex((ip, port)) == 0:
            raise DemoError(f"Port {port} on {ip} is in use; choose another with the port options.")


# --- the whole family: subreaper, /proc, sweep ----------------------------------------------

PR_SET_CHILD_SUBREAPER, PR_GET_CHILD_SUBREAPER = 36, 37


def _subreaper(on: bool) -> bool:
    """Make this process a child subreaper (or stop); return whether it was one. Linux only."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    was = ctypes.c_int(0)
    libc.prctl(PR_GET_CHILD_SUBREAPER, ctypes.byref(was), 0, 0, 0)
    libc.prctl(PR_SET_CHILD_SUBREAPER, int(on), 0, 0, 0)
    return bool(was.value)


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, parent pid, start time) from ``/proc/<pid>/stat``, or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (OSError, ValueError):
        return None
    # The command name may hold spaces and parentheses: the fields start after the last ")".
    fields = text.rsplit(")", 1)[1].split()
    return fields[0], int(fields[1]), int(fields[19])


def _children_of() -> dict[int, list[int]]:
    """Parent pid → pids of its live children (zombies included: they still need a wait)."""
    tree: dict[int, list[int]] = {}
    with suppress(OSError):
        for entry in os.scandir("/proc"):
            if entry.name.isdigit() and (stat := _stat(int(entry.name))):
                tree.setdefault(stat[1], []).append(int(entry.name))
    return tree


def family(roots: Iterable[int]) -> dict[int, int]:
    """Every live process descended from ``roots`` (roots included): pid → start time.

    The start time tells a process from a later one that reuses its pid.
    """
    tree, found, todo = _children_of(), {}, list(roots)
    while todo:
        pid = todo.pop()
        stat = _stat(pid)
        if pid in found or stat is None or stat[0] == "Z":  # a zombie has exited already
            continue
        found[pid] = stat[2]
        todo.extend(tree.get(pid, []))
    return found


def _reap_and_prune(pids: dict[int, int]) -> dict[int, int]:
    """Wait for those that are our zombies; return the ones still running as the same process."""
    alive = {}
    for pid, started in pids.items():
        with suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # an adopted orphan that exited: collect it
        stat = _stat(pid)
        if stat is not None and stat[0] != "Z" and stat[2] == started:
            alive[pid] = started
    return alive


def sweep(pids: dict[int, int], grace: float = 5.0) -> dict[int, int]:
    """SIGTERM every process of ``pids``, SIGKILL those left after ``grace``; return survivors."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        for pid in _reap_and_prune(pids):
            with suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + wait
        while (pids := _reap_and_prune(pids)) and time.monotonic() < deadline:
            time.sleep(0.05)
        if not pids:
            break
    return pids


@contextmanager
def running(children: list[Child]) -> Iterator[list[Child]]:
    """Stop every child, last started first, and everything they started, however the block ends."""
    was_subreaper = _subreaper(True)
    me = os.getpid()
    # Children this process had before (a test session's other servers) are none of ours.
    before = set(_children_of().get(me, []))
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
            # Politely first: a Hub given SIGTERM stops its proxy, service and servers itself.
            for child in reversed(children):
                child.stop()
            # What is left was orphaned (and, being ours, reparented here) or outlived its parent.
            sweep(family(p for p in _children_of().get(me, []) if p not in before))
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            _subreaper(was_subreaper)
