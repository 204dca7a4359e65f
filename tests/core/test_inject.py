"""Injection: papermill's placement, our safety (names, values, languages) and provenance."""

from __future__ import annotations

import ast
import shutil
import subprocess
from collections.abc import Callable
from datetime import datetime

import nbformat
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nblaunch import __version__
from nblaunch.core import (
    META_KEY,
    InvalidNameError,
    ParameterError,
    ParameterTypeError,
    UnsupportedLanguageError,
    inject,
    injected_source,
    sources_hash,
)
from nblaunch.core.errors import ReservedNameError
from nblaunch.core.literals import read_julia, read_r

from .strategies import CODE_LIKE, NASTY, PROPERTY, names, same, values

Make = Callable[..., nbformat.NotebookNode]


def _tags(nb: nbformat.NotebookNode) -> list[list[str]]:
    return [cell.metadata.get("tags", []) for cell in nb.cells]


def test_injected_after_the_parameters_cell(notebook_factory: Make) -> None:
    nb = notebook_factory("x = 1", "print(x)")
    result = inject(nb, {"x": 2})
    assert _tags(result) == [["parameters"], ["injected-parameters"], []]
    assert result.cells[1].source == "# Parameters\nx = 2\n"
    assert result.cells[2].source == "print(x)"


def test_injected_after_a_parameters_header(notebook_factory: Make) -> None:
    nb = notebook_factory(None, "import os", "# Parameters\nx = 1", "print(x)")
    result = inject(nb, {"x": 2})
    assert [c.source.splitlines()[0] for c in result.cells] == [
        "import os",
        "# Parameters",
        "# Parameters",
        "print(x)",
    ]
    assert injected_source(result) == "# Parameters\nx = 2\n"


def test_injected_at_the_top_without_a_parameters_cell(notebook_factory: Make) -> None:
    result = inject(notebook_factory(None, "print(x)"), {"x": 2})
    assert _tags(result) == [["injected-parameters"], []]
    assert result.cells[0].source == "# Parameters\nx = 2\n"


def test_a_second_injection_replaces_the_first(notebook_factory: Make) -> None:
    once = inject(notebook_factory("x = 1", "print(x)"), {"x": 2})
    twice = inject(once, {"x": 3})
    assert len(twice.cells) == 3
    assert injected_source(twice) == "# Parameters\nx = 3\n"
    assert twice.metadata[META_KEY]["parameters"] == {"x": 3}


def test_injected_after_a_notebookparams_header(notebook_factory: Make) -> None:
    # jupyter-notebookparams' convention: "# Parameters:" with a colon. Injected before the
    # defaults, the link's values would be overwritten by them.
    nb = notebook_factory(None, '# Parameters:\ndataset = "xyz"\nn = 10', "print(dataset, n)")
    result = inject(nb, {"n": 5})
    assert [c.source.splitlines()[0] for c in result.cells] == [
        "# Parameters:",
        "# Parameters",
        "print(dataset, n)",
    ]
    assert _tags(result) == [["parameters"], ["injected-parameters"], []]


TEMPLATES = {
    "tagged": ("x = 1", "print(x)"),
    "header": (None, "# Parameters\nx = 1", "print(x)"),
    "notebookparams": (None, "# Parameters:\nx = 1", "print(x)"),
    "none": (None, "print(x)"),
}


@pytest.mark.parametrize("kind", TEMPLATES)
def test_relaunching_from_a_copy_replaces_its_injected_cell(
    notebook_factory: Make, kind: str
) -> None:
    template = notebook_factory(*TEMPLATES[kind])
    once = inject(template, {"x": 2})
    for value in (3, 4):  # a copy of a copy of a copy
        again = inject(once, {"x": value})
        assert len(again.cells) == len(once.cells) == len(template.cells) + 1
        injected = [c for c in again.cells if "injected-parameters" in c.metadata.get("tags", [])]
        assert [c.source for c in injected] == [f"# Parameters\nx = {value}\n"]
        others = [c.source for c in again.cells if c not in injected]
        assert others == [c.source for c in template.cells]
        once = again


