"""Errors of the host-side client: what went wrong between the host application and the Hub.

Every error carries the ``httpx.Request`` that failed and, when the Hub or the service answered,
the ``httpx.Response``; its message says what to do about it. The service's ``{"code",
"message"}`` body is kept in ``code`` and in the message.

    NBLaunchClientError                 any failure of a client call
    ├── HubUnreachableError             no answer: network, DNS, timeout, proxy 502/503/504,
    │                                   or the service's hub-unavailable (502)
    ├── AuthError                       401/403: the API token is wrong or lacks the scope
    └── APIError                        the service answered with an error body
        ├── UserNotFoundError           user-not-found (404): the user never logged in
        ├── ServerNotRunningError       server-not-running (409): start it by opening a notebook
        ├── NotebookNotFoundError       not-found (404): no such file in the user's server
        └── ConflictError               hash-mismatch (409): the file changed since expect_hash;
                                        notebook-busy (409): another save of it is under way
"""

from __future__ import annotations

from typing import ClassVar

import httpx


class NBLaunchClientError(Exception):
    """Base of every client error; ``request`` and ``response`` are httpx objects.

    >>> str(NBLaunchClientError("The Hub said no."))
    'The Hub said no.'
    """

    def __init__(
        self,
        message: str,
        *,
        request: httpx.Request | None = None,
        response: httpx.Response | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.request = request
        self.response = response
        self.code = code

    @property
    def status_code(self) -> int | None:
        """The HTTP status of the answer, or ``None`` when nothing answered."""
        return self.response.status_code if self.response is not None else None


class HubUnreachableError(NBLaunchClientError):
    """Nothing usable answered: the Hub, its proxy or the nblaunch service is down."""


class AuthError(NBLaunchClientError):
    """The Hub refused the API token (wrong, expired, or without the needed scope)."""


class APIError(NBLaunchClientError):
    """The nblaunch service answered with an error; ``code`` is its stable code."""

    codes: ClassVar[tuple[str, ...]] = ()


class UserNotFoundError(APIError):
    """The Hub has no such user: users exist once they have logged in (open a notebook first)."""

    codes = ("user-not-found",)


class ServerNotRunningError(APIError):
    """The user's Jupyter server is stopped (culled, crashed, or never started)."""

    codes = ("server-not-running",)


class NotebookNotFoundError(APIError):
    """No file at that path in the user's server."""

    codes = ("not-found",)


class ConflictError(APIError):
    """The notebook changed since the hash the caller expected, or another save of it was
    under way: nothing was written."""

    codes = ("hash-mismatch", "notebook-busy")


#: The service's error code → the class raised for it.
BY_CODE: dict[str, type[NBLaunchClientError]] = {
    code: cls
    for cls in (UserNotFoundError, ServerNotRunningError, NotebookNotFoundError, ConflictError)
    for code in cls.codes
}
# The service answered, but the Hub or the user's server behind it did not.
BY_CODE["hub-unavailable"] = HubUnreachableError

#: What the caller should do, appended to the service's own message.
ADVICE: dict[type[NBLaunchClientError], str] = {
    UserNotFoundError: (
        "The Hub creates a user at their first login: send them to launch_url() or open_url() "
        "once, then retry."
    ),
    ServerNotRunningError: (
        "Nothing was read or written. Open a notebook for this user (launch_url() or open_url()) "
        "to start their server, then retry; keep the version you already stored."
    ),
    NotebookNotFoundError: "Check the path, relative to the user's server root.",
    HubUnreachableError: "Retry in a moment; if it persists, read the Hub's and service's logs.",
    ConflictError: (
        "The notebook was NOT overwritten: it changed since you read it, or is being saved by "
        "someone else. fetch() it again, decide which version wins, then put() with the new "
        "hash."
    ),
}
