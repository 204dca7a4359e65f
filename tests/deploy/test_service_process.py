"""The nblaunch service, started as the Hub in the hub pod starts it, answers the proxy.

The Hub gives a managed service its ``url`` (``http://hub:8181``: the hub pod's Service, no
interface of the pod) as JUPYTERHUB_SERVICE_URL, where the service would listen; the command the
configuration carries must make it listen on every interface instead. ``hub`` does not even
resolve here, which makes the point: a service that tried to listen there would not start.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from . import chart


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def started(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = free_port()
    report = chart.load_hub({"custom": {"nblaunch": {"servicePort": port}}})
    (service,) = [s for s in report["services"] if s["name"] == "nblaunch"]
    env = {
        **os.environ,
        **service["environment"],
        # What the Hub adds for a managed service (jupyterhub/services/service.py).
        "JUPYTERHUB_SERVICE_NAME": service["name"],
        "JUPYTERHUB_SERVICE_URL": service["url"],
        "JUPYTERHUB_SERVICE_PREFIX": "/services/nblaunch/",
        "JUPYTERHUB_API_TOKEN": service["api_token"],
        "NBLAUNCH_TEMPLATES_DIR": str(tmp_path),  # the hub image's catalog is not here
        # The chart's PostgreSQL host does not resolve here; the leases need a database.
        "NBLAUNCH_LOCK_URL": f"sqlite:///{tmp_path / 'jupyterhub.sqlite'}",
    }
    process = subprocess.Popen(
        service["command"], cwd=tmp_path, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        yield process, port
    finally:
        process.kill()
        process.wait(10)


def test_the_service_listens_where_the_proxy_connects(
    started: tuple[subprocess.Popen[bytes], int],
) -> None:
    process, port = started
    url = f"http://127.0.0.1:{port}/services/nblaunch/api/openapi.json"
    deadline = time.monotonic() + 60
    status = None
    while status != 200 and process.poll() is None and time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            status = httpx.get(url, timeout=1).status_code
        time.sleep(0.1)
    output = b"" if process.poll() is None else process.stdout.read()  # type: ignore[union-attr]
    assert status == 200, output.decode(errors="replace")[-3000:]
