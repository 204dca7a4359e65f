"""``LaunchConfig``: the launch settings both doors share, configured once as ``c.LaunchConfig``.

The server extension (``NBLaunchExtension``) and the hub service (``NBLaunchService``) each make
one with ``LaunchConfig(parent=self)``, the way voila's app and server extension share
``VoilaConfiguration``: a trait, its help, its environment default and its check live here
only. Set them in ``jupyter_server_config.py`` / the service's config file, or on a command
line as ``--LaunchConfig.autorun=never``.
"""

from __future__ import annotations

import logging
import os
import re
from typing import Any

from traitlets import Enum, Float, Int, List, TraitError, Unicode, default, validate
from traitlets.config import Configurable

from .coerce import DEFAULT_MAX_VALUE_BYTES
from .copies import UI_PATHS
from .errors import KeyFileError, NBLaunchError
from .grants import AUTORUN_POLICIES, DEFAULT_GRANT_TTL
from .linkkeys import load_link_keys
from .origins import exact_origins
from .paths import safe_path

_log = logging.getLogger(__name__)


def env_list(name: str) -> list[str]:
    """A comma- or space-separated environment variable as a list.

    >>> os.environ["NBLAUNCH_EXAMPLE"] = "a, b c"; env_list("NBLAUNCH_EXAMPLE")
    ['a', 'b', 'c']
    """
    return [item for item in re.split(r"[\s,]+", os.environ.get(name, "")) if item]


def _output_dir(value: str) -> str:
    value = value.strip().strip("/")
    try:
        return safe_path(value) if value else ""
    except NBLaunchError as err:
        raise TraitError(f"output_dir: {err.message}") from err


def _origins(values: list[str]) -> list[str]:
    try:
        return exact_origins(values)
    except NBLaunchError as err:
        raise TraitError(f"embed_origins: {err.message}") from err


