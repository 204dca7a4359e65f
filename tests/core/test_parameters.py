"""Declared parameters: tagged cell or ``# Parameters`` header; types; help; R and Julia."""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nblaunch.core import (
    NBLaunchError,
    Parameter,
    TemplateError,
    inject,
    injected_source,
    kernel_language,
    notebook_parameters,
)
from nblaunch.core.errors import TemplateMetadataError
from nblaunch.core.parameters import parameters_cell, python_parameters, value_type

from .strategies import PROPERTY, names, same, values

Make = Callable[..., nbformat.NotebookNode]


def _one(source: str) -> Parameter:
    (parameter,) = python_parameters(source)
    return parameter


def test_from_the_cell_tagged_parameters(notebook_factory: Make) -> None:
    nb = notebook_factory("image_id = 2959331  # which image", "x = 'not a parameter'")
    assert notebook_parameters(nb) == [
        Parameter("image_id", "int", 2959331, "2959331", "which image")
    ]


def test_from_a_parameters_header_when_no_cell_is_tagged(notebook_factory: Make) -> None:
    nb = notebook_factory(None, "import os", "# Parameters\nn = 3\nname = 'x'", "m = 4")
    assert [(p.name, p.type) for p in notebook_parameters(nb)] == [("n", "int"), ("name", "str")]


@pytest.mark.parametrize(
    "header",
    [
        "# Parameters",
        "#parameters",
        "  # PARAMETERS  ",
        "# Parameters:",  # jupyter-notebookparams' spelling
        "#parameters:",
        "  # PARAMETERS :  ",
        "# Parameters:\r",
    ],
)
def test_header_spellings(notebook_factory: Make, header: str) -> None:
    nb = notebook_factory(None, f"{header}\nn = 3")
    assert [p.name for p in notebook_parameters(nb)] == ["n"]


@pytest.mark.parametrize(
    "header", ["# Parameters::", "# Parameters: x", "# Parameter:", "# Params:"]
)
def test_not_a_header(notebook_factory: Make, header: str) -> None:
    assert notebook_parameters(notebook_factory(None, f"{header}\nn = 3")) == []


def test_a_notebookparams_notebook(notebook_factory: Make) -> None:
    # Written the way jupyter-notebookparams' README shows: a cell that starts with the exact
    # string "# Parameters:", then the assignments a link's values replace.
    nb = notebook_factory(
        None, "import pandas as pd", '# Parameters:\ndataset = "xyz"\nn = 10', "print(dataset, n)"
    )
    assert [(p.name, p.type, p.default) for p in notebook_parameters(nb)] == [
        ("dataset", "str", "xyz"),
        ("n", "int", 10),
    ]


def test_the_tag_wins_over_a_header(notebook_factory: Make) -> None:
    nb = notebook_factory(None, "# Parameters\na = 1")
    tagged = nbformat.v4.new_code_cell("b = 2", metadata={"tags": ["parameters"]})
    nb.cells.append(tagged)
    assert [p.name for p in notebook_parameters(nb)] == ["b"]


def test_a_header_must_be_the_first_line_of_a_code_cell(notebook_factory: Make) -> None:
    nb = notebook_factory(None, "x = 1\n# Parameters\ny = 2")
    nb.cells.append(nbformat.v4.new_markdown_cell("# Parameters\nz = 3"))
    assert parameters_cell(nb) is None
    assert notebook_parameters(nb) == []


@pytest.mark.parametrize(
    ("source", "kind", "default", "nullable"),
    [
        # from an annotation
        ("x: int = 1", "int", 1, False),
        ("x: float = 1", "float", 1, False),
        ("x: str = 'a'", "str", "a", False),
        ("x: bool = False", "bool", False, False),
        ("x: list[int] = []", "list", [], False),
        ("x: typing.List[str] = []", "list", [], False),
        ("x: dict = {}", "dict", {}, False),
        ("x: Optional[int] = None", "int", None, True),
        ("x: int | None = None", "int", None, True),
        ("x: 'float' = 0", "float", 0, False),
        ("x: MyType = 1", "int", 1, False),  # unknown annotation: typed by the literal
        ("x: int | str = 1", "int", 1, False),
        # from a # type: comment
        ("x = 1  # type: float", "float", 1, False),
        ("x = None  # type: str", "str", None, True),
        ("x = []  # type: list", "list", [], False),
        # from the default literal
        ("x = 1", "int", 1, False),
        ("x = -1.5", "float", -1.5, False),
        ("x = 1e3", "float", 1000.0, False),
        ("x = True", "bool", True, False),
        ("x = 'a'", "str", "a", False),
        ("x = [1, 2]", "list", [1, 2], False),
        ("x = (1, 2)", "list", (1, 2), False),
        ("x = {'a': 1}", "dict", {"a": 1}, False),
        ("x = None", "any", None, True),
        # not a literal: kept as source text, never evaluated
        ("x = os.getcwd()", "any", "os.getcwd()", False),
        ("x: int = compute()", "int", "compute()", False),
        ("x: int", "int", None, False),
    ],
)
def test_types(source: str, kind: str, default: object, nullable: bool) -> None:
    parameter = _one(source)
    assert (parameter.name, parameter.type, parameter.default) == ("x", kind, default)
    assert parameter.nullable is nullable


