"""A real JupyterHub for the benchmarks (not the tests' fixtures: benchmarks import no tests).

``start_hub(root)`` writes a ``jupyterhub_config.py`` into ``root`` (SQLite, free ports on
127.0.0.1, the Node configurable-http-proxy from ``.cache/node``, ``nblaunch.hub.configure``
with tickets and one template, ``stats``) and returns a ``Hub`` once the nblaunch service
answers. ``stock=True`` runs JupyterHub's own ``SimpleLocalProcessSpawner`` instead of nblaunch's
``FastLocalSpawner``; ``host=(url, token)`` registers a host application (the reference web
app, for ``hosted.py``) and ``templates`` serves another templates folder. ``Hub`` helpers:
``client()``, ``login(client, user)``, ``launch(client, link)`` (follows the link through the
progress page to the JupyterLab page), ``raw_spawn(user)`` (the Hub API alone: start, then its
progress stream to ready), ``stop_servers(users)``, ``processes()`` (the Hub and everything it
started) and ``stop()``.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx
import nbformat
import psutil

from nblaunch.core import make_ticket

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CHP = os.environ.get("NBLAUNCH_CHP") or str(
    ROOT / ".cache" / "node" / "node_modules" / ".bin" / "configurable-http-proxy"
)
SECRET = "bench-secret-" + "k" * 32
ADMIN_TOKEN = "bench-admin-" + "a" * 32
LINK = "open/stats?n=5&label=bench"

CONFIG = """
from nblaunch.hub import configure

c.JupyterHub.bind_url = {bind_url!r}
c.JupyterHub.hub_bind_url = {hub_bind_url!r}
c.JupyterHub.db_url = {db_url!r}
c.JupyterHub.cookie_secret_file = {cookie_file!r}
c.ConfigurableHTTPProxy.command = [{chp!r}]
c.ConfigurableHTTPProxy.api_url = {proxy_api!r}
c.ConfigurableHTTPProxy.auth_token = "proxy-" + "p" * 32
c.Authenticator.allow_all = True
c.SimpleLocalProcessSpawner.home_dir_template = {homes!r} + "/{{username}}"
c.Spawner.cmd = [{singleuser!r}]
c.Spawner.start_timeout = 600
c.Spawner.http_timeout = 600
c.JupyterHub.services = [{{"name": "bench-admin", "api_token": {admin!r}}}]
c.JupyterHub.load_roles = [{{"name": "bench-admin", "services": ["bench-admin"],
    "scopes": ["admin:users", "admin:servers", "access:servers"]}}]
{spawner}
configure(c, templates_dir={templates!r}, ticket_secret={secret!r}, **{options!r},
          embed_origins={origins!r})
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_template(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    spec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": spec})
    cell = nbformat.v4.new_code_cell('n: int = 1  # how many\nlabel = "x"')
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell, nbformat.v4.new_code_cell("print(n, label)")]
    nbformat.write(nb, folder / "stats.ipynb")


@dataclass
class Launch:
    """One launch followed to the JupyterLab page: seconds to the first page the user sees (the
    progress page or Lab itself), seconds to the Lab page, and that page's URL."""

    first_page: float
    total: float
    lab_url: str


