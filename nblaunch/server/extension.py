"""``NBLaunchExtension``: the traits, the page config and the headers of the server extension.

Configure it as ``c.NBLaunchExtension.<trait>`` or with the ``NBLAUNCH_*`` environment variables
named in each trait's help. ``allowed_origins`` does two things at once: it lets exactly those
origins frame the server's pages (``Content-Security-Policy: frame-ancestors``) and tells the
front-end plugin which parent pages may talk to it (page config ``nblaunchAllowedOrigins``).
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

from jupyter_server.extension.application import ExtensionApp
from jupyter_server.utils import url_path_join
from traitlets import Bool, Enum, Int, List, TraitError, Unicode, default, validate

from ..cookies import allow_partitioned, env_cookie_options, wants_partitioned
from ..core import AUTORUN_POLICIES, DEFAULT_MAX_VALUE_BYTES, UI_PATHS, UnsafePathError, safe_path
from ..pages import page_environment
from .handlers import OpenHandler, ParametersHandler
from .launcher import Launcher, LaunchSettings

PAGE_CONFIG_KEY = "nblaunchAllowedOrigins"
CSP = "Content-Security-Policy"
_ORIGIN = re.compile(r"^https?://[a-z0-9.\-\[\]:]+$")
_FRAME_ANCESTORS = re.compile(r"\s*frame-ancestors\b[^;]*;?", re.IGNORECASE)


def _normal_output_dir(value: str) -> str:
    value = value.strip().strip("/")
    if not value:
        return ""
    try:
        return safe_path(value)
    except UnsafePathError as err:
        raise TraitError(f"output_dir: {err.message}") from err


def _normal_origins(values: list[str]) -> list[str]:
    # Defaults skip @validate in traitlets, so both paths call this.
    origins = []
    for origin in values:
        normal = origin.strip().rstrip("/").lower()
        # Browsers leave default ports out of event.origin, so must we to compare equal.
        for scheme, port in (("http://", ":80"), ("https://", ":443")):
            if normal.startswith(scheme) and normal.endswith(port):
                normal = normal[: -len(port)]
        if not _ORIGIN.match(normal):
            raise TraitError(
                f"allowed_origins: {origin!r} is not an exact origin such as "
                "'https://app.example.org' (no path, no wildcard, no 'self')."
            )
        origins.append(normal)
    return list(dict.fromkeys(origins))


def _env_list(name: str) -> list[str]:
    return [item for item in re.split(r"[\s,]+", os.environ.get(name, "")) if item]


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

    output_dir = Unicode(
        help="""Folder, relative to the server root, where parameterized copies are written.
        An empty string writes them next to nothing but the root itself. Environment default:
        NBLAUNCH_OUTPUT_DIR, else 'nblaunch'.""",
    ).tag(config=True)

    default_ui = Enum(
        list(UI_PATHS),
        help="""Where a link without ui= lands: 'lab' (JupyterLab, /lab/tree/...), 'doc'
        (JupyterLab single-document mode, /doc/tree/..., best for embedding) or 'notebook'
        (Notebook 7, /notebooks/...). Environment default: NBLAUNCH_DEFAULT_UI, else 'lab'.""",
    ).tag(config=True)

    autorun = Enum(
        list(AUTORUN_POLICIES),
        help="""Whether a link's autorun=1 is honoured. 'never'; 'trusted' (the template matches
        trusted_globs or is trusted by nbformat's signature store, as with `jupyter trust`);
        'always'. The decision is written into the copy's metadata and acted on once by the
        front end. Environment default: NBLAUNCH_AUTORUN, else 'trusted'.""",
    ).tag(config=True)

    trusted_globs = List(
        Unicode(),
        help="""fnmatch patterns of template paths (relative to the server root, e.g.
        'templates/*.ipynb') whose links may autorun under the 'trusted' policy. Environment
        default: NBLAUNCH_TRUSTED_GLOBS, comma- or space-separated.""",
    ).tag(config=True)

    allowed_origins = List(
        Unicode(),
        help="""Exact origins (scheme://host[:port]) of pages allowed to embed this server in
        an iframe and to use the nblaunch postMessage bridge. When set, pages are served with
        Content-Security-Policy frame-ancestors naming exactly these origins. Wildcards and
        'self' are refused. Environment default: NBLAUNCH_ALLOWED_ORIGINS, comma- or
        space-separated.""",
    ).tag(config=True)

    max_value_bytes = Int(
        help="""Largest accepted size, in bytes, of one parameter value from a link.
        Environment default: NBLAUNCH_MAX_VALUE_BYTES, else 65536.""",
    ).tag(config=True)

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

    @default("output_dir")
    def _default_output_dir(self) -> str:
        return _normal_output_dir(os.environ.get("NBLAUNCH_OUTPUT_DIR", "nblaunch"))

    @default("default_ui")
    def _default_default_ui(self) -> str:
        return os.environ.get("NBLAUNCH_DEFAULT_UI", "lab")

    @default("autorun")
    def _default_autorun(self) -> str:
        return os.environ.get("NBLAUNCH_AUTORUN", "trusted")

    @default("trusted_globs")
    def _default_trusted_globs(self) -> list[str]:
        return _env_list("NBLAUNCH_TRUSTED_GLOBS")

    @default("allowed_origins")
    def _default_allowed_origins(self) -> list[str]:
        return _normal_origins(_env_list("NBLAUNCH_ALLOWED_ORIGINS"))

    @default("max_value_bytes")
    def _default_max_value_bytes(self) -> int:
        return int(os.environ.get("NBLAUNCH_MAX_VALUE_BYTES", DEFAULT_MAX_VALUE_BYTES))

    @validate("output_dir")
    def _valid_output_dir(self, proposal: Any) -> str:
        return _normal_output_dir(str(proposal.value))

    @validate("allowed_origins")
    def _valid_origins(self, proposal: Any) -> list[str]:
        return _normal_origins(proposal.value)

    def launch_settings(self) -> LaunchSettings:
        """The part of the configuration the launcher uses."""
        return LaunchSettings(
            output_dir=self.output_dir,
            default_ui=self.default_ui,
            autorun=self.autorun,
            trusted_globs=list(self.trusted_globs),
            max_value_bytes=self.max_value_bytes,
        )

    def initialize_settings(self) -> None:
        """Pass the allowed origins to Lab and Notebook 7 pages, and let them frame ours."""
        # ``self.settings`` is merged into the web app's settings after this method returns, so
        # changes go there (a change made directly to the web app's dict would be overwritten).
        settings = self.settings
        if self.partitioned_cookies:
            allow_partitioned()
        # Both jupyterlab_server and notebook build each page's config from this shared dict.
        page_config = settings.setdefault("page_config_data", {})
        page_config[PAGE_CONFIG_KEY] = json.dumps(self.allowed_origins)
        if self.allowed_origins:
            headers = dict(settings.get("headers") or {})
            report = url_path_join(settings.get("base_url", "/"), "api/security/csp-report")
            headers[CSP] = frame_ancestors(headers.get(CSP), self.allowed_origins, report)
            settings["headers"] = headers
        self.log.info(
            "nblaunch: copies in %r, autorun policy %r, allowed origins %s",
            self.output_dir,
            self.autorun,
            self.allowed_origins or "none",
        )

    def initialize_handlers(self) -> None:
        """Register the two routes with their collaborators."""
        assert self.serverapp is not None  # set by Jupyter Server before this is called
        launcher = Launcher(self.serverapp.contents_manager, self.launch_settings(), self.log)
        pages = page_environment()
        collaborators = {"launcher": launcher, "pages": pages}
        self.handlers.extend(
            [
                (r"/nblaunch/open/(.+)", OpenHandler, collaborators),
                (r"/nblaunch/api/parameters/(.+)", ParametersHandler, collaborators),
            ]
        )
