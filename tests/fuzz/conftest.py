"""Fixtures of the fuzz tests: real servers on real ports, hit with raw hostile requests.

- ``jupyter`` (session): a Jupyter Server process (``_harness.lab``) with the nblaunch extension,
  a token, and the templates ``stats.ipynb`` (``n: int = 1``, ``label = "x"``) and
  ``bare.ipynb`` in its root.
- ``fuzz_hub`` (session): a real JupyterHub with the Node proxy and the nblaunch service serving
  the shipped templates, started by ``start_hub`` of ``tests/hub/conftest.py`` (loaded from
  there, as ``tests/client`` and ``tests/webapp`` do); its helpers are ``fuzz_hub.helpers``,
  its ``Target`` (alive: the Hub and its service processes) ``fuzz_hub.target``, and the
  service's own address behind the proxy ``fuzz_hub.direct``.
  Tests that use it are marked ``integration``.
- ``alice`` (session): a ``Cookie`` header value with Alice's Hub and service logins on
  ``fuzz_hub``, her server running (launched once through the service).
- ``login_form`` (session): ``(cookie, xsrf)``, a browser's ``_xsrf`` cookie for the Hub's
  login form and the value its form carries, so a POST (with ``User-Agent: FUZZ_AGENT``) gets
  past the Hub's XSRF check.
- ``webapp`` (session): the reference application, served by uvicorn in a thread on a real
  port, connected to ``fuzz_hub`` (its Hub token, ticket secret and origin for framing).

Each is a ``Target``: ``target.check(request)`` sends one ``raw.Request``, fails on a 5xx or a
leak (with the request and where the server's log is), and checks the server is still alive; a
5xx of a defect listed in ``raw.KNOWN`` is counted instead, unless ``strict=True`` (the tables
of known-bad requests use that, with a strict xfail naming the defect).
At the end of the run the number of requests sent per target is printed.

``NBLAUNCH_FUZZ_EXAMPLES`` sets the size of the run (``hostile.py``); ``make stress`` runs it
at full size, with ``NBLAUNCH_FUZZ_MIN_REQUESTS`` failing a run that sent fewer requests.
"""

from __future__ import annotations

import importlib.util
import os
import re
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import nbformat
import pytest
from _harness.lab import start_lab

from nblaunch.processes import family

from . import raw

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).parent
JUPYTER_TOKEN = "fuzz-token-" + "j" * 32
FUZZ_AGENT = "nblaunch-fuzz"


