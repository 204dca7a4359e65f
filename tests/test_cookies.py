"""Cross-site cookies made Partitioned, on finished headers."""

from __future__ import annotations

import doctest

import pytest
from tornado.httputil import HTTPHeaders

import nblaunch.cookies
from nblaunch.cookies import PartitionedCookies, partitioned


def test_docstring_examples() -> None:
    result = doctest.testmod(nblaunch.cookies)
    assert result.failed == 0 and result.attempted > 0


@pytest.mark.parametrize(
    ("cookie", "expected"),
    [
        ("a=1; Path=/; SameSite=None; Secure", "a=1; Path=/; SameSite=None; Secure; Partitioned"),
        (
            "a=1; secure; samesite=none; HttpOnly",
            "a=1; secure; samesite=none; HttpOnly; Partitioned",
        ),
        ("a=1; SameSite=None; Secure; Partitioned", "a=1; SameSite=None; Secure; Partitioned"),
        ("a=1; SameSite=Lax; Secure", "a=1; SameSite=Lax; Secure"),
        ("a=1; SameSite=None", "a=1; SameSite=None"),  # browsers refuse it without Secure
        ("a=secure; SameSite=None", "a=secure; SameSite=None"),  # a value is not an attribute
    ],
)
def test_partitioned(cookie: str, expected: str) -> None:
    assert partitioned(cookie) == expected


def test_the_transform_keeps_every_other_header_and_the_body() -> None:
    headers = HTTPHeaders({"Content-Type": "text/html"})
    headers.add("Set-Cookie", "a=1; SameSite=None; Secure")
    status, out, chunk = PartitionedCookies(None).transform_first_chunk(302, headers, b"x", False)
    assert (status, chunk, out["Content-Type"]) == (302, b"x", "text/html")
    assert out.get_list("Set-Cookie") == ["a=1; SameSite=None; Secure; Partitioned"]
    assert PartitionedCookies(None).transform_chunk(b"rest", True) == b"rest"
