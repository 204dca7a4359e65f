"""Hypothesis strategies for hostile requests, as bytes on the wire, and the run's size knob.

Paths and queries: bad percent-encoding (``%``, ``%G1``), invalid UTF-8 (``%C3%28``, raw
``\\xff``), lone surrogates (``%ED%A0%80``, and ``\\ud800`` inside JSON), traversal, very long
names, empty and repeated names, thousands of parameters, huge and deeply nested ``params=``
JSON. Headers: broken cookies, tokens, content types, forwarded headers. Bodies: bytes,
JSON of every shape, forms with the same broken encodings.

``NBLAUNCH_FUZZ_EXAMPLES`` (default 20) is the number of examples of a test of weight 1;
``NBLAUNCH_FUZZ_SEED`` (default 11) seeds every test, so a run can be replayed exactly.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote_from_bytes

from hypothesis import HealthCheck, Phase, seed, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("NBLAUNCH_FUZZ_EXAMPLES", "20"))
SEED = int(os.environ.get("NBLAUNCH_FUZZ_SEED", "11"))
T = TypeVar("T", bound=Callable[..., Any])


def fuzz(weight: float = 1.0) -> Callable[[T], T]:
    """Seeded settings for a fuzz test: ``weight * NBLAUNCH_FUZZ_EXAMPLES`` examples."""

    def decorate(test: T) -> T:
        configured = settings(
            max_examples=max(1, round(EXAMPLES * weight)),
            deadline=None,
            database=None,  # the seed, not a local example database, decides what runs
            # No shrinking: a failure prints the request as it was sent, which is what we need.
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )(test)
        return seed(SEED)(configured)  # type: ignore[no-any-return]

    return decorate


def pct(data: bytes) -> bytes:
    """Percent-encode every byte but the unreserved ones."""
    return quote_from_bytes(data, safe="").encode()


def utf8(text: str) -> bytes:
    """UTF-8 bytes, lone surrogates included (as a careless encoder writes them)."""
    return text.encode("utf-8", "surrogatepass")


surrogates = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF, exclude_categories=())
any_text = st.text(st.characters(exclude_categories=()) | surrogates, max_size=20)

#: Pieces that are wrong on the wire, each in its own way.
BROKEN = [
    b"%", b"%%", b"%G1", b"%2", b"%e9", b"%ff%fe", b"%C3%28", b"%ED%A0%80", b"%ED%BF%BF",
    b"%F4%90%80%80", b"%C0%AF", b"%00", b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"%0A", b"%0D%0A",
    b"..", b".", b"%2e%2e", b"..%2F..%2F..%2Fetc%2Fpasswd", b"%2F", b"%5C", b"~", b"$(id)",
    b"%24%28id%29", b"{{7*7}}", b"%3Cscript%3E", b"+", b"%2B", b"&", b"=", b";", b"?", b"#",
    b"'", b'"', b"NaN", b"-1", b"1e999", b"9" * 5000, b"a" * 3000, b"%u0041", b"\\u0000",
]  # fmt: skip

tokens = st.one_of(
    st.sampled_from(BROKEN),
    any_text.map(utf8).map(pct),
    st.binary(max_size=12),
    st.lists(st.sampled_from(BROKEN) | st.binary(max_size=3), min_size=2, max_size=5).map(b"".join),
    st.text("abcxyz_0189.-", max_size=12).map(str.encode),
)

#: Names the doors give a meaning to, and a few of the Hub's and of OAuth's.
NAMES = [
    b"n", b"label", b"image_id", b"item_id", b"api_url", b"autorun", b"ui", b"copy", b"server",
    b"params", b"param_n", b"param_", b"next", b"login_token", b"_xsrf", b"token", b"code",
    b"state", b"path", b"template", b"user", b"expect_hash", b"csrf_token", b"",
]  # fmt: skip
VALUES = [
    b"1", b"0", b"true", b"yes", b"", b"lab", b"doc", b"notebook", b"reuse", b"new",
    b"overwrite", b"gpu", b"-", b"A" * 40, b"%2Fhub%2Fhome", b"https%3A%2F%2Fevil.example%2F",
    b"%2F%2Fevil.example", b"/\\evil.example",
]  # fmt: skip


def _deep(depth: int, opener: bytes, closer: bytes) -> bytes:
    return opener * depth + closer * depth


def json_text(value: Any) -> bytes:
    return utf8(json.dumps(value, ensure_ascii=False, allow_nan=True))


scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), any_text, st.sampled_from([10**400])
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(any_text, inner, max_size=3),
    max_leaves=8,
)

#: Bodies of ``params=`` (and of JSON requests): odd, huge, deep, not JSON at all.
json_documents = st.one_of(
    json_values.map(json_text),
    st.dictionaries(any_text | st.sampled_from(["n", "label", "content"]), json_values,
                    max_size=4).map(json_text),
    st.sampled_from([
        b"", b"{", b"[", b"null", b"1", b'"x"', b"[]", b'{"n": NaN}', b'{"n": Infinity}',
        b'{"n": 1e99999}', b'{"n": ' + b"9" * 5000 + b"}", b'{"\\ud800": 1}',
        b'{"n": "\\udfff"}', b'{"n": 1, "n": 2}', b"\xff\xfe{}",
        b'{"a": "' + b"x" * 200_000 + b'"}',
        _deep(20_000, b"[", b"]"), _deep(5_000, b'{"a":', b"}"), b'{"content": {}}',
        b'{"content": {"cells": "x", "nbformat": 4}}', b'{"content": null, "expect_hash": 7}',
    ]),
)  # fmt: skip


def _pair(name: bytes, value: bytes | None) -> bytes:
    return name if value is None else name + b"=" + value


pairs = st.builds(
    _pair, st.sampled_from(NAMES) | tokens, st.none() | st.sampled_from(VALUES) | tokens
)


#: Whole queries that are hostile by size or shape.
MONSTERS = [
    b"&".join(b"p%d=%d" % (i, i) for i in range(3000)),
    b"&".join([b"n=1"] * 3000),
    b"&".join([b"="] * 2000),
    b"params=" + pct(b'{"label": "' + b"x" * 100_000 + b'"}'),
    b"params=" + _deep(10_000, b"%5B", b"%5D"),
    b"params=" + pct(_deep(3_000, b'{"n":', b"}")),
    b"params=" + pct(b'{"n": ' + b"9" * 5000 + b"}"),
    b"params=" + pct(json_text({f"k{i}": i for i in range(3000)})),
    b"n=1&" * 500 + b"params=%7B%22n%22%3A2%7D",
    b"&&&&;;;;" * 100,
]

queries = st.one_of(
    st.lists(pairs, max_size=8).map(b"&".join),
    json_documents.map(lambda doc: b"params=" + pct(doc)),
    st.sampled_from(MONSTERS),
)

HEADERS: list[tuple[bytes, list[bytes]]] = [
    (b"Accept", [b"text/html", b"application/json", b"*/*", b"text/event-stream", b"\xff", b""]),
    (b"Cookie", [b"nblaunch_webapp=\xff", b"nblaunch_webapp=eyJ1c2VyX2lkIjoxfQ==.x.y",
                 b"jupyterhub-session-id=../../x", b"_xsrf=2|a|b|c", b"=;=;;", b"a=%ff%fe",
                 b"service-nblaunch=" + b"A" * 4000, b"jupyterhub-hub-login=\x00"]),
    (b"Authorization", [b"token ", b"token \xff\xfe", b"Bearer x", b"token " + b"a" * 5000,
                        b"Basic Zm9vOmJhcg==", b"token token token", b"\xc3\x28"]),
    (b"Content-Type", [b"application/json", b"application/x-www-form-urlencoded",
                       b"multipart/form-data; boundary=", b"multipart/form-data",
                       b"text/plain; charset=\xff", b"application/json; charset=utf-16"]),
    (b"X-XSRFToken", [b"", b"\xff", b"2|x|y|z", b"a" * 3000]),
    (b"X-CSRF-Token", [b"", b"\xff", b"\xc3\x28", b"x" * 3000]),
    (b"Origin", [b"null", b"http://evil.example", b"\xff", b"http://127.0.0.1:1"]),
    (b"Referer", [b"http://evil.example/", b"\xff", b"%"]),
    (b"Sec-Fetch-Site", [b"cross-site", b"same-origin", b"\xff"]),
    (b"Sec-Fetch-Dest", [b"iframe", b"document", b""]),
    (b"X-Forwarded-Proto", [b"https", b"gopher", b"\xff"]),
    (b"X-Forwarded-For", [b"1.2.3.4, ::1", b"\xff", b"x" * 1000]),
    (b"If-Modified-Since", [b"yesterday", b"\xff"]),
    (b"Range", [b"bytes=-1,0-", b"bytes=99999999-", b"lines=1"]),
    (b"Accept-Language", [b"\xff", b"*;q=x"]),
]  # fmt: skip

headers = st.lists(
    st.sampled_from(HEADERS).flatmap(
        lambda entry: st.tuples(st.just(entry[0]), st.sampled_from(entry[1]) | tokens)
    ),
    max_size=4,
)

bodies = st.one_of(
    st.just(b""),
    st.binary(max_size=300),
    json_documents,
    queries,  # a form body has a query's syntax, and its broken encodings
    st.sampled_from([
        b"--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n\xff\r\n--x--\r\n",
        b"--\r\n\r\n", b"csrf_token=&username=%ff&password=%ED%A0%80",
    ]),
)  # fmt: skip


def segments(known: list[bytes]) -> st.SearchStrategy[bytes]:
    """A path below a route: a known good name, a hostile token, or several joined by slashes."""
    return st.one_of(
        st.sampled_from(known),
        tokens.filter(lambda t: b" " not in t),
        st.lists(st.sampled_from(known) | tokens, min_size=1, max_size=4).map(b"/".join),
    )
