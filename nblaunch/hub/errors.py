"""Errors of the hub service that core does not have: the Hub or a user's server said no.

They extend core's tree (``nblaunch.core.errors``) so handlers answer them the same way:

    NBLaunchError
    ├── UserNotFoundError        user-not-found      404  (no such Hub user)
    ├── ServerNotRunningError    server-not-running  409  (the user's server is stopped)
    ├── NotFoundError            not-found           404  (no such file in the user's server)
    ├── HashMismatchError        hash-mismatch       409  (the file changed since expect_hash)
    ├── NotebookBusyError        notebook-busy       409  (another save of it held the lease)
    ├── HubUnavailableError      hub-unavailable     502  (the Hub or the server did not answer)
    └── TicketError (core)
        └── LoginRefusedError    not-allowed         403  (a valid ticket for a user the Hub
                                                           may not log in: allowed_users)
"""

from __future__ import annotations

from ..core import NBLaunchError, TicketError


class UserNotFoundError(NBLaunchError):
    """The Hub has no user of that name (users are created when they first log in)."""

    code = "user-not-found"
    status = 404


class ServerNotRunningError(NBLaunchError):
    """The user's Jupyter server is not running, so its files cannot be read or written."""

    code = "server-not-running"
    status = 409


class NotFoundError(NBLaunchError):
    """No file at that path in the user's server."""

    code = "not-found"
    status = 404


class HashMismatchError(NBLaunchError):
    """``expect_hash`` no longer matches the file: someone saved it in between."""

    code = "hash-mismatch"
    status = 409


class NotebookBusyError(NBLaunchError):
    """Another save of the same notebook held its lease for the whole wait: nothing written."""

    code = "notebook-busy"
    status = 409


class HubUnavailableError(NBLaunchError):
    """The Hub or the user's server answered with something the service cannot use."""

    code = "hub-unavailable"
    status = 502


class LoginRefusedError(TicketError):
    """A valid ticket, but the Hub's authenticator may not log its user in (``allowed_users``)."""

    code = "not-allowed"
    status = 403


class HubBusyError(NBLaunchError):
    """The Hub refused to start a server now (429: its concurrent spawn limit); ``retry_after``
    is how many seconds it asked for."""

    code = "hub-busy"
    status = 503
