"""The service's access log: one line per request, with secrets in query strings scrubbed.

Tornado's own access log goes to a logger nobody configures in a Hub-managed service, so the
service logs its requests itself, through its traitlets logger, as JupyterHub does for its own.
A launch link's parameters are worth seeing in a log; an OAuth ``code``/``state``, an ``_xsrf``
or anything named like a token or a password is not.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import unquote_plus

SECRET_WORDS = ("token", "code", "state", "xsrf", "secret", "password", "auth", "key")


def scrub(uri: str) -> str:
    """``uri`` with the value of every query argument whose name looks secret replaced.

    >>> scrub("/services/nblaunch/oauth_callback?code=abc&state=xyz")
    '/services/nblaunch/oauth_callback?code=[secret]&state=[secret]'
    >>> scrub("/services/nblaunch/open/stats?n=4&label=a%20b")
    '/services/nblaunch/open/stats?n=4&label=a%20b'
    """
    path, sep, query = uri.partition("?")
    if not sep:
        return uri
    pieces = []
    for piece in query.split("&"):
        name, eq, _ = piece.partition("=")
        if eq and any(word in unquote_plus(name).lower() for word in SECRET_WORDS):
            piece = f"{name}=[secret]"
        pieces.append(piece)
    return f"{path}?{'&'.join(pieces)}"


def access_logger(log: logging.Logger) -> Any:
    """A tornado ``log_function`` writing to ``log``: info below 400, warning, then error.

    >>> callable(access_logger(logging.getLogger("nblaunch")))
    True
    """

    def log_request(handler: Any) -> None:
        status = handler.get_status()
        level = logging.INFO if status < 400 else logging.WARNING if status < 500 else logging.ERROR
        request = handler.request
        # Only a user the handler already looked up: a lookup here could call the Hub again.
        user = getattr(handler, "_current_user", None)
        name = user.get("name", "") if isinstance(user, dict) else ""
        log.log(
            level,
            "%d %s %s%s %.1f ms",
            status,
            request.method,
            scrub(request.uri or ""),
            f" ({name})" if name else "",
            1000.0 * request.request_time(),
        )

    return log_request
