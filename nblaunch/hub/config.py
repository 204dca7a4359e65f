"""``configure(c, ...)``: the one call a deployer adds to ``jupyterhub_config.py``.

It registers the managed service ``nblaunch`` with a role holding only what the launch flow
needs (``SERVICE_SCOPES``: read, start and access users' servers; no ``admin``, no
``admin:users``, no ``tokens``), lets every user reach the service, defines the custom scope
that guards the contents API, optionally registers the host application's token, makes the
start request return at once, and sets ``Content-Security-Policy: frame-ancestors`` to exactly
the embedding origins on the Hub, the service and the single-user servers. With
``external=True`` the Hub does not start the service: it routes to ``service_url``, behind which
any number of replicas run (docs/deploy.md, "Running more than one replica of the service").
"""

from __future__ import annotations

import json
import os
import socket
import sys
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlparse

from ..cookies import CROSS_SITE, allow_partitioned
from ..core.errors import OriginError
from ..core.origins import exact_origins

SERVICE_NAME = "nblaunch"
SERVICE_ROLE = "nblaunch-service"
HOST_SERVICE = "nblaunch-host"
CONTENTS_SCOPE = "custom:nblaunch:contents"
#: Everything the service's token may do. A test fails if this grows.
SERVICE_SCOPES = ("read:servers", "start:servers", "access:servers")
#: The same on JupyterHub 5 (the Zero to JupyterHub chart ships 5.5), which has no
#: ``start:servers``: its narrowest scope that starts a server is ``servers``, which also stops.
SERVICE_SCOPES_HUB5 = ("servers", "access:servers")
#: What a user's login to the service may read besides their name: their own servers, so the
#: identity the service caches answers "is the server ready?" without a Hub API call.
IDENTITY_SCOPES = ("read:servers!user",)
HOST_SCOPES = (f"access:services!service={SERVICE_NAME}", CONTENTS_SCOPE)
CSP = "Content-Security-Policy"
#: A service behind a Kubernetes Service listens on every interface of its pod.
ALL_INTERFACES = "0.0.0.0"  # noqa: S104


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def service_scopes() -> tuple[str, ...]:
    """The service role's scopes on the installed JupyterHub (``start:servers`` came in 6)."""
    from jupyterhub.scopes import scope_definitions

    return SERVICE_SCOPES if "start:servers" in scope_definitions else SERVICE_SCOPES_HUB5


def check_origins(origins: Iterable[str]) -> list[str]:
    """Exact origins as browsers report them (``nblaunch.core.origins``); ``ValueError`` if not.

    >>> check_origins(["http://127.0.0.1:8090/", "https://App.example.org:443"])
    ['http://127.0.0.1:8090', 'https://app.example.org']
    """
    try:
        return exact_origins(origins)
    except OriginError as err:
        raise ValueError(f"embed origin: {err.message}") from err


def frame_ancestors(origins: list[str]) -> str:
    """The CSP value that lets exactly ``origins`` frame a page (``'none'`` when empty).

    >>> frame_ancestors([])
    "frame-ancestors 'none'"
    """
    return "frame-ancestors " + (" ".join(origins) if origins else "'none'")


def _get(section: Any, name: str, fallback: Any) -> Any:
    # Config sections are dicts; ``get`` does not create a missing section as [] would.
    return section.get(name, fallback)


def _public_origin(c: Any, proxy_url: str | None) -> str:
    url = proxy_url or _get(c.JupyterHub, "public_url", "") or _get(c.JupyterHub, "bind_url", "")
    parsed = urlparse(url or "http://127.0.0.1:8000")
    return f"{parsed.scheme}://{parsed.netloc}"


def _add_role(c: Any, role: dict[str, Any]) -> None:
    roles = [r for r in _get(c.JupyterHub, "load_roles", []) if r.get("name") != role["name"]]
    c.JupyterHub.load_roles = [*roles, role]


def _user_role(c: Any) -> dict[str, Any]:
    existing = [r for r in _get(c.JupyterHub, "load_roles", []) if r.get("name") == "user"]
    scopes = list(existing[0].get("scopes", ["self"])) if existing else ["self"]
    access = f"access:services!service={SERVICE_NAME}"
    return {
        **(existing[0] if existing else {"name": "user"}),
        "scopes": [*scopes, access] if access not in scopes else scopes,
    }