@pytest.mark.parametrize("tagged", [True, False])
def test_the_input_notebook_is_not_changed(notebook_factory: Make, tagged: bool) -> None:
    nb = notebook_factory("x = 1", "print(x)", tagged=tagged)
    nb.cells[0].source = "# Parameters\nx = 1"
    before = nbformat.writes(nb)
    once = inject(nb, {"x": 2})
    after_once = nbformat.writes(once)
    inject(once, {"x": 3})  # replacing an injected cell leaves the first copy alone too
    assert nbformat.writes(nb) == before
    assert nbformat.writes(once) == after_once


def test_the_result_is_a_valid_notebook(notebook_factory: Make) -> None:
    result = inject(notebook_factory("x = 1", "print(x)"), {"x": 2})
    nbformat.validate(result)
    assert "tags" not in result.cells[2].metadata  # no empty tags added to other cells


def test_accepts_a_plain_dict(notebook_factory: Make) -> None:
    plain = nbformat.from_dict(notebook_factory("x = 1"))
    result = inject(dict(plain), {"x": 2})
    assert injected_source(result) == "# Parameters\nx = 2\n"


def test_provenance(notebook_factory: Make) -> None:
    link = "https://hub.example.org/services/nblaunch/open/t?x=2"
    result = inject(notebook_factory("x = 1"), {"x": 2}, template="t.ipynb", link=link)
    record = result.metadata[META_KEY]
    assert record["template"] == "t.ipynb"
    assert record["parameters"] == {"x": 2}
    assert record["link"] == link
    assert record["version"] == __version__
    assert "autorun" not in record  # a file holds no permission to run
    assert datetime.fromisoformat(record["created"]).utcoffset().total_seconds() == 0


def test_sources_hash_ignores_outputs_and_metadata(notebook_factory: Make) -> None:
    nb = notebook_factory("x = 1")
    before = sources_hash(nb)
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", text="hi")]
    nb.metadata["x"] = 1
    assert sources_hash(nb) == before
    nb.cells[0].source = "x = 2"
    assert sources_hash(nb) != before


@pytest.mark.parametrize(
    ("language", "name"),
    [
        ("python", "a-b"),
        ("python", "1st"),
        ("python", "x; import os"),
        ("python", "os.system"),
        ("python", "é"),
        ("python", ""),
        ("python", "class"),
        ("python", "None"),
        ("python", "match"),  # soft keyword
        ("r", "_x"),  # papermill would silently strip the underscore
        ("r", "TRUE"),
        ("r", "function"),
        ("julia", "end"),
        ("julia", "nothing"),
    ],
)
def test_names_are_identifiers_and_not_keywords(
    notebook_factory: Make, language: str, name: str
) -> None:
    with pytest.raises(ParameterError) as info:
        inject(notebook_factory("x = 1", language=language), {name: 1})
    (problem,) = info.value.problems
    assert isinstance(problem, InvalidNameError)
    assert problem.fields["name"] == name


@pytest.mark.parametrize(
    ("language", "name"),
    [
        *[("python", n) for n in ("len", "print", "id", "type", "open", "exit", "quit")],
        *[("python", n) for n in ("__builtins__", "__name__", "__import__", "__file__", "__x__")],
        *[
            ("python", n) for n in ("get_ipython", "In", "Out", "display", "__", "___")
        ],  # "_": keyword
        *[("python", n) for n in ("_i", "_ii", "_iii", "_ih", "_oh", "_dh", "_i3", "_12")],
        *[("r", n) for n in ("c", "library", "print", "pi", "letters", "paste", "q", "t")],
        *[("julia", n) for n in ("Base", "Main", "Core", "println", "ans", "pi", "ENV", "__x__")],
    ],
)
def test_without_a_parameters_cell_names_the_kernel_relies_on_are_refused(
    notebook_factory: Make, language: str, name: str
) -> None:
    with pytest.raises(ParameterError) as info:
        inject(notebook_factory(None, "y = 2", language=language), {name: 1})
    (problem,) = info.value.problems
    assert isinstance(problem, ReservedNameError)
    assert problem.code == "reserved-name"
    assert problem.fields["name"] == name
    assert "parameters cell" in problem.message  # says what to do instead