def test_the_annotation_wins_over_a_type_comment() -> None:
    assert _one("x: int = 1  # type: str").type == "int"


@pytest.mark.parametrize(
    ("source", "help_text"),
    [
        ("x = 1  # which image", "which image"),
        ("x = 1  # type: int  # which image", "which image"),
        ("x = 1  # type: int which image", "which image"),
        ("x = 1", ""),
        ("x = [\n  1,\n]  # a list over lines", "a list over lines"),
        ("x = 'a # b'", ""),
    ],
)
def test_help_from_the_trailing_comment(source: str, help_text: str) -> None:
    assert _one(source).help == help_text


def test_only_top_level_simple_assignments_count() -> None:
    source = "import os\na = b = 1\nc.d = 2\ne, f = 3, 4\nif True:\n    g = 5\nh += 1\ni = 6"
    assert [p.name for p in python_parameters(source)] == ["a", "b", "i"]


def test_a_name_assigned_twice_keeps_its_first_place_and_last_value() -> None:
    assert python_parameters("a = 1\nb = 2\na = 'x'") == [
        Parameter("a", "str", "x", "'x'"),
        Parameter("b", "int", 2, "2"),
    ]


@pytest.mark.parametrize(
    "source",
    [
        "%matplotlib inline\nx = 1  # help",
        "!pip install x\n  %load_ext y\nx = 1  # help",
        "x = 1  # help\n%%time",
    ],
)
def test_ipython_magics_do_not_hide_the_parameters(source: str) -> None:
    assert python_parameters(source) == [Parameter("x", "int", 1, "1", "help")]


def test_an_invalid_escape_is_read_without_a_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert python_parameters('pattern = "\\d+"') == [
            Parameter("pattern", "str", "\\d+", '"\\d+"')
        ]


def test_magics_are_only_blanked_when_the_cell_is_not_python() -> None:
    (parameter,) = python_parameters('x = """\n%d items\n"""')
    assert parameter.default == "\n%d items\n"


@pytest.mark.parametrize("source", ["x = (", "x = 1\0", "%magic\nx = ("])
def test_a_cell_that_does_not_parse_declares_nothing(source: str) -> None:
    assert python_parameters(source) == []


def test_nothing_is_evaluated(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    source = f"x = open({str(marker)!r}, 'w')\ny = [1, __import__('sys').exit()]"
    assert [p.type for p in python_parameters(source)] == ["any", "any"]
    assert not marker.exists()


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("n <- 10L", ("n", "int", 10)),
        ("n = 10", ("n", "int", 10)),
        ("x <- 2.5  # help", ("x", "float", 2.5)),
        ("name <- 'abc'", ("name", "str", "abc")),
        ('name <- "a # b"', ("name", "str", "a # b")),
        ("flag <- TRUE", ("flag", "bool", True)),
        ("nothing <- NULL", ("nothing", "any", None)),
        ("ids <- c(1, 2, 3)", ("ids", "list", [1, 2, 3])),
        ("opts <- list(a = 1, b = 'x')", ("opts", "dict", {"a": 1, "b": "x"})),
        ("my.var <- 1", ("my.var", "int", 1)),
        ("when <- Sys.Date()", ("when", "any", "Sys.Date()")),
    ],
)
def test_r(notebook_factory: Make, source: str, expected: tuple[str, str, object]) -> None:
    (parameter,) = notebook_parameters(notebook_factory(source, language="r"))
    assert (parameter.name, parameter.type, parameter.default) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("n = 10", ("n", "int", 10)),
        ("x = 2.5", ("x", "float", 2.5)),
        ('name = "abc"', ("name", "str", "abc")),
        ("flag = false", ("flag", "bool", False)),
        ("v = nothing", ("v", "any", None)),
        ("ids = [1, 2]", ("ids", "list", [1, 2])),
        ('opts = Dict("a" => 1)', ("opts", "dict", {"a": 1})),
        ('s = "$(run(`id`))"', ("s", "any", '"$(run(`id`))"')),  # interpolation: not a literal
        ("t = now()", ("t", "any", "now()")),
    ],
)
def test_julia(notebook_factory: Make, source: str, expected: tuple[str, str, object]) -> None:
    (parameter,) = notebook_parameters(notebook_factory(source, language="julia"))
    assert (parameter.name, parameter.type, parameter.default) == expected


