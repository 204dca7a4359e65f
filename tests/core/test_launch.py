"""The shared launch path: plan (query → typed values → copy name) and render (inject + hash)."""

from __future__ import annotations

import contextlib

import nbformat
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nblaunch.core import (
    META_KEY,
    NBLaunchError,
    NotANotebookError,
    ParameterError,
    UnsupportedLanguageError,
    copy_name,
    injected_source,
    is_edited,
    load_notebook,
    plan_launch,
    render_copy,
)

from .strategies import PROPERTY

DECLARED = (
    "n: int = 1\nx = 0.5\nflag = False\nlabel = 'a'\nids = [1]\nopts = {}\nv = None\n"
    "maybe: Optional[int] = None\ncode = ''"
)


def _template(language: str = "python", source: str = DECLARED) -> nbformat.NotebookNode:
    spec = {"name": language, "display_name": language, "language": language}
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": spec})
    nb.cells.append(nbformat.v4.new_code_cell(source, metadata={"tags": ["parameters"]}))
    nb.cells.append(nbformat.v4.new_code_cell("print(n)"))
    return nb


def test_plan() -> None:
    plan = plan_launch("stats/t.ipynb", _template(), "n=5&ui=doc&copy=new&autorun=1&state=s")
    assert plan.values == {"n": 5}
    assert (plan.ui, plan.copy, plan.autorun_requested) == ("doc", "new", True)
    assert plan.path == copy_name("stats/t.ipynb", {"n": 5})
    assert plan.notes and "'state'" in plan.notes[0]


def test_plan_defaults() -> None:
    plan = plan_launch("t.ipynb", _template(), "", output_dir="", default_ui="notebook")
    assert (plan.values, plan.ui, plan.copy, plan.autorun_requested) == (
        {},
        "notebook",
        "reuse",
        False,
    )
    assert "/" not in plan.path


@pytest.mark.parametrize(
    ("language", "query", "error"),
    [
        ("python", "class=1", ParameterError),  # a keyword: refused while planning
        ("r", "_x=1", ParameterError),
        ("bash", "x=1", UnsupportedLanguageError),
    ],
)
def test_plan_refuses_what_could_not_be_injected(
    language: str, query: str, error: type[Exception]
) -> None:
    spec = {"name": language, "display_name": language, "language": language}
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": spec})  # declares nothing
    with pytest.raises(error):
        plan_launch("t.ipynb", nb, query)


def test_render_records_what_tells_an_edit() -> None:
    nb = _template()
    plan = plan_launch("t.ipynb", nb, "n=5")
    copy = render_copy(plan, nb, link="https://h/services/nblaunch/open/t.ipynb?n=5")
    assert injected_source(copy) == "# Parameters\nn = 5\n"
    assert "autorun" not in copy.metadata[META_KEY]  # no file holds permission to run
    assert not is_edited(copy)


@pytest.mark.parametrize("content", ["", "null", "[]", '{"cells": 1}', b"\xff", "not json"])
def test_load_notebook_refuses(content: str | bytes) -> None:
    with pytest.raises(NotANotebookError):
        load_notebook(content, name="x.ipynb")


@pytest.mark.parametrize("form", ["text", "bytes", "dict"])
def test_load_notebook_accepts(form: str) -> None:
    text = nbformat.writes(_template())
    content = {"text": text, "bytes": text.encode(), "dict": nbformat.reads(text, 4)}[form]
    assert load_notebook(content).cells[0].source == DECLARED


QUERY = st.text(
    alphabet=st.sampled_from(list('=&?%+[]{}",:0123456789.-eEtrufalsnN xyz_')), max_size=40
)
KEYS = st.sampled_from(["n", "x", "flag", "label", "ids", "opts", "v", "maybe", "code", "other",
                        "param_n", "params", "ui", "autorun", "1bad"])  # fmt: skip
PAIRS = st.lists(st.tuples(KEYS, QUERY), max_size=5).map(
    lambda pairs: "&".join(f"{k}={v}" for k, v in pairs)
)


@PROPERTY
@given(st.one_of(st.text(max_size=80), PAIRS), st.sampled_from(["python", "r", "julia"]))
def test_any_query_is_launched_or_refused_with_an_nblaunch_error(raw: str, language: str) -> None:
    source = DECLARED if language == "python" else "n = 1\nlabel = 'a'\nids = c(1)"
    if language == "julia":
        source = 'n = 1\nlabel = "a"\nids = [1]'
    nb = _template(language, source)
    with contextlib.suppress(NBLaunchError):
        plan = plan_launch("t.ipynb", nb, raw)
        render_copy(plan, nb, link=None)
