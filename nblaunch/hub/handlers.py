"""The service's pages: the catalog, the launch (``open``) and its progress stream.

Handlers parse the request, call the launcher (which calls ``nblaunch.core``) or the Hub client,
and answer. They raise; ``ProblemMixin`` (``nblaunch.pages.mapping``) turns a deliberate error
into ``{"code", "message"}`` JSON or the page with the correction form, and anything else into a
500 whose traceback stays in the service's log.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any

from jinja2 import Environment
from jupyterhub.services.auth import HubOAuth, HubOAuthenticated
from tornado import web
from tornado.httputil import url_concat
from tornado.iostream import StreamClosedError

from ..core import NBLaunchError, QueryError
from ..core.forms import form_fields
from ..core.query import OPTION_PREFIX, SERVER_NAME, spawner_options
from ..pages import render_consent
from ..pages.mapping import ProblemContext, ProblemMixin
from .errors import HubBusyError, HubUnavailableError
from .hubapi import HubAPI
from .identity import AsyncIdentityMixin
from .launcher import HubLauncher, ready_server

#: How long a launch waits in the Hub's queue (its concurrent spawn limit) before giving up.
QUEUE_LIMIT = 600.0

#: Seconds between two ``alive`` events on the progress stream; the page calls a stream lost
#: after several silent beats (``progress.html``).
HEARTBEAT = 5.0

#: How long the page hears nothing before it calls the stream lost: several missed beats,
#: so a loaded machine or a slow network is not taken for a restart.
SILENCE = 4 * HEARTBEAT

#: What the page says while the Hub does not answer (restarting, upgraded, its proxy down).
HUB_LOST = (
    "Lost contact with the Hub; it may be restarting. "
    "This page carries on by itself when it is back."
)


class BaseHandler(ProblemMixin, AsyncIdentityMixin, HubOAuthenticated, web.RequestHandler):
    """Collaborators from ``initialize()``, framing headers, and the one error mapping."""

    log_name = "the nblaunch service's log"

    def initialize(
        self,
        *,
        hub_auth: HubOAuth,
        launcher: HubLauncher,
        hub: HubAPI,
        pages: Environment,
        prefix: str,
        frame_ancestors: str,
    ) -> None:
        self.hub_auth = hub_auth
        self.launcher = launcher
        self.hub = hub
        self.pages = pages
        self.prefix = prefix
        self.frame_ancestors = frame_ancestors
        self.set_default_headers()

    def set_default_headers(self) -> None:
        # Called once before initialize() (hence the default) and again on every error.
        policy = getattr(self, "frame_ancestors", "frame-ancestors 'none'")
        self.set_header("Content-Security-Policy", policy)

    @property
    def hub_base(self) -> str:
        """The Hub's public base URL as the browser sees it: ``http://host/jhub/``."""
        base = self.prefix.rstrip("/").rsplit("/", 2)[0] + "/"
        return f"{self.request.protocol}://{self.request.host}{base}"

    def render(self, name: str, **context: Any) -> None:  # type: ignore[override]
        """Render one of the service's Jinja2 pages."""
        self.set_header("Content-Type", "text/html; charset=utf-8")
        page = self.pages.get_template(name)
        self.finish(page.render(prefix=self.prefix, **context))

    def send_json(self, body: Any, status: int = 200) -> None:
        """Answer with a JSON body."""
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body, default=str))


class NotFoundHandler(BaseHandler):
    """Every other path under the prefix: our 404, as JSON or a page, never tornado's."""

    async def prepare(self) -> None:
        raise web.HTTPError(404, "There is no such page in the nblaunch service.")


class CatalogHandler(BaseHandler):
    """``GET {prefix}``: every template, with a form that builds and opens its link.

    Hub administrators also see the files the catalog skipped and why (a broken template is
    left out, never the whole catalog).
    """

    @web.authenticated
    def get(self) -> None:
        catalog = self.launcher.catalog
        admin = bool(self.current_user.get("admin"))
        self.render(
            "catalog.html",
            templates=[
                {**t.to_json(), "fields": form_fields(t.parameters, "")}
                for t in catalog.templates()
            ],
            problems=[p.to_json() for p in catalog.problems()] if admin else [],
            user=self.current_user["name"],
        )


