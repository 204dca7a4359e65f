"""The one origin rule: origins written the way browsers report ``event.origin``."""

from __future__ import annotations

import pytest

from nblaunch.core import OriginError, exact_origins, origin_of


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://hub.example.org:443/", "https://hub.example.org"),
        ("http://hub.example.org:80/jhub/", "http://hub.example.org"),
        ("https://hub.example.org:8443", "https://hub.example.org:8443"),
        ("http://hub.example.org:443", "http://hub.example.org:443"),  # not http's default
        ("HTTPS://Hub.EXAMPLE.org", "https://hub.example.org"),
        ("https://bücher.example/", "https://xn--bcher-kva.example"),
        ("http://127.0.0.1:8000/hub/", "http://127.0.0.1:8000"),
        ("http://[::1]:8000/", "http://[::1]:8000"),
    ],
)
def test_origin_of(url: str, origin: str) -> None:
    assert origin_of(url) == origin


@pytest.mark.parametrize(
    "url", ["ftp://x.org", "https://", "https://x.org:99999", "nonsense", "https://x.org:abc"]
)
def test_origin_of_refuses(url: str) -> None:
    with pytest.raises(OriginError):
        origin_of(url)


@pytest.mark.parametrize(
    "origin", ["*", "'self'", "https://*.example.org", "https://a.org/path", "https://a.org/?q"]
)
def test_exact_origins_refuses_anything_broader(origin: str) -> None:
    with pytest.raises(OriginError, match="exact origin"):
        exact_origins([origin])


def test_exact_origins_normalizes_and_dedupes() -> None:
    assert exact_origins(["https://a.org:443", "https://A.org/", "http://a.org"]) == [
        "https://a.org",
        "http://a.org",
    ]