def _hub_helpers() -> Any:
    spec = importlib.util.spec_from_file_location(
        "_nblaunch_fuzz_hub_helpers", REPO / "tests" / "hub" / "conftest.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


@pytest.hookimpl(tryfirst=True)  # before -m deselects
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        names = getattr(item, "fixturenames", ())
        if HERE in item.path.parents and {"fuzz_hub", "alice", "login_form", "webapp"} & set(names):
            item.add_marker(pytest.mark.integration)


def _sent() -> int:
    return sum(n for name, n in raw.SENT.items() if " 5xx" not in name)


def pytest_sessionfinish(session: pytest.Session) -> None:
    # `make stress` promises a size: a run that sent fewer requests (a knob ignored, tests
    # deselected) fails rather than report a smaller run as the large one.
    wanted = int(os.environ.get("NBLAUNCH_FUZZ_MIN_REQUESTS") or 0)
    if wanted and _sent() < wanted and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if raw.SENT:
        lines = [f"  {name}: {n}" for name, n in sorted(raw.SENT.items())]
        terminalreporter.write_line(f"fuzz: {_sent()} requests sent\n" + "\n".join(lines))
        wanted = int(os.environ.get("NBLAUNCH_FUZZ_MIN_REQUESTS") or 0)
        if wanted and _sent() < wanted:
            terminalreporter.write_line(f"fuzz: fewer than the {wanted} requests asked for")


@dataclass
class Target:
    """A server under fuzz: where it listens, how to tell it is alive, where it logs."""

    name: str
    url: str
    log: str
    alive: Callable[[], bool]
    extra: dict[str, Any]

    def check(self, request: raw.Request, *, strict: bool = False) -> raw.Answer:
        answer = raw.check(self.name, self.url, request, log=self.log, strict=strict)
        assert self.alive(), f"{self.name} died after {request!r}; its log: {self.log}"
        return answer


def _wait(url: str, alive: Callable[[], bool], log: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and alive():
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    pytest.fail(f"{url} did not answer; log: {log}")


def _templates(root: Path) -> None:
    meta = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    stats = nbformat.v4.new_notebook(metadata=meta)
    cell = nbformat.v4.new_code_cell('n: int = 1\nlabel = "x"')
    cell.metadata["tags"] = ["parameters"]
    stats.cells = [cell, nbformat.v4.new_code_cell("print(n, label)")]
    nbformat.write(stats, root / "stats.ipynb")
    bare = nbformat.v4.new_notebook(metadata=meta)
    bare.cells = [nbformat.v4.new_code_cell("print(1)")]
    nbformat.write(bare, root / "bare.ipynb")


@pytest.fixture(scope="session")
def jupyter(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    root = tmp_path_factory.mktemp("fuzz-jupyter") / "root"
    with start_lab(root, app="server", token=JUPYTER_TOKEN) as server:
        _templates(server.root)
        target = Target(
            "server extension", server.url, str(server.log), server.alive, {"root": server.root}
        )
        yield target
        assert target.alive(), f"the Jupyter Server died during the fuzz run; log: {server.log}"


@pytest.fixture(scope="session")
def fuzz_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    helpers = _hub_helpers()
    if not Path(helpers.CHP).exists():
        pytest.skip("the Node configurable-http-proxy is not installed (make setup)")
    # The application's socket listens from now on, so no other process takes its port.
    app_socket = socket.socket()
    app_socket.bind(("127.0.0.1", 0))
    app_socket.listen()
    app_url = f"http://127.0.0.1:{app_socket.getsockname()[1]}"
    hub = helpers.start_hub(
        tmp_path_factory.mktemp("fuzz-hub"), templates_dir=str(REPO / "nblaunch" / "templates"),
        embed_origins=[app_url], host_url=app_url,
    )  # fmt: skip
    hub.helpers, hub.app_socket, hub.app_url = helpers, app_socket, app_url
    (service,) = [p for p in family([hub.proc.pid]) if b"nblaunch.hub.service" in _cmdline(p)]
    hub.target = Target(
        "hub", hub.url, str(hub.log_path),
        lambda: hub.proc.poll() is None and service in family([hub.proc.pid]), {},
    )  # fmt: skip
    # The service's own address, behind the proxy: what it answers itself, whatever the proxy
    # makes of a request first.
    service_url = hub.admin("GET", "services/nblaunch").json()["url"]
    hub.direct = Target(
        "hub service (direct)", service_url, str(hub.log_path), hub.target.alive, {}
    )
    try:
        yield hub
        assert hub.target.alive(), f"the Hub or its service died; log: {hub.log_path}"
    finally:
        hub.stop()
        app_socket.close()


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


@pytest.fixture(scope="session")
def alice(fuzz_hub: Any) -> str:
    """A Cookie header with Alice's Hub and service logins; her server is running."""
    with fuzz_hub.client() as client:
        fuzz_hub.login(client, "alice")
        response = fuzz_hub.launch(client, fuzz_hub.service + "open/image-stats?item_id=1")
        assert response.is_redirect, (response.status_code, response.text[:500])
        return "; ".join(f"{c.name}={c.value}" for c in client.cookies.jar)


@pytest.fixture(scope="session")
def login_form(fuzz_hub: Any) -> tuple[str, str]:
    """A browser's ``_xsrf`` cookie for the Hub's login form and the form's matching field."""
    # The Hub ties an anonymous form's token to the browser's User-Agent: send ours with it.
    with httpx.Client(timeout=60, headers={"User-Agent": FUZZ_AGENT}) as client:
        page = client.get(fuzz_hub.url + "hub/login").text
        found = re.search(r'name="_xsrf" value="([^"]+)"', page)
        assert found, page[:500]
        cookie = "; ".join(f"{c.name}={c.value}" for c in client.cookies.jar)
        return cookie, found.group(1)


@pytest.fixture(scope="session")
def webapp(fuzz_hub: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    import uvicorn

    from nblaunch.webapp import Settings, create_app

    helpers = fuzz_hub.helpers
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("fuzz-webapp"),
        hub_url=fuzz_hub.url,
        api_token=helpers.HOST_TOKEN,
        ticket_secret=helpers.SECRET,
        public_url=fuzz_hub.app_url,
        secret_key="fuzz-secret-key",
    )
    app = create_app(settings)
    config = uvicorn.Config(app, fd=fuzz_hub.app_socket.fileno(), log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="fuzz-webapp", daemon=True)
    thread.start()
    target = Target(
        "reference application", fuzz_hub.app_url + "/", "pytest's captured stderr",
        lambda: thread.is_alive(), {"credentials": app.state.demo_credentials},
    )  # fmt: skip
    try:
        _wait(target.url + "api/health", target.alive, target.log)
        yield target
        assert target.alive(), "the reference application's server stopped during the fuzz run"
    finally:
        server.should_exit = True
        thread.join(15)
        app.state.engine.dispose()
