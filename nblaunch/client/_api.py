"""The one place that knows the service's JSON API: build ``httpx.Request``s, read responses.

The sync and async clients only differ in how they send a request; everything else, URLs,
headers, bodies, error mapping and parsing, is here, so the two can never disagree.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import httpx

from ..core.tickets import check_username
from .errors import (
    ADVICE,
    BY_CODE,
    APIError,
    AuthError,
    HubUnreachableError,
    NBLaunchClientError,
)
from .models import Notebook, Template, parse_time
from .urls import normalize_base

DEFAULT_TIMEOUT = 30.0
# A proxy or gateway answer: the service (or the Hub behind it) is not there to talk to.
_GATEWAY = (502, 503, 504)


class Api:
    """Requests and parsers for the service at ``{hub_url}{service_prefix}``.

    >>> Api("http://h/jhub", "t", service_prefix="services/nblaunch/").service_url
    'http://h/jhub/services/nblaunch/'
    """

    def __init__(
        self,
        hub_url: str,
        api_token: str,
        *,
        service_prefix: str = "services/nblaunch/",
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
    ) -> None:
        if not api_token:
            raise ValueError("api_token is empty: give the nblaunch host token from the Hub.")
        self.hub_url = normalize_base(hub_url)
        self.service_prefix = service_prefix.strip("/") + "/"
        self.service_url = self.hub_url + self.service_prefix
        self._token = api_token
        self._timeout = httpx.Timeout(timeout)

    def __repr__(self) -> str:  # never show the token
        return f"Api({self.service_url!r})"

    def request(self, method: str, path: str, body: Any = None) -> httpx.Request:
        """A request to ``{service_url}{path}`` with the token in the header, never the URL."""
        return httpx.Request(
            method,
            self.service_url + path,
            headers={"Authorization": f"token {self._token}", "Accept": "application/json"},
            json=body,
            extensions={"timeout": self._timeout.as_dict()},
        )

    def templates_request(self) -> httpx.Request:
        return self.request("GET", "api/templates")

    def contents_request(
        self,
        username: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        server: str | None = None,
    ) -> httpx.Request:
        """GET (or PUT, with ``body``) a notebook in a user's default or named server.

        ``username`` must be a Hub user name as it is (lower case): ``UserNameError``, a
        ``ValueError``, otherwise, before anything is sent.
        """
        check_username(username)
        clean = path.strip("/")
        if not clean:
            raise ValueError("path is empty: give the notebook's path in the user's server.")
        where = f"api/users/{quote(username, safe='')}/contents/{quote(clean, safe='/')}"
        if server:
            where += f"?server={quote(server, safe='')}"
        return self.request("GET" if body is None else "PUT", where, body)

    def prestart_request(self, username: str, *, server: str | None = None) -> httpx.Request:
        """POST the service's prestart: start the user's server before a launch."""
        check_username(username)
        where = f"api/users/{quote(username, safe='')}/prestart"
        if server:
            where += f"?server={quote(server, safe='')}"
        return self.request("POST", where, {})


def parse_prestart(body: Any) -> str:
    """``"ready"`` or ``"starting"`` from the prestart answer."""
    status = body.get("status") if isinstance(body, dict) else None
    if status not in ("ready", "starting"):
        raise APIError(f"The service's prestart answer has no status: {body!r:.200}")
    return str(status)


def put_body(content: dict[str, Any], expect_hash: str | None) -> dict[str, Any]:
    """The PUT body: the notebook, plus the hash the caller last saw when given."""
    body: dict[str, Any] = {"content": content}
    if expect_hash is not None:
        body["expect_hash"] = expect_hash
    return body


def check(response: httpx.Response) -> Any:
    """The response's JSON body when it is a success, else the matching client error."""
    if response.is_success:
        try:
            return response.json()
        except ValueError as err:
            raise _error(
                APIError,
                "The nblaunch service answered with something that is not JSON; check that "
                f"{response.request.url} is the service (service_prefix).",
                response,
            ) from err
    raise error_for(response)


