"""Fixtures for the server extension's tests (a real Jupyter Server through pytest-jupyter).

- pytest-jupyter's ``jp_*`` fixtures (``jp_fetch``, ``jp_serverapp``, ``jp_root_dir``...),
  imported here rather than through a root ``pytest_plugins`` so only these tests load them.
- ``jp_asyncio_loop``: overridden to share pytest-asyncio's loop (see its docstring).
- ``nblaunch_config``: the ``c.LaunchConfig`` values of the server under test; override it
  with ``@pytest.mark.parametrize("nblaunch_config", [{...}])``.
- ``other_extensions``: more server extensions to enable, e.g. ``{"jupyterlab": True}``.
- ``write_template``: ``write_template(path, nb_or_text, *, sign=False)`` puts a file in the
  server root (factory fixture); ``sign=True`` trusts it in nbformat's signature store.
- ``launch``: ``await launch(path, query, *, html=False)`` GETs ``/nblaunch/open/...`` with a raw
  query string and returns the response without following redirects or raising.
- ``redeem``: ``await redeem(path)`` asks ``POST nblaunch/api/grants/redeem`` as the plugin
  does on opening; True once per grant.
- ``stats_template``: ``stats.ipynb`` with ``image_id: int = 2959331`` and ``label = "a"``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import nbformat
import pytest
from jupyter_server.utils import url_path_join
from pytest_jupyter.jupyter_server import *  # noqa: F403
from tornado.httpclient import HTTPResponse


@pytest.fixture
async def jp_asyncio_loop() -> AsyncIterator[asyncio.AbstractEventLoop]:
    """The loop pytest-asyncio runs the test in, so the server and the test share one loop.

    pytest-jupyter's own fixture makes a second loop, and with pytest-asyncio's auto mode (this
    project's setting) the test would then wait forever for a server on the other loop.
    """
    yield asyncio.get_running_loop()


@pytest.fixture
def nblaunch_config() -> dict[str, Any]:
    return {}


@pytest.fixture
def other_extensions() -> dict[str, bool]:
    return {}


@pytest.fixture
def jp_server_config(
    nblaunch_config: dict[str, Any], other_extensions: dict[str, bool]
) -> dict[str, Any]:
    return {
        "ServerApp": {"jpserver_extensions": {"nblaunch.server": True, **other_extensions}},
        "LaunchConfig": nblaunch_config,
    }


@pytest.fixture
def write_template(jp_root_dir: Path, jp_serverapp: Any) -> Callable[..., Path]:
    def write(path: str, content: nbformat.NotebookNode | str, *, sign: bool = False) -> Path:
        target = jp_root_dir / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            target.write_text(content)
        else:
            if sign:
                jp_serverapp.contents_manager.notary.sign(content)
            nbformat.write(content, str(target))
        return target

    return write


@pytest.fixture
def stats_template(write_template: Callable[..., Path], notebook_factory: Any) -> Path:
    nb = notebook_factory(
        'image_id: int = 2959331  # which image\nlabel = "a"',
        "result = image_id * 2\nresult",
    )
    return write_template("stats.ipynb", nb)


@pytest.fixture
def launch(
    http_server_client: Any, jp_auth_header: dict[str, str], jp_base_url: str
) -> Callable[..., Awaitable[HTTPResponse]]:
    async def fetch(
        path: str, query: str = "", *, html: bool = False, auth: bool = True
    ) -> HTTPResponse:
        url = url_path_join(jp_base_url, "nblaunch/open", path) + (f"?{query}" if query else "")
        headers = dict(jp_auth_header) if auth else {}
        headers["Accept"] = "text/html,application/xhtml+xml" if html else "application/json"
        response: HTTPResponse = await http_server_client.fetch(
            url, headers=headers, follow_redirects=False, raise_error=False
        )
        return response

    return fetch


@pytest.fixture
def redeem(
    http_server_client: Any, jp_auth_header: dict[str, str], jp_base_url: str
) -> Callable[[str], Awaitable[bool]]:
    async def post(path: str) -> bool:
        response = await http_server_client.fetch(
            url_path_join(jp_base_url, "nblaunch/api/grants/redeem"),
            method="POST",
            headers=jp_auth_header,
            body=json.dumps({"path": path}),
        )
        return bool(json.loads(response.body)["run"])

    return post
