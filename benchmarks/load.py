"""Sustained load on one machine (issue 11 §3): does any save get lost, does anything answer 5xx?

One real Hub with nblaunch's service (``harness.start_hub``, plus the host token) and the
reference web app (``python -m nblaunch.webapp`` in a subprocess, SQLite in a temporary folder).
Phase 1: ``--users`` distinct users follow a launch link at the same moment. Phase 2: for
``--minutes``, ``--saves-per-minute`` saves on a fixed schedule (each save's due time is computed
from the start, so slow saves do not stretch the run), round-robin over those users, while a
background thread keeps re-opening the link for one user every few seconds. A save is what a
browser does: write a changed notebook through the user's server's Contents API (JupyterLab's
save, with its xsrf token), then ``POST /items/1/save`` on the web app with the session cookie
and the CSRF header; the web app reads the notebook back through the service's contents API.

Afterwards the web app's database is read directly: the version rows per user must equal the
saves it acknowledged (2xx with ``created: true``). Also counted: every 5xx any client saw (and
the 5xx lines in the Hub's and the web app's logs), p50/p95 latencies, each user server's peak
RSS (its process tree, sampled every second) and the machine's load average, since other work
may share the machine. Bounded in count and wall time; every process started is killed at the
end. Prints a table; writes ``load.json`` to ``--out`` (default ``.cache/stress/<time>/``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_all
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import harness
import httpx
import psutil
from harness import LINK, ROOT, Hub, free_port
from rows import median, p95

HOST_TOKEN = "bench-host-" + "h" * 32
ITEM = 1  # the demo catalog's first item: the save route needs an item the user may save to
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
LOG_5XX = re.compile(r"(?:\] | \")5\d\d |HTTP/1\.1\" 5\d\d")


@dataclass
class Tally:
    """Everything counted during the run; threads add to it under ``lock``."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    launch_s: list[float] = field(default_factory=list)
    relaunch_s: list[float] = field(default_factory=list)
    put_s: list[float] = field(default_factory=list)
    save_s: list[float] = field(default_factory=list)
    late_s: list[float] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    acked: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)

    def add(self, name: str, value: float | None = None, error: str = "") -> None:
        with self.lock:
            self.counts[name] += 1
            if value is not None:
                getattr(self, name.split(":")[0]).append(value)
            if error and len(self.errors) < 50:
                self.errors.append(error[:400])

    def watch(self, response: httpx.Response) -> None:
        """An httpx response hook: count and keep every 5xx, whichever client saw it."""
        if response.status_code >= 500:
            response.read()
            line = f"{response.request.method} {response.url} -> {response.status_code}: "
            with self.lock:
                self.counts["5xx"] += 1
                self.server_errors.append((line + response.text[:300])[:500])


