"""Fixtures for the server extension's tests (a real Jupyter Server through pytest-jupyter).

- pytest-jupyter's ``jp_*`` fixtures (``jp_fetch``, ``jp_serverapp``, ``jp_root_dir``...),
  ``nblaunch_config``, ``other_extensions`` and ``redeem``, from ``_harness.jupyter``
  (imported here rather than through a root ``pytest_plugins`` so only the tests that need a
  server load them).
- ``write_template``: ``write_template(path, nb_or_text, *, sign=False)`` puts a file in the
  server root (factory fixture); ``sign=True`` trusts it in nbformat's signature store.
- ``launch``: ``await launch(path, query, *, html=False)`` GETs ``/nblaunch/open/...`` with a raw
  query string and returns the response without following redirects or raising.
- ``stats_template``: ``stats.ipynb`` with ``image_id: int = 2959331`` and ``label = "a"``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import nbformat
import pytest
from _harness.jupyter import *  # noqa: F403
from jupyter_server.utils import url_path_join
from tornado.httpclient import HTTPResponse


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