def _spawner_args(
    c: Any, origins: list[str], allow_root: bool, cross_site: bool = False
) -> list[str]:
    ours = ("--ServerApp.tornado", "--NBLaunchExtension.", "--LaunchConfig.")
    args = [a for a in _get(c.Spawner, "args", []) if not a.startswith(ours)]
    if allow_root:
        args.append("--ServerApp.allow_root=True")
    settings: dict[str, Any] = {"headers": {CSP: frame_ancestors(origins)}}
    if cross_site:
        # The server's OAuth cookie follows the Hub's cookie_options; its xsrf cookie does not.
        settings["xsrf_cookie_kwargs"] = dict(CROSS_SITE)
        args.append("--NBLaunchExtension.partitioned_cookies=True")
    # A Python literal, not JSON: the server reads this option with ast.literal_eval.
    args.append(f"--ServerApp.tornado_settings={settings!r}")
    # traitlets reads a list option from the command line as one flag per item; a list literal
    # would arrive as a single string and fail the extension's origin check.
    args.extend(f"--LaunchConfig.embed_origins={origin}" for origin in origins)
    return args


def configure(
    c: Any,
    *,
    templates_dir: str | os.PathLike[str] | None = None,
    ticket_secret: str | None = None,
    embed_origins: Iterable[str] = (),
    host_api_token: str | None = None,
    host_url: str | None = None,
    passwords: dict[str, str] | None = None,
    proxy_url: str | None = None,
    default_ui: str | None = None,
    autorun: str | None = None,
    output_dir: str | None = None,
    fast_spawner: bool = True,
    allow_root: bool | None = None,
    cross_site_cookies: bool = False,
    service_port: int | None = None,
    service_url: str | None = None,
    service_api_token: str | None = None,
    link_key_file: str | os.PathLike[str] | None = None,
    external: bool = False,
) -> None:
    """Set up the nblaunch service, its least-privilege role, tickets and framing on ``c``.

    Call it after setting ``c.JupyterHub.bind_url``/``public_url`` (the service reaches users'
    servers through that address unless ``proxy_url`` is given). ``service_url`` is how the proxy
    reaches the service when the proxy runs elsewhere (on Kubernetes, ``http://hub:8181``: the
    hub pod's Service); the service then listens on every interface at that URL's port.
    ``link_key_file`` (``nblaunch.core.linkkeys``) lets the service check signed links; the
    users' servers do not get it, since their users run code there and could sign links.

    ``external=True`` registers ``nblaunch`` as an external service (no ``command``: the Hub
    neither starts nor stops it) at ``service_url``, the address of a load balancer in front of
    the service's replicas (on Kubernetes, a Deployment's Service). It needs
    ``service_api_token``, which every replica must hold. The service's ``environment`` entry
    then lists everything a replica needs to start except that token (``JUPYTERHUB_*`` as the
    Hub would give a managed service, and the ``NBLAUNCH_*`` settings); the Hub ignores it.

    >>> from traitlets.config import Config
    >>> c = Config(); configure(c, ticket_secret="k" * 32)
    >>> c.JupyterHub.services[0]["name"], c.JupyterHub.authenticator_class.__name__
    ('nblaunch', 'TicketAuthenticator')
    """
    origins = check_origins(embed_origins)
    env = {
        "NBLAUNCH_PROXY_URL": _public_origin(c, proxy_url),
        "NBLAUNCH_EMBED_ORIGINS": ",".join(origins),
        "NBLAUNCH_TEMPLATES_DIR": templates_dir,
        "NBLAUNCH_DEFAULT_UI": default_ui,
        "NBLAUNCH_AUTORUN": autorun,
        "NBLAUNCH_OUTPUT_DIR": output_dir,
        "NBLAUNCH_LINK_KEY_FILE": link_key_file and os.path.abspath(link_key_file),
        # The contents API's save leases live in the Hub's database, shared by every replica.
        "NBLAUNCH_LOCK_URL": _lock_url(c),
        # The service's own cookies (OAuth, xsrf) must reach a cross-site frame too.
        "JUPYTERHUB_COOKIE_OPTIONS": json.dumps(CROSS_SITE) if cross_site_cookies else None,
    }
    if external and not (service_url and service_api_token):
        raise ValueError(
            "external=True needs service_url (where the proxy reaches the replicas) and "
            "service_api_token (the token every replica holds)."
        )
    url = service_url or f"http://127.0.0.1:{service_port or _free_port()}"
    if external:
        service = _external_service(c, env, url, str(service_api_token))
    else:
        service = _service(env, url, service_api_token)
    services = [s for s in _get(c.JupyterHub, "services", []) if s.get("name") != SERVICE_NAME]
    services.append(service)
    _add_role(
        c, {"name": SERVICE_ROLE, "scopes": list(service_scopes()), "services": [SERVICE_NAME]}
    )
    _add_role(c, _user_role(c))
    scopes = dict(_get(c.JupyterHub, "custom_scopes", {}))
    scopes[CONTENTS_SCOPE] = {
        "description": "Read and write notebooks in users' servers through the nblaunch service."
    }
    c.JupyterHub.custom_scopes = scopes
    if host_api_token:
        services = _register_host(c, services, host_api_token)
    c.JupyterHub.services = services
    _configure_hub(c, origins, cross_site_cookies)
    _configure_spawner(c, origins, fast_spawner, allow_root, cross_site_cookies)
    # "Copy launch link" in the users' servers writes links to this service.
    environment = dict(_get(c.Spawner, "environment", {}))
    c.Spawner.environment = {**environment, "NBLAUNCH_HUB_SERVICE_URL": _service_url(c)}
    if autorun:
        # The servers check each grant against their own policy when it is redeemed: give
        # them the service's, or a grant issued under ``always`` would be refused there.
        c.Spawner.args = [*c.Spawner.args, f"--LaunchConfig.autorun={autorun}"]
    if ticket_secret is not None:
        _configure_tickets(c, ticket_secret, host_url, passwords)


