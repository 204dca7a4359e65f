"""Two replicas of the service behind one address, as a Kubernetes Service balances its pods.

The Hub runs with ``configure(c, external=True, service_url=<balancer>)``: it starts no service,
its proxy routes ``/services/nblaunch/`` to a round-robin TCP balancer on 127.0.0.1 that this
module starts (one replica per connection), and behind it two ``python -m nblaunch.hub.service``
processes on two ports, started with the environment ``configure()`` recorded for replicas plus
the service's token (what a Deployment gets from its Secret). Checked:

- OAuth: a browser logs in to the service with the login begun on one replica and the callback
  on the other (the login's state, with JupyterHub 6's PKCE verifier, is in the shared database,
  ``nblaunch.hub.oauthstate``); its cookie is then accepted by each replica at its own port,
  through the balancer and through the proxy (the cookie secret is derived from the shared
  token).
- Saves: concurrent contents-API PUTs with one ``expect_hash``, half sent to each replica's
  port: exactly one is written, the others are 409, because the leases are rows in the Hub's
  database (``NBLAUNCH_LOCK_URL``), not in a replica's memory; and the same with the leases in
  PostgreSQL (``postgres`` marker).
- Tickets: login tickets are checked by the Hub's ``TicketAuthenticator`` at ``/hub/login``, never
  by the service, so a ticket cannot be replayed "on the other replica": there is one Hub, whose
  replay table is in its database. What can reopen a replay is a restarted Hub; a ticket used
  once is refused by the same Hub restarted on the same database.

Fixtures: ``deployment`` (module: balancer, Hub, two replicas) and ``erin`` (a user whose server
runs). The restart test runs last: it leaves the Hub on new ports.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlparse

import httpx
import nbformat
import pytest
from _harness.waiting import wait_until

from .conftest import HOST_TOKEN, ROOT, SERVICE_TOKEN, Hub, free_port, start_hub

pytestmark = pytest.mark.integration

PREFIX = "/services/nblaunch/"
#: The balancer stops by itself after this long, whatever happens to the test.
BALANCER_LIFETIME = 1200.0


class Balancer:
    """A round-robin TCP balancer on 127.0.0.1: each connection goes to the next backend port.

    It runs its own asyncio loop in a daemon thread, holds at most ``limit`` connections at
    once (the others wait their turn), counts connections per backend, and stops by itself
    after ``lifetime`` seconds if ``stop()`` was not called.
    """

    def __init__(self, backends: list[int], *, limit: int = 64, lifetime: float = 600) -> None:
        self.backends = backends
        self.counts: Counter[int] = Counter()
        self.port = 0
        self._turn = itertools.cycle(backends)
        self._limit, self._lifetime = limit, lifetime
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopped: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="balancer", daemon=True)

    def start(self) -> Balancer:
        self._thread.start()
        assert self._ready.wait(30), "the balancer did not start"
        return self

    def stop(self) -> None:
        if self._loop and self._stopped and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stopped.set)
        self._thread.join(30)

    def _run(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopped = asyncio.Event()
        slots = asyncio.Semaphore(self._limit)
        tasks: set[asyncio.Task[None]] = set()

        async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            assert task is not None
            tasks.add(task)
            try:
                async with slots:
                    await self._relay(reader, writer)
            finally:
                tasks.discard(task)

        server = await asyncio.start_server(accept, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopped.wait(), self._lifetime)
        server.close()
        for task in list(tasks):
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        backend = next(self._turn)
        self.counts[backend] += 1
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", backend)
        except OSError:
            writer.close()  # a backend that is down: the client sees a closed connection
            return
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy until either side closes, then close the writing side (which ends the other pipe)."""
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


