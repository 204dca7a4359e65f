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
