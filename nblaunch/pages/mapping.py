"""One mapping from exceptions to answers, for every tornado handler of both doors.

Handlers raise; ``ProblemMixin.write_error`` answers. An ``NBLaunchError`` becomes its own
4xx/5xx with ``{"code", "message"}`` JSON, or the error page (with the correction form when the
handler knows the template); a ``tornado.web.HTTPError`` becomes ``{"code": "http-<status>"}``
or a short page; anything else is a 500 "Unhandled error" whose traceback stays in the log.
This is the shape of JupyterHub's and jupyter_server's base handlers, with our error tree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from jinja2 import Environment
from tornado import web

from ..core import NBLaunchError, Parameter
from . import render_problem, render_unhandled

UNHANDLED = {"code": "internal-error", "message": "Unhandled error"}

# A plain mixin at run time: deriving from RequestHandler would put RequestHandler's own
# methods (get_login_url...) ahead of JupyterHub's HubOAuthenticated in a handler's MRO.
if TYPE_CHECKING:
    _Handler = web.RequestHandler
else:
    _Handler = object


@dataclass
class ProblemContext:
    """What the error page's correction form needs: the template and where the form goes."""

    template: str
    parameters: list[Parameter] | None
    action: str
    catalog_url: str = ""


class ProblemMixin(_Handler):
    """Put first in a handler's bases; it needs ``self.pages`` and may set ``self.problem``."""

    pages: Environment
    problem: ProblemContext | None = None
    log_name = "the server's log"

    def wants_html(self) -> bool:
        """Browsers ask for ``text/html``; API clients get JSON."""
        return "text/html" in self.request.headers.get("Accept", "")

    def xsrf_value(self) -> str:
        """The xsrf token as text, for a form field or an EventSource URL."""
        token = self.xsrf_token
        return token.decode() if isinstance(token, bytes) else str(token)

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        """A deliberate error is one log line, not a traceback; bugs keep tornado's logging."""
        if isinstance(value, NBLaunchError):
            self.log_problem(value)
            return
        super().log_exception(typ, value, tb)

    def log_problem(self, err: NBLaunchError) -> None:
        """Log a deliberate error without its message's values (they may be the user's data)."""
        web.gen_log.info("%s %s: %s", self.request.method, self.request.path, err.code)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """The one place an exception becomes an answer."""
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, NBLaunchError):
            self.set_status(exc.status)
            self._answer_problem(exc)
        elif isinstance(exc, web.HTTPError) or status_code < 500:
            message = (exc.log_message if isinstance(exc, web.HTTPError) else None) or self._reason
            self._answer_http(status_code, message or "")
        else:
            self._answer_unhandled()

    def _answer_problem(self, err: NBLaunchError) -> None:
        if not self.wants_html():
            self._json(err.to_json())
            return
        ctx = self.problem or ProblemContext(template="", parameters=None, action="")
        self._html(
            render_problem(
                self.pages,
                err,
                template=ctx.template,
                parameters=ctx.parameters,
                raw_query=self.request.query,
                action=ctx.action,
                catalog_url=ctx.catalog_url,
            )
        )

    def _answer_http(self, status: int, message: str) -> None:
        body = {"code": f"http-{status}", "message": message}
        if not self.wants_html():
            self._json(body)
            return
        page = self.pages.get_template("httperror.html")
        self._html(page.render(status=status, prefix=getattr(self, "prefix", ""), **body))

    def _answer_unhandled(self) -> None:
        if self.wants_html():
            self._html(render_unhandled(self.pages, self.log_name))
        else:
            self._json(UNHANDLED)

    def _json(self, body: dict[str, Any]) -> None:
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body, default=str))

    def _html(self, page: str) -> None:
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(page)
