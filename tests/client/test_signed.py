"""The client signs its launch URLs with ``sign_with``: the same canonical form as the core."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from nblaunch.client import AsyncNBLaunchClient, NBLaunchClient
from nblaunch.core import LinkSigner, parse_query
from nblaunch.core.signing import Signed, verify

SECRET = b"c" * 32


@pytest.mark.parametrize("client_class", [NBLaunchClient, AsyncNBLaunchClient])
def test_launch_url_signs_the_launch_it_opens(client_class: type) -> None:
    signer = LinkSigner("host-1", SECRET, ttl=120)
    client = client_class("http://127.0.0.1:8000/jhub/", "t", "k", sign_with=signer)
    url = client.launch_url("ann", "stats", {"n": 2, "ui": "dark"}, autorun=True)
    nxt = parse_qs(urlsplit(url).query)["next"][0]
    assert nxt.startswith("/jhub/services/nblaunch/open/stats?")
    request = parse_query(urlsplit(nxt).query)
    signed = verify(request, "stats.ipynb", {"host-1": SECRET}, 0, door="hub")
    assert isinstance(signed, Signed) and signed.key_id == "host-1"
    assert signed.expires is not None
    assert "c" * 32 not in repr(client) + repr(signer)


def test_without_sign_with_the_launch_is_not_signed() -> None:
    url = NBLaunchClient("http://127.0.0.1:8000/", "t", "k").launch_url("ann", "stats", {"n": 2})
    assert "sig%3D" not in url