@dataclass
class Replicas:
    """``python -m nblaunch.hub.service`` processes, each on its own port of 127.0.0.1."""

    root: Path
    env: dict[str, str]
    ports: list[int] = field(default_factory=list)
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self, port: int, **env: str) -> subprocess.Popen[bytes]:
        """One more replica at ``port``, started as a replica's pod starts it."""
        folder = self.root / f"replica-{port}"  # its working directory: no config file there
        folder.mkdir(parents=True, exist_ok=True)
        environment = {
            **os.environ,
            **self.env,
            # From the Deployment's Secret; every replica holds the same token.
            "JUPYTERHUB_API_TOKEN": SERVICE_TOKEN,
            # Each pod listens on the same port of its own address; here each on its own port.
            "JUPYTERHUB_SERVICE_URL": origin(port),
            "PYTHONPATH": str(ROOT),
            **env,
        }
        with (folder / "service.log").open("wb") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "nblaunch.hub.service"],
                cwd=folder,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.procs.append(proc)
        self.ports.append(port)
        return proc

    def wait_ready(self, port: int, proc: subprocess.Popen[bytes]) -> None:
        def answers() -> bool:
            assert proc.poll() is None, self.log(port)
            with contextlib.suppress(httpx.HTTPError):
                url = origin(port) + PREFIX + "api/openapi.json"
                return httpx.get(url, timeout=5).status_code == 200
            return False

        wait_until(answers, f"the replica at port {port}", timeout=120)

    def log(self, port: int) -> str:
        return (self.root / f"replica-{port}" / "service.log").read_text(errors="replace")

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(20)
            if proc.poll() is None:
                proc.kill()
                proc.wait(5)


@dataclass
class Deployment:
    """The Hub, the balancer its proxy routes the service to, and the two replicas behind it."""

    hub: Hub
    balancer: Balancer
    replicas: Replicas

    @property
    def origins(self) -> list[str]:
        """The two replicas' own addresses."""
        return [origin(port) for port in self.replicas.ports[:2]]


def origin(port: int) -> str:
    return f"http://127.0.0.1:{port}"


def _record_environment(path: Path) -> str:
    """``extra_config`` that writes the replicas' environment as ``configure()`` recorded it."""
    return (
        "import json as _json, os as _os\n"
        "_nblaunch = [s for s in c.JupyterHub.services if s['name'] == 'nblaunch'][0]\n"
        "assert 'command' not in _nblaunch, 'not an external service'\n"
        f"with open({str(path)!r} + '.part', 'w') as _file:\n"
        "    _json.dump(_nblaunch['environment'], _file)\n"
        f"_os.replace({str(path)!r} + '.part', {str(path)!r})\n"  # never read half-written
    )


