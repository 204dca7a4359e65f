"""Browser URLs built by the client: ticket login, ``next`` on the Hub, base_url prefixes."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from nblaunch.client import AsyncNBLaunchClient, NBLaunchClient, make_ticket
from nblaunch.core import ControlValueError, parse_query, verify_ticket
from nblaunch.core import make_ticket as core_make_ticket

SECRET = "s" * 32


def split(url: str) -> tuple[str, str, str]:
    """(path of the URL, the ticket, the decoded next)."""
    parts = urlsplit(url)
    query = parse_qs(parts.query, strict_parsing=True)
    assert set(query) == {"login_token", "next"}
    return parts.path, query["login_token"][0], query["next"][0]


@pytest.mark.parametrize("cls", [NBLaunchClient, AsyncNBLaunchClient])
@pytest.mark.parametrize(
    ("hub_url", "base"),
    [("http://127.0.0.1:8000", "/"), ("https://h.example.org/jhub", "/jhub/")],
)
def test_launch_url_logs_in_by_ticket_then_opens_the_template(
    cls: type[NBLaunchClient], hub_url: str, base: str
) -> None:
    client = cls(hub_url, "token", SECRET)
    url = client.launch_url("ann", "image-stats", {"image_id": 2959331, "label": "a b&c"})
    path, ticket, nxt = split(url)
    assert url.startswith(hub_url.rstrip("/") + "/hub/login?")
    assert path == f"{base}hub/login"
    assert verify_ticket(ticket, SECRET).username == "ann"
    where, _, query = nxt.partition("?")
    assert where == f"{base}services/nblaunch/open/image-stats"
    request = parse_query(query)
    assert request.params == {"image_id": ["2959331"], "label": ["a b&c"]}
    assert request.controls.ui == "doc"
    assert request.controls.autorun is None


def test_launch_url_options_ride_in_next() -> None:
    client = NBLaunchClient("http://h/", "token", SECRET, service_prefix="/svc/launch")
    _, _, nxt = split(client.launch_url("ann", "t", {}, ui="lab", server="gpu-1", autorun=True))
    assert nxt == "/svc/launch/open/t?ui=lab&server=gpu-1&autorun=1"


def test_every_launch_url_has_a_fresh_ticket() -> None:
    client = NBLaunchClient("http://h/", "token", SECRET)
    tickets = {split(client.launch_url("ann", "t", {"n": 1}))[1] for _ in range(5)}
    assert len(tickets) == 5


@pytest.mark.parametrize(
    ("server", "ui", "expected"),
    [
        (None, "doc", "/jhub/hub/user-redirect/doc/tree/nblaunch/a%20b.ipynb"),
        (None, "notebook", "/jhub/hub/user-redirect/notebooks/nblaunch/a%20b.ipynb"),
        ("gpu", "lab", "/jhub/user/ann%2Bx/gpu/lab/tree/nblaunch/a%20b.ipynb"),
    ],
)
def test_open_url(server: str | None, ui: str, expected: str) -> None:
    client = NBLaunchClient("http://h/jhub/", "token", SECRET)
    _, ticket, nxt = split(client.open_url("ann+x", "/nblaunch/a b.ipynb", ui=ui, server=server))
    assert nxt == expected
    assert verify_ticket(ticket, SECRET).username == "ann+x"


@pytest.mark.parametrize("server", ["Gpu", "a--b", "1a", "x" * 31, "../x"])
def test_bad_server_names_are_refused(server: str) -> None:
    client = NBLaunchClient("http://h/", "token", SECRET)
    with pytest.raises(ControlValueError):
        client.open_url("ann", "a.ipynb", server=server)
    with pytest.raises(ControlValueError):
        client.launch_url("ann", "t", {}, server=server)


def test_bad_ui_is_refused() -> None:
    with pytest.raises(ControlValueError):
        NBLaunchClient("http://h/", "token", SECRET).open_url("ann", "a.ipynb", ui="evil")


@pytest.mark.parametrize("hub_url", ["hub.example.org", "ftp://h/", "http://"])
def test_hub_url_must_be_http(hub_url: str) -> None:
    with pytest.raises(ValueError, match="hub_url"):
        NBLaunchClient(hub_url, "token", SECRET)


def test_empty_token_and_secret_are_refused() -> None:
    with pytest.raises(ValueError, match="api_token"):
        NBLaunchClient("http://h/", "", SECRET)
    with pytest.raises(ValueError, match="ticket_secret"):
        NBLaunchClient("http://h/", "token", "")


def test_repr_shows_neither_token_nor_secret() -> None:
    client = NBLaunchClient("http://h/", "tok-123", "sec-456")
    assert "tok-123" not in repr(client) and "sec-456" not in repr(client)
    assert "tok-123" not in repr(client.api)


def test_make_ticket_is_reexported() -> None:
    assert make_ticket is core_make_ticket


def test_token_only_in_the_header() -> None:
    client = NBLaunchClient("http://h/", "tok-123", SECRET)
    request = client.api.contents_request("ann", "a b.ipynb", server="gpu")
    assert request.headers["Authorization"] == "token tok-123"
    assert "tok-123" not in str(request.url)
    assert (
        str(request.url)
        == "http://h/services/nblaunch/api/users/ann/contents/a%20b.ipynb?server=gpu"
    )


@pytest.mark.parametrize("username", ["Carol", " carol", "a/b", ""])
def test_user_names_that_are_not_hub_names_are_refused_before_sending(username: str) -> None:
    # The Hub would log Carol in as carol: two host users would share one Hub account, and the
    # contents API would never find Carol.
    client = NBLaunchClient("http://h/", "tok-123", SECRET)
    with pytest.raises(ValueError, match="user name") as caught:
        client.api.contents_request(username, "a.ipynb")
    assert getattr(caught.value, "code", "") == "user-name-not-normal"
    with pytest.raises(ValueError, match="user name"):
        client.launch_url(username, "stats", {})
    with pytest.raises(ValueError, match="user name"):
        client.open_url(username, "a.ipynb")


def test_a_hub_name_passes_unchanged() -> None:
    client = NBLaunchClient("http://h/", "tok-123", SECRET)
    assert "/users/carol/" in str(client.api.contents_request("carol", "a.ipynb").url)
    _, ticket, _ = split(client.open_url("carol", "a.ipynb"))
    assert verify_ticket(ticket, SECRET).username == "carol"