class OpenHandler(BaseHandler):
    """``GET {prefix}open/{template}``: check, start the server if needed, write, redirect."""

    @web.authenticated
    async def get(self, name: str) -> None:
        await self._open(name, choice=None)

    @web.authenticated
    async def post(self, name: str) -> None:
        await self._open(name, choice=self.get_body_argument("run", "0") == "1")

    async def _open(self, name: str, *, choice: bool | None) -> None:
        user = self.current_user["name"]
        self.problem = ProblemContext(
            template=name, parameters=None, action="", catalog_url=self.prefix
        )
        template = self.launcher.catalog.get(name)
        self.problem = ProblemContext(
            template=template.name,
            parameters=template.parameters,
            action=f"{self.prefix}open/{template.name}",
            catalog_url=self.prefix,
        )
        plan = self.launcher.plan(template, self.request.query)
        basis, ask = self.launcher.autorun(template, plan)
        if ask and choice is None and self.wants_html():
            action = f"{self.prefix}open/{template.name}?{self.request.query}"
            self.finish(render_consent(self.pages, plan, action=action, xsrf=self.xsrf_value()))
            return
        if ask and choice:
            basis = "consent"
        server = plan.request.controls.server or ""
        known = ready_server(self.current_user, server)
        if known is not None:
            found = await self.launcher.write_known(template, plan, basis, known, self.hub_base)
            if found:
                self.redirect(found)
                return
        model = await self.hub.server(user, server)
        if model and model.get("ready"):
            url, _ = await self.launcher.write(template, plan, basis, model, self.hub_base)
            self.redirect(url)
            return
        stopped = not model or not model.get("pending")
        options = plan.request.spawner_options
        if stopped and not self.wants_html():
            # An API client has no page to watch from: start here, and say where to watch.
            await self.hub.start(user, server, options)
        # A browser gets the progress page at once, values already checked; the page's
        # stream asks the Hub to start the server (and waits out the Hub's spawn limit), so
        # nobody looks at a blank tab while the Hub is busy. A spawn that already failed gets
        # the page too: its stream carries the Hub's reason and the "Try again" button. After
        # a consent, the page sends the same choice again once the server is ready.
        self.send_progress(server, start=stopped, choice=choice, options=options)

    def send_progress(
        self,
        server: str,
        *,
        start: bool,
        choice: bool | None = None,
        options: dict[str, str] | None = None,
    ) -> None:
        """The progress page (browsers) or a 202 saying where to watch (API clients)."""
        query = {"server": server} if server else {}
        if start and self.wants_html():
            # The stream starts the server, with the link's spawner options (opt-*).
            query["start"] = "1"
            query.update({OPTION_PREFIX + k: v for k, v in (options or {}).items()})
        events = f"{self.prefix}api/progress"
        if not self.wants_html():
            self.send_json({"status": "starting", "progress_url": url_concat(events, query)}, 202)
            return
        # An EventSource is not a navigation: JupyterHub's auth accepts its login cookie only
        # with the xsrf token, as the Hub's own spawn-pending page sends it.
        query["_xsrf"] = self.xsrf_value()
        resubmit = None if choice is None else {"run": "1" if choice else "0"}
        self.render(
            "progress.html",
            events=url_concat(events, query),
            probe=f"{self.prefix}api/openapi.json",
            hub_probe=self.prefix.rstrip("/").rsplit("/", 2)[0] + "/hub/api/",
            lost=HUB_LOST,
            silence_ms=int(SILENCE * 1000),
            server=server or "default",
            resubmit=resubmit,
            xsrf=query["_xsrf"],
        )


