"""HTTP handlers of the server door: parse the request, call the launcher, answer.

- ``GET {base_url}nblaunch/open/{path}?{query}``: write or reuse the copy, redirect (302) to it.
- ``GET {base_url}nblaunch/api/parameters/{path}``: a template's declared parameters.
- ``POST {base_url}nblaunch/api/grants``: ``{"path", "basis"}``, grant one autorun of the
  notebook now at ``path`` (the hub service calls it after writing a copy).
- ``POST {base_url}nblaunch/api/grants/redeem``: ``{"path"}``, use that grant up; the
  front-end plugin runs a notebook only when this answers ``{"run": true}``.

Errors are raised and answered by ``ProblemMixin`` (JSON, or the page with the correction form).
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

from ..core import notebook_url
from ..core.bodies import json_object
from ..core.errors import GrantError
from ..core.grants import BASES
from ..pages import render_consent
from ..pages.mapping import ProblemContext, ProblemMixin
from .launcher import Launcher


class NBLaunchHandler(ProblemMixin, JupyterHandler):
    """The server door's collaborators and its one error mapping."""

    auth_resource = "contents"
    log_name = "the Jupyter server's log"

    def initialize(self, launcher: Launcher, pages: Environment) -> None:
        self.launcher = launcher
        self.pages = pages

    def body(self) -> dict[str, Any]:
        """The JSON object the request carries, with a ``path``; else a 400."""
        body = json_object(self.request.body, shape='{"path": "<notebook path>"}')
        if not isinstance(body.get("path"), str):
            raise GrantError('Send {"path": "<notebook path>"}.')
        return body


class OpenHandler(NBLaunchHandler):
    """``GET /nblaunch/open/{path}``: open a parameterized copy of a template.

    A link that asks to run a template that may not run by itself gets a page that asks the
    user first (``consent.html``); its buttons ``POST`` the same URL with ``run=1`` or ``0``.
    """

    @web.authenticated
    @authorized
    async def get(self, path: str) -> None:
        await self._open(path, choice=None)

    @web.authenticated
    @authorized
    async def post(self, path: str) -> None:
        await self._open(path, choice=self.get_body_argument("run", "0") == "1")

    async def _open(self, path: str, *, choice: bool | None) -> None:
        # A launch writes a file, so reading alone is not enough permission.
        # Authorizers may be async: a coroutine object would be truthy, so always await it.
        allowed = self.authorizer.is_authorized(self, self.current_user, "write", "contents")
        if not await ensure_async(allowed):
            raise web.HTTPError(403, "Opening a launch link needs permission to write files.")
        self.problem = ProblemContext(template=path, parameters=None, action="")
        template = await self.launcher.template(path)
        action = url_path_join(self.base_url, "nblaunch/open", quote(template.path, safe="/"))
        self.problem = ProblemContext(
            template=template.path, parameters=template.parameters, action=action
        )
        plan = self.launcher.plan(template, self.request.query)
        basis, ask = self.launcher.autorun(template, plan)
        if ask and choice is None and self.wants_html():
            query = f"?{self.request.query}" if self.request.query else ""
            xsrf = (
                self.xsrf_token.decode() if isinstance(self.xsrf_token, bytes) else self.xsrf_token
            )
            self.finish(render_consent(self.pages, plan, action=action + query, xsrf=xsrf))
            return
        if ask and choice:
            basis = "consent"
        outcome = await self.launcher.open(template, plan, basis, base_url=self.base_url)
        self.redirect(url_path_join(self.base_url, notebook_url(outcome.ui, outcome.path)))


class ParametersHandler(NBLaunchHandler, APIHandler):
    """``GET /nblaunch/api/parameters/{path}``: the template's declared parameters as JSON."""

    def wants_html(self) -> bool:
        return False

    @web.authenticated
    @authorized
    async def get(self, path: str) -> None:
        template = await self.launcher.template(path)
        body = {"template": template.path, "parameters": [p.to_json() for p in template.parameters]}
        self.finish(json.dumps(body, default=str))


class GrantsHandler(NBLaunchHandler, APIHandler):
    """``POST /nblaunch/api/grants``: grant one autorun of a notebook the caller just wrote."""

    def wants_html(self) -> bool:
        return False

    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.body()
        basis = body.get("basis")
        if basis not in BASES:
            raise GrantError(f"basis must be one of {', '.join(BASES)}.")
        await self.launcher.issue_grant(body["path"], basis)
        self.set_status(201)
        self.finish(json.dumps({"path": body["path"], "basis": basis}))


class RedeemHandler(NBLaunchHandler, APIHandler):
    """``POST /nblaunch/api/grants/redeem``: may the front end run this notebook now, once?"""

    def wants_html(self) -> bool:
        return False

    @web.authenticated
    @authorized
    async def post(self) -> None:
        path = self.body()["path"]
        self.finish(json.dumps({"path": path, "run": await self.launcher.redeem_grant(path)}))
