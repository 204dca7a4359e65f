"""A real Jupyter Server in the test's own event loop (pytest-jupyter), with nblaunch's extension.

``from _harness.jupyter import *`` in a conftest (or a test module) brings pytest-jupyter's
``jp_*`` fixtures and these:

- ``jp_asyncio_loop``: overridden to share pytest-asyncio's loop (see its docstring).
- ``nblaunch_config``: the ``c.LaunchConfig`` values of the server under test; override it
  with ``@pytest.mark.parametrize("nblaunch_config", [{...}])``.
- ``other_extensions``: more server extensions to enable, e.g. ``{"jupyterlab": True}``.
- ``redeem``: ``await redeem(path)`` asks ``POST nblaunch/api/grants/redeem`` as the plugin
  does on opening; True once per grant.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from jupyter_server.utils import url_path_join
from pytest_jupyter.jupyter_server import *  # noqa: F403


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
