"""Copy names, reuse/new/overwrite decisions, UI URLs and the autorun policy."""

from __future__ import annotations

import nbformat
import pytest

from nblaunch.core import (
    META_KEY,
    ControlValueError,
    CopyConflictError,
    autorun_decision,
    copy_action,
    copy_name,
    inject,
    is_edited,
    new_copy_names,
    notebook_url,
    params_hash,
    sources_hash,
)
from nblaunch.core.copies import rearm_autorun


def test_same_template_and_values_same_name() -> None:
    values = {"image_id": 2959331, "mode": "fast"}
    assert copy_name("t.ipynb", values) == copy_name("t.ipynb", dict(reversed(values.items())))
    assert copy_name("t.ipynb", values) != copy_name("t.ipynb", {**values, "mode": "slow"})
    assert copy_name("t.ipynb", values) != copy_name("u.ipynb", values)


@pytest.mark.parametrize(
    ("template", "values", "output_dir", "start"),
    [
        (
            "stats/image-stats.ipynb",
            {"image_id": 7},
            "nblaunch",
            "nblaunch/image-stats-image_id-7-",
        ),
        ("a b.ipynb", {"s": "x/y"}, "", "a-b-"),  # no / from values in the file name
        ("t.ipynb", {"s": "x" * 100}, "out/", "out/t-"),  # long values stay out of the name
        ("---.ipynb", {}, "", "notebook-"),
        ("t.ipynb", {"s": "../../etc"}, "", "t-"),
    ],
)
def test_copy_name(template: str, values: dict[str, object], output_dir: str, start: str) -> None:
    name = copy_name(template, values, output_dir=output_dir)
    assert name.startswith(start)
    assert name.endswith(f"-{params_hash(template, values)}.ipynb")
    assert ".." not in name.split("/")
    assert len(name.rsplit("/", 1)[-1]) <= 80 + len("-123456.ipynb")


def test_new_copy_names() -> None:
    names = new_copy_names("nblaunch/a.ipynb")
    assert [next(names) for _ in range(3)] == [
        "nblaunch/a-2.ipynb",
        "nblaunch/a-3.ipynb",
        "nblaunch/a-4.ipynb",
    ]


def _written() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    result = inject(nb, {"x": 2})
    result.metadata[META_KEY]["sources_hash"] = sources_hash(result)
    return result


def test_is_edited() -> None:
    copy = _written()
    assert not is_edited(copy)
    copy.cells[0].outputs = [nbformat.v4.new_output("stream", text="run")]
    assert not is_edited(copy)  # running it is not editing it
    copy.cells[-1].source += "\nprint(x)"
    assert is_edited(copy)
    assert is_edited({"cells": [], "metadata": {}})  # not written by nblaunch


@pytest.mark.parametrize(
    ("mode", "existing", "action"),
    [
        ("reuse", None, "write"),
        ("new", None, "write"),
        ("overwrite", None, "write"),
        ("reuse", "unedited", "open"),
        ("reuse", "edited", "open"),
        ("new", "edited", "new"),
        ("overwrite", "unedited", "write"),
    ],
)
def test_copy_action(mode: str, existing: str | None, action: str) -> None:
    nb = None if existing is None else _written()
    if existing == "edited":
        nb.cells[0].source = "changed"  # type: ignore[union-attr]
    assert copy_action(mode, nb, "a.ipynb") == action


def test_overwrite_never_loses_edits() -> None:
    nb = _written()
    nb.cells[0].source = "changed"
    with pytest.raises(CopyConflictError) as info:
        copy_action("overwrite", nb, "nblaunch/a.ipynb")
    assert info.value.status == 409
    assert "copy=new" in info.value.message


@pytest.mark.parametrize(
    ("ui", "url"),
    [
        ("lab", "lab/tree/nblaunch/a%20b.ipynb"),
        ("doc", "doc/tree/nblaunch/a%20b.ipynb"),
        ("notebook", "notebooks/nblaunch/a%20b.ipynb"),
    ],
)
def test_notebook_url(ui: str, url: str) -> None:
    assert notebook_url(ui, "/nblaunch/a b.ipynb") == url


def test_notebook_url_refuses_an_unknown_ui() -> None:
    with pytest.raises(ControlValueError):
        notebook_url("desktop", "a.ipynb")


@pytest.mark.parametrize(
    ("requested", "policy", "trusted", "runs"),
    [
        (False, "always", True, False),
        (True, "never", True, False),
        (True, "trusted", False, False),
        (True, "trusted", True, True),
        (True, "always", False, True),
    ],
)
def test_autorun_decision(requested: bool, policy: str, trusted: bool, runs: bool) -> None:
    assert autorun_decision(requested, policy, trusted=trusted) is runs


def test_autorun_policy_must_be_known() -> None:
    with pytest.raises(ValueError, match="policy"):
        autorun_decision(True, "sometimes", trusted=True)


def test_rearm_autorun_sets_only_the_flag() -> None:
    copy = _written()
    copy.cells[0].outputs = [nbformat.v4.new_output("stream", text="ran")]
    copy.cells[-1].source += "\nprint('my edit')"
    before = nbformat.from_dict(copy)
    rearmed = rearm_autorun(copy, autorun=True)
    assert rearmed is not None
    assert rearmed.metadata[META_KEY]["autorun"] is True
    assert rearmed.cells == before.cells  # edits and outputs kept
    assert rearmed.metadata[META_KEY]["sources_hash"] == before.metadata[META_KEY]["sources_hash"]
    assert is_edited(rearmed)  # still edited: re-arming is not a rewrite
    assert copy == before  # the notebook that was read is left alone
    assert not is_edited(rearm_autorun(_written(), autorun=True))  # metadata is not an edit


@pytest.mark.parametrize(
    ("metadata", "autorun"),
    [
        ({META_KEY: {"autorun": False}}, False),  # the link did not ask, or the policy refused
        ({META_KEY: {"autorun": True}}, True),  # already armed: nothing to write
        ({}, True),  # not written by nblaunch: never armed
        ({META_KEY: "x"}, True),
    ],
)
def test_rearm_autorun_changes_nothing(metadata: dict[str, object], autorun: bool) -> None:
    assert rearm_autorun({"cells": [], "metadata": metadata}, autorun=autorun) is None