@pytest.mark.parametrize(
    ("language", "name"),
    [("python", "c"), ("python", "data"), ("python", "_private"), ("r", "len"), ("julia", "c")],
)
def test_names_another_language_relies_on_are_fine(
    notebook_factory: Make, language: str, name: str
) -> None:
    result = inject(notebook_factory(None, "y = 2", language=language), {name: 1})
    assert name in (injected_source(result) or "")


@pytest.mark.parametrize(("language", "name"), [("python", "print"), ("r", "c"), ("julia", "pi")])
def test_a_declared_name_is_the_authors_choice(
    notebook_factory: Make, language: str, name: str
) -> None:
    assign = "<-" if language == "r" else "="
    nb = notebook_factory(f"{name} {assign} 1", language=language)
    assert name in (injected_source(inject(nb, {name: 2})) or "")


def test_every_bad_name_is_reported_at_once(notebook_factory: Make) -> None:
    with pytest.raises(ParameterError) as info:
        inject(notebook_factory("x = 1"), {"a b": 1, "ok": 2, "if": 3, "y": float("nan")})
    assert [p.fields["name"] for p in info.value.problems] == ["a b", "if", "y"]


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (float("nan"), "finite"),
        (float("inf"), "finite"),
        ([1, float("-inf")], "finite"),
        ((1, 2), "tuple"),
        ({1, 2}, "set"),
        (b"x", "bytes"),
        (object(), "object"),
        ({1: "a"}, "keys"),
        ("\ud800", "Unicode"),  # a lone surrogate: no UTF-8 notebook can hold it
        ({"\udfff": 1}, "Unicode"),
        ([[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]], "nested"),
    ],
)
def test_values_must_be_json_values(notebook_factory: Make, value: object, problem: str) -> None:
    with pytest.raises(ParameterError) as info:
        inject(notebook_factory("x = 1"), {"x": value})
    assert isinstance(info.value.problems[0], ParameterTypeError)
    assert problem in info.value.message


def test_r_refuses_what_r_cannot_hold(notebook_factory: Make) -> None:
    with pytest.raises(ParameterError, match="empty name"):
        inject(notebook_factory("x = 1", language="r"), {"x": {"": 1}})
    with pytest.raises(ParameterTypeError, match="NUL"):
        inject(notebook_factory("x = 1", language="r"), {"x": "a\0b"})


def test_julia_dollar_is_escaped(notebook_factory: Make) -> None:
    value = "$(run(`id`)) and $x and \\$y"
    source = injected_source(inject(notebook_factory("s = 1", language="julia"), {"s": value}))
    assert source == '# Parameters\ns = "\\$(run(`id`)) and \\$x and \\\\\\$y"\n'
    assert read_julia(source.splitlines()[1].split(" = ", 1)[1]) == value


def test_r_keeps_unicode_as_text(notebook_factory: Make) -> None:
    source = injected_source(inject(notebook_factory("s = 1", language="r"), {"s": "café"}))
    assert source == '# Parameters\ns = "café"\n'


def test_a_kernel_named_but_not_described_is_not_taken_for_python(notebook_factory: Make) -> None:
    nb = notebook_factory("x = 1")
    nb.metadata.kernelspec = {"name": "bash", "display_name": "Bash"}
    with pytest.raises(UnsupportedLanguageError):
        inject(nb, {"x": "$(id)"})


@pytest.mark.parametrize("language", ["powershell", "scala", "bash", "matlab"])
def test_unsupported_language_is_refused(notebook_factory: Make, language: str) -> None:
    nb = notebook_factory("x = 1")
    nb.metadata.kernelspec.language = language
    with pytest.raises(UnsupportedLanguageError) as info:
        inject(nb, {"x": 1})
    assert language in info.value.message
    assert "python, r, julia" in info.value.message