@pytest.fixture(scope="module")
def deployment(
    make_hub: Callable[..., Hub], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    """A Hub whose proxy routes the service to a balancer in front of two replicas."""
    root = tmp_path_factory.mktemp("replicas")
    ports = [free_port(), free_port()]
    balancer = Balancer(ports, lifetime=BALANCER_LIFETIME).start()
    env_path = root / "replica-environment.json"
    kwargs = {
        "external": True,
        "service_url": f"http://127.0.0.1:{balancer.port}",
        "extra_config": _record_environment(env_path),
    }
    replicas = Replicas(root, env={})
    try:
        with ThreadPoolExecutor(1) as pool:
            # The Hub's start waits until the service answers through the proxy: start the
            # replicas meanwhile, once the Hub's configuration has recorded their environment.
            starting = pool.submit(make_hub, **kwargs)
            wait_until(
                lambda: env_path.exists() or starting.done(), "the Hub's config", timeout=120
            )
            if starting.done():
                starting.result()  # the Hub failed before its config ran: raise why
            replicas.env = json.loads(env_path.read_text())
            procs = [replicas.start(port) for port in ports]
            for port, proc in zip(ports, procs, strict=True):
                replicas.wait_ready(port, proc)
            found = Deployment(starting.result(timeout=300), balancer, replicas)
    except BaseException:
        replicas.stop()
        balancer.stop()
        raise
    yield found
    found.hub.stop()
    replicas.stop()
    balancer.stop()


def browse(
    client: httpx.Client, hub: Hub, path: str, service: list[str]
) -> list[tuple[str, httpx.Response]]:
    """Follow redirects as a browser on the Hub's address would, except that each request for
    the service's prefix goes to the next origin of ``service`` (in turn), so that the test
    decides which replica answers. Returns every (origin, response)."""
    turn = itertools.cycle(service)
    hops: list[tuple[str, httpx.Response]] = []
    for _ in range(12):
        origin = next(turn) if path.startswith(PREFIX) else hub.origin
        response = client.get(origin + path)
        hops.append((origin, response))
        if not response.is_redirect:
            return hops
        target = urlparse(urljoin(origin + path, response.headers["location"]))
        path = target.path + (f"?{target.query}" if target.query else "")
    raise AssertionError(f"too many redirects: {[str(r.url) for _, r in hops]}")


def logged_in(client: httpx.Client, url: str, user: str) -> bool:
    """Whether the service at ``url`` (its catalog) takes ``client``'s cookies for ``user``."""
    fresh = httpx.Client(
        cookies=client.cookies,
        headers={"Accept": "text/html"},
        timeout=60,
        limits=httpx.Limits(max_keepalive_connections=0),  # a new connection per request
    )
    with fresh:
        response = fresh.get(url)
    if response.status_code == 200:
        assert user in response.text
        return True
    assert response.is_redirect and "oauth2/authorize" in response.headers["location"]
    return False


def test_an_oauth_login_on_one_replica_holds_on_the_other(deployment: Deployment) -> None:
    hub, (one, two) = deployment.hub, deployment.origins
    with hub.client() as client:
        assert hub.login(client, "rita").status_code == 302
        # Without the service's cookie neither replica knows her: both send her to the Hub.
        assert not logged_in(client, one + PREFIX, "rita")
        assert not logged_in(client, two + PREFIX, "rita")
        # The login starts on replica one (its state cookie) and returns to replica two (which
        # checks that cookie, trades the code for a token and sets the service's cookie).
        hops = browse(client, hub, PREFIX, [one, two])
        served = [(origin, r.status_code) for origin, r in hops if origin != hub.origin]
        assert served == [(one, 302), (two, 302), (one, 200)], served
        assert "/oauth_callback" in str(hops[2][1].url)
        assert "rita" in hops[-1][1].text
        # The cookie replica two set: accepted at each replica's port, through the balancer
        # (fresh connections, so both replicas answer) and through the Hub's proxy.
        assert logged_in(client, one + PREFIX, "rita")
        assert logged_in(client, two + PREFIX, "rita")
        before = Counter(deployment.balancer.counts)
        balanced = origin(deployment.balancer.port) + PREFIX
        assert all(logged_in(client, balanced, "rita") for _ in range(4))
        after = deployment.balancer.counts
        assert all(after[p] - before[p] >= 1 for p in deployment.replicas.ports), (before, after)
        assert logged_in(client, hub.service, "rita")


def notebook(text: str) -> dict[str, Any]:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(text)])
    return dict(nbformat.from_dict(nb))


def put(origin: str, user: str, path: str, body: dict[str, Any]) -> httpx.Response:
    headers = {"Authorization": f"token {HOST_TOKEN}", "Accept": "application/json"}
    url = f"{origin}{PREFIX}api/users/{user}/contents/{path}"
    return httpx.put(url, json=body, headers=headers, timeout=60)


async def put_all(
    origins: list[str], user: str, path: str, bodies: list[dict[str, Any]]
) -> list[httpx.Response]:
    """Every PUT at once, on its own connection, the i-th to ``origins[i % len(origins)]``."""
    headers = {"Authorization": f"token {HOST_TOKEN}", "Accept": "application/json"}

    async def one(origin: str, body: dict[str, Any]) -> httpx.Response:
        async with httpx.AsyncClient(headers=headers, timeout=60) as client:
            return await client.put(f"{origin}{PREFIX}api/users/{user}/contents/{path}", json=body)

    pairs = zip(itertools.cycle(origins), bodies)
    return list(await asyncio.gather(*(one(origin, body) for origin, body in pairs)))


@pytest.fixture(scope="module")
def erin(deployment: Deployment) -> str:
    """A user whose server runs, started by a launch link through the proxy and balancer."""
    hub = deployment.hub
    with hub.client() as client:
        hub.login(client, "erin")
        hub.launch(client, hub.service + "open/stats?n=2")
    return "erin"


