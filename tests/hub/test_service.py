"""NBLaunchService's traits: environment defaults, validation, --help-all, the routes it serves."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from traitlets import TraitError
from traitlets.config import Config

from nblaunch.hub.service import NBLaunchService

from .conftest import free_port


@pytest.fixture
def service_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUPYTERHUB_SERVICE_URL", "http://127.0.0.1:10555")
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/jhub/services/nblaunch")
    monkeypatch.setenv("NBLAUNCH_EMBED_ORIGINS", "http://127.0.0.1:8090, https://App.example.org")
    monkeypatch.setenv("NBLAUNCH_DEFAULT_UI", "doc")
    monkeypatch.setenv("NBLAUNCH_PROXY_URL", "http://127.0.0.1:8123")


def test_environment_defaults(service_env: None) -> None:
    app = NBLaunchService()
    assert app.service_url == "http://127.0.0.1:10555"
    assert app.service_prefix == "/jhub/services/nblaunch/"
    launch = app.launch_config  # the LaunchConfig both doors share
    assert launch.embed_origins == ["http://127.0.0.1:8090", "https://app.example.org"]
    assert launch.default_ui == "doc"
    assert app.proxy_url == "http://127.0.0.1:8123"
    assert launch.autorun == "trusted"
    assert app.templates_dir.endswith("nblaunch/templates")


def test_wildcard_origin_refused() -> None:
    with pytest.raises((TraitError, ValueError)):
        _ = NBLaunchService(config=Config({"LaunchConfig": {"embed_origins": ["*"]}})).launch_config


def test_routes_and_framing(service_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "secret-service-token")
    app = NBLaunchService().make_app()
    patterns = [rule.matcher.regex.pattern for rule in app.wildcard_router.rules]
    prefix = "/jhub/services/nblaunch/"
    for path in ("open/", "api/templates", "api/openapi", "api/progress", "static/", "oauth"):
        assert any(path in p for p in patterns), path
    assert all(p.startswith(prefix.replace("/", "\\/")) or p.startswith(prefix) for p in patterns)


def test_help_all_documents_every_trait() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "nblaunch.hub.service", "--help-all"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for trait in ("templates_dir", "proxy_url"):
        assert f"--NBLaunchService.{trait}" in out
    for trait in ("embed_origins", "autorun", "max_value_bytes", "output_dir", "grant_ttl"):
        assert f"--LaunchConfig.{trait}" in out
    assert "NBLAUNCH_TEMPLATES_DIR" in out


def test_sigint_stops_the_service_even_when_its_parent_ignored_it(tmp_path: Path) -> None:
    # The Hub stops its services with SIGINT; a Hub run as a background job ignores SIGINT,
    # and every process it starts would inherit that.
    port = free_port()
    env = {
        **os.environ,
        "JUPYTERHUB_SERVICE_URL": f"http://127.0.0.1:{port}",
        "JUPYTERHUB_SERVICE_PREFIX": "/services/nblaunch/",
        "JUPYTERHUB_API_TOKEN": "t" * 32,
    }

    def ignore_sigint() -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    service = subprocess.Popen(
        [sys.executable, "-m", "nblaunch.hub.service"],
        cwd=tmp_path, env=env, preexec_fn=ignore_sigint,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}/services/nblaunch/api/openapi.json"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url, timeout=1).status_code == 200:
                    break
            time.sleep(0.1)
        service.send_signal(signal.SIGINT)
        assert service.wait(10) == 0
    finally:
        service.kill()
        service.wait()
    assert b"nblaunch service stopped" in (service.stdout.read() if service.stdout else b"")
