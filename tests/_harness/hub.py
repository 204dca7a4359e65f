"""The Hub harness, a pytest plugin (``-p _harness.hub``): a real ``jupyterhub`` with the Node
proxy, on 127.0.0.1, for every folder of tests, so a whole run starts only the Hubs it needs.

- ``make_hub``: session-scoped factory ``make_hub(base_url="/", **configure_kwargs) -> Hub``;
  each call starts one Hub (SQLite in a tmp folder, random free ports, the Node
  configurable-http-proxy, ``FastLocalSpawner``, users' homes in ``hub.homes/<user>``) whose
  ``jupyterhub_config.py`` calls ``nblaunch.hub.configure(c, ...)`` with a ticket secret, a host
  token, demo passwords, the test templates and ``configure_kwargs``. Hubs still running at the
  end of the session are stopped. Reuse it for embedding tests: ``make_hub(embed_origins=[...])``.
- ``hub``: the session's shared Hub (``base_url="/"``).
- ``Hub`` helpers: ``client()`` (an httpx client with a cookie jar), ``ticket(user)``,
  ``login(client, user)``, ``admin(method, path)`` (Hub API with a test-only admin token),
  ``launch(client, link)`` (follows login, waits on the progress stream, returns the final
  response without following the redirect into the user's server), ``log_text()`` (everything
  the Hub, proxy, service and user servers printed), ``home(user)``, ``restart()`` (SIGTERM
  the Hub and start it again on the same config, ports and database), ``child(pattern)`` (the
  pid of a process the Hub started: its proxy, its service).

``olga`` is a Hub administrator. Users named ``broken-*`` get a server command that exits with
status 3, for failed spawns; ``slow-*`` ones a server that starts 9 s late, for long spawns.

Templates used (written into ``hub.templates``): ``stats`` (``n: int = 1``, ``label = "x"``) and
``plain`` (no parameters, ``"autorun": false``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlparse

import httpx
import nbformat
import pytest

from nblaunch.core import make_ticket

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CHP = os.environ.get("NBLAUNCH_CHP") or str(
    ROOT / ".cache" / "node" / "node_modules" / ".bin" / "configurable-http-proxy"
)
SECRET = "test-secret-" + "k" * 32
HOST_TOKEN = "host-token-" + "h" * 32
ADMIN_TOKEN = "admin-token-" + "a" * 32
SERVICE_TOKEN = "service-token-" + "s" * 32
PASSWORDS = {"alice": "alice-pw", "bob": "bob-pw"}
HOST_URL = "http://127.0.0.1:9/host/"

CONFIG = """
import sys
sys.path.insert(0, {root!r})
from nblaunch.hub import configure

c.JupyterHub.bind_url = {bind_url!r}
c.JupyterHub.hub_bind_url = {hub_bind_url!r}
c.JupyterHub.db_url = {db_url!r}
c.JupyterHub.cookie_secret_file = {cookie_file!r}
c.ConfigurableHTTPProxy.command = [{chp!r}]
c.ConfigurableHTTPProxy.api_url = {proxy_api!r}
c.ConfigurableHTTPProxy.auth_token = "proxy-" + "p" * 32
c.Authenticator.allow_all = True
c.Authenticator.admin_users = {{"olga"}}
c.SimpleLocalProcessSpawner.home_dir_template = {homes!r} + "/{{username}}"
c.Spawner.cmd = [{singleuser!r}]
c.Spawner.start_timeout = 60
c.JupyterHub.allow_named_servers = True
c.JupyterHub.services = [{{"name": "test-admin", "api_token": {admin!r}}}]
c.JupyterHub.load_roles = [
    {{"name": "test-admin", "services": ["test-admin"],
      "scopes": ["admin:users", "admin:servers", "read:roles", "admin:services"]}},
]
configure(c, **{kwargs!r})
{extra}


def _vary_spawns(spawner):
    # Test users named broken-* get a server command that exits at once (a real failed spawn),
    # slow-* ones a server that starts 9 s late (longer than the Hub's 8 s keep-alive).
    if spawner.user.name.startswith("broken-"):
        spawner.cmd = [sys.executable, "-c", "raise SystemExit(3)"]
    elif spawner.user.name.startswith("slow-"):
        spawner.cmd = ["sh", "-c", 'sleep 9; exec "$@"', "sh", *spawner.cmd]