async def race(origins: list[str], user: str, rounds: int = 3, each: int = 6) -> None:
    """``rounds`` times: ``each`` saves with the same ``expect_hash`` spread over ``origins``;
    exactly one is written and its answer is what is stored."""
    path = f"saved/race-{uuid.uuid4().hex[:8]}.ipynb"
    base = put(origins[0], user, path, {"content": notebook("x = 0"), "expect_hash": ""})
    assert base.status_code == 200, base.text
    expect = base.json()["hash"]
    for turn in range(rounds):
        sources = [f"x = {turn}{i}" for i in range(each)]
        bodies = [{"content": notebook(s), "expect_hash": expect} for s in sources]
        answers = await put_all(origins, user, path, bodies)
        statuses = sorted(a.status_code for a in answers)
        assert statuses == [200] + [409] * (each - 1), [a.text for a in answers]
        # hash-mismatch: the winner had written; notebook-busy only if a save waited 10 s.
        codes = {a.json()["code"] for a in answers if a.status_code == 409}
        assert codes <= {"hash-mismatch", "notebook-busy"}, codes
        won = next(a.json() for a in answers if a.status_code == 200)
        assert won["content"]["cells"][0]["source"] in sources
        # Read back from the other replica: the stored notebook is the winner's.
        headers = {"Authorization": f"token {HOST_TOKEN}", "Accept": "application/json"}
        url = f"{origins[-1]}{PREFIX}api/users/{user}/contents/{path}"
        stored = httpx.get(url, headers=headers, timeout=60).json()
        assert (stored["hash"], stored["content"]) == (won["hash"], won["content"])
        expect = won["hash"]


async def test_one_save_wins_across_replicas_on_the_hubs_database(
    deployment: Deployment, erin: str
) -> None:
    assert deployment.replicas.env["NBLAUNCH_LOCK_URL"].startswith("sqlite:////")
    await race(deployment.origins, erin)
    # The leases were rows of the Hub's own database, and none is left behind.
    with contextlib.closing(sqlite3.connect(deployment.hub.root / "jupyterhub.sqlite")) as db:
        assert db.execute("SELECT count(*) FROM nblaunch_contents_locks").fetchone() == (0,)


@pytest.fixture(scope="module")
def postgres_locks(postgres_base: str) -> str:
    """A database on the throwaway PostgreSQL server (``tests/_harness/pg.py``) for the leases."""
    from sqlalchemy import create_engine, text

    admin = create_engine(f"{postgres_base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text('CREATE DATABASE "replicas"'))
    admin.dispose()
    return f"{postgres_base}/replicas"


@pytest.mark.postgres
async def test_one_save_wins_across_replicas_on_postgresql(
    deployment: Deployment, erin: str, postgres_locks: str
) -> None:
    # Two more replicas of the same service, whose leases are in PostgreSQL (as on Kubernetes,
    # where NBLAUNCH_LOCK_URL is the Hub's PostgreSQL database).
    ports = [free_port(), free_port()]
    procs = [deployment.replicas.start(p, NBLAUNCH_LOCK_URL=postgres_locks) for p in ports]
    for port, proc in zip(ports, procs, strict=True):
        deployment.replicas.wait_ready(port, proc)
    await race([origin(p) for p in ports], erin)
    from sqlalchemy import create_engine, text

    engine = create_engine(postgres_locks)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM nblaunch_contents_locks")).scalar() == 0
    engine.dispose()


def test_zz_a_used_ticket_stays_used_when_the_hub_restarts(deployment: Deployment) -> None:
    # Last in this module: the Hub comes back on new ports. Tickets are the Hub's business
    # (/hub/login), whichever replica of the service sent the browser there.
    hub = deployment.hub
    ticket = hub.ticket("tess", ttl=60)
    minted = time.monotonic()
    with hub.client() as client:
        assert client.get(hub.login_url(ticket, "/hub/home")).status_code == 302
    hub.stop()
    restarted = start_hub(
        hub.root,
        external=True,
        service_url=f"http://127.0.0.1:{deployment.balancer.port}",
    )
    deployment.hub = restarted  # stopped by the fixture
    with restarted.client() as client:
        replay = client.get(restarted.login_url(ticket, "/hub/home"))
        # A restart slower than the ticket's lifetime would make this "expired", proving nothing.
        assert time.monotonic() - minted < 60, "the Hub took longer than a ticket's lifetime"
        assert replay.status_code == 403
        assert "<code>ticket-replayed</code>" in replay.text
    # The restarted Hub does log people in: a fresh ticket works.
    with restarted.client() as client:
        fresh = client.get(restarted.login_url(restarted.ticket("tess"), "/hub/home"))
        assert fresh.status_code == 302
        assert client.get(restarted.url + "hub/home").status_code == 200