def error_for(response: httpx.Response) -> NBLaunchClientError:
    """The client error for a failed response (not raised: the caller raises it)."""
    status = response.status_code
    code, message = _read_error(response)
    if code in BY_CODE:
        cls = BY_CODE[code]
        return _error(cls, f"{message} {ADVICE.get(cls, '')}".strip(), response, code)
    if status in (401, 403):
        return _error(
            AuthError,
            f"The Hub refused the API token ({status}: {message}). Use the nblaunch host token "
            "from the Hub's configuration (nblaunch.hub.configure(host_api_token=...)); it needs "
            "the custom:nblaunch:contents scope.",
            response,
            code,
        )
    if status in _GATEWAY and code is None:
        return _error(
            HubUnreachableError,
            f"The Hub's proxy answered {status} for {response.request.url}: the nblaunch service "
            "(or the Hub) is not running. Start it, then retry.",
            response,
        )
    if response.is_redirect:
        return _error(
            APIError,
            f"{response.request.url.copy_with(query=None)} redirected to "
            f"{response.headers.get('location')}: check hub_url and service_prefix.",
            response,
        )
    if status == 404 and code is None:
        return _error(
            APIError,
            f"Nothing at {response.request.url}: is the nblaunch service registered on this "
            "Hub, under this service_prefix (nblaunch.hub.configure)?",
            response,
        )
    return _error(APIError, f"The nblaunch service answered {status}: {message}", response, code)


def unreachable(request: httpx.Request, err: httpx.TransportError) -> HubUnreachableError:
    """The error for a request that got no answer at all."""
    return HubUnreachableError(
        f"Could not reach the Hub at {request.url.copy_with(query=None)} "
        f"({type(err).__name__}: {err}). Check hub_url and that the Hub is running, then retry.",
        request=request,
    )


def parse_templates(body: Any) -> list[Template]:
    """Read ``GET api/templates``: a list of entries, or ``{"templates": [...]}``."""
    entries = body.get("templates", []) if isinstance(body, dict) else body
    return [
        Template(
            name=str(e["name"]),
            title=str(e.get("title") or e["name"]),
            description=str(e.get("description") or ""),
            parameters=list(e.get("parameters") or []),
            raw=dict(e),
        )
        for e in entries or []
    ]


def parse_notebook(body: Any, path: str) -> Notebook:
    """Read a contents answer: the notebook the service read, and the hash of that content."""
    return Notebook(
        path=str(body.get("path") or path.strip("/")),
        content=body["content"],
        last_modified=parse_time(body.get("last_modified")),
        hash=str(body.get("hash") or ""),
    )


def parse_saved(response: httpx.Response, path: str) -> Notebook:
    """Read a PUT answer: the content the service stored (read back under its lease) and its hash.

    The hash is never paired with the content that was sent: the user's server may have stored
    something else (normalised), and only the service knows what. An answer without both is
    refused rather than guessed at.
    """
    body = check(response)
    if not isinstance(body, dict) or not isinstance(body.get("content"), dict):
        raise _error(
            APIError,
            "The nblaunch service saved the notebook but did not send back what it stored, so "
            "its hash cannot be trusted: update nblaunch on the Hub to this client's version, "
            "then fetch() the notebook to get its hash.",
            response,
        )
    return parse_notebook(body, path)


def _read_error(response: httpx.Response) -> tuple[str | None, str]:
    try:
        body = response.json()
    except (ValueError, json.JSONDecodeError):
        body = None
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        code = body.get("code")
        return (code if isinstance(code, str) else None), body["message"]
    return None, response.reason_phrase or f"HTTP {response.status_code}"


def _error(
    cls: type[NBLaunchClientError], message: str, response: httpx.Response, code: str | None = None
) -> NBLaunchClientError:
    return cls(message, request=response.request, response=response, code=code)
