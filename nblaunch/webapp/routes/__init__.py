"""HTTP routes: pages for people (``pages``, ``notebooks``, ``analyses``) and the JSON ``api``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import HTMLResponse

from ..deps import HubCallError, csrf_token
from ..jupyter import NBLaunchClientError, describe

T = TypeVar("T")


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """Render template ``name`` with the user, the CSRF token and the settings available."""
    context.setdefault("user", None)
    context["csrf_token"] = csrf_token(request)
    context["settings"] = request.app.state.settings
    templates = request.app.state.templates
    response: HTMLResponse = templates.TemplateResponse(request, name, context, status_code=status)
    return response


def call_hub(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call a Hub client method, turning its failures into a readable error page.

    >>> call_hub(lambda: 42)
    42
    """
    try:
        return function(*args, **kwargs)
    except NBLaunchClientError as exc:  # the client wraps network failures too
        raise HubCallError(describe(exc)) from exc


def browser_url(function: Callable[..., str], client: Any, *args: Any, **kwargs: Any) -> str:
    """A URL that sends the browser to the Hub, after checking that the Hub and service answer.

    Minting a ticket URL needs no network, so without this check an unreachable Hub would show
    the browser's own error page (or a blank frame) instead of ours. One authenticated call to
    the service (``templates()``, about 12 ms) proves the Hub, the service and our token work.
    """
    call_hub(client.templates)
    return call_hub(function, *args, **kwargs)
