"""``POST /nblaunch/api/link``: the launch link of the notebook a person is in ("Copy launch
link"): a template's parameters cell, a copy's edited injected cell, which door, and clear
refusals for values that are no longer literals."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest
from jupyter_server.utils import url_path_join

from nblaunch.core import injected_source
from nblaunch.core.parameters import INJECTED_TAG


@pytest.fixture
def link_of(http_server_client, jp_auth_header, jp_base_url):
    async def post(path: str | None, body: bytes | None = None):
        response = await http_server_client.fetch(
            url_path_join(jp_base_url, "nblaunch/api/link"),
            method="POST",
            headers=jp_auth_header,
            body=body if body is not None else json.dumps({"path": path}),
            raise_error=False,
        )
        return response.code, json.loads(response.body)

    return post


async def _launched(launch, jp_base_url: str, root: Path, query: str) -> Path:
    response = await launch("stats.ipynb", query)
    assert response.code == 302, response.body
    location = response.headers["Location"]
    prefix = location.split("/tree/", 1)[0] + "/tree/"
    return root / unquote(location[len(prefix) :])


def _edit_injected(path: Path, source: str) -> None:
    nb = nbformat.read(str(path), as_version=4)
    for cell in nb.cells:
        if INJECTED_TAG in cell.metadata.get("tags", []):
            cell.source = source
    nbformat.write(nb, str(path))


async def test_a_template_gives_its_parameters_cell(link_of, stats_template, jp_base_url):
    code, body = await link_of("stats.ipynb")
    assert code == 200, body
    assert body["link"] == f"{jp_base_url}nblaunch/open/stats.ipynb?image_id=2959331&label=a"


async def test_an_edited_copy_gives_a_link_to_a_fresh_copy_with_its_values(
    link_of, launch, stats_template, jp_root_dir, jp_base_url
):
    copy = await _launched(launch, jp_base_url, jp_root_dir, "image_id=7&ui=doc")
    _edit_injected(copy, "# Parameters\nimage_id = 42\nlabel = 'cells & nuclei'\n")
    code, body = await link_of(str(copy.relative_to(jp_root_dir)))
    assert code == 200, body
    link = body["link"]
    assert link.startswith(f"{jp_base_url}nblaunch/open/stats.ipynb?image_id=42&")
    assert "ui=doc" in link  # how it was opened is kept
    # The link opens a fresh copy of the template with the edited values.
    fresh = await _launched(launch, jp_base_url, jp_root_dir, urlsplit(link).query)
    assert fresh != copy
    source = injected_source(nbformat.read(str(fresh), as_version=4))
    assert "image_id = 42" in source and 'label = "cells & nuclei"' in source


@pytest.mark.parametrize(
    "edited, said",
    [
        ("image_id = today()\n", "'image_id' is no longer a literal value (today())"),
        ("image_id = 1\nlabel = name.upper()\n", "'label' is no longer a literal value"),
        ("image_id = (1, 2)\n", "a tuple is not a JSON value"),
        ("image_id = \n", "cannot be read"),
    ],
)
async def test_values_that_are_no_longer_literals_are_named(
    link_of, launch, stats_template, jp_root_dir, jp_base_url, edited, said
):
    copy = await _launched(launch, jp_base_url, jp_root_dir, "image_id=7")
    _edit_injected(copy, edited)
    code, body = await link_of(str(copy.relative_to(jp_root_dir)))
    assert code == 400
    assert said in body["message"]


@pytest.mark.parametrize(
    "path, body, code, error",
    [
        ("plain.ipynb", None, 400, "bad-template"),
        ("missing.ipynb", None, 404, "template-not-found"),
        ("../outside.ipynb", None, 404, "unsafe-path"),
        (None, b"not json", 400, "bad-query"),
        (None, b'{"path": 1}', 400, "bad-query"),
    ],
)
async def test_refusals(link_of, write_template, notebook_factory, path, body, code, error) -> None:
    write_template("plain.ipynb", notebook_factory(None, "print(1)"))
    answer = await link_of(path, body)
    assert answer == (code, answer[1]) and answer[1]["code"] == error


def _hub_copy(write_template, notebook_factory) -> None:
    nb = notebook_factory("n: int = 1", "n")
    nb.cells.insert(1, nbformat.v4.new_code_cell("n = 9", metadata={"tags": [INJECTED_TAG]}))
    nb.metadata["nblaunch"] = {
        "template": "stats.ipynb",
        "parameters": {"n": 5},
        "link": "http://internal:8000/services/nblaunch/open/stats?n=5&ui=lab",
    }
    write_template("nblaunch/stats-copy.ipynb", nb)


@pytest.mark.parametrize(
    "nblaunch_config", [{"hub_service_url": "https://hub.example.org/jhub/services/nblaunch/"}]
)
async def test_a_copy_from_the_hub_service_links_to_the_service(
    link_of, write_template, notebook_factory, stats_template
):
    _hub_copy(write_template, notebook_factory)
    assert await link_of("nblaunch/stats-copy.ipynb") == (
        200,
        {"link": "https://hub.example.org/jhub/services/nblaunch/open/stats?n=9&ui=lab"},
    )
    # A template in the user's own server is not in the Hub's catalog: user-redirect.
    _, body = await link_of("stats.ipynb")
    assert body["link"].startswith(
        "https://hub.example.org/jhub/hub/user-redirect/nblaunch/open/stats.ipynb?image_id="
    )


async def test_under_a_hub_without_the_service_url_links_go_through_user_redirect(
    link_of, write_template, notebook_factory, monkeypatch
):
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/ann/")
    monkeypatch.setenv("JUPYTERHUB_BASE_URL", "/")
    _hub_copy(write_template, notebook_factory)
    code, body = await link_of("nblaunch/stats-copy.ipynb")
    assert (code, body["link"]) == (200, "/hub/user-redirect/nblaunch/open/stats.ipynb?n=9&ui=lab")
