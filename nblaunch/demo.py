"""``nblaunch demo``: JupyterHub, the nblaunch service and the reference application on one machine.

Everything lives in one data folder (default ``.demo/``): the Hub's SQLite database and cookie
secret, the users' home folders, the application's database and the shared secrets, so a second
run reuses what the first made. Processes run in their own process groups and are stopped
together on Ctrl-C (SIGTERM, then SIGKILL after a grace period), leaving nothing behind: not even
the processes the Hub starts in sessions of their own (``processes.running``). A child that dies
is reported with how it ended (exit status or signal) and its log's last lines.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .processes import Child, DemoError, check_port_free, running, start, wait_http

CHP_ENV = "NBLAUNCH_CHP"


@dataclass(frozen=True)
class DemoOptions:
    """What ``nblaunch demo`` was asked for."""

    data_dir: Path = Path(".demo")
    ip: str = "127.0.0.1"
    hub_port: int = 8000
    app_port: int = 8090
    database_url: str = ""

    @property
    def hub_url(self) -> str:
        return f"http://{self.ip}:{self.hub_port}"

    @property
    def app_url(self) -> str:
        return f"http://{self.ip}:{self.app_port}"

    @property
    def ports(self) -> tuple[int, ...]:
        """Every port the demo listens on: the app, the Hub, the proxy's API, the Hub's own."""
        return (self.app_port, self.hub_port, self.hub_port + 1, self.hub_port + 81)


def find_proxy() -> str:
    """The Node ``configurable-http-proxy`` executable: ``$NBLAUNCH_CHP``, the project's, or PATH.

    >>> isinstance(find_proxy.__doc__, str)
    True
    """
    candidates = [
        os.environ.get(CHP_ENV, ""),
        str(Path.cwd() / ".cache/node/node_modules/.bin/configurable-http-proxy"),
        str(
            Path(__file__).resolve().parents[1]
            / ".cache/node/node_modules/.bin/configurable-http-proxy"
        ),
        shutil.which("configurable-http-proxy") or "",
    ]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise DemoError(
        "The Node configurable-http-proxy is not installed; run `make demo` (it installs it into "
        ".cache/node) or set NBLAUNCH_CHP to its path."
    )


def demo_secrets(data_dir: Path) -> dict[str, str]:
    """The shared secrets, made once and kept in ``secrets.json`` (mode 0600).

    >>> import tempfile; d = Path(tempfile.mkdtemp())
    >>> demo_secrets(d) == demo_secrets(d)
    True
    """
    path = data_dir / "secrets.json"
    if path.exists():
        return dict(json.loads(path.read_text()))
    values = {
        "ticket_secret": secrets.token_hex(32),
        "host_api_token": secrets.token_hex(32),
        "app_secret_key": secrets.token_hex(32),
    }
    data_dir.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(json.dumps(values, indent=2))
    return values


def hub_config(options: DemoOptions, secrets_: dict[str, str], passwords: dict[str, str]) -> str:
    """The text of the demo's ``jupyterhub_config.py``: everything goes through ``configure()``.

    >>> secrets_ = {"ticket_secret": "s", "host_api_token": "t"}
    >>> "configure(c" in hub_config(DemoOptions(), secrets_, {})  # doctest: +SKIP
    True
    """
    data = options.data_dir.resolve()
    return f"""# Written by `nblaunch demo`; edit the demo's options instead.
import sys

from nblaunch.hub import configure

