"""Fuzz the server extension's four endpoints through a real Jupyter Server: never a 5xx.

``GET nblaunch/open/{path}``, ``GET nblaunch/api/parameters/{path}``, ``POST
nblaunch/api/grants`` and ``POST nblaunch/api/grants/redeem``, with hostile paths, queries,
headers and bodies, with and without the server's token; a table of known-bad requests first.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from .conftest import JUPYTER_TOKEN, Target
from .hostile import MONSTERS, bodies, fuzz, headers, json_documents, queries, segments
from .raw import Request

AUTH = (b"Authorization", b"token " + JUPYTER_TOKEN.encode())
TEMPLATES = [b"stats.ipynb", b"bare.ipynb", b"missing.ipynb", b"nblaunch", b""]
DEEP = b"[" * 20_000 + b"]" * 20_000
JSON = (b"Content-Type", b"application/json")


@pytest.mark.parametrize(
    ("method", "target", "body"),
    [
        ("GET", b"/nblaunch/open/stats.ipynb?n=%ED%A0%80", b""),
        ("GET", b"/nblaunch/open/stats.ipynb?%ff=1&n=%", b""),
        ("GET", b"/nblaunch/open/%ED%A0%80.ipynb", b""),
        ("GET", b"/nblaunch/open/..%2F..%2Fetc%2Fpasswd", b""),
        ("GET", b"/nblaunch/open/stats.ipynb?params=" + b"%5B" * 10_000 + b"%5D" * 10_000, b""),
        *[("GET", b"/nblaunch/open/stats.ipynb?" + query, b"") for query in MONSTERS],
        ("GET", b"/nblaunch/api/parameters/%C3%28", b""),
        ("GET", b"/nblaunch/api/parameters/" + b"a" * 5000, b""),
        pytest.param("POST", b"/nblaunch/api/grants", DEEP),
        ("POST", b"/nblaunch/api/grants", b'{"path": "\\ud800", "basis": "launch"}'),
        ("POST", b"/nblaunch/api/grants", b'{"path": "../x.ipynb", "basis": "launch"}'),
        pytest.param("POST", b"/nblaunch/api/grants/redeem", DEEP),
        ("POST", b"/nblaunch/api/grants/redeem", b'{"path": "' + b"a/" * 3000 + b'"}'),
        ("POST", b"/nblaunch/api/grants/redeem", b'{"path": 1e999}'),
    ],
)
def test_known_hostile_requests(jupyter: Target, method: str, target: bytes, body: bytes) -> None:
    jupyter.check(Request(method, target, [AUTH, JSON], body), strict=True)


def _maybe_authorised(extra: list[tuple[bytes, bytes]], authorised: bool) -> list:
    return [AUTH, *extra] if authorised else extra


@fuzz(weight=2)
@given(
    route=st.sampled_from([b"/nblaunch/open/", b"/nblaunch/api/parameters/"]),
    path=segments(TEMPLATES),
    query=st.none() | queries,
    extra=headers,
    authorised=st.booleans(),
)
def test_get_routes(jupyter: Target, route, path, query, extra, authorised) -> None:
    target = route + path + (b"" if query is None else b"?" + query)
    jupyter.check(Request("GET", target, _maybe_authorised(extra, authorised)))


@fuzz(weight=2)
@given(
    route=st.sampled_from([b"/nblaunch/api/grants", b"/nblaunch/api/grants/redeem"]),
    body=json_documents | bodies,
    query=st.none() | queries,
    extra=headers,
    authorised=st.booleans(),
)
def test_post_routes(jupyter: Target, route, body, query, extra, authorised) -> None:
    target = route + (b"" if query is None else b"?" + query)
    jupyter.check(Request("POST", target, _maybe_authorised([JSON, *extra], authorised), body))