@dataclass
class Seat:
    """One user: a browser on the Hub, a browser on the web app, the notebook it saves."""

    name: str
    hub: httpx.Client
    web: httpx.Client
    csrf: str = ""
    path: str = ""
    saves: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def prepare_webapp(data: Path, hub: Hub, port: int, users: list[str]) -> dict[str, str]:
    """The web app's settings as environment variables; its database made, with ``users``."""
    from nblaunch.webapp import Settings
    from nblaunch.webapp.app import prepare_data
    from nblaunch.webapp.auth import create_user
    from nblaunch.webapp.db import session_factory

    env = {
        "NBLAUNCH_WEBAPP_DATA_DIR": str(data), "NBLAUNCH_WEBAPP_HUB_URL": hub.url,
        "NBLAUNCH_WEBAPP_API_TOKEN": HOST_TOKEN, "NBLAUNCH_WEBAPP_TICKET_SECRET": harness.SECRET,
        "NBLAUNCH_WEBAPP_SECRET_KEY": "load-" + "s" * 32,
        "NBLAUNCH_WEBAPP_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }  # fmt: skip
    engine, _ = prepare_data(Settings.from_env(env))
    with session_factory(engine)() as db:
        for user in users:
            create_user(db, user, password_of(user))
        db.commit()
    engine.dispose()
    return env


def password_of(user: str) -> str:
    return f"pw-{user}-load"


def start_webapp(
    root: Path, hub: Hub, port: int, users: list[str]
) -> tuple[subprocess.Popen[bytes], str]:
    """The reference web app under uvicorn in a subprocess; returns once it answers."""
    env = {**os.environ, **prepare_webapp(root / "webapp", hub, port, users)}
    env["PYTHONPATH"] = str(ROOT)
    with (root / "webapp.log").open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "nblaunch.webapp", "--port", str(port)],
            cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(url + "/api/health", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the web app did not start:\n" + (root / "webapp.log").read_text()[-3000:])


def web_login(seat: Seat, app: str) -> None:
    """Log in on the web app as a browser does; keep the CSRF token of the new session."""
    form = CSRF.search(seat.web.get(app + "/login").text)
    assert form, "no CSRF token on the login page"
    data = {"username": seat.name, "password": password_of(seat.name), "csrf_token": form[1]}
    answer = seat.web.post(app + "/login", data=data)
    if answer.status_code != 303:
        raise RuntimeError(f"web login of {seat.name} answered {answer.status_code}")
    page = CSRF.search(seat.web.get(app + "/items").text)
    assert page, "no CSRF token on the catalog page"
    seat.csrf = page[1]


def seats_for(hub: Hub, app: str, users: list[str], tally: Tally) -> list[Seat]:
    seats = []
    for user in users:
        hooks = {"response": [tally.watch]}
        web = httpx.Client(timeout=120, event_hooks=hooks)
        seat = Seat(user, hub.client(), web)
        seat.hub.event_hooks = hooks
        hub.login(seat.hub, user)
        web_login(seat, app)
        seats.append(seat)
    return seats


def launch(hub: Hub, seat: Seat, tally: Tally, kind: str) -> None:
    """Follow the launch link to the Lab page; the first launch tells the copy's path."""
    start = time.perf_counter()
    try:
        lab_url = hub.launch(seat.hub, hub.service + LINK).lab_url
    except Exception as err:  # a failed launch is a result: counted and kept
        tally.add(f"{kind}:failed", error=f"{kind} {seat.name}: {type(err).__name__}: {err}")
        return
    tally.add(kind, time.perf_counter() - start)
    found = re.search(r"/(?:lab|doc)/tree/([^?#]+)", lab_url)
    if found and not seat.path:
        seat.path = unquote(found[1])


def crowd(hub: Hub, seats: list[Seat], tally: Tally) -> float:
    """Phase 1: every seat follows the link at the same moment; returns the wall time."""
    gate = threading.Barrier(len(seats) + 1)

    def one(seat: Seat) -> None:
        gate.wait()
        launch(hub, seat, tally, "launch_s")

    threads = [threading.Thread(target=one, args=(s,), daemon=True) for s in seats]
    for thread in threads:
        thread.start()
    gate.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join(timeout=900)
    return time.perf_counter() - start


def xsrf_of(seat: Seat) -> str:
    """The user's server's ``_xsrf`` cookie (set when the Lab page was served)."""
    for cookie in seat.hub.cookies.jar:
        if cookie.name == "_xsrf" and cookie.path.startswith(f"/user/{seat.name}"):
            return str(cookie.value)
    return ""


def new_content(seat: Seat) -> dict[str, Any]:
    """A notebook no earlier save of this seat held, so the host owes a new version."""
    source = f"n = {seat.saves}  # {seat.name}"
    cell: dict[str, Any] = {"cell_type": "code", "id": "load", "metadata": {}, "outputs": [],
                            "execution_count": None, "source": source}  # fmt: skip
    spec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return {"cells": [cell], "metadata": {"kernelspec": spec}, "nbformat": 4, "nbformat_minor": 5}


def write_notebook(hub: Hub, seat: Seat, tally: Tally) -> bool:
    """JupyterLab's save: ``PUT`` the changed notebook on the user's server's Contents API."""
    url = hub.url + f"user/{quote(seat.name)}/api/contents/{quote(seat.path)}"
    body = {"type": "notebook", "format": "json", "content": new_content(seat)}
    headers = {"X-XSRFToken": xsrf_of(seat), "Accept": "application/json"}
    start = time.perf_counter()
    answer = seat.hub.put(url, json=body, headers=headers)
    if answer.status_code != 200:
        tally.add("put:failed", error=f"PUT {seat.name}: {answer.status_code} {answer.text[:200]}")
        return False
    tally.add("put_s", time.perf_counter() - start)
    return True


def save_one(hub: Hub, app: str, seat: Seat, tally: Tally) -> None:
    """One save: change the notebook in the user's server, then the host's Save."""
    with seat.lock:
        seat.saves += 1
        try:
            if not seat.path or not write_notebook(hub, seat, tally):
                tally.add("save:skipped")
                return
            headers = {"X-CSRF-Token": seat.csrf, "Accept": "application/json"}
            body = {"template": "stats", "path": seat.path}
            start = time.perf_counter()
            answer = seat.web.post(f"{app}/items/{ITEM}/save", json=body, headers=headers)
            took = time.perf_counter() - start
        except httpx.HTTPError as err:
            tally.add("save:failed", error=f"save {seat.name}: {type(err).__name__}: {err}")
            return
        created = answer.is_success and answer.json().get("created") is True
        if created:
            tally.add("save_s", took)
            with tally.lock:
                tally.acked[seat.name] += 1
        else:
            tally.add("save:not-acked", error=f"save {seat.name}: {answer.status_code} "
                      f"{answer.text[:200]}")  # fmt: skip


def on_schedule(count: int, interval: float, stop: threading.Event,
                action: Callable[[int], None], tally: Tally | None = None) -> None:  # fmt: skip
    """Run ``action(k)`` at ``start + k * interval`` for k < count (lateness kept if ``tally``)."""
    start = time.monotonic()
    for k in range(count):
        due = start + k * interval
        if stop.wait(max(0.0, due - time.monotonic())):
            return
        if tally is not None:
            tally.add("late_s", time.monotonic() - due)
        action(k)


def sustain(hub: Hub, app: str, seats: list[Seat], tally: Tally, args: argparse.Namespace) -> float:
    """Phase 2: the saves on their schedule while the re-launches go on; returns the wall time."""
    count = round(args.minutes * args.saves_per_minute)
    stop = threading.Event()
    relaunches = int(args.minutes * 60 / args.relaunch_every)
    background = threading.Thread(target=on_schedule, daemon=True, args=(
        relaunches, args.relaunch_every, stop,
        lambda k: launch(hub, seats[k % len(seats)], tally, "relaunch_s"),
    ))  # fmt: skip
    futures: list[Future[None]] = []
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=16) as pool:
        background.start()
        on_schedule(count, 60 / args.saves_per_minute, stop, lambda k: futures.append(
            pool.submit(save_one, hub, app, seats[k % len(seats)], tally)), tally)  # fmt: skip
        _, pending = wait_all(futures, timeout=args.grace)
        for future in pending:
            future.cancel()
        with tally.lock:
            tally.counts["save:unfinished"] += len(pending)
        stop.set()
        background.join(timeout=args.grace)
    return time.perf_counter() - start


