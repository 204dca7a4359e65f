"""The rows that need a running Hub: warm (P1s), cold (P2) and crowded (P3) launches.

Every launch is a plain HTTP client following the link as a browser would (login cookie,
service OAuth, progress page and its event stream, the copy written, the redirect) to the
JupyterLab page's HTML; no JavaScript runs, so these are server-side times.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

import httpx
import psutil
from harness import LINK, Hub, Launch
from rows import Row, median, p95, side_by_side, timed

# The crowd's bound: launches still running after this are counted as not reaching Lab (a
# crowd of 30 took 57 s at p95 on 2 shared cores, about 2 s a user; this leaves 3x for noise).
CROWD_SECONDS_BASE = 120.0
CROWD_SECONDS_PER_USER = 6.0


def warm(hub: Hub, rounds: int) -> list[Row]:
    """P1s: (warm launch - the Lab page alone) against one Contents GET through the proxy: the
    service's own work on a warm launch, which needs no Hub API call, in Contents GETs."""
    user, link = "warm", hub.service + LINK
    with hub.client() as first:
        hub.login(first, user)
        hub.launch(first, link)  # starts the server, writes the copy
    # A login made after the server started, as a warm launch's usually is: the service's
    # identity for it (cached for a minute) names the ready server, so a launch asks the Hub
    # nothing. The first client's identity predates the server and would still ask the Hub.
    with hub.client() as client:
        hub.login(client, user)
        lab_url = hub.launch(client, link).lab_url
        contents = lab_url.replace("/lab/tree/", "/api/contents/")
        json_accept = {"Accept": "application/json"}

        def get_contents() -> None:
            assert client.get(contents, headers=json_accept).status_code == 200

        turns = side_by_side(
            {
                "launch": lambda: hub.launch(client, link),
                "lab page": lambda: client.get(lab_url).raise_for_status(),
                "contents GET": get_contents,
            },
            rounds,
            warmup=2,
        )
    hub.stop_servers([user])
    launch, page, floor = (median(turns[k]) for k in ("launch", "lab page", "contents GET"))
    measure = (
        f"warm launch - Lab page ÷ one Contents GET through the proxy "
        f"(({launch * 1000:.1f} - {page * 1000:.1f}) ÷ {floor * 1000:.1f} ms)"
    )
    ratio = (launch - page) / floor
    return [Row("P1s", measure, ratio, "x", 1.5, samples=turns, label="warm launch server time")]


def cold(hub: Hub, stock: Hub, rounds: int) -> list[Row]:
    """P2: link → Lab page from a stopped server, against the raw Hub API spawn to ready, on
    this Hub (nblaunch's spawner) and on one with JupyterHub's stock spawner; taking turns."""
    user = "cold"
    samples: dict[str, list[float]] = {"launch": [], "raw": [], "stock raw": []}
    with hub.client() as client:
        hub.login(client, user)
        hub.launch(client, hub.service + LINK)  # the service's OAuth and the copy, once
        for _ in range(rounds):
            hub.stop_servers([user])
            samples["launch"].append(timed(lambda: hub.launch(client, hub.service + LINK)))
            hub.stop_servers([user])
            samples["raw"].append(timed(lambda: hub.raw_spawn(user)))
            stock.admin("POST", f"users/{user}")  # 201 the first time, 409 after: both fine
            stock.stop_servers([user])
            samples["stock raw"].append(timed(lambda: stock.raw_spawn(user)))
    hub.stop_servers([user])
    stock.stop_servers([user])
    launch, raw, plain = (median(samples[k]) for k in ("launch", "raw", "stock raw"))
    return [
        Row("P2", f"cold launch (link → Lab page) ÷ raw Hub API spawn to ready "
            f"({launch:.2f} s ÷ {raw:.2f} s)", launch / raw, "x", 1.05, samples=samples,
            label="cold launch ÷ raw Hub API spawn"),
        Row("P2", f"cold launch ÷ stock SimpleLocalProcessSpawner, raw API "
            f"({launch:.2f} s ÷ {plain:.2f} s)", launch / plain, "x", 0.7, samples=samples,
            label="cold launch ÷ stock spawner"),
    ]  # fmt: skip


