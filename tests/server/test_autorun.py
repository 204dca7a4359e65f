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


def _ran(copy: Path) -> nbformat.NotebookNode:
    """What the plugin leaves on disk after its run: the flag off (and an output)."""
    nb = nbformat.read(str(copy), as_version=4)
    nb.metadata["nblaunch"]["autorun"] = False
    nb.cells[-1].outputs = [nbformat.v4.new_output("stream", text="2\n")]
    nbformat.write(nb, str(copy))
    return nb


async def _launch_copy(launch, base_url: str, root: Path, query: str) -> Path:
    response = await launch("signed.ipynb", query)
    assert response.code == 302, response.body
    return root / unquote(response.headers["Location"][len(base_url + "lab/tree/") :])


async def test_a_reused_copy_is_armed_again_when_the_link_asks(
    launch, templates, jp_root_dir, jp_base_url
):
    copy = await _launch_copy(launch, jp_base_url, jp_root_dir, "n=10&autorun=1")
    ran = _ran(copy)
    again = await _launch_copy(launch, jp_base_url, jp_root_dir, "n=10&autorun=1")
    assert again == copy
    rearmed = nbformat.read(str(copy), as_version=4)
    assert rearmed.metadata["nblaunch"]["autorun"] is True
    assert rearmed.cells == ran.cells  # only the flag changed
    stamp = copy.stat().st_mtime_ns
    # Armed already (the plugin has not run it yet): nothing to write.
    await _launch_copy(launch, jp_base_url, jp_root_dir, "n=10&autorun=1")
    assert copy.stat().st_mtime_ns == stamp


@pytest.mark.parametrize(
    ("nblaunch_config", "query"),
    [({}, "n=11"), ({}, "n=11&autorun=0"), ({"autorun": "never"}, "n=11&autorun=1")],
)
async def test_a_reused_copy_is_not_armed_unless_asked_and_allowed(
    launch, templates, jp_root_dir, jp_base_url, nblaunch_config, query
):
    copy = await _launch_copy(launch, jp_base_url, jp_root_dir, "n=11&autorun=1")
    _ran(copy)
    stamp = copy.stat().st_mtime_ns
    assert await _launch_copy(launch, jp_base_url, jp_root_dir, query) == copy
    assert copy.stat().st_mtime_ns == stamp
    assert nbformat.read(str(copy), as_version=4).metadata["nblaunch"]["autorun"] is False


async def test_re_arming_an_edited_copy_keeps_the_edits(
    launch, templates, jp_root_dir, jp_base_url
):
    copy = await _launch_copy(launch, jp_base_url, jp_root_dir, "n=12&autorun=1")
    nb = _ran(copy)
    nb.cells.append(nbformat.v4.new_code_cell("print('my own work')"))
    nbformat.write(nb, str(copy))
    await _launch_copy(launch, jp_base_url, jp_root_dir, "n=12&autorun=1")
    rearmed = nbformat.read(str(copy), as_version=4)
    assert rearmed.metadata["nblaunch"]["autorun"] is True
    assert rearmed.cells == nb.cells
    # Still an edited copy: re-arming did not record the edits as nblaunch's own.
    refused = await launch("signed.ipynb", "n=12&copy=overwrite")
    assert refused.code == 409
    assert "my own work" in copy.read_text()