class ProgressHandler(BaseHandler):
    """``GET {prefix}api/progress?server=``: the Hub's spawn progress, relayed as SSE.

    The browser cannot call the Hub's API (it holds no token for it); the service reads the
    stream with its own token and passes on the progress, message and outcome only. An
    ``alive`` event every ``HEARTBEAT`` seconds tells the page the stream still works.
    """

    @web.authenticated
    async def get(self) -> None:
        server = self.get_argument("server", "")
        if server and not SERVER_NAME.fullmatch(server):
            raise QueryError(f"{server!r} is not a server name.")
        user = self.current_user["name"]
        self.set_header("Content-Type", "text/event-stream")
        self.set_header("Cache-Control", "no-cache")
        self.writing = asyncio.Lock()
        beat = asyncio.ensure_future(self._heartbeat())
        try:
            outcome = await self._outcome(user, server)
        except StreamClosedError:
            return
        finally:
            # Stopped before the outcome is sent, so the outcome is always the last event.
            beat.cancel()
        with contextlib.suppress(StreamClosedError):
            await self.send_event(outcome)
            self.finish()

    async def _outcome(self, user: str, server: str) -> dict[str, Any]:
        """Relay the spawn's progress; return its last event: ready, failed or lost."""
        try:
            if self.get_argument("start", "") == "1":
                await self._start(user, server, spawner_options(self.request.query))
            async for event in self.hub.progress(user, server):
                if not event:
                    # Relay the Hub's keep-alive: proxies keep the stream open through a long
                    # spawn, and a browser that left is noticed here (StreamClosedError).
                    await self.send_raw(":\n\n")
                    continue
                keep = ("progress", "message", "ready", "failed")
                relayed = {k: event[k] for k in keep if k in event}
                if event.get("ready") or event.get("failed"):
                    return relayed
                await self.send_event(relayed)
            return await self._final_state(user, server)
        except HubUnavailableError as err:
            if err.fields.get("status") not in (None, 502, 503, 504):
                return {"failed": True, "message": err.message}
            # The Hub is restarting (or its proxy): the launch is not failed, the page waits
            # for the Hub to answer again and carries on by itself.
            return {"lost": True, "message": HUB_LOST}
        except NBLaunchError as err:
            return {"failed": True, "message": err.message}

    async def _start(self, user: str, server: str, options: dict[str, str]) -> None:
        """Ask the Hub to start the server, waiting as long as its spawn limit asks."""
        deadline = time.monotonic() + QUEUE_LIMIT
        while True:
            try:
                await self.hub.start(user, server, options)
                return
            except HubBusyError as err:
                wait = float(err.fields.get("retry_after", 5))
                if time.monotonic() + wait > deadline:
                    raise
                message = f"{err.message} Trying again in {wait:.0f} s."
                await self.send_event({"progress": 0, "message": message, "queued": True})
                await asyncio.sleep(wait)

    async def _final_state(self, user: str, server: str) -> dict[str, Any]:
        # The Hub answers 400 instead of a stream for a server that is neither pending nor
        # ready, and the stream can end without an outcome: ask for the state instead.
        model = await self.hub.server(user, server)
        if model and model.get("ready"):
            return {"progress": 100, "ready": True, "message": "Server ready"}
        return {"failed": True, "message": "The server is not running; it may have failed."}

    async def send_event(self, event: dict[str, Any]) -> None:
        """Write one Server-Sent Event and flush it to the browser."""
        await self.send_raw(f"data: {json.dumps(event)}\n\n")

    async def send_raw(self, text: str) -> None:
        """Write and flush, one writer at a time: tornado resolves only the latest of two
        overlapping flushes, and the coroutine awaiting the other would wait forever."""
        async with self.writing:
            self.write(text)
            await self.flush()

    async def _heartbeat(self) -> None:
        # A proxy can hold the browser's side of a stream open after the service behind it
        # died (configurable-http-proxy does when the Hub stops its services): the page learns
        # of it only from the silence, so the stream speaks even while the Hub says nothing.
        with contextlib.suppress(StreamClosedError):
            while True:
                await asyncio.sleep(HEARTBEAT)
                await self.send_raw("event: alive\ndata: {}\n\n")
