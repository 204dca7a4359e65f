"""The autorun policy: a link asks, ``c.NBLaunchExtension.autorun`` decides, the copy records it."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

import nbformat
import pytest


async def _autorun(launch, base_url: str, root: Path, path: str, query: str) -> bool:
    response = await launch(path, query)
    assert response.code == 302, response.body
    copy = root / unquote(response.headers["Location"][len(base_url + "lab/tree/") :])
    return bool(nbformat.read(str(copy), as_version=4).metadata["nblaunch"]["autorun"])


@pytest.fixture
def templates(write_template, notebook_factory):
    write_template("plain.ipynb", notebook_factory("n = 1", "n * 2"))
    write_template("signed.ipynb", notebook_factory("n = 1", "n * 2"), sign=True)
    write_template("safe/ok.ipynb", notebook_factory("n = 1", "n * 2"))


@pytest.mark.parametrize(
    ("nblaunch_config", "path", "query", "expected"),
    [
        ({}, "plain.ipynb", "n=1&autorun=1", False),
        ({}, "signed.ipynb", "n=2&autorun=1", True),
        ({}, "signed.ipynb", "n=3", False),
        ({}, "signed.ipynb", "n=4&autorun=0", False),
        ({"trusted_globs": ["safe/*.ipynb"]}, "safe/ok.ipynb", "n=5&autorun=1", True),
        ({"trusted_globs": ["safe/*.ipynb"]}, "plain.ipynb", "n=6&autorun=1", False),
        ({"autorun": "always"}, "plain.ipynb", "n=7&autorun=true", True),
        ({"autorun": "always"}, "plain.ipynb", "n=8", False),
        ({"autorun": "never"}, "signed.ipynb", "n=9&autorun=1", False),
    ],
)
async def test_policy_decides(
    launch, templates, jp_root_dir, jp_base_url, nblaunch_config, path, query, expected
):
    assert await _autorun(launch, jp_base_url, jp_root_dir, path, query) is expected
