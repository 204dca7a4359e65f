"""Fuzz the hub service and the ticket login through a real JupyterHub and its proxy: no 5xx.

The service's pages and API (catalog, ``open/{template}``, ``api/templates``, ``api/progress``,
``api/users/{u}/contents/{path}`` GET and PUT) anonymously, as Alice (her server running) and with
the host's token; ``/hub/login`` with hostile tickets, including ones signed with the right
secret around hostile contents (user names, types, times), on GET and POST.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nblaunch.core.tickets import _b64, _sign

from .conftest import FUZZ_AGENT
from .hostile import any_text, bodies, fuzz, headers, json_documents, pct, queries, segments
from .hostile import tokens as hostile_tokens
from .raw import Request

SERVICE = b"/services/nblaunch/"
TEMPLATES = [b"image-stats", b"item-explorer", b"table-summary", b"missing", b""]
ROUTES = [b"", b"open/", b"api/templates", b"api/progress", b"api/openapi.json", b"static/",
          b"oauth_callback", b"api/users/"]  # fmt: skip
USERS = [b"alice", b"bob", b"Carol", b"nobody", b"a%2Fb", b"", b"%ED%A0%80"]
NOTEBOOKS = [b"fuzz.ipynb", b"dir/fuzz.ipynb", b"nblaunch", b"..", b"x.txt"]


def _who(hub: Any, alice: str, who: str) -> list[tuple[bytes, bytes]]:
    if who == "alice":
        return [(b"Cookie", alice.encode())]
    if who == "host":
        return [(b"Authorization", b"token " + hub.helpers.HOST_TOKEN.encode())]
    return []


who = st.sampled_from(["anonymous", "alice", "host"])


DEEP = b"[" * 20_000 + b"]" * 20_000


@pytest.mark.parametrize(
    ("method", "target", "body"),
    [
        ("GET", b"open/image-stats?item_id=%ED%A0%80", b""),
        ("GET", b"open/image-stats?params=" + b"%5B" * 10_000 + b"%5D" * 10_000, b""),
        ("GET", b"open/image-stats?" + b"&".join([b"item_id=1"] * 3000), b""),
        ("GET", b"open/%C3%28", b""),
        ("GET", b"open/%ED%A0%80", b""),
        ("GET", b"api/progress?server=%ff&path=%ED%A0%80", b""),
        ("GET", b"api/users/alice/contents/%ED%A0%80.ipynb", b""),
        ("GET", b"api/users/%%/contents/x.ipynb", b""),
        ("GET", b"api/users/alice/contents/..%2F..%2Fetc%2Fpasswd", b""),
        ("PUT", b"api/users/alice/contents/fuzz.ipynb", DEEP),
        ("PUT", b"api/users/alice/contents/fuzz.ipynb", b'{"content": {}}'),
        ("PUT", b"api/users/alice/contents/fuzz.ipynb", b'{"content": {"cells": 1}}'),
        ("PUT", b"api/users/alice/contents/f.ipynb", b'{"content": {}, "expect_hash": 1}'),
    ],
)
@pytest.mark.parametrize("as_who", ["anonymous", "alice", "host"])
def test_known_hostile_requests(fuzz_hub, alice, method, target, body, as_who) -> None:
    # To the service's own address: what the proxy does with a request is the next test's.
    extra = [(b"Content-Type", b"application/json"), *_who(fuzz_hub, alice, as_who)]
    fuzz_hub.direct.check(Request(method, SERVICE + target, extra, body), strict=True)


@pytest.mark.xfail(
    reason="500 from configurable-http-proxy 5.3.0 (lib/configproxy.js:455, decodeURIComponent "
    "of the path throws URIError); not nblaunch's code",
    strict=True,
)
@pytest.mark.parametrize("path", [b"/services/nblaunch/open/%C3%28", b"/hub/%ED%A0%80", b"/%"])
def test_the_proxy_refuses_a_malformed_path_without_a_500(fuzz_hub, path) -> None:
    fuzz_hub.target.check(Request("GET", path), strict=True)


@pytest.mark.parametrize(
    "query",
    [
        b"login_token=%ED%A0%80&next=%2F%2Fevil.example",
        b"login_token=" + b"a." * 5000,
        b"login_token=x&next=%25%7F~%ED%A0%80",
        b"login_token=%C3%28&next=%C3%28",
    ],
)
@pytest.mark.parametrize("as_who", ["anonymous", "alice"])
def test_known_hostile_logins(fuzz_hub, alice, query, as_who) -> None:
    fuzz_hub.target.check(Request("GET", b"/hub/login?" + query, _who(fuzz_hub, alice, as_who)),
                          strict=True)  # fmt: skip


@fuzz(weight=2)
@given(route=st.sampled_from(ROUTES), path=segments(TEMPLATES), query=st.none() | queries,
       extra=headers, as_who=who, direct=st.booleans())  # fmt: skip
def test_service_pages(fuzz_hub, alice, route, path, query, extra, as_who, direct) -> None:
    target = SERVICE + route + path + (b"" if query is None else b"?" + query)
    server = fuzz_hub.direct if direct else fuzz_hub.target
    server.check(Request("GET", target, [*_who(fuzz_hub, alice, as_who), *extra]))


@fuzz(weight=2)
@given(method=st.sampled_from(["GET", "PUT"]), user=st.sampled_from(USERS) | hostile_tokens,
       path=segments(NOTEBOOKS), query=st.none() | queries, body=json_documents | bodies,
       extra=headers, as_who=who, direct=st.booleans())  # fmt: skip
def test_contents_api(fuzz_hub, alice, method, user, path, query, body, extra, as_who, direct):
    target = SERVICE + b"api/users/" + user + b"/contents/" + path
    target += b"" if query is None else b"?" + query
    sent = [*_who(fuzz_hub, alice, as_who), (b"Content-Type", b"application/json"), *extra]
    server = fuzz_hub.direct if direct else fuzz_hub.target
    server.check(Request(method, target, sent, body if method == "PUT" else b""))


def _signed(secret: str, body: Any) -> bytes:
    """A ticket signed with the Hub's own secret around whatever ``body`` holds."""
    payload = _b64(json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass"))
    return f"{payload}.{_sign(secret, payload)}".encode()


def _ticket_bodies() -> st.SearchStrategy[Any]:
    now = int(time.time())
    users = st.sampled_from(["alice", "Carol", " bob", "a/b", "..", "", "x" * 5000]) | any_text
    times = st.sampled_from([now, now - 3600, now + 3600, 0, -1, 10**30]) | st.text(max_size=3)
    whole = st.fixed_dictionaries(
        {"v": st.sampled_from([1, 2, "1", None]), "u": users, "n": st.just(secrets.token_hex(16)),
         "iat": times, "exp": times},
    )  # fmt: skip
    return whole | st.sampled_from([[], "x", None, 1, {"u": "alice"}, {"v": 1, "u": ["alice"]}])


@pytest.mark.parametrize("form", [b"login_token=", b"", b"password=x&next=%2Fhub%2Fhome"])
def test_a_login_form_without_ticket_or_name(fuzz_hub, login_form, form) -> None:
    # JupyterHub's LoginHandler.post raised KeyError 'username' for these (a 500).
    cookie, xsrf = login_form
    sent = [(b"Cookie", cookie.encode()), (b"User-Agent", FUZZ_AGENT.encode()),
            (b"Content-Type", b"application/x-www-form-urlencoded")]  # fmt: skip
    body = form + (b"&" if form else b"") + b"_xsrf=" + pct(xsrf.encode())
    fuzz_hub.target.check(Request("POST", b"/hub/login", sent, body), strict=True)


@fuzz(weight=2)
@given(
    signed=st.booleans(), body=_ticket_bodies(), token=hostile_tokens,
    next_url=st.none() | hostile_tokens | st.sampled_from(
        [b"%2Fhub%2Fhome", b"%2F%2Fevil.example", b"https%3A%2F%2Fevil.example", b"%2Fuser%2Fbob"]
    ),
    method=st.sampled_from(["GET", "POST"]), xsrf=st.booleans(), extra=headers, as_who=who,
)  # fmt: skip
def test_ticket_login(
    fuzz_hub, alice, login_form, signed, body, token, next_url, method, xsrf, extra, as_who
) -> None:
    ticket = pct(_signed(fuzz_hub.helpers.SECRET, body)) if signed else token
    form = b"login_token=" + ticket + (b"" if next_url is None else b"&next=" + next_url)
    sent = [*_who(fuzz_hub, alice, as_who), *extra]
    if method == "GET":
        fuzz_hub.target.check(Request("GET", b"/hub/login?" + form, sent))
        return
    # With the form's own _xsrf (and its cookie) the POST reaches the ticket code.
    cookie, token_field = login_form if xsrf else ("", "x")
    if xsrf:
        sent = [(b"Cookie", cookie.encode()), (b"User-Agent", FUZZ_AGENT.encode()), *extra]
    sent.append((b"Content-Type", b"application/x-www-form-urlencoded"))
    body_ = form + b"&_xsrf=" + pct(token_field.encode())
    fuzz_hub.target.check(Request("POST", b"/hub/login", sent, body_))
