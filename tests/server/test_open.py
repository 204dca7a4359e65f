"""``GET /nblaunch/open/{path}``: the copy, its name, its metadata and the redirect."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote

import nbformat
import pytest

from nblaunch.core import injected_source


def _copy_path(response, base_url: str, root: Path, ui_prefix: str = "lab/tree/") -> Path:
    location = response.headers["Location"]
    assert location.startswith(base_url + ui_prefix), location
    return root / unquote(location[len(base_url + ui_prefix) :])


async def test_open_writes_copy_and_redirects_into_lab(
    launch, stats_template, jp_root_dir, jp_base_url
):
    response = await launch("stats.ipynb", "image_id=7&label=hello")
    assert response.code == 302
    copy = _copy_path(response, jp_base_url, jp_root_dir)
    assert copy.parent == jp_root_dir / "nblaunch"
    assert copy.name.startswith("stats-image_id-7-label-hello-")
    nb = nbformat.read(str(copy), as_version=4)
    source = injected_source(nb)
    assert "image_id = 7" in source and 'label = "hello"' in source
    meta = nb.metadata["nblaunch"]
    assert meta["template"] == "stats.ipynb"
    assert meta["parameters"] == {"image_id": 7, "label": "hello"}
    assert "autorun" not in meta  # permission to run is a grant on the server, never the file's
    assert meta["created"].endswith("+00:00")
    # The template itself is untouched.
    assert injected_source(nbformat.read(str(stats_template), as_version=4)) is None


async def test_link_in_metadata_is_rebuilt_without_accidental_names(
    launch, stats_template, jp_root_dir, jp_base_url
):
    response = await launch("stats.ipynb", "image_id=7&code=secret&state=s2&utm_source=mail")
    assert response.code == 302
    nb = nbformat.read(str(_copy_path(response, jp_base_url, jp_root_dir)), as_version=4)
    link = nb.metadata["nblaunch"]["link"]
    assert link == f"{jp_base_url}nblaunch/open/stats.ipynb?image_id=7"
    assert "secret" not in json.dumps(nb)


@pytest.mark.parametrize(
    ("query", "prefix"),
    [("ui=lab", "lab/tree/"), ("ui=doc", "doc/tree/"), ("ui=notebook", "notebooks/")],
)
async def test_ui_chooses_the_page(launch, stats_template, jp_root_dir, jp_base_url, query, prefix):
    response = await launch("stats.ipynb", f"image_id=1&{query}")
    assert response.code == 302
    assert _copy_path(response, jp_base_url, jp_root_dir, prefix).exists()


@pytest.mark.parametrize("nblaunch_config", [{"default_ui": "doc", "output_dir": "runs/x"}])
async def test_default_ui_and_output_dir_are_traits(
    launch, stats_template, jp_root_dir, jp_base_url
):
    response = await launch("stats.ipynb", "image_id=1")
    copy = _copy_path(response, jp_base_url, jp_root_dir, "doc/tree/")
    assert copy.parent == jp_root_dir / "runs" / "x"
    assert copy.exists()


async def test_template_in_subfolder_and_no_parameters(
    launch, write_template, notebook_factory, jp_root_dir, jp_base_url
):
    write_template("sub dir/plain.ipynb", notebook_factory(None, "print('hi')"))
    response = await launch("sub%20dir/plain.ipynb")
    assert response.code == 302
    copy = _copy_path(response, jp_base_url, jp_root_dir)
    assert copy.exists()
    assert nbformat.read(str(copy), as_version=4).metadata["nblaunch"]["template"] == (
        "sub dir/plain.ipynb"
    )


async def test_redirect_stays_on_the_server(launch, stats_template, jp_base_url):
    for path in ("stats.ipynb", "/stats.ipynb", "//stats.ipynb"):
        response = await launch(path, "image_id=1&ui=doc")
        assert response.code == 302, path
        location = response.headers["Location"]
        assert location.startswith(jp_base_url) and not location.startswith("//"), location
        assert "://" not in location


async def test_launch_needs_authentication(launch, stats_template, jp_root_dir):
    response = await launch("stats.ipynb", "image_id=1", auth=False, html=True)
    # A browser is sent to the login page; nothing is written.
    assert response.code in (302, 403)
    if response.code == 302:
        assert "login" in response.headers["Location"]
    assert not (jp_root_dir / "nblaunch").exists()


@pytest.mark.parametrize("asynchronous", [False, True])
async def test_launch_needs_write_permission(
    launch, stats_template, jp_serverapp, jp_root_dir, monkeypatch, asynchronous
):
    authorizer = jp_serverapp.web_app.settings["authorizer"]

    def read_only(handler, user, action, resource):
        return action == "read"

    async def read_only_async(handler, user, action, resource):
        return action == "read"

    monkeypatch.setattr(authorizer, "is_authorized", read_only_async if asynchronous else read_only)
    response = await launch("stats.ipynb", "image_id=1")
    assert response.code == 403
    assert not (jp_root_dir / "nblaunch").exists()


async def test_an_absolute_path_stays_inside_the_root(launch, stats_template, jp_root_dir):
    response = await launch("/etc/passwd")
    assert response.code == 404
    assert b"template-not-found" in response.body