c.Spawner.pre_spawn_hook = _vary_spawns
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_templates(folder: Path) -> None:
    """The small templates the hub tests launch."""
    folder.mkdir(parents=True, exist_ok=True)
    stats = nbformat.v4.new_notebook(
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "nblaunch": {"title": "Stats", "description": "Numbers.", "kinds": ["image"]},
        }
    )
    cell = nbformat.v4.new_code_cell('n: int = 1  # how many\nlabel = "x"')
    cell.metadata["tags"] = ["parameters"]
    stats.cells = [cell, nbformat.v4.new_code_cell("print(n, label)")]
    nbformat.write(stats, folder / "stats.ipynb")
    plain = nbformat.v4.new_notebook(metadata={"nblaunch": {"autorun": False, "ui": "doc"}})
    plain.cells = [nbformat.v4.new_markdown_cell("Hello")]
    nbformat.write(plain, folder / "plain.ipynb")


@dataclass
class Hub:
    """A running JupyterHub and helpers to talk to it."""

    url: str
    root: Path
    proc: subprocess.Popen[bytes]
    log_path: Path
    tickets: list[str] = field(default_factory=list)
    verify: Any = True  # for httpx: the test certificate when the Hub serves HTTPS

    @property
    def homes(self) -> Path:
        return self.root / "homes"

    @property
    def templates(self) -> Path:
        return self.root / "templates"

    @property
    def service(self) -> str:
        return self.url + "services/nblaunch/"

    @property
    def origin(self) -> str:
        parsed = urlparse(self.url)
        return f"{parsed.scheme}://{parsed.netloc}"

    def home(self, user: str) -> Path:
        return self.homes / user

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(timeout=60, headers={"Accept": "text/html"}, **kwargs)

    def ticket(self, user: str, ttl: int = 30, **kwargs: Any) -> str:
        text = make_ticket(user, kwargs.pop("secret", SECRET), ttl, **kwargs)
        self.tickets.append(text)
        return text

    def login_url(self, ticket: str, next_url: str = "") -> str:
        params = {"login_token": ticket, **({"next": next_url} if next_url else {})}
        return str(httpx.URL(self.url + "hub/login", params=params))

    def login(self, client: httpx.Client, user: str) -> httpx.Response:
        """Log ``client`` in as ``user`` with a fresh ticket (no redirect followed)."""
        return client.get(self.login_url(self.ticket(user), self.url + "hub/home"))

    def admin(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"token {ADMIN_TOKEN}"}
        return httpx.request(method, self.url + "hub/api/" + path, headers=headers, **kwargs)

    def servers(self, user: str) -> dict[str, Any]:
        response = self.admin("GET", f"users/{user}")
        return dict(response.json().get("servers", {})) if response.status_code == 200 else {}

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def launch(
        self, client: httpx.Client, link: str, *, hops: int = 30, at_progress: bool = False
    ) -> httpx.Response:
        """Follow a link through login and progress; stop at the redirect into a user server.

        With ``at_progress``, stop at the progress page instead of waiting for a ready server.
        """
        url = link
        for _ in range(hops):
            response = client.get(url)
            if response.is_redirect:
                target = urljoin(url, response.headers["location"])
                if urlparse(target).path.startswith(urlparse(self.url).path + "user/"):
                    return response
                url = target
                continue
            if response.status_code == 200 and 'id="nblaunch-progress"' in response.text:
                if at_progress:
                    return response
                events = read_events(client, self.service + "api/progress", response.text)
                assert events and events[-1].get("ready"), events
                continue
            return response
        raise AssertionError(f"too many hops from {link}")

    def child(self, pattern: str) -> int:
        """The pid of the one process the Hub started whose command line has ``pattern``
        (``"configurable-http-proxy"``, ``"nblaunch.hub.service"``)."""
        found = subprocess.run(
            ["pgrep", "-P", str(self.proc.pid), "-f", pattern],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.split()
        assert len(found) == 1, (pattern, found)
        return int(found[0])

    def restart(self) -> None:
        """Stop the Hub (SIGTERM, if it still runs) and start it again with the same config,
        ports, database and cookie secret; return once the service answers. What survives
        depends on the config: ``cleanup_servers = False`` keeps users' servers running."""
        self.stop()
        self.proc = _run_jupyterhub(self.root, self.log_path)
        _wait_until_up(self)

    def stop(self) -> None:
        self.terminate()
        self.wait_stopped()

    def terminate(self) -> None:
        """Ask the Hub to stop (SIGTERM); it then stops its users' servers and its proxy."""
        if self.proc.poll() is None:
            self.proc.terminate()

    def wait_stopped(self) -> None:
        """Wait for a terminated Hub to exit, killing it after 20 s."""
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)


