"""How the client's typed errors become pages, and the links the application builds."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from _harness.pg import free_port
from fastapi.testclient import TestClient

from nblaunch.client import NBLaunchClient
from nblaunch.client import errors as client_errors
from nblaunch.client.urls import login_url
from nblaunch.webapp import Settings, create_app
from nblaunch.webapp.jupyter import describe, make_client, plain_link


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
        (client_errors.NBLaunchClientError("x"), "hub-error", 502),
        # A subclass the client may add later lands where its base does.
        (type("NewConflictError", (client_errors.ConflictError,), {})("x"), "conflict", 409),
        # A class name is not a kind: no more matching of names.
        (type("NotRunningAuthError", (client_errors.APIError,), {})("x"), "hub-error", 502),
    ],
)
def test_client_errors_become_clear_problems(
    error: client_errors.NBLaunchClientError, code: str, status: int
) -> None:
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


@pytest.mark.parametrize("prefix", ["/services/launch/", "services/launch", "/services/launch"])
def test_plain_link_honours_another_service_prefix(prefix: str) -> None:
    settings = Settings(hub_url="http://h/jhub", service_prefix=prefix)
    link = plain_link(settings, "table-summary", {"item_id": 6, "api_url": "http://a/api"})
    assert link == (
        "http://h/jhub/services/launch/open/table-summary?item_id=6&api_url=http://a/api"
        "&ui=lab&autorun=1"
    )


def test_the_share_link_is_where_the_ticket_leads() -> None:
    # One builder for the service's launch URL: the ticket link's ``next`` and the share link.
    settings = Settings(hub_url="http://h:8000/jhub", service_prefix="services/launch/")
    client = make_client(settings.with_changes(api_token="t", ticket_secret="s"))
    assert isinstance(client, NBLaunchClient)
    values = {"item_id": 6, "api_url": "http://a/api", "label": "x y"}
    ticket = client.launch_url("ann", "table-summary", values, ui="lab", autorun=True)
    link = plain_link(settings, "table-summary", values)
    next_path = link.removeprefix("http://h:8000")
    expected = login_url(settings.hub_url, "ann", "s", next_path, 30)
    assert ticket.split("&next=")[1] == expected.split("&next=")[1]


def test_open_with_the_hub_down_is_a_clear_page(tmp_path: Path, login: Callable[..., str]) -> None:
    # The real client, pointed at a port where nothing listens.
    settings = Settings(
        data_dir=tmp_path, hub_url=f"http://127.0.0.1:{free_port()}", api_token="t",
        ticket_secret="s", secret_key="k",
    )  # fmt: skip
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as web:
        token = login(web)
        response = web.get("/items/1/open/image-stats", follow_redirects=False)
        assert response.status_code == 503
        assert "JupyterHub is unreachable" in response.text and "Traceback" not in response.text
        assert 'href="http://testserver/items/1/open/image-stats"' in response.text  # "Try again"
        headers = {"X-CSRF-Token": token, "Accept": "application/json"}
        body = {"template": "image-stats", "path": "a.ipynb"}
        answer = web.post("/items/1/save", json=body, headers=headers)
        assert answer.status_code == 503 and answer.json()["code"] == "hub-unreachable"
        answer = web.post("/items/1/launch", json={"template": "image-stats"}, headers=headers)
        assert answer.status_code == 503 and answer.json()["code"] == "hub-unreachable"
    app.state.engine.dispose()


def test_a_404_without_a_service_body_means_the_service_is_not_there() -> None:
    request = httpx.Request("GET", "http://h/services/nblaunch/api/templates")
    response = httpx.Response(404, request=request, text="<html>404</html>")
    error = client_errors.APIError("Nothing at ...", request=request, response=response)
    problem = describe(error)
    assert (problem.code, problem.status) == ("service-unavailable", 503)
    assert "still be starting" in problem.message
