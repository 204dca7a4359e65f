"""A tiny threaded HTTP server for test pages: serves a dict of path -> (type, bytes or callable).

Used to stand up a host page and a fake notebook page on two 127.0.0.1 ports (two origins).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

Route = tuple[str, "bytes | Callable[[str], bytes]"]


@contextmanager
def serve(routes: dict[str, Route], host: str = "127.0.0.1") -> Iterator[str]:
    """Serve ``routes`` on a free port; yields the base URL (``http://127.0.0.1:<port>``)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            route = routes.get(parts.path)
            if route is None:
                self.send_error(404)
                return
            kind, body = route
            data = body(parts.query) if callable(body) else body
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:  # keep test output quiet
            pass

    server = ThreadingHTTPServer((host, 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
