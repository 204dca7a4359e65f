"""Hostile input through the server door: odd names, lone surrogates, broken metadata; never a 500.

Each row goes through a real Jupyter Server (pytest-jupyter) and must come back as a 4xx JSON
error with a stable code, as a page for a browser too, and write nothing.
"""

from __future__ import annotations

import json

import nbformat
import pytest


@pytest.fixture
def bare_template(write_template, notebook_factory):
    """``bare.ipynb``: no parameters cell, so any name is accepted, except the kernel's own."""
    return write_template("bare.ipynb", notebook_factory(None, "print(1)"))


@pytest.mark.parametrize(
    ("path", "query", "code", "problem"),
    [
        ("stats.ipynb", 'params={"label":"\\ud800"}', "invalid-parameters", "wrong-type"),
        ("bare.ipynb", 'params={"name":"\\ud800"}', "invalid-parameters", "wrong-type"),
        ("bare.ipynb", 'params={"name":{"\\udfff":1}}', "invalid-parameters", "wrong-type"),
        ("bare.ipynb", 'params={"\\ud800":1}', "invalid-parameters", "invalid-name"),
        ("bare.ipynb", "name=%ED%A0%80", "bad-query", None),  # a surrogate as UTF-8 bytes
        ("bare.ipynb", "%ED%A0%80=1", "bad-query", None),
        ("bare.ipynb", 'params={"n\\n":5}', "invalid-parameters", "invalid-name"),
        ("stats.ipynb", 'params={"label\\n":"x"}', "invalid-parameters", "invalid-name"),
        ("bare.ipynb", "server=gpu%0A", "bad-control", None),
        ("bare.ipynb", "len=1", "invalid-parameters", "reserved-name"),
        ("bare.ipynb", "__builtins__=1", "invalid-parameters", "reserved-name"),
        ("bare.ipynb", "get_ipython=1", "invalid-parameters", "reserved-name"),
        ("bare.ipynb", "_i1=1", "invalid-parameters", "reserved-name"),
    ],
)
@pytest.mark.parametrize("html", [False, True])
async def test_hostile_input_is_a_4xx(
    launch, stats_template, bare_template, jp_root_dir, path, query, code, problem, html
):
    response = await launch(path, query, html=html)
    assert response.code == 400, response.body
    assert not (jp_root_dir / "nblaunch").exists()
    if html:
        assert response.headers["Content-Type"].startswith("text/html")
        return
    body = json.loads(response.body)
    assert body["code"] == code
    if problem:
        assert [p["code"] for p in body["problems"]] == [problem]


async def test_a_declared_name_may_be_a_builtin(launch, write_template, notebook_factory):
    write_template("declared.ipynb", notebook_factory("len = 1", "print(len)"))
    response = await launch("declared.ipynb", "len=2")
    assert response.code == 302


async def test_a_string_kernelspec_is_a_4xx(launch, write_template, notebook_factory):
    nb = notebook_factory("x = 1")
    nb.metadata["kernelspec"] = "python3"
    write_template("odd.ipynb", nb)
    response = await launch("odd.ipynb", "x=2")
    assert response.code == 400
    assert json.loads(response.body)["code"] == "bad-metadata"


async def test_a_notebookparams_template_gets_the_links_values(
    launch, write_template, notebook_factory, jp_root_dir
):
    nb = notebook_factory(None, '# Parameters:\ndataset = "xyz"\nn = 10', "print(dataset, n)")
    write_template("np.ipynb", nb)
    response = await launch("np.ipynb", "n=5")
    assert response.code == 302
    (copy,) = (jp_root_dir / "nblaunch").glob("*.ipynb")
    cells = nbformat.read(copy, as_version=4).cells
    # The link's value comes after the defaults, so it is the one the notebook sees.
    assert [c.source.splitlines()[0] for c in cells] == [
        "# Parameters:",
        "# Parameters",
        "print(dataset, n)",
    ]
    assert cells[1].source == "# Parameters\nn = 5\n"