c = get_config()  # noqa: F821
c.JupyterHub.bind_url = {options.hub_url!r}
c.JupyterHub.hub_port = {options.hub_port + 81}
c.JupyterHub.db_url = {"sqlite:///" + str(data / "hub" / "jupyterhub.sqlite")!r}
c.JupyterHub.cookie_secret_file = {str(data / "hub" / "jupyterhub_cookie_secret")!r}
c.ConfigurableHTTPProxy.command = [{find_proxy()!r}]
# JupyterHub's default proxy API port is a fixed 8001, whatever the Hub's port: follow the Hub's,
# so that two demos (or a demo and a test Hub) can run side by side.
c.ConfigurableHTTPProxy.api_url = {f"http://127.0.0.1:{options.hub_port + 1}"!r}
c.ConfigurableHTTPProxy.pid_file = {str(data / "hub" / "proxy.pid")!r}
# Users are vouched for by the application's tickets, or log in with the demo passwords.
c.Authenticator.allow_all = True
c.Spawner.notebook_dir = "~"
# The users' servers run from the same environment as the Hub, whatever PATH says.
c.Spawner.cmd = [sys.executable, "-m", "jupyterhub.singleuser"]
c.SimpleLocalProcessSpawner.home_dir_template = {str(data / "users" / "{username}")!r}
configure(
    c,
    ticket_secret={secrets_["ticket_secret"]!r},
    host_api_token={secrets_["host_api_token"]!r},
    embed_origins=[{options.app_url!r}],
    host_url={options.app_url!r},
    passwords={passwords!r},
)
# No "get notified about Jupyter news?" prompt over the demo's notebooks: JupyterLab 4 asks
# whatever news_url says, unless the fetchNews setting is decided (see lab_settings()).
c.Spawner.args = [
    *c.Spawner.args,
    "--LabApp.news_url=None",
    {"--LabApp.app_settings_dir=" + str(data / "hub" / "lab-settings")!r},
]
"""


LAB_OVERRIDES = {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false"}}


def lab_settings(data_dir: Path) -> Path:
    """Write the users' JupyterLab setting overrides (no news prompt); return their folder.

    >>> import tempfile; d = lab_settings(Path(tempfile.mkdtemp()))
    >>> json.loads((d / "overrides.json").read_text()) == LAB_OVERRIDES
    True
    """
    folder = data_dir.resolve() / "hub" / "lab-settings"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "overrides.json").write_text(json.dumps(LAB_OVERRIDES, indent=2))
    return folder


def _webapp_env(options: DemoOptions, secrets_: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "NBLAUNCH_WEBAPP_DATA_DIR": str((options.data_dir / "webapp").resolve()),
            "NBLAUNCH_WEBAPP_HUB_URL": options.hub_url,
            "NBLAUNCH_WEBAPP_API_TOKEN": secrets_["host_api_token"],
            "NBLAUNCH_WEBAPP_TICKET_SECRET": secrets_["ticket_secret"],
            "NBLAUNCH_WEBAPP_SECRET_KEY": secrets_["app_secret_key"],
            "NBLAUNCH_WEBAPP_PUBLIC_URL": options.app_url,
        }
    )
    if options.database_url:
        env["NBLAUNCH_WEBAPP_DATABASE_URL"] = options.database_url
    return env


def _credentials(options: DemoOptions) -> dict[str, str]:
    path = options.data_dir / "webapp" / "demo-credentials.json"
    return dict(json.loads(path.read_text())) if path.exists() else {}


def start_all(options: DemoOptions, children: list[Child], step: object = None) -> dict[str, str]:
    """Start the application, then the Hub (which starts the service); return the credentials."""
    report = step if callable(step) else (lambda _message: None)
    for port in options.ports:
        check_port_free(options.ip, port)
    secrets_ = demo_secrets(options.data_dir)
    data = options.data_dir.resolve()
    logs = data / "logs"
    report("Starting the reference application")
    app = start(
        "webapp",
        [
            sys.executable,
            "-m",
            "nblaunch.webapp",
            "--host",
            options.ip,
            "--port",
            str(options.app_port),
        ],
        cwd=data,
        env=_webapp_env(options, secrets_),
        log_dir=logs,
    )
    children.append(app)
    wait_http(app, f"{options.app_url}/login", timeout=120)
    passwords = _credentials(options)
    (data / "hub").mkdir(parents=True, exist_ok=True)
    (data / "users").mkdir(parents=True, exist_ok=True)
    config = data / "hub" / "jupyterhub_config.py"
    config.write_text(hub_config(options, secrets_, passwords))
    lab_settings(options.data_dir)
    report("Starting JupyterHub, its proxy and the nblaunch service")
    hub = start(
        "jupyterhub",
        [sys.executable, "-m", "jupyterhub", "-f", str(config)],
        cwd=data / "hub",
        env=dict(os.environ),
        log_dir=logs,
    )
    children.append(hub)
    wait_http(hub, f"{options.hub_url}/hub/api/", timeout=120)
    report("Waiting for the nblaunch service")
    wait_http(hub, f"{options.hub_url}/services/nblaunch/api/templates", timeout=60, routed=True)
    return passwords


def _with_log_printed(err: DemoError) -> DemoError:
    """Print a message's log lines to stderr as lines; return its first line as the error.

    The CLI prints an error on one line, which would run a log's lines together.
    """
    from rich.console import Console

    headline, _, tail = err.message.partition("\n")
    if not tail:
        return err
    Console(stderr=True, soft_wrap=True).print(tail, markup=False, highlight=False)
    return DemoError(headline.removesuffix(" ends:") + " ends with the lines above.")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run_demo(options: DemoOptions) -> int:
    """Run until Ctrl-C; print the URLs and the demo users' credentials once everything is up."""
    from rich.console import Console

    # soft_wrap: piped into a log or a test, rich would cut long lines (paths, URLs) at 80 columns.
    console = Console(soft_wrap=True)
    children: list[Child] = []
    # SIGTERM (from a supervisor or `timeout`) must stop the children too, like Ctrl-C does.
    signal.signal(signal.SIGTERM, _interrupt)
    # And Ctrl-C must reach us even when started with SIGINT ignored (a shell's background job).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    with running(children):
        try:
            with console.status("Starting the nblaunch demo") as status:
                passwords = start_all(options, children, step=lambda m: status.update(m))
        except DemoError as err:
            raise _with_log_printed(err) from None
        console.print(f"[bold green]nblaunch demo is running[/] (data in {options.data_dir})")
        console.print(f"  Reference application  {options.app_url}/")
        console.print(f"  JupyterHub             {options.hub_url}/hub/")
        console.print(f"  nblaunch catalog       {options.hub_url}/services/nblaunch/")
        for name, password in passwords.items():
            console.print(f"  user [bold]{name}[/]  password [bold]{password}[/]")
        console.print("Logs: " + str(options.data_dir / "logs") + "  —  Ctrl-C stops everything.")
        try:
            while all(child.process.poll() is None for child in children):
                time.sleep(0.5)
        except KeyboardInterrupt:
            console.print("Stopping…")
            return 0
        for child in children:
            if child.process.poll() is not None:
                # Log lines hold brackets ("[I 2026-...]"): print them as they are, not as markup.
                console.print(f"Stopped unexpectedly: {child.death()}", markup=False, style="red")
        return 1
