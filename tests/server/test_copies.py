"""``copy=reuse|new|overwrite``: one file per template and values, edits never lost."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

import nbformat
import pytest


def _copy(response, base_url: str, root: Path) -> Path:
    location = response.headers["Location"]
    prefix = base_url + "lab/tree/"
    assert response.code == 302 and location.startswith(prefix), (response.code, location)
    return root / unquote(location[len(prefix) :])


def _edit(path: Path) -> None:
    nb = nbformat.read(str(path), as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("print('my own work')"))
    nbformat.write(nb, str(path))


async def test_reuse_opens_the_same_file_without_rewriting(
    launch, stats_template, jp_root_dir, jp_base_url
):
    first = _copy(await launch("stats.ipynb", "image_id=7"), jp_base_url, jp_root_dir)
    stamp = first.stat().st_mtime_ns
    again = _copy(await launch("stats.ipynb", "image_id=7&copy=reuse"), jp_base_url, jp_root_dir)
    assert again == first
    assert first.stat().st_mtime_ns == stamp
    other = _copy(await launch("stats.ipynb", "image_id=8"), jp_base_url, jp_root_dir)
    assert other != first
    assert len(list((jp_root_dir / "nblaunch").glob("*.ipynb"))) == 2


async def test_reuse_keeps_an_edited_copy(launch, stats_template, jp_root_dir, jp_base_url):
    first = _copy(await launch("stats.ipynb", "image_id=7"), jp_base_url, jp_root_dir)
    _edit(first)
    again = _copy(await launch("stats.ipynb", "image_id=7"), jp_base_url, jp_root_dir)
    assert again == first
    assert "my own work" in first.read_text()


async def test_new_makes_a_unique_file_each_time(launch, stats_template, jp_root_dir, jp_base_url):
    first = _copy(await launch("stats.ipynb", "image_id=7"), jp_base_url, jp_root_dir)
    second = _copy(await launch("stats.ipynb", "image_id=7&copy=new"), jp_base_url, jp_root_dir)
    third = _copy(await launch("stats.ipynb", "image_id=7&copy=new"), jp_base_url, jp_root_dir)
    assert len({first, second, third}) == 3
    assert second.name == first.name.replace(".ipynb", "-2.ipynb")
    assert third.name == first.name.replace(".ipynb", "-3.ipynb")


async def test_overwrite_replaces_an_unedited_copy(
    launch, stats_template, jp_root_dir, jp_base_url, notebook_factory, write_template
):
    first = _copy(await launch("stats.ipynb", "image_id=7"), jp_base_url, jp_root_dir)
    # The template changes; overwrite brings the unedited copy up to date.
    write_template("stats.ipynb", notebook_factory("image_id: int = 1\nlabel = 'a'", "print('v2')"))
    again = _copy(
        await launch("stats.ipynb", "image_id=7&copy=overwrite"), jp_base_url, jp_root_dir
    )
    assert again == first
    assert "v2" in first.read_text()


async def test_overwrite_refuses_an_edited_copy(launch, stats_template, jp_root_dir, jp_base_url):
    first = _copy(await launch("stats.ipynb", "image_id=7"), jp_base_url, jp_root_dir)
    _edit(first)
    response = await launch("stats.ipynb", "image_id=7&copy=overwrite")
    assert response.code == 409
    assert b'"copy-edited"' in response.body
    assert "my own work" in first.read_text()


@pytest.mark.parametrize("copy", ["reuse", "overwrite"])
async def test_a_foreign_file_at_the_copy_name_is_never_opened_or_replaced(
    launch, stats_template, jp_root_dir, jp_base_url, copy
):
    first = _copy(await launch("stats.ipynb", "image_id=7"), jp_base_url, jp_root_dir)
    first.write_text("not a notebook")
    second = _copy(await launch("stats.ipynb", f"image_id=7&copy={copy}"), jp_base_url, jp_root_dir)
    assert second.name == first.name.replace(".ipynb", "-2.ipynb")
    assert first.read_text() == "not a notebook"
