"""``NBLaunchService``: the JupyterHub-managed service behind ``/services/nblaunch/``.

Run by the Hub as ``python -m nblaunch.hub.service`` (``configure()`` registers it). Configure
it with ``c.NBLaunchService.<trait>`` in ``nblaunch_service_config.py`` or with the environment
variables named in each trait's help; ``--help-all`` lists them and ``--generate-config`` writes
a commented config file.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import signal
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from jupyterhub.services.auth import HubOAuth, HubOAuthCallbackHandler
from tornado import ioloop, web
from traitlets import Bool, Dict, Instance, Unicode, default, validate
from traitlets.config import Application

from .._version import __version__
from ..cookies import allow_partitioned, env_cookie_options, wants_partitioned
from ..core.config import LaunchConfig
from ..pages import page_environment
from .accesslog import access_logger
from .api import ContentsAPIHandler, OpenAPIHandler, PrestartAPIHandler, TemplatesAPIHandler
from .catalog import Catalog
from .config import frame_ancestors
from .handlers import CatalogHandler, NotFoundHandler, OpenHandler, ProgressHandler
from .hubapi import HubAPI
from .launcher import HubLauncher
from .locks import ContentsLocks
from .oauthstate import OAuthStates, SharedStateHubOAuth

PACKAGE = Path(__file__).resolve().parent.parent
PAGES = Path(__file__).parent / "templates"


class CallbackHandler(HubOAuthCallbackHandler):
    """The OAuth callback, with the service's ``HubOAuth`` passed in rather than a singleton."""

    def initialize(self, hub_auth: HubOAuth) -> None:
        self.hub_auth = hub_auth


def _slashed(prefix: str) -> str:
    return "/" + prefix.strip("/") + "/" if prefix.strip("/") else "/"


class EmbedStaticHandler(web.StaticFileHandler):
    """Static files, readable as module scripts by the embedding origins (CORS), and no others."""

    def initialize(
        self,
        path: str,
        default_filename: str | None = None,
        allowed_symlink_directory: str | list[str] | None = None,
        origins: tuple[str, ...] = (),
    ) -> None:
        super().initialize(path, default_filename, allowed_symlink_directory)
        self.origins = origins

    def set_extra_headers(self, path: str) -> None:
        # Not set_default_headers: tornado calls that before initialize() has set the origins.
        origin = self.request.headers.get("Origin", "")
        if origin in self.origins:
            self.set_header("Access-Control-Allow-Origin", origin)
            self.set_header("Vary", "Origin")


