"""Cookies that still work in a cross-site iframe: ``SameSite=None; Secure; Partitioned``.

A host application on another site frames the Hub, the service and a user's server. Their
cookies reach that frame only when they are ``SameSite=None; Secure``; where the browser
blocks third-party cookies, only when they are also ``Partitioned`` (CHIPS): kept per top-level
site, so the Hub's cookie inside the host's page is not the one a Hub tab uses. (Chromium with
third-party cookies blocked keeps such cookies but also denies the frame its localStorage, which
JupyterLab needs: there, nblaunch-embed.js offers a new tab instead.)

Tornado writes cookies through ``http.cookies``, which knows ``Partitioned`` only from Python
3.14. ``allow_partitioned()`` teaches older versions the attribute the way 3.14 has it, so
``set_cookie(..., partitioned=True)`` (and JupyterHub's ``cookie_options``) work everywhere.
"""

from __future__ import annotations

import json
import os
from http.cookies import Morsel

# What a cookie needs to reach a frame on another site.
CROSS_SITE = {"samesite": "None", "secure": True, "partitioned": True}


def allow_partitioned() -> None:
    """Let ``http.cookies`` write the ``Partitioned`` flag (built in from Python 3.14).

    >>> allow_partitioned()
    >>> morsel = Morsel()
    >>> morsel.set("a", "1", "1")
    >>> morsel.update({"secure": True, "samesite": "None", "partitioned": True})
    >>> morsel.OutputString()
    'a=1; Partitioned; SameSite=None; Secure'
    """
    if "partitioned" not in Morsel._reserved:  # type: ignore[attr-defined]
        Morsel._reserved["partitioned"] = "Partitioned"  # type: ignore[attr-defined]
        Morsel._flags = {*Morsel._flags, "partitioned"}  # type: ignore[attr-defined]


def wants_partitioned(options: dict[str, object]) -> bool:
    """Whether cookie options ask for ``Partitioned`` (so ``allow_partitioned()`` is needed).

    >>> wants_partitioned(CROSS_SITE), wants_partitioned({"secure": True})
    (True, False)
    """
    return bool(options.get("partitioned"))


def env_cookie_options() -> dict[str, object]:
    """The cookie options JupyterHub hands a server or service (``JUPYTERHUB_COOKIE_OPTIONS``).

    >>> os.environ["JUPYTERHUB_COOKIE_OPTIONS"] = json.dumps(CROSS_SITE)
    >>> wants_partitioned(env_cookie_options())
    True
    >>> del os.environ["JUPYTERHUB_COOKIE_OPTIONS"]
    """
    return dict(json.loads(os.environ.get("JUPYTERHUB_COOKIE_OPTIONS") or "{}"))
