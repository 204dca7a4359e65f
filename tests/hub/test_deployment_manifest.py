"""deploy/z2jh/nblaunch-deployment.yaml agrees with what ``configure(c, external=True)`` records.

The external alternative written as comments in deploy/z2jh/values.yaml is applied as its
comment says (its two lines uncommented, the managed ``service_url`` dropped) and loaded with
the chart's own ``jupyterhub_config.py`` (``tests/deploy/chart.py``, no cluster). The service
it registers must be external, and each replica of the example Deployment must get exactly the
environment ``configure()`` recorded for replicas, plus the token from the chart's Secret.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "deploy" / "z2jh" / "nblaunch-deployment.yaml"
MANAGED_URL = "service_url=f\"http://{get_name('hub')}"
ALTERNATIVE = ("# external=True,", '# service_url="http://nblaunch:8181",')


def _chart() -> Any:
    """``tests/deploy/chart.py`` (the chart's files, Helm's merge, a stand-in hub pod)."""
    name = "nblaunch_tests_deploy_chart"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "tests/deploy/chart.py")
        assert spec and spec.loader
        sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[name])
    return sys.modules[name]


def external_extra_config(code: str) -> str:
    """values.yaml's ``hub.extraConfig.nblaunch`` with its replicas alternative switched on."""
    lines = []
    for line in code.splitlines():
        stripped = line.strip()
        if stripped.startswith(MANAGED_URL):
            continue
        if stripped.startswith(ALTERNATIVE):
            line = line.replace("# ", "", 1)
        lines.append(line)
    assert len(lines) == len(code.splitlines()) - 1, "values.yaml: the managed service_url moved"
    return "\n".join(lines)


@pytest.fixture(scope="module")
def service() -> dict[str, Any]:
    chart = _chart()
    code = chart.values()["hub"]["extraConfig"]["nblaunch"]
    assert all(a in code for a in ALTERNATIVE), "values.yaml lost its replicas alternative"
    report = chart.load_hub({"hub": {"extraConfig": {"nblaunch": external_extra_config(code)}}})
    (found,) = [s for s in report["services"] if s["name"] == "nblaunch"]
    return dict(found)


def manifest() -> dict[str, dict[str, Any]]:
    documents = list(yaml.safe_load_all(MANIFEST.read_text(encoding="utf-8")))
    return {d["kind"]: d for d in documents}


def container_env(deployment: dict[str, Any]) -> dict[str, str]:
    """The container's environment: values, and ``secret:<name>/<key>`` for Secret references."""
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    env = {}
    for item in container["env"]:
        ref = item.get("valueFrom", {}).get("secretKeyRef")
        env[item["name"]] = f"secret:{ref['name']}/{ref['key']}" if ref else item["value"]
    return env


def test_the_alternative_makes_the_service_external(service: dict[str, Any]) -> None:
    assert "command" not in service
    assert service["url"] == "http://nblaunch:8181"
    assert service["api_token"] == _chart().SECRETS["hub.services.nblaunch.apiToken"]


def test_each_replica_gets_the_recorded_environment_and_the_token(service: dict[str, Any]) -> None:
    env = container_env(manifest()["Deployment"])
    recorded = dict(service["environment"])
    # The values' closing loop rewrites this entry for a service in the hub pod; a replica in
    # its own pod reaches the Hub as configure() derives it from the chart's hub_connect_url.
    assert recorded.pop("JUPYTERHUB_API_URL") == "http://127.0.0.1:8081/hub/api"
    assert env.pop("JUPYTERHUB_API_URL") == "http://hub:8081/hub/api"
    assert env.pop("JUPYTERHUB_API_TOKEN") == "secret:hub/hub.services.nblaunch.apiToken"
    # The database password, from the Secret the Hub's own comes from (values' hub.extraEnv).
    pgpassword = _chart().values()["hub"]["extraEnv"]["PGPASSWORD"]["valueFrom"]["secretKeyRef"]
    assert env.pop("PGPASSWORD") == f"secret:{pgpassword['name']}/{pgpassword['key']}"
    assert env == recorded


def test_the_service_and_the_pods_agree_on_the_port() -> None:
    kinds = manifest()
    deployment, service = kinds["Deployment"], kinds["Service"]
    assert deployment["spec"]["replicas"] == 2
    (port,) = service["spec"]["ports"]
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert [p["containerPort"] for p in container["ports"]] == [port["port"]] == [8181]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    # The chart's network policies admit these labels to the Hub's API and to the proxy.
    assert labels["hub.jupyter.org/network-access-hub"] == "true"
    assert labels["hub.jupyter.org/network-access-proxy-http"] == "true"
    probe = container["readinessProbe"]["httpGet"]
    assert probe["path"] == "/services/nblaunch/api/openapi.json"
