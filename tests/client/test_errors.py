"""How answers become client errors: the service's codes, the Hub's refusals, the proxy's 5xx.

These read real ``httpx.Response`` objects built here; the same mapping is exercised against the
real Hub in ``test_client.py``.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from nblaunch.client import (
    APIError,
    AuthError,
    ConflictError,
    HubUnreachableError,
    NBLaunchClientError,
    NotebookNotFoundError,
    ServerNotRunningError,
    UserNotFoundError,
)
from nblaunch.client._api import check, error_for, parse_saved

REQUEST = httpx.Request("GET", "http://h/services/nblaunch/api/users/ann/contents/a.ipynb")


def answer(status: int, body: Any = None, text: str = "") -> httpx.Response:
    if body is not None:
        return httpx.Response(status, json=body, request=REQUEST)
    return httpx.Response(status, text=text, request=REQUEST)


@pytest.mark.parametrize(
    ("status", "code", "cls", "advice"),
    [
        (404, "user-not-found", UserNotFoundError, "first login"),
        (409, "server-not-running", ServerNotRunningError, "start their server"),
        (404, "not-found", NotebookNotFoundError, "Check the path"),
        (409, "hash-mismatch", ConflictError, "NOT overwritten"),
        (409, "notebook-busy", ConflictError, "NOT overwritten"),
        (502, "hub-unavailable", HubUnreachableError, "Retry"),
        (400, "bad-query", APIError, ""),
    ],
)
def test_service_codes(status: int, code: str, cls: type, advice: str) -> None:
    err = error_for(answer(status, {"code": code, "message": "Said the service."}))
    assert type(err) is cls
    assert err.code == code
    assert err.message.startswith("Said the service.") or "Said the service." in err.message
    assert advice in err.message
    assert err.request is REQUEST and err.status_code == status


@pytest.mark.parametrize("status", [401, 403])
def test_refused_token(status: int) -> None:
    err = error_for(answer(status, {"status": status, "message": "Forbidden"}))
    assert isinstance(err, AuthError)
    assert "custom:nblaunch:contents" in err.message


@pytest.mark.parametrize("status", [502, 503, 504])
def test_proxy_errors_mean_unreachable(status: int) -> None:
    err = error_for(answer(status, text="<html>proxy error</html>"))
    assert isinstance(err, HubUnreachableError)
    assert "not running" in err.message


def test_404_without_a_body_names_the_service_prefix() -> None:
    err = error_for(answer(404, text="<html>404</html>"))
    assert type(err) is APIError and "service_prefix" in err.message


def test_success_that_is_not_json() -> None:
    with pytest.raises(APIError, match="not JSON"):
        check(answer(200, text="<html>login</html>"))


def test_every_error_is_a_client_error() -> None:
    for cls in (AuthError, APIError, HubUnreachableError, ConflictError, UserNotFoundError):
        assert issubclass(cls, NBLaunchClientError)


def test_a_redirect_names_the_settings_to_check() -> None:
    response = httpx.Response(302, headers={"Location": "/hub/login"}, request=REQUEST)
    err = error_for(response)
    assert type(err) is APIError and "/hub/login" in err.message and "hub_url" in err.message


PUT = httpx.Request("PUT", "http://h/services/nblaunch/api/users/ann/contents/a.ipynb")
STORED = {"cells": [], "metadata": {"stored": True}, "nbformat": 4, "nbformat_minor": 5}


def saved(body: Any) -> httpx.Response:
    return httpx.Response(200, json=body, request=PUT)


def test_a_save_reports_what_the_service_stored_with_its_hash() -> None:
    notebook = parse_saved(saved({"path": "a.ipynb", "content": STORED, "hash": "sha256:1"}), "a")
    assert (notebook.content, notebook.hash) == (STORED, "sha256:1")


@pytest.mark.parametrize(
    "body",
    [{"path": "a.ipynb", "hash": "sha256:1"}, {"path": "a.ipynb", "content": None, "hash": "x"},
     ["not", "an", "object"]],
)  # fmt: skip
def test_a_save_answer_without_the_stored_content_is_refused(body: Any) -> None:
    # The old client paired this hash with the content it had sent: a hash of something else
    # when another save won the race, or when the server normalised the notebook.
    with pytest.raises(APIError, match="did not send back what it stored") as caught:
        parse_saved(saved(body), "a.ipynb")
    assert caught.value.response is not None