class LaunchConfig(Configurable):
    """What a launch writes, where it lands, whether it may run, and who may frame it.

    >>> LaunchConfig(autorun="never", embed_origins=["https://app.example.org:443"]).embed_origins
    ['https://app.example.org']
    """

    output_dir = Unicode(
        help="""Folder, relative to the user's server root, where parameterized copies are
        written; an empty string writes them in the root. Environment default:
        NBLAUNCH_OUTPUT_DIR, else 'nblaunch'.""",
    ).tag(config=True)

    default_ui = Enum(
        list(UI_PATHS),
        help="""Where a link without ui= lands (unless a hub template says): 'lab'
        (JupyterLab), 'doc' (JupyterLab single-document mode, best for embedding) or 'notebook'
        (Notebook 7). Environment default: NBLAUNCH_DEFAULT_UI, else 'lab'.""",
    ).tag(config=True)

    autorun = Enum(
        list(AUTORUN_POLICIES),
        help="""Whether a link's autorun=1 is honoured: 'never'; 'trusted' (only templates the
        operator marked: trusted_globs on a server, the catalog's metadata on the Hub; never a
        copy, never by a notebook signature); 'always'. A launch that may run gets a one-time
        grant from its server, which the front end must redeem; the policy is checked again
        then. Environment default: NBLAUNCH_AUTORUN, else 'trusted'.""",
    ).tag(config=True)

    trusted_globs = List(
        Unicode(),
        help="""fnmatch patterns of template paths, relative to the server root (e.g.
        'templates/*.ipynb'), that the 'trusted' policy lets autorun. Files in output_dir or
        carrying launch provenance never match. Environment default: NBLAUNCH_TRUSTED_GLOBS,
        comma- or space-separated.""",
    ).tag(config=True)

    embed_origins = List(
        Unicode(),
        help="""Exact origins (scheme://host[:port]) of pages allowed to frame notebooks and the
        service's pages (CSP frame-ancestors) and to use the postMessage bridge. Written as
        browsers report them (default ports dropped, host lower-cased); wildcards and 'self'
        are refused. Environment default: NBLAUNCH_EMBED_ORIGINS, comma- or space-separated.""",
    ).tag(config=True)

    max_value_bytes = Int(
        help="""Largest accepted size, in bytes, of one parameter value from a link.
        Environment default: NBLAUNCH_MAX_VALUE_BYTES, else 65536.""",
    ).tag(config=True)

    grant_ttl = Float(
        help="""Seconds a launch's autorun grant stays valid if the notebook is not opened.
        Environment default: NBLAUNCH_GRANT_TTL, else 600.""",
    ).tag(config=True)

    link_key_file = Unicode(
        help="""A file of keys that sign launch links, one '<key id>:<secret>' a line
        (nblaunch.core.linkkeys). With it, a link carrying sig= must match a key here (403
        otherwise, saying what was changed or that it expired) and templates whose metadata
        says nblaunch.require_signature open from signed links only; the file is read again
        when it changes, so keys rotate without a restart. Give it only to processes whose
        users must not sign links: not to single-user servers under JupyterHub, where users
        run code. Environment default: NBLAUNCH_LINK_KEY_FILE, else none.""",
    ).tag(config=True)

    hub_service_url = Unicode(
        help="""Public URL of the JupyterHub's nblaunch service (e.g.
        https://hub.example.org/services/nblaunch/): where "Copy launch link" points when this
        server runs under that Hub; empty: links to this server's own door.
        nblaunch.hub.configure() sets it. Environment default: NBLAUNCH_HUB_SERVICE_URL.""",
    ).tag(config=True)

    _keys_cache: tuple[tuple[str, int], dict[str, bytes]] | None = None

    def link_keys(self) -> dict[str, bytes] | None:
        """The link keys (``None`` when no key file is set), or ``KeyFileError``.

        >>> LaunchConfig(link_key_file="").link_keys() is None
        True
        """
        path = self.link_key_file
        if not path:
            return None
        try:
            stamp = (path, os.stat(path).st_mtime_ns)
            if self._keys_cache is None or self._keys_cache[0] != stamp:
                self._keys_cache = (stamp, load_link_keys(path))
        except (OSError, KeyFileError) as err:
            # The details (a path, a line number) are for the operator's log, not for whoever
            # clicked a link; every launch is refused until the file is fixed.
            _log.error("nblaunch: %s", getattr(err, "message", None) or err)
            raise KeyFileError(
                "This server cannot read its link keys, so it cannot check signed links; the "
                "operator must fix c.LaunchConfig.link_key_file (the server's log says how)."
            ) from err
        return self._keys_cache[1]

    @default("link_key_file")
    def _default_link_key_file(self) -> str:
        return os.environ.get("NBLAUNCH_LINK_KEY_FILE", "")

    @default("hub_service_url")
    def _default_hub_service_url(self) -> str:
        return os.environ.get("NBLAUNCH_HUB_SERVICE_URL", "")

    @default("output_dir")
    def _default_output_dir(self) -> str:
        return _output_dir(os.environ.get("NBLAUNCH_OUTPUT_DIR", "nblaunch"))

    @default("default_ui")
    def _default_default_ui(self) -> str:
        return os.environ.get("NBLAUNCH_DEFAULT_UI", "lab")

    @default("autorun")
    def _default_autorun(self) -> str:
        return os.environ.get("NBLAUNCH_AUTORUN", "trusted")

    @default("trusted_globs")
    def _default_trusted_globs(self) -> list[str]:
        return env_list("NBLAUNCH_TRUSTED_GLOBS")

    @default("embed_origins")
    def _default_embed_origins(self) -> list[str]:
        # Dynamic defaults skip @validate, so the rule is applied here too.
        return _origins(env_list("NBLAUNCH_EMBED_ORIGINS"))

    @default("max_value_bytes")
    def _default_max_value_bytes(self) -> int:
        return int(os.environ.get("NBLAUNCH_MAX_VALUE_BYTES", DEFAULT_MAX_VALUE_BYTES))

    @default("grant_ttl")
    def _default_grant_ttl(self) -> float:
        return float(os.environ.get("NBLAUNCH_GRANT_TTL", DEFAULT_GRANT_TTL))

    @validate("output_dir")
    def _valid_output_dir(self, proposal: Any) -> str:
        return _output_dir(str(proposal.value))

    @validate("embed_origins")
    def _valid_origins(self, proposal: Any) -> list[str]:
        return _origins(list(proposal.value))