@dataclass
class Hub:
    url: str
    root: Path
    proc: subprocess.Popen[bytes]

    @property
    def service(self) -> str:
        return self.url + "services/nblaunch/"

    def log_tail(self, chars: int = 4000) -> str:
        return (self.root / "hub.log").read_text(errors="replace")[-chars:]

    def client(self) -> httpx.Client:
        return httpx.Client(timeout=600, headers={"Accept": "text/html"})

    def login_url(self, user: str) -> str:
        """A one-use URL that logs ``user`` in (a fresh ticket), then shows the Hub's home."""
        params = {"login_token": make_ticket(user, SECRET, 60), "next": self.url + "hub/home"}
        return str(httpx.URL(self.url + "hub/login", params=params))

    def login(self, client: httpx.Client, user: str) -> None:
        answer = client.get(self.login_url(user))
        if not answer.is_redirect:
            raise RuntimeError(f"login of {user} answered {answer.status_code}")

    def admin(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"token {ADMIN_TOKEN}"}
        kwargs.setdefault("timeout", 600)
        return httpx.request(method, self.url + "hub/api/" + path, headers=headers, **kwargs)

    def launch(self, client: httpx.Client, link: str, hops: int = 40) -> Launch:
        """Follow ``link`` as a browser would, through login and the progress page, to Lab."""
        start = time.perf_counter()
        first: float | None = None
        url = link
        for _ in range(hops):
            answer = client.get(url)
            if answer.is_redirect:
                url = urljoin(url, answer.headers["location"])
                continue
            first = time.perf_counter() - start if first is None else first
            if answer.status_code == 200 and 'id="nblaunch-progress"' in answer.text:
                self._watch_progress(client, url, answer.text)
                continue  # the page then loads the same link again
            if answer.status_code == 200 and "jupyter-config-data" in answer.text:
                return Launch(first, time.perf_counter() - start, str(answer.url))
            raise RuntimeError(f"{url} answered {answer.status_code}: {answer.text[:300]}")
        raise RuntimeError(f"more than {hops} hops from {link}")

    def _watch_progress(self, client: httpx.Client, url: str, page: str) -> None:
        found = re.search(r"new EventSource\((\"[^\"]*\")\)", page)
        events = self.service + "api/progress"
        if found:
            events = urljoin(url, json.loads(found.group(1)))
        with client.stream("GET", events, headers={"Accept": "text/event-stream"}) as stream:
            for line in stream.iter_lines():
                if line.startswith("data:"):
                    event = json.loads(line[5:])
                    if event.get("ready"):
                        return
                    if event.get("failed"):
                        raise RuntimeError(f"spawn failed: {event}")
        raise RuntimeError("the progress stream ended without ready")

    def raw_spawn(self, user: str) -> None:
        """The Hub API alone: ``POST .../server``, then its progress stream until ready."""
        api = f"users/{user}/server"
        answer = self.admin("POST", api)
        if answer.status_code not in (201, 202):
            raise RuntimeError(f"start of {user} answered {answer.status_code}: {answer.text}")
        headers = {"Authorization": f"token {ADMIN_TOKEN}"}
        with httpx.stream("GET", self.url + f"hub/api/{api}/progress", headers=headers,
                          timeout=600) as stream:  # fmt: skip
            for line in stream.iter_lines():
                if '"ready": true' in line:
                    return
                if '"failed": true' in line:
                    raise RuntimeError(f"spawn of {user} failed: {line}")
        raise RuntimeError(f"the server of {user} did not become ready")

    def running(self, user: str) -> bool:
        answer = self.admin("GET", f"users/{user}")
        return answer.status_code == 200 and bool(answer.json().get("servers"))

    def stop_servers(self, users: Iterable[str], timeout: float = 180) -> None:
        """Stop the users' servers and wait until the Hub says they are gone (untimed)."""
        users = list(users)
        for user in users:
            self.admin("DELETE", f"users/{user}/server")
        deadline = time.monotonic() + timeout
        while any(self.running(u) for u in users) and time.monotonic() < deadline:
            time.sleep(0.2)

    def forget_workspaces(self, user: str) -> None:
        """Delete the user's saved JupyterLab layouts, so that the next page opens one
        notebook instead of restoring every tab that an earlier visit left open."""
        folder = self.root / "homes" / user / ".jupyter" / "lab" / "workspaces"
        for path in folder.glob("*.jupyterlab-workspace"):
            path.unlink(missing_ok=True)

    def processes(self) -> list[psutil.Process]:
        """The Hub, the proxy, the service and the user servers (the Hub's descendants)."""
        hub = psutil.Process(self.proc.pid)
        return [hub, *hub.children(recursive=True)]

    def stop(self) -> None:
        stop_process(self.proc)


def stop_process(proc: subprocess.Popen[bytes], grace: float = 30) -> None:
    """SIGTERM ``proc`` (a Hub stops its servers first), SIGKILL it after ``grace`` seconds."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def start_hub(
    root: Path,
    *,
    stock: bool = False,
    embed_origins: Iterable[str] = (),
    host: tuple[str, str] | None = None,
    templates: Path | None = None,
    timeout: float = 120,
) -> Hub:
    """Start a Hub whose files live in ``root``; return once the nblaunch service answers.

    ``embed_origins``: the host pages that may frame notebooks (``configure``'s argument).
    ``host``: a host application's (URL, Hub token), registered as ``configure``'s
    ``host_url`` and ``host_api_token``, for a host such as the reference web app to call the
    service. ``templates``: the templates folder to serve instead of the one written here."""
    if not Path(CHP).exists():
        raise SystemExit(f"the Node proxy is missing ({CHP}): run `make setup`")
    root.mkdir(parents=True, exist_ok=True)
    write_template(root / "templates")
    options = {"host_url": host[0], "host_api_token": host[1]} if host else {}
    (root / "homes").mkdir(exist_ok=True)
    url = f"http://127.0.0.1:{free_port()}/"
    config = CONFIG.format(
        bind_url=url,
        hub_bind_url=f"http://127.0.0.1:{free_port()}",
        db_url=f"sqlite:///{root / 'jupyterhub.sqlite'}",
        cookie_file=str(root / "cookie_secret"),
        chp=CHP,
        proxy_api=f"http://127.0.0.1:{free_port()}",
        homes=str(root / "homes"),
        singleuser=str(BIN / "jupyterhub-singleuser"),
        admin=ADMIN_TOKEN,
        spawner='c.JupyterHub.spawner_class = "simple"' if stock else "",
        templates=str(templates or root / "templates"),
        options=options,
        secret=SECRET,
        origins=list(embed_origins),
    )
    (root / "jupyterhub_config.py").write_text(config)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PATH": f"{BIN}:{os.environ['PATH']}"}
    with (root / "hub.log").open("wb") as log:
        proc = subprocess.Popen(
            [str(BIN / "jupyterhub"), "-f", str(root / "jupyterhub_config.py")],
            cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    hub = Hub(url=url, root=root, proc=proc)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("jupyterhub exited:\n" + hub.log_tail())
        try:
            if httpx.get(hub.service + "api/openapi.json", timeout=2).status_code == 200:
                return hub
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    hub.stop()
    raise RuntimeError("jupyterhub did not start:\n" + hub.log_tail())
