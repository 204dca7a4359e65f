"""configure(): the service, its least-privilege role, tickets, framing, spawner settings."""

from __future__ import annotations

import ast
import json
import sys
from typing import Any

import pytest
from traitlets.config import Config

from nblaunch.cookies import CROSS_SITE
from nblaunch.hub import SERVICE_SCOPES, configure
from nblaunch.hub.auth import TicketAuthenticator
from nblaunch.hub.config import service_scopes
from nblaunch.hub.spawner import FastLocalSpawner
from nblaunch.server.extension import NBLaunchExtension

# Everything the service may do. Adding a scope must be a deliberate change to this test.
EXPECTED_SCOPES = {"read:servers", "start:servers", "access:servers"}
FORBIDDEN = {"admin", "admin:users", "admin:servers", "tokens", "users", "servers", "admin-ui"}


def roles(c: Config) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in c.JupyterHub.load_roles}


def test_service_role_has_exactly_the_scopes_it_needs() -> None:
    c = Config()
    configure(c)
    role = roles(c)["nblaunch-service"]
    assert set(SERVICE_SCOPES) == EXPECTED_SCOPES  # the JupyterHub 6 pin
    assert set(role["scopes"]) == set(service_scopes())
    # JupyterHub 5 has no start:servers: starting needs "servers" there, and nothing more.
    assert not set(role["scopes"]) & (FORBIDDEN - set(service_scopes()))
    assert role["services"] == ["nblaunch"]
    service = c.JupyterHub.services[0]
    assert service["name"] == "nblaunch"
    assert service["command"] == [sys.executable, "-m", "nblaunch.hub.service"]
    assert service["oauth_no_confirm"] is True
    assert "admin" not in service


def test_users_may_reach_the_service_and_keep_their_own_scopes() -> None:
    c = Config()
    c.JupyterHub.load_roles = [{"name": "user", "scopes": ["self", "read:groups"]}]
    configure(c)
    scopes = roles(c)["user"]["scopes"]
    assert scopes == ["self", "read:groups", "access:services!service=nblaunch"]


def test_host_token_gets_only_the_service_and_the_contents_scope() -> None:
    c = Config()
    configure(c, host_api_token="t" * 32)
    assert roles(c)["nblaunch-host"]["scopes"] == [
        "access:services!service=nblaunch",
        "custom:nblaunch:contents",
    ]
    assert "custom:nblaunch:contents" in c.JupyterHub.custom_scopes
    assert {"name": "nblaunch-host", "api_token": "t" * 32} in c.JupyterHub.services


def test_no_host_role_without_a_host_token() -> None:
    c = Config()
    configure(c)
    assert "nblaunch-host" not in roles(c)


def test_frame_ancestors_exactly_the_origins_everywhere() -> None:
    c = Config()
    origins = ["http://127.0.0.1:8090", "https://app.example.org"]
    configure(c, embed_origins=origins, allow_root=True)
    policy = "frame-ancestors http://127.0.0.1:8090 https://app.example.org"
    assert c.JupyterHub.tornado_settings["headers"]["Content-Security-Policy"] == policy
    assert c.JupyterHub.tornado_settings["slow_spawn_timeout"] == 0
    assert c.JupyterHub.services[0]["environment"]["NBLAUNCH_EMBED_ORIGINS"] == ",".join(origins)
    args = dict(a.split("=", 1) for a in c.Spawner.args)
    # A Python literal (the server reads it with literal_eval); JSON `true` would break it.
    settings = ast.literal_eval(args["--ServerApp.tornado_settings"])
    assert settings["headers"]["Content-Security-Policy"] == policy
    # What the single-user server's extension really reads from those arguments.
    flags = [a for a in c.Spawner.args if a.startswith("--LaunchConfig.")]
    extension = NBLaunchExtension()
    extension.parse_command_line(flags)
    assert extension.launch_config.embed_origins == origins
    assert args["--ServerApp.allow_root"] == "True"
    assert c.Spawner.disable_user_config is True


@pytest.mark.parametrize("origin", ["*", "'self'", "https://*.example.org", "http://a.b/path"])
def test_wildcards_and_self_are_refused(origin: str) -> None:
    with pytest.raises(ValueError):
        configure(Config(), embed_origins=[origin])


def test_without_origins_nothing_may_frame_the_servers() -> None:
    c = Config()
    configure(c, allow_root=False)
    assert "headers" not in c.JupyterHub.tornado_settings
    assert c.Spawner.args == [
        "--ServerApp.tornado_settings={'headers': {'Content-Security-Policy': "
        "\"frame-ancestors 'none'\"}}"
    ]


def test_cross_site_cookies_only_over_https() -> None:
    with pytest.raises(ValueError):
        configure(Config(), cross_site_cookies=True)
    c = Config()
    c.JupyterHub.bind_url = "https://hub.example.org/"
    configure(c, cross_site_cookies=True, embed_origins=["https://app.example.com"])
    cross_site = {"samesite": "None", "secure": True, "partitioned": True}
    assert cross_site == CROSS_SITE
    # The Hub's own cookies, and through it every server's OAuth cookie (cookie_options).
    assert c.JupyterHub.tornado_settings["cookie_options"] == cross_site
    # The servers' xsrf cookie, which cookie_options does not reach, and Partitioned there.
    settings = next(a for a in c.Spawner.args if a.startswith("--ServerApp.tornado_settings="))
    assert ast.literal_eval(settings.split("=", 1)[1])["xsrf_cookie_kwargs"] == cross_site
    assert "--NBLaunchExtension.partitioned_cookies=True" in c.Spawner.args
    # The service's OAuth and xsrf cookies.
    env = c.JupyterHub.services[0]["environment"]
    assert json.loads(env["JUPYTERHUB_COOKIE_OPTIONS"]) == cross_site