# Property tests: any names and values survive injection as literals, in every language.


def _notebook(language: str) -> nbformat.NotebookNode:
    """A one-cell template (the fixture is function-scoped, and hypothesis runs many inputs)."""
    spec = {"name": language, "display_name": language, "language": language}
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": spec})
    nb.cells.append(nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}))
    return nb


def _python_assignments(source: str) -> dict[str, object]:
    tree = ast.parse(source)
    found: dict[str, object] = {}
    for node in tree.body:
        assert isinstance(node, ast.Assign), ast.dump(node)
        (target,) = node.targets
        assert isinstance(target, ast.Name)
        found[target.id] = ast.literal_eval(node.value)
    return found


def _simple_assignments(source: str, read: Callable[[str], object]) -> dict[str, object]:
    found: dict[str, object] = {}
    for line in source.split("\n"):  # not splitlines(): U+0085 and U+2028 are not breaks in R
        if line.startswith("#") or not line:
            continue
        name, sep, text = line.partition(" = ")
        assert sep, line
        found[name] = read(text)
    return found


@PROPERTY
@given(st.dictionaries(names("python"), values, max_size=5))
def test_python_injection_round_trip(params: dict[str, object]) -> None:
    source = injected_source(inject(_notebook("python"), params))
    assert source is not None
    found = _python_assignments(source)
    assert found.keys() == params.keys()
    assert all(same(found[n], params[n]) for n in params)


def _r_safe(value: object) -> bool:
    if isinstance(value, str):
        return "\0" not in value
    if isinstance(value, list):
        return all(_r_safe(v) for v in value)
    if isinstance(value, dict):
        return "" not in value and all(_r_safe(k) and _r_safe(v) for k, v in value.items())
    return True


def _r_shape(value: object) -> object:
    """What an R literal can say: an empty list() is an empty list, whatever it was."""
    if isinstance(value, list):
        return [_r_shape(v) for v in value]
    if isinstance(value, dict):
        return {k: _r_shape(v) for k, v in value.items()} if value else {}
    return value


@PROPERTY
@given(st.dictionaries(names("r"), values.filter(_r_safe), max_size=5))
def test_r_injection_round_trip(params: dict[str, object]) -> None:
    source = injected_source(inject(_notebook("r"), params))
    found = _simple_assignments(source or "", read_r)
    assert found.keys() == params.keys()
    assert all(same(found[n], _r_shape(params[n])) for n in params)


@PROPERTY
@given(st.dictionaries(names("julia"), values, max_size=5))
def test_julia_injection_round_trip(params: dict[str, object]) -> None:
    source = injected_source(inject(_notebook("julia"), params))
    found = _simple_assignments(source or "", read_julia)
    assert found.keys() == params.keys()
    assert all(same(found[n], params[n]) for n in params)


INTERPRETERS = {"r": ["Rscript", "-e"], "julia": ["julia", "--startup-file=no", "-e"]}
PRINT = {"r": 'cat({}, "\\x1f", sep = "")', "julia": 'print({}, "\\x1f")'}
TEXTS = [*CODE_LIKE, "".join(NASTY).replace("\0", "")]


@pytest.mark.parametrize("language", ["r", "julia"])
def test_the_interpreter_reads_the_injected_strings(language: str) -> None:
    """The real interpreter, where installed, reads back exactly the texts (no ``$`` runs)."""
    program = INTERPRETERS[language]
    if shutil.which(program[0]) is None:
        pytest.skip(f"{program[0]} is not installed here; the round trips use read_{language}")
    params = {f"s{i}": text for i, text in enumerate(TEXTS)}
    source = injected_source(inject(_notebook(language), params)) or ""
    prints = "\n".join(PRINT[language].format(name) for name in params)
    done = subprocess.run([*program, f"{source}\n{prints}"], capture_output=True, timeout=300)
    assert done.stdout.decode().split("\x1f")[:-1] == TEXTS
