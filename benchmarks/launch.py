"""Launch overhead, measured side by side on one Hub in one run (a script, not a test).

- warm: the user's server is running. A launch link (service → Contents API write → 302 → the
  JupyterLab page served) against a direct request for the same JupyterLab page.
- cold: the server is stopped. A launch link (start, progress stream, write, 302, Lab page)
  against the raw Hub API: ``POST /hub/api/users/<u>/server`` and its progress stream to ready.

Run: ``.venv/bin/python benchmarks/launch.py [--rounds 5]``. Needs the Node proxy
(``make setup``). Prints medians and the two ratios.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urljoin

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.hub.conftest import ADMIN_TOKEN, Hub, start_hub  # noqa: E402

USER = "bench"


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def stop_server(hub: Hub) -> None:
    # A stop can take seconds (the server's own shutdown): wait for it, do not time it.
    hub.admin("DELETE", f"users/{USER}/server", timeout=120)
    deadline = time.monotonic() + 60
    while hub.servers(USER) and time.monotonic() < deadline:
        time.sleep(0.1)


def raw_spawn(hub: Hub) -> None:
    """What the Hub API alone takes: start request, then its progress stream until ready."""
    headers = {"Authorization": f"token {ADMIN_TOKEN}"}
    api = hub.url + f"hub/api/users/{USER}/server"
    assert httpx.post(api, headers=headers).status_code in (201, 202)
    with httpx.stream("GET", api + "/progress", headers=headers, timeout=60) as response:
        for line in response.iter_lines():
            if '"ready": true' in line:
                return
    raise RuntimeError("the server did not become ready")


def launch(hub: Hub, client: httpx.Client, link: str) -> str:
    """Follow a launch link to the JupyterLab page; return that page's URL."""
    landing = hub.launch(client, link)
    page = client.get(urljoin(hub.url, landing.headers["location"]), follow_redirects=True)
    assert page.status_code == 200 and "jupyter-config-data" in page.text
    return str(page.url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    hub = start_hub(Path(tempfile.mkdtemp(prefix="nblaunch-bench-")))
    try:
        with hub.client() as client:
            hub.login(client, USER)
            link = hub.service + "open/stats?n=5&label=bench"
            lab_url = launch(hub, client, link)  # first launch: warms caches, writes the copy
            warm = [timed(lambda: launch(hub, client, link)) for _ in range(rounds)]
            direct = [
                timed(lambda: client.get(lab_url, follow_redirects=True)) for _ in range(rounds)
            ]
            cold, raw = [], []
            for _ in range(rounds):
                stop_server(hub)
                cold.append(timed(lambda: launch(hub, client, link)))
                stop_server(hub)
                raw.append(timed(lambda: raw_spawn(hub)))
    finally:
        hub.stop()
    report(warm, direct, cold, raw)


def report(warm: list[float], direct: list[float], cold: list[float], raw: list[float]) -> None:
    med = statistics.median
    print(f"warm launch (link -> Lab page)        median {med(warm) * 1000:8.1f} ms")
    print(f"direct Lab page request               median {med(direct) * 1000:8.1f} ms")
    print(f"cold launch (link -> Lab page)        median {med(cold) * 1000:8.1f} ms")
    print(f"raw Hub API spawn to ready            median {med(raw) * 1000:8.1f} ms")
    print(f"ratio warm / direct: {med(warm) / med(direct):.2f}")
    print(f"ratio cold / raw:    {med(cold) / med(raw):.2f}")


if __name__ == "__main__":
    main()
