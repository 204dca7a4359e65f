"""HTTP handlers: parse the request, call the launcher (which calls ``nblaunch.core``), answer.

``GET {base_url}nblaunch/open/{path}?{query}`` writes or reuses the parameterized copy and
redirects (302) inside this server; ``GET {base_url}nblaunch/api/parameters/{path}`` describes
a template. Deliberate errors (``NBLaunchError``) become 4xx ``{"code", "message"}`` JSON, or a
readable page with a correction form when the client accepts HTML; anything else is a 500 whose
traceback stays in the server log.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from jinja2 import Environment
from jupyter_core.utils import ensure_async
from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler, JupyterHandler
from jupyter_server.utils import url_path_join
from tornado import web

from ..core import NBLaunchError, notebook_url
from ..pages import render_problem, render_unhandled
from .launcher import Launcher

UNHANDLED = {"code": "internal-error", "message": "Unhandled error"}


class OpenHandler(JupyterHandler):
    """``GET /nblaunch/open/{path}``: open a parameterized copy of a template."""

    auth_resource = "contents"

    def initialize(self, launcher: Launcher, pages: Environment) -> None:
        self.launcher = launcher
        self.pages = pages

    def wants_html(self) -> bool:
        """Browsers ask for ``text/html``; API clients get JSON."""
        return "text/html" in self.request.headers.get("Accept", "")

    @web.authenticated
    @authorized
    async def get(self, path: str) -> None:
        # A launch writes a file, so reading alone is not enough permission.
        # Authorizers may be async: a coroutine object would be truthy, so always await it.
        allowed = self.authorizer.is_authorized(self, self.current_user, "write", "contents")
        if not await ensure_async(allowed):
            raise web.HTTPError(403, "Opening a launch link needs permission to write files.")
        try:
            launched = await self.launcher.open(path, self.request.query, base_url=self.base_url)
        except NBLaunchError as err:
            await self.send_problem(err, path)
            return
        self.redirect(url_path_join(self.base_url, notebook_url(launched.ui, launched.path)))

    async def send_problem(self, err: NBLaunchError, path: str) -> None:
        """Answer a deliberate error as JSON, or as the page with the correction form."""
        self.set_status(err.status)
        if not self.wants_html():
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps(err.to_json(), default=str))
            return
        try:
            template, parameters = await self.launcher.parameters(path)
        except NBLaunchError:
            template, parameters = path, None
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(
            render_problem(
                self.pages,
                err,
                template=template,
                parameters=parameters,
                raw_query=self.request.query,
                action=url_path_join(self.base_url, "nblaunch/open", quote(template, safe="/")),
            )
        )

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Bugs get a page without details; HTTP errors keep Jupyter's usual page."""
        exc_info = kwargs.get("exc_info")
        if status_code < 500 or not exc_info or isinstance(exc_info[1], web.HTTPError):
            super().write_error(status_code, **kwargs)
            return
        if self.wants_html():
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.finish(render_unhandled(self.pages, "the Jupyter server's log"))
        else:
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps(UNHANDLED))


class ParametersHandler(APIHandler):
    """``GET /nblaunch/api/parameters/{path}``: the template's declared parameters as JSON."""

    auth_resource = "contents"

    def initialize(self, launcher: Launcher, pages: Environment) -> None:
        self.launcher = launcher

    @web.authenticated
    @authorized
    async def get(self, path: str) -> None:
        try:
            template, parameters = await self.launcher.parameters(path)
        except NBLaunchError as err:
            self.set_status(err.status)
            self.finish(json.dumps(err.to_json(), default=str))
            return
        body = {"template": template, "parameters": [p.to_json() for p in parameters]}
        self.finish(json.dumps(body, default=str))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc_info = kwargs.get("exc_info")
        if status_code >= 500 and exc_info and not isinstance(exc_info[1], web.HTTPError):
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps(UNHANDLED))
            return
        super().write_error(status_code, **kwargs)
