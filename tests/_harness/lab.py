"""A real Jupyter server for the tests: ``jupyter lab``, ``jupyter notebook`` or bare
``jupyter server``, with the nblaunch server extension, on a free port of 127.0.0.1.

- ``start_lab(root, app="lab", token="", options={...}) -> Lab``: start one, return once its
  ``api/status`` answers (or fail with the end of its log). ``root`` is the folder it serves;
  its configuration, runtime, data and IPython folders, workspaces and log go in
  ``root.parent``, so give it a folder of its own (``tmp_path_factory.mktemp(...) / "root"``).
  ``options`` are more traitlets on its command line, ``{"LaunchConfig.trusted_globs": "a*"}``.
- ``Lab``: ``url``, ``root``, ``token``, ``proc``, ``log``; ``alive()``, ``stop()``,
  ``path_of(page_url)`` (the file behind a ``/lab/tree/...`` page). It is a context manager
  that stops the server, for fixtures: ``with start_lab(root) as lab: yield lab``.

An empty ``token`` turns login off, so a browser needs none: for test servers only.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx

from nblaunch.processes import family, sweep

from .hub import free_port
from .waiting import wait_until

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[2]
# Set when the tests themselves run in a Hub's single-user server: a lab started with them
# would take itself for one too (its links and the extension's Hub calls would change).
HUB_VARIABLES = ("JUPYTERHUB_SERVICE_PREFIX", "JUPYTERHUB_BASE_URL", "NBLAUNCH_HUB_SERVICE_URL")


@dataclass
class Lab:
    """A running Jupyter server and where it keeps its files."""

    url: str
    root: Path
    token: str
    proc: subprocess.Popen[bytes]
    log: Path

    def __enter__(self) -> Lab:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def log_tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""

    def path_of(self, page_url: str, prefix: str = "lab/tree/") -> Path:
        """The file on disk behind a ``/lab/tree/...`` (or ``prefix``) page URL."""
        path = urlsplit(page_url).path
        assert path.startswith("/" + prefix), page_url
        return self.root / unquote(path[len(prefix) + 1 :])

    def answers(self) -> bool:
        """Whether ``api/status`` says it is up; raises at once if the process has ended."""
        if not self.alive():
            raise RuntimeError(f"jupyter exited with {self.proc.returncode}:\n{self.log_tail()}")
        headers = {"Authorization": f"token {self.token}"} if self.token else {}
        try:
            return httpx.get(self.url + "api/status", headers=headers, timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self, grace: float = 15) -> None:
        """SIGTERM its process group, so the server shuts its kernels down itself; then kill
        what is left of its family: kernels run in sessions of their own, which a SIGKILL of
        the group would not reach."""
        if not self.alive():
            return
        members = family([self.proc.pid])
        with suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(grace)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)
        sweep(members, grace=5)


def _environment(state: Path) -> dict[str, str]:
    """This process's environment, with Jupyter's folders in ``state`` so nothing of the
    user's own configuration (or another test's) reaches the server."""
    env = {key: value for key, value in os.environ.items() if key not in HUB_VARIABLES}
    return {
        **env,
        "JUPYTER_CONFIG_DIR": str(state / "config"),
        "JUPYTER_RUNTIME_DIR": str(state / "runtime"),
        "JUPYTER_DATA_DIR": str(state / "data"),
        "IPYTHONDIR": str(state / "ipython"),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }


def _command(app: str, root: Path, port: int, token: str, options: Mapping[str, str]) -> list[str]:
    settings = {
        "ServerApp.ip": "127.0.0.1",
        "ServerApp.port": str(port),
        "ServerApp.port_retries": "0",
        "ServerApp.allow_root": "True",
        "IdentityProvider.token": token,
        "ServerApp.root_dir": str(root),
        "ServerApp.jpserver_extensions": "{'nblaunch.server': True}",
        **({"LabApp.workspaces_dir": str(root.parent / "workspaces")} if app != "server" else {}),
        **options,
    }
    return [
        str(BIN / f"jupyter-{app}"),
        "--no-browser",
        *(f"--{k}={v}" for k, v in settings.items()),
    ]


def start_lab(
    root: Path,
    *,
    app: str = "lab",
    token: str = "",
    options: Mapping[str, str] | None = None,
    timeout: float = 90,
) -> Lab:
    """Start ``jupyter-<app>`` (``lab``, ``notebook`` or ``server``) serving ``root``; return
    once it answers. A server that does not is stopped, and the error carries its log."""
    root.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = root.parent / f"{app}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            _command(app, root, port, token, options or {}),
            env=_environment(root.parent),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    lab = Lab(url=f"http://127.0.0.1:{port}/", root=root, token=token, proc=proc, log=log)
    try:
        wait_until(lab.answers, f"jupyter-{app} at {lab.url}", timeout=timeout)
    except AssertionError as error:
        lab.stop()
        raise AssertionError(f"{error}; its log ({log}) ends:\n{lab.log_tail()}") from None
    except BaseException:
        lab.stop()
        raise
    return lab