class NBLaunchService(Application):
    """Launch parameterized notebooks from plain links, through JupyterHub."""

    name = "nblaunch-service"
    version = __version__
    description = __doc__ or ""
    classes = [LaunchConfig]
    flags = {
        "generate-config": ({"NBLaunchService": {"generate_config": True}}, "Write a config file.")
    }

    config_file = Unicode(
        "nblaunch_service_config.py", help="The config file to load (or write)."
    ).tag(config=True)
    generate_config = Bool(False, help="Write a commented config file and exit.").tag(config=True)

    launch_config = Instance(LaunchConfig, help="The launch settings (c.LaunchConfig).")

    @default("launch_config")
    def _default_launch_config(self) -> LaunchConfig:
        return LaunchConfig(parent=self)

    templates_dir = Unicode(
        help="""Folder of template notebooks; each `<name>.ipynb` is launched as
        {prefix}open/<name>. Environment default: NBLAUNCH_TEMPLATES_DIR, else the templates
        shipped in the nblaunch package.""",
    ).tag(config=True)
    service_url = Unicode(
        help="""URL the service listens on. Environment default: JUPYTERHUB_SERVICE_URL, else
        http://127.0.0.1:10101.""",
    ).tag(config=True)
    service_prefix = Unicode(
        help="""URL prefix the proxy routes to the service. Environment default:
        JUPYTERHUB_SERVICE_PREFIX, else /services/nblaunch/.""",
    ).tag(config=True)
    hub_api_url = Unicode(
        help="""The Hub's REST API. Environment default: JUPYTERHUB_API_URL, else
        http://127.0.0.1:8081/hub/api.""",
    ).tag(config=True)
    proxy_url = Unicode(
        help="""Origin of the Hub's proxy, through which users' servers are reached.
        Environment default: NBLAUNCH_PROXY_URL, else http://127.0.0.1:8000.""",
    ).tag(config=True)

    lock_url = Unicode(
        help="""SQLAlchemy URL of the database that holds the contents API's save leases
        (table nblaunch_contents_locks) and the OAuth logins under way (table
        nblaunch_oauth_states). Every replica of the service must use the same one,
        normally the Hub's c.JupyterHub.db_url. Empty: an in-memory database, which guards one
        replica only. Environment default: NBLAUNCH_LOCK_URL, which
        nblaunch.hub.configure sets to the Hub's database.""",
    ).tag(config=True)

    @default("lock_url")
    def _default_lock_url(self) -> str:
        return os.environ.get("NBLAUNCH_LOCK_URL", "")

    cookie_options = Dict(
        help="""Extra options for the service's cookies (its OAuth and xsrf cookies), e.g.
        {"samesite": "None", "secure": True, "partitioned": True} for a host application on
        another site. Environment default: JUPYTERHUB_COOKIE_OPTIONS (JSON), which
        nblaunch.hub.configure(c, cross_site_cookies=True) sets.""",
    ).tag(config=True)

    @default("cookie_options")
    def _default_cookie_options(self) -> dict[str, Any]:
        return env_cookie_options()

    @default("log_level")
    def _default_log_level(self) -> int:
        return logging.INFO

    @default("templates_dir")
    def _default_templates_dir(self) -> str:
        return os.environ.get("NBLAUNCH_TEMPLATES_DIR", str(PACKAGE / "templates"))

    @default("service_url")
    def _default_service_url(self) -> str:
        return os.environ.get("JUPYTERHUB_SERVICE_URL", "http://127.0.0.1:10101")

    @default("service_prefix")
    def _default_service_prefix(self) -> str:
        # Dynamic defaults skip @validate, so normalise here too.
        return _slashed(os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/services/nblaunch/"))

    @default("hub_api_url")
    def _default_hub_api_url(self) -> str:
        return os.environ.get("JUPYTERHUB_API_URL", "http://127.0.0.1:8081/hub/api")

    @default("proxy_url")
    def _default_proxy_url(self) -> str:
        return os.environ.get("NBLAUNCH_PROXY_URL", "http://127.0.0.1:8000")

    @validate("service_prefix")
    def _valid_prefix(self, proposal: Any) -> str:
        return _slashed(str(proposal.value))

    def make_app(self) -> web.Application:
        """The tornado application with its routes and collaborators."""
        token = os.environ.get("JUPYTERHUB_API_TOKEN", "")
        cookies = dict(self.cookie_options)
        if wants_partitioned(cookies):
            allow_partitioned()
        hub_auth = SharedStateHubOAuth(
            api_url=self.hub_api_url,
            api_token=token,
            cache_max_age=60,
            cookie_options=cookies,
            # In the shared database, so that a login begun on one replica ends on any other.
            states=OAuthStates(self.lock_url or "sqlite://"),
        )
        hub = HubAPI(self.hub_api_url, token, self.proxy_url, log=self.log)
        config = self.launch_config
        launcher = HubLauncher(Catalog(self.templates_dir, self.log), hub, config, self.log)
        pages = page_environment(PAGES)
        shared = {
            "hub_auth": hub_auth,
            "launcher": launcher,
            "hub": hub,
            "pages": pages,
            "prefix": self.service_prefix,
            "frame_ancestors": frame_ancestors(list(config.embed_origins)),
        }
        return web.Application(
            self._routes(shared),
            # Derived from the service's token, so a restarted or second replica of the service
            # accepts the OAuth cookies the first one set (and they rotate with the token).
            cookie_secret=hashlib.sha256(b"nblaunch-cookie-secret:" + token.encode()).digest(),
            login_url=hub_auth.login_url,
            log_function=access_logger(self.log),
            xsrf_cookie_kwargs=cookies,
            # Where tests and extensions find the login machinery (its cache of identities).
            hub_auth=hub_auth,
        )

    def _routes(self, shared: dict[str, Any]) -> list[Any]:
        """Every route under the service's prefix, with its handler's collaborators."""
        p = re.escape(self.service_prefix)
        contents = {**shared, "locks": ContentsLocks(self.lock_url or "sqlite://")}
        static = {
            "path": str(PACKAGE / "client" / "static"),
            "origins": tuple(self.launch_config.embed_origins),
        }
        return [
            (rf"{p}oauth_callback", CallbackHandler, {"hub_auth": shared["hub_auth"]}),
            (rf"{p}static/(.*)", EmbedStaticHandler, static),
            (rf"{p}?", CatalogHandler, shared),
            (rf"{p}open/([^/]+)", OpenHandler, shared),
            (rf"{p}api/progress", ProgressHandler, shared),
            (rf"{p}api/templates", TemplatesAPIHandler, shared),
            (rf"{p}api/openapi\.json", OpenAPIHandler, shared),
            (rf"{p}api/users/([^/]+)/contents/(.+)", ContentsAPIHandler, contents),
            (rf"{p}api/users/([^/]+)/prestart", PrestartAPIHandler, shared),
            (rf"{p}.*", NotFoundHandler, shared),
        ]

    def initialize(self, argv: Any = None) -> None:
        """Parse the command line and load the config file."""
        super().initialize(argv)
        if not self.generate_config:
            self.load_config_file(self.config_file)

    def start(self) -> None:
        """Serve until stopped (or write the config file with ``--generate-config``)."""
        if self.generate_config:
            Path(self.config_file).write_text(self.generate_config_file(), encoding="utf-8")
            print(f"Wrote {self.config_file}")
            return
        # The Hub stops its services with SIGINT. A Hub started with SIGINT ignored (a background
        # job in a script) passes that on, and each stop would then wait out its timeout.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        url = urlparse(self.service_url)
        app = self.make_app()
        app.listen(url.port or 80, url.hostname or "127.0.0.1", xheaders=True)
        self.log.info("nblaunch service at %s%s", self.service_url, self.service_prefix)
        try:
            ioloop.IOLoop.current().start()
        except KeyboardInterrupt:
            # The Hub stops its managed services with SIGINT: a normal exit, not a crash.
            self.log.info("nblaunch service stopped")


def main(argv: list[str] | None = None) -> None:
    """Entry point: ``python -m nblaunch.hub.service [--help-all]``."""
    NBLaunchService.launch_instance(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
