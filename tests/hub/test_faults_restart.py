"""Restarts during launches, with real processes (issue 11): the page says what happened and
carries on by itself; no orphaned copy, no duplicate server, no save silently lost.

- JupyterHub is stopped (SIGTERM) during a slow spawn and started again on the same config,
  as an upgrade or a crashed pod does. Users' servers outlive the Hub
  (``cleanup_servers = False``, as Zero to JupyterHub sets); a proxy the Hub started does not
  (the new Hub finds its pid file and replaces it), and the Hub stops its managed service.
  The page hears nothing (the proxy holds its dead stream open), says the Hub went away, and
  lands in the notebook once the Hub is back, with one server process: the spawner records the
  process before the server answers, so the restarted Hub finds it.
- The proxy (configurable-http-proxy) is killed during a slow spawn; the Hub notices within
  ``check_running_interval``, starts it again and restores its routes.
- The proxy is killed while a host saves through the service's contents API: every save either
  is acknowledged or answers a 5xx JSON error, and the stored file is the last acknowledged one.
- The nblaunch service is SIGKILLed while a host saves through it, save after save: the Hub
  starts it again; every save is acknowledged, refused with a 5xx, or answered a conflict the
  host acts on (reload, wait); the file ends as the last acknowledged save.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import nbformat
import pytest
from _harness.waiting import wait_until

from .conftest import HOST_TOKEN, Hub, free_port

pytestmark = pytest.mark.integration

#: The Hub as Zero to JupyterHub runs it (servers outlive it), checking its proxy every second
#: and its services' processes every second, so the faults are noticed fast.
RESTARTABLE = """
c.JupyterHub.cleanup_servers = False
c.JupyterHub.cleanup_proxy = False
c.ConfigurableHTTPProxy.check_running_interval = 1
c.Spawner.poll_interval = 1
"""


@pytest.fixture(scope="module")
def restartable_hub(make_hub: Any) -> Iterator[Hub]:
    """A Hub of its own (these tests stop and restart it), its service on a known port."""
    hub = make_hub(extra_config=RESTARTABLE, service_port=free_port())
    yield hub
    # Stopped, this Hub leaves its proxy and users' servers running, as configured: end them.
    hub.stop()
    pid_file = hub.root / "jupyterhub-proxy.pid"
    leftovers = server_processes(hub) + ([int(pid_file.read_text())] if pid_file.exists() else [])
    for pid in leftovers:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)


def server_processes(hub: Hub, user: str = "") -> list[int]:
    """Every process of a single-user server of ``hub`` (of ``user``'s, if named), starting or
    running, wherever its parent is: one the Hub forgot is here too. Servers live in the
    users' homes (``HOME``) of this Hub, which tells them from other Hubs' on the machine."""
    home = f"HOME={hub.home(user) if user else hub.homes}".encode()
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (proc / "cmdline").read_bytes()
            environ = (proc / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        homes = [v for v in environ if v == home or (not user and v.startswith(home + b"/"))]
        if b"jupyterhub-singleuser" in cmdline and homes:
            found.append(int(proc.name))
    return found


def proxy_pid(hub: Hub) -> int:
    """The configurable-http-proxy the Hub started (its child)."""
    return hub.child("configurable-http-proxy")


def spawn_pending(hub: Hub, user: str) -> bool:
    return bool(hub.servers(user).get("", {}).get("pending") == "spawn")


def record_statuses(context: Any) -> list[str]:
    """Every text the progress pages of ``context`` show in their status line, across reloads
    (the page says the Hub is back just before it opens the link again)."""
    seen: list[str] = []
    context.expose_binding("nblaunchStatus", lambda source, text: seen.append(text))
    context.add_init_script(
        """document.addEventListener("DOMContentLoaded", () => {
             const status = document.getElementById("nblaunch-status");
             if (!status) return;
             new MutationObserver(() => window.nblaunchStatus(status.textContent))
               .observe(status, {childList: true, characterData: true, subtree: true});
           });"""
    )
    return seen


#: The user whose launch lived through a Hub restart, for the orphaned-process check after it.
RESTARTED: dict[str, str] = {}


@pytest.mark.browser
def test_the_hub_restarted_during_a_spawn_and_the_page_carries_on(
    restartable_hub: Hub, context: Any
) -> None:
    hub, user = restartable_hub, "slow-rhea"
    statuses = record_statuses(context)
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.goto(hub.login_url(hub.ticket(user), hub.service + "open/stats?n=5&label=hub"))
    page.locator("#nblaunch-progress").wait_for()
    wait_until(lambda: spawn_pending(hub, user), "her spawn under way", timeout=60)
    hub.stop()  # SIGTERM, as Kubernetes stops the hub pod; it stops its service too
    page.locator("#nblaunch-lost").wait_for(state="visible")
    assert "Hub" in page.inner_text("#nblaunch-status")
    hub.restart()
    page.wait_for_url(re.compile(rf".*/user/{user}/lab/tree/nblaunch/stats-label-hub-n-5-.*"))
    assert "The Hub is back: carrying on…" in statuses, statuses
    # One server, one copy: nothing started or written twice.
    assert list(hub.servers(user)) == [""]
    assert len(list(hub.home(user).glob("nblaunch/stats-label-hub-n-5-*.ipynb"))) == 1
    RESTARTED["user"] = user


def test_the_hub_restart_left_no_orphaned_server_process(restartable_hub: Hub) -> None:
    hub = restartable_hub
    user = RESTARTED.get("user") or pytest.skip("the Hub restart test did not land")
    state = hub.servers(user)[""].get("state") or {}
    assert server_processes(hub, user) == [state.get("pid")]


@pytest.mark.browser
def test_the_proxy_killed_during_a_spawn_and_the_page_carries_on(
    restartable_hub: Hub, context: Any
) -> None:
    hub, user = restartable_hub, "slow-pia"
    statuses = record_statuses(context)
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.goto(hub.login_url(hub.ticket(user), hub.service + "open/stats?n=6&label=proxy"))
    page.locator("#nblaunch-progress").wait_for()
    wait_until(lambda: spawn_pending(hub, user), "her spawn under way", timeout=60)
    killed = proxy_pid(hub)
    os.kill(killed, signal.SIGKILL)
    page.locator("#nblaunch-lost").wait_for(state="visible")
    assert "Hub" in page.inner_text("#nblaunch-status")
    page.wait_for_url(re.compile(rf".*/user/{user}/lab/tree/nblaunch/stats-label-proxy-n-6-.*"))
    assert "The Hub is back: carrying on…" in statuses, statuses
    assert proxy_pid(hub) != killed  # the Hub started a new proxy
    # One server (the Hub's and the only process), one copy.
    assert list(hub.servers(user)) == [""]
    state = hub.servers(user)[""].get("state") or {}
    assert server_processes(hub, user) == [state.get("pid")]
    assert len(list(hub.home(user).glob("nblaunch/stats-label-proxy-n-6-*.ipynb"))) == 1


def notebook(text: str) -> dict[str, Any]:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(text)])
    return dict(nbformat.from_dict(nb))


def test_saves_while_the_proxy_restarts_are_acknowledged_or_refused(
    restartable_hub: Hub,
) -> None:
    hub, user = restartable_hub, "sam"
    with hub.client() as client:
        hub.login(client, user)
        hub.launch(client, hub.service + "open/plain")
    # The host reaches the service directly (as a host in the cluster does), not through the
    # proxy being restarted; the service reaches the user's server through that proxy.
    service = f"http://127.0.0.1:{hub_service_port(hub)}/services/nblaunch/"
    url = service + f"api/users/{user}/contents/saved/live.ipynb"
    headers = {"Authorization": f"token {HOST_TOKEN}", "Accept": "application/json"}
    acknowledged = {"hash": "", "source": ""}
    answers: list[int] = []

    def save() -> int:
        """One save of the next content, as a host's editor saves: with the last hash."""
        source = f"x = {len(answers)}"
        body = {"content": notebook(source), "expect_hash": acknowledged["hash"]}
        response = httpx.put(url, json=body, headers=headers, timeout=60)
        answers.append(response.status_code)
        if response.status_code == 200:
            acknowledged.update(hash=response.json()["hash"], source=source)
        else:
            # Refused, and said so in the error tree's JSON: never a proxy's page, never a
            # false conflict (a 409 would make the host merge with a version nobody wrote).
            assert response.status_code == 502, response.text
            assert response.json()["code"] == "hub-unavailable", response.text
        return response.status_code

    assert save() == 200
    killed = proxy_pid(hub)
    os.kill(killed, signal.SIGKILL)
    # Save on, as an editor retries, until a save is acknowledged by way of the new proxy.
    wait_until(
        lambda: save() == 200 and proxy_is_back(hub, killed),
        "a save through the restarted proxy",
        timeout=120,
    )
    assert 502 in answers  # the outage was seen, and refused rather than swallowed
    stored = nbformat.read(hub.home(user) / "saved" / "live.ipynb", as_version=4)
    assert stored.cells[0].source == acknowledged["source"], answers


def proxy_is_back(hub: Hub, killed: int) -> bool:
    try:
        return proxy_pid(hub) != killed
    except AssertionError:
        return False


def hub_service_port(hub: Hub) -> int:
    config = (hub.root / "jupyterhub_config.py").read_text()
    return int(re.search(r"'service_port': (\d+)", config).group(1))  # type: ignore[union-attr]


def test_saves_while_the_service_restarts_lose_nothing(restartable_hub: Hub) -> None:
    hub, user = restartable_hub, "sue"
    with hub.client() as client:
        hub.login(client, user)
        hub.launch(client, hub.service + "open/plain")
    # Through the proxy, as a host outside the cluster saves; the service dies under it.
    url = hub.service + f"api/users/{user}/contents/saved/service.ipynb"
    headers = {"Authorization": f"token {HOST_TOKEN}", "Accept": "application/json"}
    known = {"hash": "", "source": ""}
    answers: list[int] = []

    def save() -> int:
        """One save as a host's editor makes it, acting on each answer as a host must."""
        source = f"y = {len(answers)}"
        body = {"content": notebook(source), "expect_hash": known["hash"]}
        try:
            response = httpx.put(url, json=body, headers=headers, timeout=30)
        except httpx.HTTPError:
            answers.append(0)  # no answer at all: not acknowledged
            return 0
        answers.append(response.status_code)
        if response.status_code == 200:
            known.update(hash=response.json()["hash"], source=source)
        elif response.status_code == 409:
            # A save cut off by the kill may have been written, or still hold its lease: the
            # host reloads what is there (hash-mismatch) or waits (notebook-busy).
            assert response.json()["code"] in ("hash-mismatch", "notebook-busy"), response.text
            if response.json()["code"] == "hash-mismatch":
                current = httpx.get(url, headers=headers, timeout=30).json()
                known.update(hash=current["hash"], source=current["content"]["cells"][0]["source"])
        else:
            assert response.status_code in (502, 503), response.text[:300]
        return response.status_code

    stop = threading.Event()
    saver = threading.Thread(target=lambda: [save() for _ in iter(stop.is_set, True)])
    saver.start()
    try:
        wait_until(lambda: answers.count(200) >= 3, "three saves acknowledged", timeout=60)
        killed = hub.child("nblaunch.hub.service")
        os.kill(killed, signal.SIGKILL)
        wait_until(lambda: service_is_back(hub, killed), "the Hub's new service", timeout=120)
        seen = len(answers)
        wait_until(lambda: 200 in answers[seen:], "a save through the new service", timeout=120)
    finally:
        stop.set()
        saver.join(60)
    assert set(answers) - {200} and set(answers) <= {0, 200, 409, 502, 503}, answers
    wait_until(lambda: save() == 200, "a last acknowledged save", timeout=60)
    stored = nbformat.read(hub.home(user) / "saved" / "service.ipynb", as_version=4)
    assert stored.cells[0].source == known["source"], answers


def service_is_back(hub: Hub, killed: int) -> bool:
    try:
        return hub.child("nblaunch.hub.service") != killed
    except AssertionError:
        return False
