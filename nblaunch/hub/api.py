"""The service's JSON API for host applications: templates, OpenAPI, and users' notebooks.

``GET/PUT {prefix}api/users/{username}/contents/{path}`` read and write a notebook in a user's
server through the Contents API with the service's own ``access:servers``, so a host
application needs one Hub token whose role holds ``custom:nblaunch:contents`` (and access to the
service), never a scope on users' servers.

A PUT holds a lease on the notebook (``ContentsLocks``, in a database all replicas share) from
its ``expect_hash`` check until it has read back what it wrote, so of several saves with the same
``expect_hash`` exactly one is written and the others get 409; its answer carries the content it
stored with that content's hash. User names must be Hub names as they are (lower case): the Hub
would log ``Carol`` in as ``carol``, so ``Carol`` is refused with 400 rather than looked up.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from tornado import web

from ..core import QueryError, build_link, load_notebook, safe_path
from ..core.bodies import json_object
from ..core.query import SERVER_NAME
from ..core.tickets import check_username
from .config import CONTENTS_SCOPE
from .errors import HashMismatchError, NotFoundError, ServerNotRunningError
from .handlers import BaseHandler
from .launcher import content_hash, strip_trusted
from .locks import ContentsLocks
from .openapi import openapi_document

#: The SQLAlchemy URL of the database that holds the contents locks (the Hub's, shared by every
#: replica of the service). Unset: an in-memory database, which guards one replica only.
LOCK_URL_ENV = "NBLAUNCH_LOCK_URL"


@cache
def default_locks(url: str) -> ContentsLocks:
    """One ``ContentsLocks`` per database URL in this process.

    >>> default_locks("sqlite://") is default_locks("sqlite://")
    True
    """
    return ContentsLocks(url)


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


class PrestartAPIHandler(APIHandler):
    """``POST {prefix}api/users/{username}/prestart[?server=name]``: start the user's server now.

    A host page that will likely embed or link a notebook asks for this when it loads, so the
    spawn overlaps the person's reading time (zero-wait launch). It needs the host's contents
    scope (it is the host acting for its user) and uses the service's ``start:servers``; the
    server is started with no file written, and one never used is stopped by the Hub's idle
    culling like any other. Answers ``{"status": "ready" | "starting"}``.
    """

    async def post(self, username: str) -> None:
        self.require(CONTENTS_SCOPE)
        check_username(username)
        server = self.get_argument("server", "")
        if server and not SERVER_NAME.fullmatch(server):
            raise QueryError(f"{server!r} is not a server name.")
        model = await self.hub.server(username, server)
        if model and model.get("ready"):
            self.send_json({"status": "ready"})
            return
        if not model or not model.get("pending"):
            await self.hub.start(username, server)
        self.send_json({"status": "starting"}, 202)


class ContentsAPIHandler(APIHandler):
    """``GET/PUT {prefix}api/users/{username}/contents/{path}[?server=name]``."""

    def initialize(self, *, locks: ContentsLocks | None = None, **shared: Any) -> None:
        super().initialize(**shared)
        self.locks = locks or default_locks(os.environ.get(LOCK_URL_ENV) or "sqlite://")

    def _server_name(self) -> str:
        server = self.get_argument("server", "")
        if server and not SERVER_NAME.fullmatch(server):
            raise QueryError(f"{server!r} is not a server name.")
        return server

    async def _server(self, username: str, server: str) -> dict[str, Any]:
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
        check_username(username)
        model = await self._server(username, self._server_name())
        self.send_json(await self._read(model, safe_path(path)))

    async def put(self, username: str, path: str) -> None:
        self.require(CONTENTS_SCOPE)
        check_username(username)
        body = self._body()
        path = safe_path(path)
        load_notebook(body["content"], name=path)
        server = self._server_name()
        model = await self._server(username, server)
        async with self.locks.hold(username, server, path) as lease:
            expect = body.get("expect_hash")
            if expect is not None:
                await self._check_hash(model, path, expect)
            await self.hub.ensure_dir(model, path.rpartition("/")[0])
            # A save slower than its lease must not write over the next holder's save.
            self.locks.renew(lease)
            notebook = {"type": "notebook", "format": "json", "content": body["content"]}
            await self.hub.put_file(model, path, notebook)
            # Read back under the lease: what this PUT stored (the server may normalise it),
            # with its hash, never a later writer's.
            saved = await self._read(model, path)
        self.send_json(saved)

    def _body(self) -> dict[str, Any]:
        shape = '{"content": <notebook JSON>, "expect_hash": <hash or null>}'
        body = json_object(self.request.body, shape=shape)
        if not isinstance(body.get("content"), dict):
            raise QueryError(f"Send {shape}.")
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
