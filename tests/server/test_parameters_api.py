"""``GET /nblaunch/api/parameters/{path}``: a template's parameters as JSON."""

from __future__ import annotations

import json

import pytest
from tornado.httpclient import HTTPClientError


async def test_parameters_are_listed(jp_fetch, stats_template):
    response = await jp_fetch("nblaunch", "api", "parameters", "stats.ipynb")
    body = json.loads(response.body)
    assert body["template"] == "stats.ipynb"
    assert [(p["name"], p["type"], p["default"]) for p in body["parameters"]] == [
        ("image_id", "int", 2959331),
        ("label", "str", "a"),
    ]
    assert body["parameters"][0]["help"] == "which image"


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("missing.ipynb", 404, "template-not-found"),
        ("notes.txt", 400, "not-a-notebook"),
        (".hidden.ipynb", 404, "unsafe-path"),
    ],
)
async def test_parameters_errors_are_json(
    jp_fetch, write_template, notebook_factory, path, status, code
):
    write_template("notes.txt", "text")
    write_template(".hidden.ipynb", notebook_factory("x = 1"))
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("nblaunch", "api", "parameters", path)
    assert info.value.code == status
    assert json.loads(info.value.response.body)["code"] == code


async def test_parameters_need_authentication(jp_fetch, stats_template):
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch(
            "nblaunch", "api", "parameters", "stats.ipynb", headers={"Authorization": "token no"}
        )
    assert info.value.code == 403


@pytest.mark.parametrize("tagged", [True, False])
async def test_a_template_with_a_string_kernelspec_is_a_4xx(
    jp_fetch, write_template, notebook_factory, tagged
):
    # Written by hand or by a broken tool; nbformat reads it (with a validation warning).
    nb = notebook_factory("x = 1") if tagged else notebook_factory(None, "x = 1")
    nb.metadata["kernelspec"] = "python3"
    write_template("odd.ipynb", nb)
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("nblaunch", "api", "parameters", "odd.ipynb")
    assert info.value.code == 400
    body = json.loads(info.value.response.body)
    assert body["code"] == "bad-metadata"
    assert "kernelspec" in body["message"]


async def test_a_notebookparams_template_lists_its_parameters(
    jp_fetch, write_template, notebook_factory
):
    nb = notebook_factory(None, '# Parameters:\ndataset = "xyz"\nn = 10', "print(dataset, n)")
    write_template("np.ipynb", nb)
    response = await jp_fetch("nblaunch", "api", "parameters", "np.ipynb")
    body = json.loads(response.body)
    assert [(p["name"], p["default"]) for p in body["parameters"]] == [
        ("dataset", "xyz"),
        ("n", 10),
    ]
