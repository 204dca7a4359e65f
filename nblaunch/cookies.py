"""Cookies that still work in a cross-site iframe: ``SameSite=None; Secure; Partitioned``.

A host application on another site frames the Hub, the service and a user's server. Their
cookies reach that frame only when they are ``SameSite=None; Secure``; and where the browser
blocks third-party cookies (Chromium's own builds, every Incognito window, Safari, Firefox's
strict mode) only when they are also ``Partitioned`` (CHIPS): kept per top-level site, so the
Hub's cookie inside the host's page is not the one a Hub tab uses, which is what isolation
wants anyway. Python's cookie library knows ``Partitioned`` only from 3.14, and Tornado writes
cookies through it, so ``PartitionedCookies`` adds the attribute to the finished headers.
"""

from __future__ import annotations

from typing import Any

from tornado.httputil import HTTPHeaders
from tornado.web import OutputTransform


class PartitionedCookies(OutputTransform):
    """A Tornado output transform: every ``SameSite=None; Secure`` cookie becomes partitioned.

    >>> headers = HTTPHeaders()
    >>> headers.add("Set-Cookie", "a=1; Path=/; SameSite=None; Secure")
    >>> headers.add("Set-Cookie", "b=2; Path=/; SameSite=Lax")
    >>> _, out, _ = PartitionedCookies(None).transform_first_chunk(200, headers, b"", True)
    >>> out.get_list("Set-Cookie")
    ['a=1; Path=/; SameSite=None; Secure; Partitioned', 'b=2; Path=/; SameSite=Lax']
    """

    def __init__(self, request: Any) -> None:
        pass

    def transform_first_chunk(
        self, status_code: int, headers: HTTPHeaders, chunk: bytes, finishing: bool
    ) -> tuple[int, HTTPHeaders, bytes]:
        cookies = headers.get_list("Set-Cookie")
        if cookies:
            del headers["Set-Cookie"]
            for cookie in cookies:
                headers.add("Set-Cookie", partitioned(cookie))
        return status_code, headers, chunk

    def transform_chunk(self, chunk: bytes, finishing: bool) -> bytes:
        return chunk


def partitioned(cookie: str) -> str:
    """A ``Set-Cookie`` value with ``Partitioned`` added when it is a cross-site cookie.

    >>> partitioned("x=1; SameSite=None; Secure")
    'x=1; SameSite=None; Secure; Partitioned'
    >>> partitioned("x=1; SameSite=None")  # not Secure: browsers reject Partitioned there
    'x=1; SameSite=None'
    """
    attributes = {part.strip().split("=", 1)[0].lower() for part in cookie.split(";")[1:]}
    lowered = cookie.lower().replace(" ", "")
    if "samesite=none" in lowered and "secure" in attributes and "partitioned" not in attributes:
        return f"{cookie}; Partitioned"
    return cookie
