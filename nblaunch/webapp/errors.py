"""Every failure a user can meet, answered with a readable page (or JSON under ``/api`` and for
``fetch`` calls): never a traceback in the browser. Unexpected errors are logged with their
traceback and answered with a plain "Unhandled error" page.

A database that is busy or out of disk space (``db.StoreError``, or the driver's error for it
raised anywhere) is a 503 with its code, ``store-busy`` or ``store-full``, not an unhandled error.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException

from .db import BUSY_TIMEOUT, StoreBusyError, StoreError, store_error
from .deps import CSRFError, HubCallError, LoginRequiredError
from .jupyter import HubProblem
from .versions import UnsafeNotebookPathError

log = logging.getLogger(__name__)

_TITLES = {
    400: "Bad request",
    401: "Please log in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    422: "Bad request",
}


def wants_json(request: Request) -> bool:
    """API paths and script calls get JSON errors; people get pages.

    >>> from starlette.requests import Request as R
    >>> wants_json(R({"type": "http", "path": "/api/items", "headers": []}))
    True
    """
    if request.url.path.startswith("/api/"):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def error_response(
    request: Request, status: int, code: str, title: str, message: str, **extra: Any
) -> Response:
    """A JSON ``{"code", "message"}`` or an HTML error page with the same words."""
    if wants_json(request):
        return JSONResponse({"code": code, "message": message}, status_code=status)
    templates = request.app.state.templates
    context = {"status": status, "code": code, "title": title, "message": message, **extra}
    return templates.TemplateResponse(request, "error.html", context, status_code=status)


#: The longest page address kept in ``next=`` after a login.
MAX_NEXT = 2000


async def _login_required(request: Request, _exc: Exception) -> Response:
    if wants_json(request):
        return error_response(request, 401, "login-required", "Please log in", "Log in first.")
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if len(target) > MAX_NEXT:
        # Coming back to a page this long is not worth a Location header proxies refuse (a
        # 30 KB query made a 90 KB header once encoded): back to the page without its query.
        target = request.url.path[:MAX_NEXT]
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


async def _hub_unavailable(request: Request, exc: Exception) -> Response:
    problem = getattr(exc, "problem", None)
    if not isinstance(problem, HubProblem):
        problem = HubProblem("hub-error", "JupyterHub refused the request", str(exc))
    return error_response(
        request, problem.status, problem.code, problem.title, problem.message, retry=True
    )


async def _csrf(request: Request, _exc: Exception) -> Response:
    message = "This form has expired. Go back, reload the page and try again."
    return error_response(request, 403, "csrf", "Form expired", message)


async def _bad_path(request: Request, exc: Exception) -> Response:
    return error_response(request, 400, "bad-path", "Bad notebook path", str(exc))


async def _http(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 500)
    detail = getattr(exc, "detail", None)
    title = _TITLES.get(status, "Error")
    message = detail if isinstance(detail, str) and detail else title + "."
    if status == 404 and message == "Not Found":
        message = "There is nothing at this address."
    return error_response(request, status, f"http-{status}", title, message)


async def _validation(request: Request, exc: Exception) -> Response:
    errors: list[dict[str, Any]] = list(getattr(exc, "errors", list)())
    fields = ", ".join(".".join(str(p) for p in e.get("loc", ())[1:]) for e in errors)
    message = f"Some values are missing or malformed: {fields or 'request'}."
    return error_response(request, 400, "bad-request", "Bad request", message)


async def _store(request: Request, exc: Exception) -> Response:
    # A raw driver error comes from a read or write outside record_save (the logged-in user's
    # row, a page): the same answer in general words. Anything else is still a bug: re-raised,
    # it reaches _unhandled (and the server's own log) as before.
    problem = exc if isinstance(exc, StoreError) else None
    if problem is None:
        kind = store_error(exc)
        if kind is None:
            raise exc
        problem = kind()
    # The driver's words only: SQLAlchemy's text carries the statement and its parameters.
    cause = exc.__cause__ or exc
    log.warning("Not stored on %s %s: %s", request.method, request.url.path,
                getattr(cause, "orig", None) or cause)  # fmt: skip
    response = error_response(
        request, problem.status, problem.code, problem.title, problem.message, retry=True
    )
    if isinstance(problem, StoreBusyError):
        response.headers["Retry-After"] = str(round(BUSY_TIMEOUT))
    return response


async def _unhandled(request: Request, exc: Exception) -> Response:
    # The traceback goes to the log only: it may contain tokens, paths, SQL.
    log.error("Unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    message = "Something went wrong on our side. It has been logged; please try again."
    return error_response(request, 500, "unhandled", "Unhandled error", message)


def install(app: FastAPI) -> None:
    """Register the error handlers on ``app``."""
    app.add_exception_handler(LoginRequiredError, _login_required)
    app.add_exception_handler(HubCallError, _hub_unavailable)
    app.add_exception_handler(CSRFError, _csrf)
    app.add_exception_handler(UnsafeNotebookPathError, _bad_path)
    for store_failure in (StoreError, DBAPIError, OSError):
        app.add_exception_handler(store_failure, _store)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(Exception, _unhandled)
