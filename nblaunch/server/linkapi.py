"""``POST {base_url}nblaunch/api/link``: the launch link of the notebook a person is in.

The body is ``{"path": "<notebook path>"}``; the answer ``{"link": ...}`` opens a fresh copy of
the same template with the values the notebook holds now (``core.links.notebook_link``), or a
4xx ``{"code", "message"}`` saying which value is no longer a literal. JupyterLab's "Copy
launch link" command calls it.

Which door: a copy the hub service wrote links to that service when the server knows its
public URL (``c.LaunchConfig.hub_service_url``, set by ``nblaunch.hub.configure``); anything
else to this server's own door, through ``/hub/user-redirect/`` under JupyterHub so that the
link works for every user (path-absolute: the front end adds the page's origin).
"""

from __future__ import annotations

import json
import os

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import web

from ..core.errors import QueryError, TemplateNotFoundError
from ..core.links import SERVICE_PREFIX, notebook_link
from ..core.paths import safe_path
from .handlers import NBLaunchHandler


def server_base(base_url: str, hub_service_url: str = "") -> str:
    """Where this server's launch links start: its own base URL, or the Hub's user-redirect.

    >>> server_base("/user/ann/", "https://hub.example.org/services/nblaunch/")
    'https://hub.example.org/hub/user-redirect'
    """
    if hub_service_url.rstrip("/").endswith(SERVICE_PREFIX.rstrip("/")):
        hub = hub_service_url.rstrip("/").removesuffix(SERVICE_PREFIX.rstrip("/"))
        return url_path_join(hub, "hub/user-redirect")
    hub_base = os.environ.get("JUPYTERHUB_BASE_URL")
    if os.environ.get("JUPYTERHUB_SERVICE_PREFIX") and hub_base:
        return url_path_join(hub_base, "hub/user-redirect")
    return base_url


class LinkHandler(NBLaunchHandler, APIHandler):
    """``POST /nblaunch/api/link``: ``{"path"}`` → ``{"link"}``."""

    def wants_html(self) -> bool:
        return False

    @web.authenticated
    @authorized
    async def post(self) -> None:
        path = safe_path(self._path(), allow_hidden=True)
        nb = await self.launcher.store.get(path)
        if nb is None:
            raise TemplateNotFoundError(f"There is no notebook {path} on this server.", path=path)
        config = self.launcher.config
        link = notebook_link(
            nb,
            path,
            server_base=server_base(self.base_url, config.hub_service_url),
            hub_service_url=config.hub_service_url,
        )
        self.finish(json.dumps({"link": link}))

    def _path(self) -> str:
        try:
            body = json.loads(self.request.body or b"{}")
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("path"), str):
            raise QueryError('Send {"path": "<notebook path>"}.')
        return str(body["path"])
