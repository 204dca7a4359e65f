"""The one origin rule: what the browser will report as ``event.origin`` for a URL.

The client (the ``origin`` it gives ``nblaunch-embed.js``), the CSP ``frame-ancestors`` of the
Hub, the service and the servers, and the bridge's allow-list all compare origins; they agree
only if each is written the way browsers write it: scheme and host lower-cased, an IDN host in
punycode, no default port (``:443`` for https, ``:80`` for http), no path.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from .errors import OriginError

_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> str:
    """The origin of a URL, as a browser reports it.

    >>> origin_of("https://Hub.Example.org:443/jhub/")
    'https://hub.example.org'
    >>> origin_of("http://127.0.0.1:8000/hub/"), origin_of("https://bücher.example")
    ('http://127.0.0.1:8000', 'https://xn--bcher-kva.example')
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
        host = parts.hostname or ""
    except ValueError as err:
        raise OriginError(f"{url!r} is not a URL with a valid host and port.") from err
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not host:
        raise OriginError(f"{url!r} is not an http:// or https:// URL with a host.")
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError as err:
        raise OriginError(f"{url!r} has a host name that is not valid.") from err
    if ":" in host:
        host = f"[{host}]"
    shown = "" if port in (None, _DEFAULT_PORTS[scheme]) else f":{port}"
    return f"{scheme}://{host}{shown}"


def exact_origins(origins: Iterable[str]) -> list[str]:
    """Normalized exact origins, in order, without repeats; anything broader is refused.

    ``'self'``, ``*``, wildcards and URLs with a path would let more pages frame a notebook or
    talk to it than the operator listed.

    >>> exact_origins(["https://app.example.org:443/", "HTTPS://APP.example.org"])
    ['https://app.example.org']
    """
    found = []
    for origin in origins:
        text = origin.strip()
        parts = urlsplit(text) if "*" not in text else None
        if parts is None or parts.path not in ("", "/") or parts.query or parts.fragment:
            raise OriginError(
                f"{origin!r} is not an exact origin such as 'https://app.example.org' "
                "(no path, no wildcard, no 'self')."
            )
        found.append(origin_of(text))
    return list(dict.fromkeys(found))