def _base_url(c: Any) -> str:
    """The Hub's base URL, as JupyterHub derives it (from ``bind_url``'s path, else ``base_url``).

    >>> from traitlets.config import Config
    >>> c = Config(); c.JupyterHub.base_url = "jhub"; _base_url(c)
    '/jhub/'
    """
    url = _get(c.JupyterHub, "public_url", "") or _get(c.JupyterHub, "bind_url", "")
    path = urlparse(url).path if url else ""
    path = path if path not in ("", "/") else _get(c.JupyterHub, "base_url", "/")
    return "/" + "".join(f"{part}/" for part in str(path).split("/") if part)


def _service_url(c: Any) -> str:
    """The service's public URL, for links people follow.

    >>> from traitlets.config import Config
    >>> c = Config(); c.JupyterHub.bind_url = "https://hub.example.org/jhub/"; _service_url(c)
    'https://hub.example.org/jhub/services/nblaunch/'
    """
    url = _get(c.JupyterHub, "public_url", "") or _get(c.JupyterHub, "bind_url", "")
    parsed = urlparse(url or "http://127.0.0.1:8000")
    return f"{parsed.scheme}://{parsed.netloc}{_base_url(c)}services/{SERVICE_NAME}/"


def _hub_api_url(c: Any) -> str:
    """The Hub's API as another process reaches it: ``hub_connect_url``, else where it listens.

    >>> from traitlets.config import Config
    >>> c = Config(); c.JupyterHub.hub_connect_url = "http://hub:8081"; _hub_api_url(c)
    'http://hub:8081/hub/api'
    """
    hub = c.JupyterHub
    url = _get(hub, "hub_connect_url", "") or _get(hub, "hub_bind_url", "")
    if url:
        parsed = urlparse(url)
        host = parsed.hostname if parsed.hostname not in (None, "", ALL_INTERFACES) else "127.0.0.1"
        origin = f"{parsed.scheme}://{host}" + (f":{parsed.port}" if parsed.port else "")
    else:
        ip = _get(hub, "hub_connect_ip", "") or _get(hub, "hub_ip", "") or "127.0.0.1"
        port = _get(hub, "hub_connect_port", 0) or _get(hub, "hub_port", 8081)
        origin = f"http://{'127.0.0.1' if ip == ALL_INTERFACES else ip}:{port}"
    return f"{origin}{_base_url(c)}hub/api"


def _lock_url(c: Any) -> str | None:
    """The Hub's database as an absolute URL (the service may run in another directory).

    >>> from traitlets.config import Config
    >>> c = Config(); c.JupyterHub.db_url = "postgresql://hub@db/jupyterhub"; _lock_url(c)
    'postgresql://hub@db/jupyterhub'
    """
    url = str(_get(c.JupyterHub, "db_url", "") or "sqlite:///jupyterhub.sqlite")
    prefix = "sqlite:///"
    if url in ("sqlite://", "sqlite:///:memory:"):
        return None  # the Hub's own in-memory database cannot be shared
    if url.startswith(prefix) and not url.startswith(prefix + "/"):
        return prefix + os.path.abspath(url[len(prefix) :])
    return url


def _listen_url(url: str) -> str:
    """Where the service listens when the proxy reaches it at ``url``.

    A Kubernetes Service's name or address is no interface of the pod: listen on all of them.

    >>> _listen_url("http://hub:8181"), _listen_url("http://127.0.0.1:10101")
    ('http://0.0.0.0:8181', 'http://127.0.0.1:10101')
    """
    parsed = urlparse(url)
    if parsed.hostname in ("127.0.0.1", "localhost"):
        return url
    return f"http://{ALL_INTERFACES}:{parsed.port or 80}"