def _cpu_seconds(processes: list[psutil.Process]) -> dict[int, float]:
    seconds = {}
    for proc in processes:
        try:
            times = proc.cpu_times()
            seconds[proc.pid] = times.user + times.system
        except psutil.Error:
            pass
    return seconds


def _memory_mb(processes: list[psutil.Process]) -> list[float]:
    """USS of each user server (memory that is its own, not shared libraries), in MB."""
    found = []
    for proc in processes:
        try:
            if "jupyterhub-singleuser" in " ".join(proc.cmdline()):
                found.append(proc.memory_full_info().uss / 1e6)
        except psutil.Error:
            pass
    return found


def crowd(hub: Hub, size: int) -> list[Row]:
    """P3: ``size`` distinct users, logged in beforehand, click a launch link at the same time."""
    users = [f"crowd{size}-{i}" for i in range(size)]
    clients = [hub.client() for _ in users]
    for client, user in zip(clients, users, strict=True):
        hub.login(client, user)
    results: dict[str, Launch | str] = {}  # a launch unfinished at the deadline is missing
    gate = threading.Barrier(size + 1)

    def one(client: httpx.Client, user: str) -> None:
        gate.wait()
        try:
            results[user] = hub.launch(client, hub.service + LINK)
        except Exception as err:  # a failed launch is a result: reported below
            results[user] = f"{type(err).__name__}: {err}"[:300]

    threads = [threading.Thread(target=one, args=pair, daemon=True)
               for pair in zip(clients, users, strict=True)]  # fmt: skip
    for thread in threads:
        thread.start()
    before = _cpu_seconds(hub.processes())
    machine_before = psutil.cpu_times()
    gate.wait()
    start = time.perf_counter()
    deadline = start + CROWD_SECONDS_BASE + CROWD_SECONDS_PER_USER * size
    for thread in threads:  # one deadline for the crowd, not one per thread
        thread.join(timeout=max(0.0, deadline - time.perf_counter()))
    wall = time.perf_counter() - start
    finished = results.copy()  # one copy, in C: a late thread may still add to ``results``
    machine_after = psutil.cpu_times()
    processes = hub.processes()
    after = _cpu_seconds(processes)
    memory = _memory_mb(processes)
    for client in clients:
        client.close()
    ours = sum(after[pid] - before.get(pid, 0.0) for pid in after)
    busy = _busy(machine_after) - _busy(machine_before)
    cores = os.cpu_count() or 1
    done = [r for r in finished.values() if isinstance(r, Launch)]
    failures = [r for r in finished.values() if isinstance(r, str)]
    failures += [f"{u}: unfinished at the deadline" for u in users if u not in finished]
    totals = [r.total for r in done]
    firsts = [r.first_page for r in done]
    floor = ours / cores
    detail: dict[str, Any] = {
        "total_s": totals, "first_page_s": firsts, "failures": failures, "wall_s": wall,
        "cpu_seconds_ours": ours, "cpu_seconds_machine": busy, "memory_uss_mb": memory,
    }  # fmt: skip
    hub.stop_servers(users, timeout=600)
    note = (f"CPU-s: ours {ours:.0f}, whole machine {busy:.0f} on {cores} cores (others' "
            f"{max(0.0, busy - ours):.0f}) in {wall:.0f} s; p95 ÷ the whole machine's floor "
            f"{p95(totals) / (busy / cores):.2f}x")  # fmt: skip
    return [
        Row(f"P3-{size}", f"{size} users at once: launches that reached Lab", len(done), "users",
            size, ">=", note="; ".join(failures[:3]), samples=detail, label="launches succeeded"),
        Row(f"P3-{size}", f"p95 launch ÷ CPU floor (p50 {median(totals):.1f} s, p95 "
            f"{p95(totals):.1f} s, floor {floor:.1f} s = our CPU-s ÷ {cores})",
            p95(totals) / floor if floor else float("nan"), "x", 1.1, note=note,
            label="p95 launch ÷ CPU floor"),
        Row(f"P3-{size}", "first page (progress or Lab) in front of the user, p95",
            p95(firsts), "s", 1.0, label="first page p95"),
        Row(f"P3-{size}", "memory per user server (USS, median)", median(memory), "MB"),
    ]  # fmt: skip


def _busy(times: Any) -> float:
    return float(sum(times) - times.idle - getattr(times, "iowait", 0.0))
