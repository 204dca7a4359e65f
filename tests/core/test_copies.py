"""Copy names, copy identity, reuse/new/overwrite decisions and UI URLs."""

from __future__ import annotations

import nbformat
import pytest

from nblaunch.core import (
    META_KEY,
    ControlValueError,
    CopyConflictError,
    candidate_names,
    copy_action,
    copy_name,
    inject,
    is_copy_of,
    is_edited,
    notebook_url,
    params_hash,
    sources_hash,
)


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
    assert len(name.rsplit("/", 1)[-1]) <= 80 + len("-") + 26 + len(".ipynb")


def test_the_hash_in_a_name_has_128_bits() -> None:
    # 24 bits let a link author find colliding values in seconds (issue 9, finding 2).
    digest = params_hash("t.ipynb", {"n": 1})
    assert len(digest) == 26 and digest.isalnum() and digest.islower()
    assert len(digest) * 5 >= 128


def test_candidate_names() -> None:
    assert list(candidate_names("nblaunch/a.ipynb", 4)) == [
        "nblaunch/a.ipynb",
        "nblaunch/a-2.ipynb",
        "nblaunch/a-3.ipynb",
        "nblaunch/a-4.ipynb",
    ]


@pytest.mark.parametrize(
    ("recorded", "template", "values", "mine"),
    [
        ({"template": "t.ipynb", "parameters": {"n": 1}}, "t.ipynb", {"n": 1}, True),
        ({"template": "t.ipynb", "parameters": {"n": 1}}, "t.ipynb", {"n": 2}, False),
        ({"template": "t.ipynb", "parameters": {"n": 1}}, "u.ipynb", {"n": 1}, False),
        ({"template": "t.ipynb", "parameters": {"n": 1, "m": 2}}, "t.ipynb", {"n": 1}, False),
        ({"template": "t.ipynb", "parameters": {"t": [1, 2]}}, "t.ipynb", {"t": (1, 2)}, True),
        ({"template": "t.ipynb"}, "t.ipynb", {}, False),
        ("not a dict", "t.ipynb", {}, False),
    ],
)
def test_is_copy_of(recorded: object, template: str, values: dict[str, object], mine: bool) -> None:
    assert is_copy_of({"metadata": {META_KEY: recorded}}, template, values) is mine


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
    ("mode", "existing", "mine", "action"),
    [
        ("reuse", None, False, "write"),
        ("new", None, False, "write"),
        ("overwrite", None, False, "write"),
        ("reuse", "unedited", True, "open"),
        ("reuse", "edited", True, "open"),
        ("new", "edited", True, None),
        ("overwrite", "unedited", True, "write"),
        # Not this link's copy: never opened, replaced or a conflict; the next name is tried.
        ("reuse", "unedited", False, None),
        ("overwrite", "edited", False, None),
    ],
)
def test_copy_action(mode: str, existing: str | None, mine: bool, action: str | None) -> None:
    nb = None if existing is None else _written()
    if existing == "edited":
        nb.cells[0].source = "changed"  # type: ignore[union-attr]
    assert copy_action(mode, nb, mine=mine, path="a.ipynb") == action


def test_overwrite_never_loses_edits() -> None:
    nb = _written()
    nb.cells[0].source = "changed"
    with pytest.raises(CopyConflictError) as info:
        copy_action("overwrite", nb, mine=True, path="nblaunch/a.ipynb")
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
