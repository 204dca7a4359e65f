"""How Hub client failures become pages, and the links the application builds."""

from __future__ import annotations

import httpx
import pytest

from nblaunch.webapp import Settings
from nblaunch.webapp.hub import describe, make_client, plain_link

client_errors = pytest.importorskip("nblaunch.client.errors")


@pytest.mark.parametrize(
    ("error", "code", "status"),
    [
        (client_errors.ConflictError("x", code="hash-mismatch"), "conflict", 409),
        (client_errors.ServerNotRunningError("x"), "server-not-running", 409),
        (client_errors.HubUnreachableError("x"), "hub-unreachable", 503),
        (client_errors.UserNotFoundError("x"), "user-not-found", 404),
        (client_errors.NotebookNotFoundError("x"), "not-found", 404),
        (client_errors.AuthError("x"), "hub-auth", 502),
        (client_errors.APIError("x", code="something-new"), "hub-error", 502),
        (httpx.ConnectError("refused"), "hub-unreachable", 503),
        (ConnectionRefusedError(), "hub-unreachable", 503),
    ],
)
def test_client_errors_become_clear_problems(error: Exception, code: str, status: int) -> None:
    problem = describe(error)
    assert (problem.code, problem.status) == (code, status)
    assert "Traceback" not in problem.message and problem.message.endswith(".")


def test_real_client_is_made_only_with_a_token() -> None:
    assert make_client(Settings(api_token="")) is None
    client = make_client(Settings(api_token="t", ticket_secret="s", hub_url="http://h:8000"))
    assert client is not None
    assert client.launch_url("ann", "image-stats", {"item_id": 1}).startswith(
        "http://h:8000/hub/login?login_token="
    )


def test_plain_link_honours_another_service_prefix() -> None:
    settings = Settings(hub_url="http://h/jhub", service_prefix="/services/launch/")
    link = plain_link(settings, "table-summary", {"item_id": 6, "api_url": "http://a/api"})
    assert link == (
        "http://h/jhub/services/launch/open/table-summary?item_id=6&api_url=http://a/api&autorun=1"
    )