def test_same_site_deployments_keep_the_default_cookies() -> None:
    c = Config()
    configure(c, embed_origins=["http://127.0.0.1:9000"])
    assert "cookie_options" not in c.JupyterHub.tornado_settings
    assert not [a for a in c.Spawner.args if "cookie" in a]
    assert "JUPYTERHUB_COOKIE_OPTIONS" not in c.JupyterHub.services[0]["environment"]


def test_tickets_and_spawner() -> None:
    c = Config()
    configure(c, ticket_secret="k" * 32, host_url="https://app/", passwords={"a": "b"})
    assert c.JupyterHub.authenticator_class is TicketAuthenticator
    assert c.TicketAuthenticator.ticket_secret == "k" * 32
    assert c.JupyterHub.spawner_class is FastLocalSpawner
    # The secret stays with the Hub: the service's environment never sees it.
    assert "k" * 32 not in repr(c.JupyterHub.services)


def test_a_deployers_spawner_and_authenticator_are_kept() -> None:
    c = Config()
    c.JupyterHub.spawner_class = "docker"
    c.JupyterHub.authenticator_class = "github"
    configure(c)
    assert c.JupyterHub.spawner_class == "docker"
    assert c.JupyterHub.authenticator_class == "github"


def test_proxy_url_follows_bind_url() -> None:
    c = Config()
    c.JupyterHub.bind_url = "http://127.0.0.1:8123/jhub/"
    configure(c, templates_dir="/srv/t", default_ui="doc")
    env = c.JupyterHub.services[0]["environment"]
    assert env["NBLAUNCH_PROXY_URL"] == "http://127.0.0.1:8123"
    assert env["NBLAUNCH_TEMPLATES_DIR"] == "/srv/t"
    assert env["NBLAUNCH_DEFAULT_UI"] == "doc"


def test_the_servers_get_the_services_autorun_policy() -> None:
    # Servers check each grant against their own policy when the plugin redeems it.
    c = Config()
    configure(c, autorun="always", allow_root=True)
    assert "--LaunchConfig.autorun=always" in c.Spawner.args
    extension = NBLaunchExtension()
    extension.parse_command_line([a for a in c.Spawner.args if a.startswith("--LaunchConfig.")])
    assert extension.launch_config.autorun == "always"


def test_external_service_for_replicas() -> None:
    # The Hub starts nothing: it routes to the replicas' load balancer and knows the token.
    from jupyterhub.services.service import Service

    c = Config()
    c.JupyterHub.bind_url = "https://hub.example.org/jhub/"
    c.JupyterHub.hub_connect_url = "http://hub:8081"
    c.JupyterHub.db_url = "postgresql+psycopg2://jupyterhub@db:5432/jupyterhub"
    token = "t" * 32
    configure(c, external=True, service_url="http://nblaunch:8181", service_api_token=token)
    (service,) = [s for s in c.JupyterHub.services if s["name"] == "nblaunch"]
    assert "command" not in service
    assert (service["url"], service["api_token"]) == ("http://nblaunch:8181", token)
    # Every key is a service field the Hub accepts (it raises on any other).
    assert set(service) <= set(Service.class_traits(input=True))
    env = service["environment"]
    assert token not in repr(env)  # the token reaches replicas from a Secret, not from here
    assert env["JUPYTERHUB_SERVICE_PREFIX"] == "/jhub/services/nblaunch/"
    assert env["JUPYTERHUB_OAUTH_CALLBACK_URL"] == "/jhub/services/nblaunch/oauth_callback"
    assert env["JUPYTERHUB_CLIENT_ID"] == "service-nblaunch"
    assert env["JUPYTERHUB_API_URL"] == "http://hub:8081/jhub/hub/api"
    assert env["JUPYTERHUB_SERVICE_URL"] == "http://0.0.0.0:8181"
    assert env["NBLAUNCH_LOCK_URL"] == c.JupyterHub.db_url
    # The role and the users' access are the same as for the managed service.
    assert roles(c)["nblaunch-service"]["services"] == ["nblaunch"]


@pytest.mark.parametrize("missing", ["service_url", "service_api_token"])
def test_an_external_service_needs_its_url_and_token(missing: str) -> None:
    settings: dict[str, Any] = {
        "service_url": "http://nblaunch:8181",
        "service_api_token": "t" * 32,
    }
    del settings[missing]
    with pytest.raises(ValueError, match=missing):
        configure(Config(), external=True, **settings)


def test_the_managed_service_is_unchanged_by_the_external_option() -> None:
    managed, default = Config(), Config()
    configure(managed, external=False, service_url="http://hub:8181")
    configure(default, service_url="http://hub:8181")
    assert managed.JupyterHub.services == default.JupyterHub.services
    (service,) = managed.JupyterHub.services
    assert service["command"][-1] == "--NBLaunchService.service_url=http://0.0.0.0:8181"
    assert not any(k.startswith("JUPYTERHUB_") for k in service["environment"])