@pytest.mark.parametrize("language", ["r", "julia"])
def test_r_and_julia_help_and_nullability(notebook_factory: Make, language: str) -> None:
    none = "NULL" if language == "r" else "nothing"
    source = f'a = "x\\\\"  # a path\nb = {none}  # optional\nnot an assignment'
    a, b = notebook_parameters(notebook_factory(source, language=language))
    assert (a.default, a.help) == ("x\\", "a path")
    assert (b.help, b.nullable) == ("optional", True)


@pytest.mark.parametrize(
    ("metadata", "language"),
    [
        ({}, "python"),
        ({"kernelspec": {"language": "R"}}, "r"),
        ({"language_info": {"name": "Julia"}}, "julia"),
        ({"kernelspec": {"language": ""}, "language_info": {"name": "python"}}, "python"),
        ({"kernelspec": {"name": "python3", "display_name": "P"}}, "python"),
        ({"kernelspec": {"name": "ir", "display_name": "R"}}, "r"),
        ({"kernelspec": {"name": "julia-1.10", "display_name": "J"}}, "julia"),
        ({"kernelspec": {"name": "bash", "display_name": "Bash"}}, "bash"),  # refused by inject
        ({"kernelspec": {"name": "iruby", "display_name": "Ruby"}}, "iruby"),  # not R
        ({"kernelspec": {"name": "python2", "display_name": "P"}}, "python"),
    ],
)
def test_kernel_language(metadata: dict[str, object], language: str) -> None:
    assert kernel_language({"metadata": metadata}) == language


@pytest.mark.parametrize(
    "metadata",
    [
        {"kernelspec": "python3"},  # written by hand or by a broken tool
        {"kernelspec": ["python3"]},
        {"kernelspec": 3},
        {"language_info": "python"},
        {"kernelspec": {"language": 3}},
        {"kernelspec": {"language": ["r"]}},
        {"kernelspec": {"name": 3, "display_name": "x"}},
    ],
)
def test_metadata_of_the_wrong_shape_is_a_template_error(metadata: dict[str, object]) -> None:
    nb = {"metadata": metadata, "cells": [_tagged("n = 1")]}
    for read in (kernel_language, notebook_parameters):
        with pytest.raises(TemplateMetadataError) as info:
            read(nb)
        assert isinstance(info.value, TemplateError)
        assert info.value.status == 400
        assert "metadata" in info.value.message
    # Also without a parameters cell: a template with broken metadata is refused everywhere.
    with pytest.raises(TemplateMetadataError):
        notebook_parameters({"metadata": metadata, "cells": []})


def _tagged(source: str, *tags: str) -> dict[str, object]:
    return {"cell_type": "code", "metadata": {"tags": list(tags or ["parameters"])},
            "source": source}  # fmt: skip


@pytest.mark.parametrize(
    "cells",
    [
        [{"cell_type": "code", "metadata": {"tags": "parameters"}, "source": "n = 1"}],
        [{"cell_type": "code", "metadata": {"tags": [1, None]}, "source": "n = 1"}],
        [{"cell_type": "code", "metadata": [], "source": "n = 1"}],
        [{"cell_type": "code", "source": ["# Parameters\n", 3]}],
        [{"cell_type": "code", "source": None}],
        ["not a cell", 3],
    ],
)
def test_cells_of_the_wrong_shape_declare_nothing_and_do_not_crash(cells: list[object]) -> None:
    assert notebook_parameters({"metadata": {}, "cells": cells}) in (
        [],
        [Parameter("n", "int", 1, "1")],
    )


def test_a_copy_declares_the_original_parameters(notebook_factory: Make) -> None:
    # A copy used as a template: its parameters are the original cell's, not the injected ones.
    for template in (
        notebook_factory("n = 1", "print(n)"),
        notebook_factory(None, "# Parameters:\nn = 1", "print(n)"),
    ):
        copy = inject(template, {"n": 5})
        assert [(p.name, p.default) for p in notebook_parameters(copy)] == [("n", 1)]


def test_a_copy_of_a_template_without_parameters_declares_none(notebook_factory: Make) -> None:
    # Its injected cell starts with "# Parameters" but is tagged injected-parameters.
    copy = inject(notebook_factory(None, "print(1)"), {"n": 5})
    assert injected_source(copy) == "# Parameters\nn = 5\n"
    assert parameters_cell(copy) is None
    assert notebook_parameters(copy) == []


