"""Bad input never gives a 500: 4xx JSON for API clients, a page with a form for browsers."""

from __future__ import annotations

import json

import pytest

from nblaunch.server.launcher import Launcher


@pytest.fixture
def files(write_template, notebook_factory, stats_template):
    write_template("notes.txt", "just text")
    write_template("broken.ipynb", "{not json")
    write_template("data.ipynb", '{"a": 1}')
    write_template(".hidden/secret.ipynb", notebook_factory("x = 1"))
    write_template("folder/inner.ipynb", notebook_factory("x = 1"))


@pytest.mark.parametrize(
    ("path", "query", "status", "code"),
    [
        ("stats.ipynb", "image_idx=1", 400, "invalid-parameters"),
        ("stats.ipynb", "image_id=abc", 400, "invalid-parameters"),
        ("stats.ipynb", "image_id=1.5", 400, "invalid-parameters"),
        ("stats.ipynb", "image_id=1&param_image_id=2", 400, "duplicate-parameter"),
        ("stats.ipynb", "image_id=1&ui=evil", 400, "bad-control"),
        ("stats.ipynb", "image_id=1&ui=https://evil.example", 400, "bad-control"),
        ("stats.ipynb", "image_id=1&copy=maybe", 400, "bad-control"),
        ("stats.ipynb", "image_id=1&autorun=perhaps", 400, "bad-control"),
        ("stats.ipynb", "params=[1]", 400, "bad-query"),
        ("stats.ipynb", "a%20b=1", 400, "invalid-parameters"),
        ("stats.ipynb", "image_id=%FF", 400, "bad-query"),
        ("missing.ipynb", "", 404, "template-not-found"),
        ("../stats.ipynb", "", 404, "unsafe-path"),
        ("folder/../../stats.ipynb", "", 404, "unsafe-path"),
        ("%2e%2e/stats.ipynb", "", 404, "unsafe-path"),
        (".hidden/secret.ipynb", "", 404, "unsafe-path"),
        ("folder", "", 400, "not-a-notebook"),
        ("notes.txt", "", 400, "not-a-notebook"),
        ("broken.ipynb", "", 400, "not-a-notebook"),
        ("data.ipynb", "", 400, "not-a-notebook"),
    ],
)
async def test_bad_input_is_a_4xx_json_error(launch, files, jp_root_dir, path, query, status, code):
    response = await launch(path, query)
    assert response.code == status, response.body
    assert response.headers["Content-Type"].startswith("application/json")
    body = json.loads(response.body)
    assert body["code"] == code
    assert body["message"]
    assert not (jp_root_dir / "nblaunch").exists()


@pytest.mark.parametrize("nblaunch_config", [{"max_value_bytes": 10}])
async def test_value_size_limit_is_a_trait(launch, stats_template):
    response = await launch("stats.ipynb", "label=" + "x" * 11)
    assert response.code == 400
    problems = json.loads(response.body)["problems"]
    assert [p["code"] for p in problems] == ["value-too-large"]


async def test_every_problem_is_reported_at_once(launch, stats_template):
    response = await launch("stats.ipynb", "image_id=abc&nope=1")
    body = json.loads(response.body)
    assert sorted(p["code"] for p in body["problems"]) == ["unknown-parameter", "wrong-type"]


async def test_browser_gets_a_page_with_parameters_and_a_form(launch, stats_template):
    response = await launch("stats.ipynb", "image_id=abc&ui=doc&autorun=1", html=True)
    assert response.code == 400
    assert response.headers["Content-Type"].startswith("text/html")
    page = response.body.decode()
    assert "must be an integer" in page
    # The parameters table: names, types, defaults and help.
    for text in ("image_id", "int", "2959331", "which image", "label", "str"):
        assert text in page
    # The form is pre-filled with what the link gave and carries the controls.
    assert 'name="image_id" value="abc"' in page
    assert 'name="label" value="a"' in page
    assert '<input type="hidden" name="ui" value="doc">' in page
    assert '<input type="hidden" name="autorun" value="1">' in page
    assert 'action="/a%40b/nblaunch/open/stats.ipynb"' in page


async def test_page_escapes_what_the_link_gave(launch, stats_template):
    response = await launch("stats.ipynb", "image_id=%3Cscript%3Ealert(1)%3C/script%3E", html=True)
    page = response.body.decode()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;" in page


async def test_page_for_a_missing_template_has_no_form(launch, stats_template):
    response = await launch("nope.ipynb", "x=1", html=True)
    assert response.code == 404
    page = response.body.decode()
    assert "There is no notebook nope.ipynb" in page
    assert "<form" not in page


async def test_a_bug_is_a_500_without_details(launch, stats_template, monkeypatch):
    async def broken(self, *args, **kwargs):
        raise RuntimeError("internal detail 42")

    monkeypatch.setattr(Launcher, "open", broken)
    api = await launch("stats.ipynb", "image_id=1")
    assert api.code == 500
    assert json.loads(api.body) == {"code": "internal-error", "message": "Unhandled error"}
    page = await launch("stats.ipynb", "image_id=1", html=True)
    assert page.code == 500
    assert b"Unhandled error" in page.body
    assert b"internal detail 42" not in page.body + api.body


async def test_hidden_templates_open_when_the_server_shows_hidden_files(
    launch, files, jp_serverapp, jp_root_dir
):
    jp_serverapp.contents_manager.allow_hidden = True
    response = await launch(".hidden/secret.ipynb", "x=2")
    assert response.code == 302


async def test_unsupported_kernel_language(launch, write_template, notebook_factory):
    nb = notebook_factory("x = 1")
    nb.metadata.kernelspec = {"name": "deno", "display_name": "Deno", "language": "typescript"}
    write_template("ts.ipynb", nb)
    response = await launch("ts.ipynb", "x=2")
    assert response.code == 400
    assert json.loads(response.body)["code"] == "unsupported-language"
