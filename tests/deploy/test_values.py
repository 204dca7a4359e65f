"""deploy/z2jh/values.yaml against the chart's schema, and the rules it keeps (no inline secret)."""

from __future__ import annotations

import functools
from typing import Any

import jsonschema
import pytest

from . import chart


@functools.cache
def validator() -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(chart.read_yaml(chart.CHART / "values.schema.yaml"))


def schema_errors(values: dict[str, Any]) -> list[str]:
    # The chart's CI validates with the schema it ships (YAML of a draft-07 JSON schema); Helm
    # validates the merged values, so the chart's required top-level keys come from its defaults.
    errors = validator().iter_errors(values)
    return [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in errors]


def test_values_validate_against_the_chart_schema() -> None:
    assert schema_errors(chart.values()) == []


def test_the_chart_defaults_validate_too() -> None:
    # If this fails, the vendored chart files do not belong together.
    assert schema_errors(chart.read_yaml(chart.CHART / "values.yaml")) == []


@pytest.mark.parametrize(
    ("mistake", "where"),
    [
        ({"hub": {"db": {"type": "postgresql"}}}, "hub.db.type"),  # the chart says postgres
        ({"hub": {"networkPolicy": {"ingres": []}}}, "hub.networkPolicy"),
        ({"singleuser": {"image": {"tag": 1}}}, "singleuser.image.tag"),
        ({"cull": {"timeout": "1h"}}, "cull.timeout"),
    ],
)
def test_the_schema_check_catches_mistakes(mistake: dict[str, Any], where: str) -> None:
    assert [e for e in schema_errors(chart.values(mistake)) if e.startswith(where)]


def test_every_hub_secret_comes_from_a_kubernetes_secret() -> None:
    mine = chart.read_yaml(chart.VALUES)
    hub = mine["hub"]
    for name, spec in hub["extraEnv"].items():
        assert set(spec) == {"valueFrom"}, f"{name} is written inline"
        assert set(spec["valueFrom"]) == {"secretKeyRef"}, name
    assert "password" not in hub["db"]
    assert "apiToken" not in hub["services"]["nblaunch"]  # the chart generates it
    assert not {"cookie_secret", "proxy_auth_token"} & set(hub["config"]["JupyterHub"])


def test_the_service_port_is_the_same_everywhere() -> None:
    merged = chart.values()
    port = merged["custom"]["nblaunch"]["servicePort"]
    (extra,) = merged["hub"]["service"]["extraPorts"]
    assert extra["port"] == extra["targetPort"] == port
    (ingress,) = merged["hub"]["networkPolicy"]["ingress"]
    (egress,) = merged["proxy"]["chp"]["networkPolicy"]["egress"]
    assert ingress["ports"] == egress["ports"] == [{"port": port}]


def test_the_single_user_servers_keep_the_command_that_carries_the_arguments() -> None:
    # KubeSpawner drops Spawner.args (configure()'s CSP and origins) when cmd is empty.
    assert chart.values()["singleuser"]["cmd"] == "jupyterhub-singleuser"


def test_the_vendored_chart_is_the_one_in_shared() -> None:
    # deploy/z2jh/chart/ is a copy of ../shared/z2jh/ (the chart files the project was given);
    # when that folder has a newer chart, this says the copy is stale.
    shared = chart.ROOT.parent / "shared" / "z2jh"
    if not shared.is_dir():
        pytest.skip("no ../shared/z2jh beside this checkout")
    for path in [p for p in shared.rglob("*") if p.is_file() and p.name != "README.md"]:
        ours = chart.CHART / path.relative_to(shared)
        assert ours.read_bytes() == path.read_bytes(), path.name