def _service(env: dict[str, Any], url: str, token: str | None) -> dict[str, Any]:
    command = [sys.executable, "-m", "nblaunch.hub.service"]
    if _listen_url(url) != url:
        # The Hub hands ``url`` to the service as the address to listen on.
        command.append(f"--NBLaunchService.service_url={_listen_url(url)}")
    service: dict[str, Any] = {
        "name": SERVICE_NAME,
        "url": url,
        "command": command,
        "environment": {k: os.fspath(v) for k, v in env.items() if v is not None},
        "oauth_no_confirm": True,
        "oauth_client_allowed_scopes": list(IDENTITY_SCOPES),
        "display": True,
    }
    if token:
        # Otherwise the Hub makes one and hands it to the service's process in its environment.
        service["api_token"] = token
    return service


def _external_service(c: Any, env: dict[str, Any], url: str, token: str) -> dict[str, Any]:
    """An external service at ``url``: the Hub routes to it and knows its token and OAuth
    client, and starts nothing. ``environment`` is what each replica must be started with
    (besides ``JUPYTERHUB_API_TOKEN``): what the Hub would give a managed service."""
    prefix = f"{_base_url(c)}services/{SERVICE_NAME}/"
    hub_env = {
        "JUPYTERHUB_SERVICE_NAME": SERVICE_NAME,
        # The Hub's defaults for a service with a url: client id and redirect URI.
        "JUPYTERHUB_CLIENT_ID": f"service-{SERVICE_NAME}",
        "JUPYTERHUB_OAUTH_CALLBACK_URL": f"{prefix}oauth_callback",
        "JUPYTERHUB_OAUTH_ACCESS_SCOPES": json.dumps(
            ["access:services", f"access:services!service={SERVICE_NAME}"]
        ),
        "JUPYTERHUB_SERVICE_PREFIX": prefix,
        "JUPYTERHUB_SERVICE_URL": _listen_url(url),
        "JUPYTERHUB_API_URL": _hub_api_url(c),
        "JUPYTERHUB_BASE_URL": _base_url(c),
        "JUPYTERHUB_PUBLIC_URL": _service_url(c),
    }
    environment = {k: os.fspath(v) for k, v in env.items() if v is not None}
    return {
        "name": SERVICE_NAME,
        "url": url,
        "api_token": token,
        "environment": {**environment, **hub_env},
        "oauth_no_confirm": True,
        "oauth_client_allowed_scopes": list(IDENTITY_SCOPES),
        "display": True,
    }


def _register_host(c: Any, services: list[dict[str, Any]], token: str) -> list[dict[str, Any]]:
    # The host application's token may reach the service and its contents API, nothing else.
    services = [s for s in services if s.get("name") != HOST_SERVICE]
    services.append({"name": HOST_SERVICE, "api_token": token})
    _add_role(c, {"name": HOST_SERVICE, "scopes": list(HOST_SCOPES), "services": [HOST_SERVICE]})
    return services


def _configure_hub(c: Any, origins: list[str], cross_site_cookies: bool) -> None:
    settings = dict(_get(c.JupyterHub, "tornado_settings", {}))
    # The start request returns 202 at once; the progress stream carries the rest.
    settings["slow_spawn_timeout"] = 0
    if origins:
        settings["headers"] = {**settings.get("headers", {}), CSP: frame_ancestors(origins)}
    if cross_site_cookies:
        hub_url = _get(c.JupyterHub, "public_url", "") or _get(c.JupyterHub, "bind_url", "")
        if not str(hub_url).startswith("https://"):
            raise ValueError("cross_site_cookies needs the Hub served over https (bind_url).")
        # This runs in the Hub's process, which must then be able to write Partitioned.
        allow_partitioned()
        # The Hub hands cookie_options on to every spawner (JUPYTERHUB_COOKIE_OPTIONS), so the
        # servers' OAuth cookies follow; its xsrf cookie defaults to them too.
        settings["cookie_options"] = dict(CROSS_SITE)
    c.JupyterHub.tornado_settings = settings


def _configure_spawner(
    c: Any, origins: list[str], fast_spawner: bool, allow_root: bool | None, cross_site: bool
) -> None:
    if fast_spawner and "spawner_class" not in c.JupyterHub:
        from .spawner import FastLocalSpawner

        c.JupyterHub.spawner_class = FastLocalSpawner
    root = allow_root if allow_root is not None else hasattr(os, "geteuid") and os.geteuid() == 0
    c.Spawner.args = _spawner_args(c, origins, root, cross_site)
    # Users must not loosen the framing policy with their own jupyter_server_config.
    c.Spawner.disable_user_config = True


def _configure_tickets(
    c: Any, secret: str, host_url: str | None, passwords: dict[str, str] | None
) -> None:
    from .auth import TicketAuthenticator

    c.JupyterHub.authenticator_class = TicketAuthenticator
    c.TicketAuthenticator.ticket_secret = secret
    if host_url is not None:
        c.TicketAuthenticator.host_url = host_url
    if passwords is not None:
        c.TicketAuthenticator.passwords = dict(passwords)
