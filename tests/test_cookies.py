"""Partitioned cookies (CHIPS) through Python's cookie library and Tornado, before Python 3.14."""

from __future__ import annotations

import asyncio
import doctest
import json
import threading
from collections.abc import Iterator

import httpx
import pytest
from tornado.httpserver import HTTPServer
from tornado.ioloop import IOLoop
from tornado.netutil import bind_sockets
from tornado.web import Application, RequestHandler

import nblaunch.cookies
from nblaunch.cookies import CROSS_SITE, allow_partitioned


def test_docstring_examples() -> None:
    result = doctest.testmod(nblaunch.cookies)
    assert result.failed == 0 and result.attempted > 0


def test_allow_partitioned_is_idempotent() -> None:
    allow_partitioned()
    allow_partitioned()
    from http.cookies import Morsel

    assert Morsel._reserved["partitioned"] == "Partitioned"  # type: ignore[attr-defined]


class _Cookie(RequestHandler):
    def get(self) -> None:
        self.set_cookie("c", "1", **json.loads(self.get_argument("options")))
        self.finish("ok")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """A real Tornado application on a free port, in its own thread and loop."""
    allow_partitioned()
    started: dict[str, object] = {}
    ready = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(asyncio.new_event_loop())
        app = Application([(r"/cookie", _Cookie)])
        sockets = bind_sockets(0, "127.0.0.1")
        http = HTTPServer(app)
        http.add_sockets(sockets)
        started["port"], started["loop"] = sockets[0].getsockname()[1], IOLoop.current()
        ready.set()
        IOLoop.current().start()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    ready.wait(10)
    yield f"http://127.0.0.1:{started['port']}/cookie"
    loop = started["loop"]
    assert isinstance(loop, IOLoop)
    loop.add_callback(loop.stop)
    thread.join(10)


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (CROSS_SITE, {"Partitioned", "SameSite=None", "Secure"}),
        ({"samesite": "Lax"}, {"SameSite=Lax"}),
    ],
)
def test_tornado_writes_the_cookie_options(
    server: str, options: dict[str, object], expected: set[str]
) -> None:
    answer = httpx.get(server, params={"options": json.dumps(options)})
    assert answer.status_code == 200
    header = answer.headers["set-cookie"]
    assert {part.strip() for part in header.split(";")[1:]} == expected | {"Path=/"}


def test_the_options_travel_as_json() -> None:
    # JupyterHub hands cookie_options to each server as JSON (JUPYTERHUB_COOKIE_OPTIONS).
    assert '"partitioned": true' in json.dumps(CROSS_SITE)