def read_stream(client: httpx.Client, default: str, page: str = "") -> list[str]:
    """Every line of the service's progress stream, the one ``page`` watches or ``default``."""
    found = re.search(r"new EventSource\((\"[^\"]*\")\)", page)
    url = urljoin(default, json.loads(found.group(1))) if found else default
    with client.stream("GET", url, headers={"Accept": "text/event-stream"}) as response:
        assert response.status_code == 200, response.status_code
        return list(response.iter_lines())


def read_events(client: httpx.Client, default: str, page: str = "") -> list[dict[str, Any]]:
    """Read the service's progress stream until its last event (ready or failed)."""
    lines = read_stream(client, default, page)
    return [json.loads(line[5:]) for line in lines if line.startswith("data:")]


def start_hub(
    root: Path,
    base_url: str = "/",
    *,
    tls: tuple[Path, Path] | None = None,
    extra_config: str = "",
    port: int = 0,
    **kwargs: Any,
) -> Hub:
    """Write a config into ``root`` and start a Hub; return once the service answers.

    ``tls`` (certificate, key) serves the Hub over HTTPS; ``extra_config`` is Python run on
    ``c`` after ``configure(c, **kwargs)``, with ``{port}`` replaced by the Hub's port;
    ``port`` is that port (default: a free one).
    """
    root.mkdir(parents=True, exist_ok=True)
    write_templates(root / "templates")
    (root / "homes").mkdir(exist_ok=True)
    port = port or free_port()
    url = f"{'https' if tls else 'http'}://127.0.0.1:{port}{base_url}"
    if tls:
        extra_config = (
            f"c.JupyterHub.ssl_cert = {str(tls[0])!r}\n"
            f"c.JupyterHub.ssl_key = {str(tls[1])!r}\n{extra_config}"
        )
    settings = {
        "templates_dir": str(root / "templates"),
        "ticket_secret": SECRET,
        "host_api_token": HOST_TOKEN,
        "host_url": HOST_URL,
        "passwords": PASSWORDS,
        "service_api_token": SERVICE_TOKEN,
        **kwargs,
    }
    config = CONFIG.format(
        root=str(ROOT),
        bind_url=url,
        hub_bind_url=f"http://127.0.0.1:{free_port()}",
        db_url=f"sqlite:///{root / 'jupyterhub.sqlite'}",
        cookie_file=str(root / "cookie_secret"),
        chp=CHP,
        proxy_api=f"http://127.0.0.1:{free_port()}",
        homes=str(root / "homes"),
        singleuser=str(BIN / "jupyterhub-singleuser"),
        admin=ADMIN_TOKEN,
        kwargs=settings,
        extra=extra_config.replace("{port}", str(port)),
    )
    (root / "jupyterhub_config.py").write_text(config)
    log_path = root / "hub.log"
    proc = _run_jupyterhub(root, log_path)
    verify = ssl.create_default_context(cafile=str(tls[0])) if tls else True
    hub = Hub(url=url, root=root, proc=proc, log_path=log_path, verify=verify)
    _wait_until_up(hub)
    return hub


def _run_jupyterhub(root: Path, log_path: Path) -> subprocess.Popen[bytes]:
    """Start ``jupyterhub`` on ``root``'s config; its output goes to the end of ``log_path``."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PATH": f"{BIN}:{os.environ['PATH']}"}
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [str(BIN / "jupyterhub"), "-f", str(root / "jupyterhub_config.py")],
            cwd=root,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _wait_until_up(hub: Hub, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if hub.proc.poll() is not None:
            raise RuntimeError("jupyterhub exited:\n" + hub.log_text()[-4000:])
        try:
            answer = httpx.get(hub.service + "api/openapi.json", timeout=2, verify=hub.verify)
            if answer.status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    hub.stop()
    raise RuntimeError("jupyterhub did not start:\n" + hub.log_text()[-4000:])


@pytest.fixture(scope="session")
def make_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Hub]]:
    """Factory: ``make_hub(base_url="/", **configure_kwargs)`` starts one more Hub."""
    if not Path(CHP).exists() and not shutil.which("configurable-http-proxy"):
        pytest.skip("the Node configurable-http-proxy is not installed (make setup)")
    started: list[Hub] = []

    def make(base_url: str = "/", **kwargs: Any) -> Hub:
        hub = start_hub(tmp_path_factory.mktemp("hub"), base_url, **kwargs)
        started.append(hub)
        return hub

    yield make
    # All at once: each Hub takes seconds to stop its users' servers.
    for hub in started:
        hub.terminate()
    for hub in started:
        hub.wait_stopped()


@pytest.fixture(scope="session")
def hub(make_hub: Callable[..., Hub]) -> Hub:
    """The session's shared Hub at ``/``."""
    return make_hub()