class Sampler(threading.Thread):
    """Every second: RSS of each user server's process tree (peak kept), and the load average."""

    def __init__(self, hub: Hub, webapp: psutil.Process) -> None:
        super().__init__(daemon=True)
        self.hub, self.webapp = hub, webapp
        self.peak_rss_mb: dict[str, float] = {}
        self.peak_webapp_mb = 0.0
        self.load: list[float] = []
        self.users: dict[int, str] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(1.0):
            self.load.append(os.getloadavg()[0])
            try:
                self.sample()
            except psutil.Error:
                continue

    def sample(self) -> None:
        self.peak_webapp_mb = max(self.peak_webapp_mb, tree_rss_mb(self.webapp))
        for proc in self.hub.processes():
            try:
                if "jupyterhub-singleuser" not in " ".join(proc.cmdline()):
                    continue
                if proc.pid not in self.users:
                    self.users[proc.pid] = proc.environ().get("JUPYTERHUB_USER", str(proc.pid))
                user, rss = self.users[proc.pid], tree_rss_mb(proc)
                self.peak_rss_mb[user] = max(self.peak_rss_mb.get(user, 0.0), rss)
            except psutil.Error:
                pass


def tree_rss_mb(proc: psutil.Process) -> float:
    total = 0
    for member in [proc, *proc.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            total += member.memory_info().rss
    return total / 1e6


def stored_versions(database: Path) -> dict[str, int]:
    """Version rows per user in the web app's database, read after the run."""
    query = ("SELECT u.username, COUNT(v.id) FROM notebook_versions v "
             "JOIN users u ON u.id = v.user_id GROUP BY u.username")  # fmt: skip
    with sqlite3.connect(database) as db:
        return {name: int(n) for name, n in db.execute(query)}


def log_5xx(path: Path) -> list[str]:
    """Lines of a log that record a 5xx answer (JupyterHub's and uvicorn's access lines)."""
    if not path.exists():
        return []
    return [line for line in path.read_text(errors="replace").splitlines() if LOG_5XX.search(line)]


def stats(values: list[float]) -> dict[str, float]:
    return {"n": len(values), "p50": median(values), "p95": p95(values)}


def summary(tally: Tally, sampler: Sampler, root: Path, walls: dict[str, float]) -> dict[str, Any]:
    found = stored_versions(root / "webapp" / "webapp.sqlite")
    acked = dict(tally.acked)
    users = sorted(set(found) | set(acked))
    lost = {
        u: acked.get(u, 0) - found.get(u, 0) for u in users if acked.get(u, 0) > found.get(u, 0)
    }
    extra = {
        u: found.get(u, 0) - acked.get(u, 0) for u in users if found.get(u, 0) > acked.get(u, 0)
    }
    rss = list(sampler.peak_rss_mb.values())
    return {
        "launches_ok": tally.counts["launch_s"], "launches_failed": tally.counts["launch_s:failed"],
        "relaunches_ok": tally.counts["relaunch_s"],
        "relaunches_failed": tally.counts["relaunch_s:failed"],
        "saves_acked": sum(acked.values()), "saves_found": sum(found.values()),
        "saves_lost": sum(lost.values()), "lost_per_user": lost, "extra_per_user": extra,
        "client_5xx": tally.counts["5xx"], "counts": dict(tally.counts),
        "launch_s": stats(tally.launch_s), "relaunch_s": stats(tally.relaunch_s),
        "put_s": stats(tally.put_s), "save_s": stats(tally.save_s),
        "schedule_lateness_s": stats(tally.late_s),
        "peak_rss_mb_per_server": {"median": median(rss), "max": max(rss, default=0.0),
                                   "per_user": sampler.peak_rss_mb},
        "peak_webapp_rss_mb": sampler.peak_webapp_mb,
        "load_average_1m": {"mean": sum(sampler.load) / max(1, len(sampler.load)),
                            "max": max(sampler.load, default=0.0), "end": os.getloadavg()},
        "cores": os.cpu_count(), "wall_s": walls,
        "errors": tally.errors, "server_errors": tally.server_errors[:50],
        "hub_log_5xx": log_5xx(root / "hub" / "hub.log")[:50],
        "webapp_log_5xx": log_5xx(root / "webapp.log")[:50],
    }  # fmt: skip


def table(result: dict[str, Any]) -> str:
    def lat(name: str) -> str:
        s = result[name]
        return f"p50 {s['p50']:.2f} s, p95 {s['p95']:.2f} s (n={s['n']})"

    rss, load = result["peak_rss_mb_per_server"], result["load_average_1m"]
    rows = [
        ("launches succeeded (crowd)", f"{result['launches_ok']} ok, "
         f"{result['launches_failed']} failed"),
        ("re-launches during saves", f"{result['relaunches_ok']} ok, "
         f"{result['relaunches_failed']} failed"),
        ("saves acknowledged", str(result["saves_acked"])),
        ("saves found in the host's store", f"{result['saves_found']} (lost "
         f"{result['saves_lost']})"),
        ("5xx (clients / Hub log / web app log)", f"{result['client_5xx']} / "
         f"{len(result['hub_log_5xx'])} / {len(result['webapp_log_5xx'])}"),
        ("crowd launch latency", lat("launch_s")), ("re-launch latency", lat("relaunch_s")),
        ("Contents PUT latency", lat("put_s")), ("host save latency", lat("save_s")),
        ("schedule lateness", lat("schedule_lateness_s")),
        ("peak RSS per user server", f"median {rss['median']:.0f} MB, max {rss['max']:.0f} MB"),
        ("peak RSS of the web app", f"{result['peak_webapp_rss_mb']:.0f} MB"),
        ("load average (1 min)", f"mean {load['mean']:.2f}, max {load['max']:.2f} "
         f"on {result['cores']} cores"),
    ]  # fmt: skip
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def run(args: argparse.Namespace, root: Path) -> dict[str, Any]:
    users = [f"load{i}" for i in range(args.users)]
    tally = Tally()
    port = free_port()
    # The host's token registered with the Hub, so the web app may call the service.
    hub = harness.start_hub(root / "hub", host=(f"http://127.0.0.1:{port}", HOST_TOKEN))
    webapp: subprocess.Popen[bytes] | None = None
    sampler: Sampler | None = None
    try:
        webapp, app = start_webapp(root, hub, port, users)
        sampler = Sampler(hub, psutil.Process(webapp.pid))
        sampler.start()
        seats = seats_for(hub, app, users, tally)
        walls = {"crowd": crowd(hub, seats, tally)}
        walls["sustain"] = sustain(hub, app, seats, tally, args)
        sampler.stop.set()
        return summary(tally, sampler, root, walls)
    finally:
        if sampler is not None:
            sampler.stop.set()
        stop_everything(hub, webapp)


def stop_everything(hub: Hub, webapp: subprocess.Popen[bytes] | None) -> None:
    """Stop the web app and the Hub, then kill whatever of their process trees is left."""
    procs: list[psutil.Process] = []
    for pid in [hub.proc.pid] + ([webapp.pid] if webapp else []):
        try:
            parent = psutil.Process(pid)
            procs += [parent, *parent.children(recursive=True)]
        except psutil.Error:
            pass
    if webapp is not None and webapp.poll() is None:
        webapp.terminate()
    hub.stop()
    _, alive = psutil.wait_procs(procs, timeout=15)
    for proc in alive:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    psutil.wait_procs(alive, timeout=5)


def give_up() -> None:
    """The wall-time cap: kill every process this one started, then end it."""
    print("load.py: hard time cap reached, killing everything", file=sys.stderr, flush=True)
    for proc in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):
            proc.kill()
    os._exit(3)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--saves-per-minute", type=float, default=100.0)
    parser.add_argument("--relaunch-every", type=float, default=3.0, help="seconds")
    parser.add_argument("--grace", type=float, default=120.0,
                        help="seconds the last saves may take after the schedule ends")  # fmt: skip
    parser.add_argument("--out", type=Path, default=None)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    out = args.out or ROOT / ".cache" / "stress" / time.strftime("%Y%m%d-%H%M%S")
    out.mkdir(parents=True, exist_ok=True)
    # The hard cap: the crowd (15 min at most), the schedule, the grace; then the process ends.
    cap = threading.Timer(900 + args.minutes * 60 + 2 * args.grace + 120, give_up)
    cap.daemon = True
    cap.start()
    with tempfile.TemporaryDirectory(prefix="nblaunch-load-") as tmp:
        try:
            result = run(args, Path(tmp))
        finally:
            for log in (Path(tmp) / "hub" / "hub.log", Path(tmp) / "webapp.log"):
                if log.exists():
                    (out / log.name).write_bytes(log.read_bytes())
    result["args"] = {k: str(v) for k, v in vars(args).items()}
    (out / "load.json").write_text(json.dumps(result, indent=2, default=str))
    print(table(result))
    print(f"\n{out / 'load.json'}")
    ok = result["saves_lost"] == 0 and result["client_5xx"] == 0 and not result["hub_log_5xx"]
    return 0 if ok and not result["webapp_log_5xx"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