def test_list_sources_are_joined() -> None:
    nb = {"cells": [{"cell_type": "code", "metadata": {"tags": ["parameters"]},
                     "source": ["a = 1\n", "b = 2"]}]}  # fmt: skip
    assert [p.name for p in notebook_parameters(nb)] == ["a", "b"]


@pytest.mark.parametrize("source", ['x = b"x"', "x = {1, 2}", "x = 1j", "x = 1e999"])
def test_to_json_of_a_default_json_cannot_carry(source: str) -> None:
    body = _one(source).to_json()
    assert body["default"] is None
    assert body["default_source"] == source.split(" = ")[1]
    json.dumps(body, allow_nan=False)


def test_to_json() -> None:
    assert _one("x: int = 1  # help").to_json() == {
        "name": "x",
        "type": "int",
        "default": 1,
        "default_source": "1",
        "help": "help",
    }


@pytest.mark.parametrize(
    ("value", "kind"),
    [(True, "bool"), (1, "int"), (1.0, "float"), ("", "str"), ([], "list"), ({}, "dict"),
     (None, "any"), (object(), "any")],
)  # fmt: skip
def test_value_type(value: object, kind: str) -> None:
    assert value_type(value) == kind


# Property: what inject writes, notebook_parameters reads back (the injected cell as a template's
# parameters cell), in every language.


def _r_safe(value: object) -> bool:
    if isinstance(value, str):
        return "\0" not in value
    if isinstance(value, list):
        return all(_r_safe(v) for v in value)
    if isinstance(value, dict):
        return "" not in value and all(_r_safe(k) and _r_safe(v) for k, v in value.items())
    return True


def _r_shape(value: object) -> object:
    if isinstance(value, list):
        return [_r_shape(v) for v in value]
    if isinstance(value, dict):
        return {k: _r_shape(v) for k, v in value.items()}
    return value


@PROPERTY
@given(st.sampled_from(["python", "r", "julia"]), st.data())
def test_injected_values_read_back_as_defaults(language: str, data: st.DataObject) -> None:
    strategy = values.filter(_r_safe) if language == "r" else values
    params = data.draw(st.dictionaries(names(language), strategy, max_size=4))
    spec = {"name": language, "display_name": language, "language": language}
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": spec})
    nb.cells.append(nbformat.v4.new_code_cell("", metadata={"tags": ["parameters"]}))
    source = injected_source(inject(nb, params)) or ""
    template = nbformat.v4.new_notebook(metadata={"kernelspec": spec})
    template.cells.append(nbformat.v4.new_code_cell(source, metadata={"tags": ["parameters"]}))
    found = {p.name: p.default for p in notebook_parameters(template)}
    assert found.keys() == params.keys()
    assert all(same(found[n], _r_shape(params[n])) for n in params), (source, found)


SOURCE_TEXT = st.text(
    alphabet=st.sampled_from(list("\"'\\#$%!:=<-()[]{},.\n xyn01LTRUE")), max_size=60
)


@PROPERTY
@given(st.sampled_from(["python", "r", "julia"]), st.one_of(st.text(max_size=60), SOURCE_TEXT))
def test_any_parameters_cell_is_read_without_crashing(language: str, source: str) -> None:
    spec = {"name": language, "display_name": language, "language": language}
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": spec})
    nb.cells.append(nbformat.v4.new_code_cell(source, metadata={"tags": ["parameters"]}))
    for parameter in notebook_parameters(nb):
        json.dumps(parameter.to_json(), allow_nan=False)


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
CELLS = st.lists(
    JSONISH
    | st.fixed_dictionaries(
        {"cell_type": st.sampled_from(["code", "markdown"]) | JSONISH},
        optional={
            "metadata": st.fixed_dictionaries(
                {}, optional={"tags": JSONISH | st.just(["parameters"])}
            )
            | JSONISH,
            "source": st.sampled_from(["# Parameters:\nn = 1", "n = 1"]) | JSONISH,
        },
    ),
    max_size=4,
)
METADATA = (
    st.fixed_dictionaries(
        {}, optional={"kernelspec": JSONISH, "language_info": JSONISH, "language": JSONISH}
    )
    | JSONISH
)


@PROPERTY
@given(METADATA, CELLS)
def test_any_notebook_json_is_read_or_refused_with_an_nblaunch_error(
    metadata: object, cells: list[object]
) -> None:
    try:
        found = notebook_parameters({"metadata": metadata, "cells": cells})
    except NBLaunchError:
        return
    assert all(isinstance(p, Parameter) for p in found)
