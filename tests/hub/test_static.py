"""The embedding script is readable cross-origin (a module script needs CORS) by listed origins."""

from __future__ import annotations

import httpx
import pytest
from tornado import web
from tornado.httpserver import HTTPServer
from tornado.testing import bind_unused_port

from nblaunch.client import STATIC_DIR
from nblaunch.hub.service import EmbedStaticHandler

LISTED = "http://127.0.0.1:8090"


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [(LISTED, LISTED), ("http://localhost:8090", None), ("null", None), (None, None)],
)
async def test_embed_script_cors_only_for_listed_origins(origin: str | None, allowed: str | None):
    app = web.Application(
        [(r"/static/(.*)", EmbedStaticHandler, {"path": str(STATIC_DIR), "origins": (LISTED,)})]
    )
    sock, port = bind_unused_port()
    server = HTTPServer(app)
    server.add_sockets([sock])
    try:
        headers = {"Origin": origin} if origin else {}
        async with httpx.AsyncClient() as client:
            reply = await client.get(
                f"http://127.0.0.1:{port}/static/nblaunch-embed.js", headers=headers
            )
    finally:
        server.stop()
    assert reply.status_code == 200
    assert "embed" in reply.text
    assert reply.headers.get("Access-Control-Allow-Origin") == allowed
