"""``NBLaunchExtension``: the server door's page config, headers and routes.

The launch settings are ``c.LaunchConfig.*`` (``nblaunch.core.config``), shared with the hub
service; ``embed_origins`` does two things here: it lets exactly those origins frame the
server's pages (``Content-Security-Policy: frame-ancestors``) and tells the front-end plugin
which parent pages may talk to it (page config ``nblaunchAllowedOrigins``).
"""

from __future__ import annotations

import json
import re

from jupyter_server.extension.application import ExtensionApp
from jupyter_server.utils import url_path_join
from traitlets import Bool, Instance, default

from ..cookies import allow_partitioned, env_cookie_options, wants_partitioned
from ..core.config import LaunchConfig
from ..pages import page_environment
from .grants import GrantFile
from .handlers import GrantsHandler, OpenHandler, ParametersHandler, RedeemHandler
from .launcher import Launcher
from .linkapi import LinkHandler
from .store import ContentsStore

PAGE_CONFIG_KEY = "nblaunchAllowedOrigins"
CSP = "Content-Security-Policy"
_FRAME_ANCESTORS = re.compile(r"\s*frame-ancestors\b[^;]*;?", re.IGNORECASE)


def frame_ancestors(existing: str | None, origins: list[str], report_uri: str) -> str:
    """A CSP header whose ``frame-ancestors`` names exactly ``origins``.

    Other directives of an admin-configured policy are kept; only ``frame-ancestors`` changes.

    >>> frame_ancestors(None, ["http://127.0.0.1:8090"], "/api/security/csp-report")
    'frame-ancestors http://127.0.0.1:8090; report-uri /api/security/csp-report'
    """
    directive = "frame-ancestors " + " ".join(origins)
    if not existing:
        return f"{directive}; report-uri {report_uri}"
    rest = _FRAME_ANCESTORS.sub("", existing).strip().strip(";").strip()
    return f"{directive}; {rest}" if rest else directive


class NBLaunchExtension(ExtensionApp):
    """Open a parameterized copy of a notebook from a link: ``/nblaunch/open/{path}?{query}``."""

    name = "nblaunch"
    load_other_extensions = True
    classes = [LaunchConfig]

    launch_config = Instance(LaunchConfig, help="The launch settings (c.LaunchConfig).")

    @default("launch_config")
    def _default_launch_config(self) -> LaunchConfig:
        return LaunchConfig(parent=self)

    partitioned_cookies = Bool(
        help="""Let this server write Partitioned cookies (CHIPS), which Python's cookie
        library knows only from 3.14: cookies that still work in an iframe on another site
        where the browser blocks third-party cookies. The cookie options themselves come from
        JupyterHub (cookie_options) and ServerApp.tornado_settings (xsrf_cookie_kwargs);
        nblaunch.hub.configure(c, cross_site_cookies=True) sets all three. Environment default:
        on when JUPYTERHUB_COOKIE_OPTIONS asks for partitioned cookies, else off.""",
    ).tag(config=True)

    @default("partitioned_cookies")
    def _default_partitioned_cookies(self) -> bool:
        return wants_partitioned(env_cookie_options())

    def initialize_settings(self) -> None:
        """Pass the allowed origins to Lab and Notebook 7 pages, and let them frame ours."""
        # ``self.settings`` is merged into the web app's settings after this method returns, so
        # changes go there (a change made directly to the web app's dict would be overwritten).
        settings = self.settings
        if self.partitioned_cookies:
            allow_partitioned()
        # Both jupyterlab_server and notebook build each page's config from this shared dict.
        page_config = settings.setdefault("page_config_data", {})
        origins = self.launch_config.embed_origins
        page_config[PAGE_CONFIG_KEY] = json.dumps(origins)
        if origins:
            headers = dict(settings.get("headers") or {})
            report = url_path_join(settings.get("base_url", "/"), "api/security/csp-report")
            headers[CSP] = frame_ancestors(headers.get(CSP), origins, report)
            settings["headers"] = headers
        self.log.info(
            "nblaunch: copies in %r, autorun policy %r, embedding origins %s",
            self.launch_config.output_dir,
            self.launch_config.autorun,
            origins or "none",
        )

    def initialize_handlers(self) -> None:
        """Register the two routes with their collaborators."""
        assert self.serverapp is not None  # set by Jupyter Server before this is called
        server = self.serverapp
        grants = GrantFile.for_root(
            server.runtime_dir, server.root_dir, ttl=self.launch_config.grant_ttl
        )
        store = ContentsStore(server.contents_manager, grants)
        launcher = Launcher(store, self.launch_config, self.log)
        collaborators = {"launcher": launcher, "pages": page_environment()}
        self.handlers.extend(
            [
                (r"/nblaunch/open/(.+)", OpenHandler, collaborators),
                (r"/nblaunch/api/parameters/(.+)", ParametersHandler, collaborators),
                (r"/nblaunch/api/grants", GrantsHandler, collaborators),
                (r"/nblaunch/api/grants/redeem", RedeemHandler, collaborators),
                (r"/nblaunch/api/link", LinkHandler, collaborators),
            ]
        )
