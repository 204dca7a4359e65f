"""What the chart's own jupyterhub_config.py makes of deploy/z2jh/values.yaml, and the user pod.

Everything here is what the hub pod would run with: the chart's config file loaded on the merged
values (``chart.load_hub``), then KubeSpawner's own ``get_pod_manifest()`` for a user.
"""

from __future__ import annotations

import ast
from typing import Any

import pytest

from nblaunch.hub.config import SERVICE_SCOPES, SERVICE_SCOPES_HUB5, service_scopes

from . import chart

ORIGIN = "https://app.example.org"
CSP = f"frame-ancestors {ORIGIN}"
#: Scopes no role of this deployment may hold: superuser-like, impersonation, or sharing (the
#: chart's JupyterHub 5.5.0 predates 5.5.1's sharing fix: docs/deploy.md).
FORBIDDEN = {"admin:users", "admin:servers", "tokens", "admin:auth_state", "shares"}


def roles(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {role["name"]: role for role in report["load_roles"]}


def test_the_chart_loads_the_values_and_runs_our_extra_config(hub_report: dict[str, Any]) -> None:
    assert "Loading extra config: nblaunch" in hub_report["log"]
    assert hub_report["spawner_class"] == "kubespawner.KubeSpawner"
    assert hub_report["db_url"] == chart.values()["hub"]["db"]["url"]


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        # The proxy pod reaches the service through the hub pod's Service ...
        ("url", "http://hub:8181"),
        # ... and the chart's generated token keeps the service's cookies valid across restarts.
        ("api_token", chart.SECRETS["hub.services.nblaunch.apiToken"]),
        ("oauth_no_confirm", True),
    ],
)
def test_the_service_entry(nblaunch_service: dict[str, Any], field: str, expected: Any) -> None:
    assert nblaunch_service[field] == expected


def test_the_service_listens_on_the_pods_interfaces(nblaunch_service: dict[str, Any]) -> None:
    assert nblaunch_service["command"][1:] == [
        "-m",
        "nblaunch.hub.service",
        "--NBLaunchService.service_url=http://0.0.0.0:8181",
    ]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # Users' servers through the proxy's in-cluster Service (PROXY_PUBLIC_SERVICE_PORT).
        ("NBLAUNCH_PROXY_URL", "http://proxy-public:80"),
        # The Hub's API inside the pod, as the chart's idle culler reaches it.
        ("JUPYTERHUB_API_URL", "http://127.0.0.1:8081/hub/api"),
        ("NBLAUNCH_EMBED_ORIGINS", ORIGIN),
        ("NBLAUNCH_TEMPLATES_DIR", "/srv/nblaunch/templates"),
    ],
)
def test_the_service_environment(
    nblaunch_service: dict[str, Any], name: str, expected: str
) -> None:
    assert nblaunch_service["environment"][name] == expected


def test_the_service_role_is_least_privilege(hub_report: dict[str, Any]) -> None:
    role = roles(hub_report)["nblaunch-service"]
    assert role["services"] == ["nblaunch"]
    # start:servers on JupyterHub 6; the chart's 5.5 knows only the broader "servers".
    assert tuple(role["scopes"]) == service_scopes()
    assert service_scopes() in (SERVICE_SCOPES, SERVICE_SCOPES_HUB5)


def test_no_role_holds_a_forbidden_scope(hub_report: dict[str, Any]) -> None:
    for role in hub_report["load_roles"]:
        held = {scope.split("!")[0] for scope in role["scopes"]}
        assert not held & FORBIDDEN, role["name"]


def test_users_reach_the_service_and_the_culler_keeps_its_role(hub_report: dict[str, Any]) -> None:
    found = roles(hub_report)
    assert "access:services!service=nblaunch" in found["user"]["scopes"]
    assert found["jupyterhub-idle-culler"]["services"] == ["jupyterhub-idle-culler"]


def test_tickets_and_the_host_token_come_from_the_secret(hub_report: dict[str, Any]) -> None:
    assert hub_report["authenticator_class"] == "nblaunch.hub.auth.TicketAuthenticator"
    assert hub_report["ticket_secret"] == "from-secret-nblaunch-ticket-secret"
    host = [s for s in hub_report["services"] if s["name"] == "nblaunch-host"]
    assert host == [{"name": "nblaunch-host", "api_token": "from-secret-nblaunch-host-token"}]


def test_the_hub_sends_the_framing_policy(hub_report: dict[str, Any]) -> None:
    settings = hub_report["tornado_settings"]
    assert settings["headers"]["Content-Security-Policy"] == CSP
    assert settings["slow_spawn_timeout"] == 0
    assert "cookie_options" not in settings  # same site: the browsers' Lax default works


def test_cross_site_cookies_are_one_value_away() -> None:
    report = chart.load_hub({"custom": {"nblaunch": {"crossSiteCookies": True}}})
    cookies = report["tornado_settings"]["cookie_options"]
    assert (cookies["samesite"], cookies["secure"]) == ("None", True)


def test_the_user_pod_runs_our_image(hub_report: dict[str, Any], user_container: dict) -> None:
    image = chart.values()["singleuser"]["image"]
    assert user_container["image"] == f"{image['name']}:{image['tag']}"
    assert user_container["securityContext"]["runAsUser"] == 1000


def test_the_user_server_starts_with_nblaunch_framing(user_container: dict[str, Any]) -> None:
    command, *args = user_container["args"]
    assert command == "jupyterhub-singleuser"
    (settings,) = [
        a.split("=", 1)[1] for a in args if a.startswith("--ServerApp.tornado_settings=")
    ]
    # The server reads this option with ast.literal_eval: it must stay a Python literal.
    assert ast.literal_eval(settings)["headers"]["Content-Security-Policy"] == CSP
    # The extension (the bridge to the host page) is told the same exact origin.
    assert [a for a in args if a.endswith(f"={ORIGIN}") and "tornado" not in a]
    assert not [a for a in args if "allow_root" in a]  # user pods run as uid 1000


def test_users_cannot_loosen_the_policy(user_container: dict[str, Any]) -> None:
    env = {e["name"]: e.get("value") for e in user_container["env"]}
    assert env["JUPYTERHUB_DISABLE_USER_CONFIG"] == "1"
    assert env["JUPYTERHUB_API_URL"] == "http://hub:8081/hub/api"


def test_without_the_secrets_the_charts_authenticator_stays() -> None:
    # docs/deploy.md: no host application, no ticket secret; launch links still work.
    no_host = {"NBLAUNCH_TICKET_SECRET": None, "NBLAUNCH_HOST_TOKEN": None}
    report = chart.load_hub({"hub": {"extraEnv": no_host}})
    assert report["authenticator_class"] == "dummy"  # the chart's default, untouched
    assert [s["name"] for s in report["services"] if s["name"].startswith("nblaunch")] == [
        "nblaunch"
    ]
