"""A raw HTTP/1.1 client for hostile requests, and the check every answer must pass.

httpx and http.client clean a request up before sending it (they percent-encode, refuse
control characters and non-ASCII bytes), which is exactly what a hostile client does not do:
this one writes the request line, headers and body byte for byte over a socket.
"""

from __future__ import annotations

import http.client
import re
import socket
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import unquote_to_bytes, urlsplit

#: Requests sent and 5xx answers seen, per target, for the run's summary (conftest.py).
SENT: Counter[str] = Counter()

#: What must never appear in an answer: a traceback, a source file, an installation path.
LEAKS = [
    re.compile(rb"Traceback \(most recent call last\)"),
    re.compile(rb'File "[^"\n]*", line \d+'),
    re.compile(rb"site-packages"),
    re.compile(rb"\.venv/"),
    re.compile(rb"/(?:tmp|work|root|home|usr)/[\w.-]+/[\w./-]+\.(?:py|sqlite|json|ipynb)\b"),
]


def nesting(data: bytes) -> int:
    """How deep JSON brackets nest in ``data`` (strings skipped).

    >>> nesting(b'[{"a": "[[["}, [1]]')
    2
    """
    depth = deepest = 0
    in_string = escaped = False
    for byte in data:
        if in_string:  # a quote ends the string unless a backslash came just before
            escaped, in_string = (not escaped and byte == 0x5C), escaped or byte != 0x22
        elif byte == 0x22:
            in_string = True
        elif byte in b"[{":
            depth += 1
            deepest = max(deepest, depth)
        elif byte in b"]}":
            depth -= 1
    return deepest


@dataclass
class Request:
    """One request as it goes on the wire; ``target`` is the raw request target."""

    method: str
    target: bytes
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytes = b""

    def wire(self, host: bytes) -> bytes:
        lines = [self.method.encode() + b" " + self.target + b" HTTP/1.1", b"Host: " + host]
        names = {name.lower() for name, _ in self.headers}
        lines += [name + b": " + value for name, value in self.headers]
        if b"content-length" not in names and (self.body or self.method in ("POST", "PUT")):
            lines.append(b"Content-Length: " + str(len(self.body)).encode())
        lines.append(b"Connection: close")
        return b"\r\n".join(lines) + b"\r\n\r\n" + self.body

    def __repr__(self) -> str:  # what a failure prints: enough to rebuild the request
        return f"{self.method} {_cut(self.target)} headers={self.headers!r} body={_cut(self.body)}"


def _cut(data: bytes, keep: int = 300) -> str:
    if len(data) <= keep:
        return repr(data)
    return f"{data[:keep]!r}...({len(data)} bytes, ending {data[-40:]!r})"


OVERSIZED = "x-fuzz-oversized-header"


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def send(base_url: str, request: Request, *, timeout: float = 60.0) -> Answer:
    """Send ``request`` to the server at ``base_url`` (its path is not used) and read the answer.

    A body still streaming after ``timeout`` (the progress stream) is cut: the status counts.
    """
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    with socket.create_connection((host, port), timeout=timeout) as sock:
        try:
            sock.sendall(request.wire(parts.netloc.encode()))
            response = http.client.HTTPResponse(sock, method=request.method)
            response.begin()
        except http.client.LineTooLong:
            # A header line over 64 KB (the status line came first): a proxy in front would
            # refuse it (nginx: 502). Reported by check(), not a crash of this client.
            status = response.status if isinstance(response.status, int) else 0
            return Answer(status, {OVERSIZED: "1"}, b"")
        except (http.client.RemoteDisconnected, http.client.BadStatusLine, ConnectionError):
            # The HTTP parser refused the request and hung up: no answer, no 5xx either.
            # The server's being alive is checked after each request (conftest.py).
            return Answer(0, {}, b"")
        headers = {k.lower(): v for k, v in response.getheaders()}
        try:
            body = response.read(2_000_000)
        except (TimeoutError, http.client.IncompleteRead, ConnectionError):
            body = b""
    return Answer(response.status, headers, body)


@dataclass(frozen=True)
class Known:
    """A 5xx found, reported to the owner of the code, and not fixed yet.

    A table test pins it with a strict xfail, which fails once it is fixed: then delete both.
    """

    targets: tuple[str, ...]
    matches: Callable[[Request], bool]
    where: str


def malformed_path(request: Request) -> bool:
    """Whether JavaScript's decodeURIComponent throws on the request's path, as the proxy does.

    >>> malformed_path(Request("GET", b"/a%C3%28?x=%")), malformed_path(Request("GET", b"/%C3%A9"))
    (True, False)
    """
    path = re.split(rb"[?#]", request.target, maxsplit=1)[0]
    if re.search(rb"%(?![0-9A-Fa-f]{2})", path):
        return True
    # Node reads raw bytes as latin-1 and the URL parser re-encodes them: only escapes count.
    try:
        unquote_to_bytes(path.decode("latin-1").encode()).decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


#: Fixed since they were found (each keeps its table test): deep JSON bodies (core/bodies.py),
#: ids beyond 64 bits in the application's URLs and its oversized login redirect (webapp), a
#: login form without ticket or name (hub/auth.py).
KNOWN = [
    Known(
        ("hub",),
        malformed_path,
        "configurable-http-proxy 5.3.0, lib/configproxy.js:455: decodeURIComponent of the path "
        "throws URIError on a malformed escape, answered 500 (every JupyterHub behind CHP)",
    ),
]


def known(target: str, request: Request) -> Known | None:
    return next((k for k in KNOWN if target in k.targets and k.matches(request)), None)


def check(
    target: str, base_url: str, request: Request, *, log: str = "", strict: bool = False
) -> Answer:
    """Send ``request``; fail on a 5xx or on a leak in the answer, naming the request.

    ``log``: where the server writes its log (the traceback of a 500 is there). A 5xx of a
    ``KNOWN`` defect is counted, not failed on, unless ``strict``.
    """
    SENT[target] += 1
    answer = send(base_url, request)
    where = f"\nrequest: {request!r}\nserver log: {log}" if log else f"\nrequest: {request!r}"
    if answer.status >= 500 and not strict and known(target, request) is not None:
        SENT[target + " 5xx known"] += 1
        return answer
    if answer.status >= 500:
        SENT[target + " 5xx"] += 1
        raise AssertionError(f"{target}: {answer.status}{where}\nbody: {answer.body[:2000]!r}")
    if OVERSIZED in answer.headers:
        SENT[target + " header over 64 KB"] += 1
    sent = request.target + request.body + b"".join(v for _, v in request.headers)
    for pattern in LEAKS:
        found = pattern.search(answer.body)
        if found and found.group(0) not in sent:  # an echo of what was sent is no leak
            raise AssertionError(f"{target}: {found.group(0)!r} in the answer{where}")
    return answer
