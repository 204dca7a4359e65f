"""The service's JSON API for host applications: templates, OpenAPI, and users' notebooks.

``GET/PUT {prefix}api/users/{username}/contents/{path}`` read and write a notebook in a user's
server through the Contents API with the service's own ``access:servers``, so a host
application needs one Hub token whose role holds ``custom:nblaunch:contents`` (and access to the
service), never a scope on users' servers.
"""

from __future__ import annotations

import json
from typing import Any

from tornado import web

from ..core import NBLaunchError, QueryError, build_link, load_notebook, safe_path
from ..core.query import SERVER_NAME
from .config import CONTENTS_SCOPE
from .errors import HashMismatchError, NotFoundError, ServerNotRunningError
from .handlers import BaseHandler
from .launcher import content_hash, strip_trusted
from .openapi import openapi_document


class APIHandler(BaseHandler):
    """JSON only: a missing or insufficient login is a 403 body, never a login redirect."""

    def get_login_url(self) -> str:
        raise web.HTTPError(403, "Send a Hub token: Authorization: token <token>.")

    def wants_html(self) -> bool:
        return False

    def require(self, scope: str) -> str:
        """The caller's name, if its token carries ``scope``; otherwise a 403."""
        model = self.current_user
        if not model:
            raise web.HTTPError(403, "Send a Hub token: Authorization: token <token>.")
        if not self.hub_auth.check_scopes({scope}, model):
            raise web.HTTPError(403, f"This token lacks the scope {scope}.")
        return str(model["name"])


class TemplatesAPIHandler(APIHandler):
    """``GET {prefix}api/templates``: the catalog with parameter schemas and link bases."""

    def get(self) -> None:
        if not self.current_user:
            raise web.HTTPError(403, "Send a Hub token: Authorization: token <token>.")
        templates = []
        for template in self.launcher.catalog.templates():
            link = build_link(self.hub_base, template.name, {})
            templates.append({**template.to_json(), "url": link})
        self.send_json({"templates": templates})


class OpenAPIHandler(APIHandler):
    """``GET {prefix}api/openapi.json``: the OpenAPI 3.1 description of this API (public)."""

    def get(self) -> None:
        self.send_json(openapi_document(self.prefix))


class ContentsAPIHandler(APIHandler):
    """``GET/PUT {prefix}api/users/{username}/contents/{path}[?server=name]``."""

    async def _server(self, username: str) -> dict[str, Any]:
        server = self.get_argument("server", "")
        if server and not SERVER_NAME.match(server):
            raise QueryError(f"{server!r} is not a server name.")
        model = await self.hub.server(username, server)
        if not model or not model.get("ready"):
            raise ServerNotRunningError(
                f"{username}'s server is not running, so the notebook cannot be reached; "
                "open the notebook again to start it.",
                user=username,
            )
        return model

    async def _read(self, model: dict[str, Any], path: str) -> dict[str, Any]:
        found = await self.hub.get_file(model, path)
        if found.get("type") != "notebook":
            raise NotFoundError(f"{path} is not a notebook.", path=path)
        content = strip_trusted(found["content"])
        return {
            "path": found["path"],
            "content": content,
            "last_modified": found.get("last_modified"),
            "hash": content_hash(content),
        }

    async def get(self, username: str, path: str) -> None:
        self.require(CONTENTS_SCOPE)
        try:
            model = await self._server(username)
            self.send_json(await self._read(model, safe_path(path)))
        except NBLaunchError as err:
            self.send_json(err.to_json(), err.status)

    async def put(self, username: str, path: str) -> None:
        self.require(CONTENTS_SCOPE)
        try:
            body = self._body()
            path = safe_path(path)
            load_notebook(body["content"], name=path)
            model = await self._server(username)
            expect = body.get("expect_hash")
            if expect is not None:
                await self._check_hash(model, path, expect)
            await self.hub.ensure_dir(model, path.rpartition("/")[0])
            notebook = {"type": "notebook", "format": "json", "content": body["content"]}
            await self.hub.put_file(model, path, notebook)
            saved = await self._read(model, path)
            saved.pop("content")
            self.send_json(saved)
        except NBLaunchError as err:
            self.send_json(err.to_json(), err.status)

    def _body(self) -> dict[str, Any]:
        try:
            body = json.loads(self.request.body or b"{}")
        except ValueError as err:
            raise QueryError("The request body is not JSON.") from err
        if not isinstance(body, dict) or not isinstance(body.get("content"), dict):
            raise QueryError('Send {"content": <notebook JSON>, "expect_hash": <hash or null>}.')
        return body

    async def _check_hash(self, model: dict[str, Any], path: str, expect: str) -> None:
        try:
            current: str | None = (await self._read(model, path))["hash"]
        except NotFoundError:
            current = None
        # An empty expect_hash means "the file must not exist yet".
        if (current or "") != expect:
            raise HashMismatchError(
                f"{path} changed since the version you expected; fetch it again and merge.",
                path=path,
                current=current,
            )
