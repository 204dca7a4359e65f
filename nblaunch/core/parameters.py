"""Read the parameters a template notebook declares: name, type, default and help.

The parameters live in the cell tagged ``parameters`` (papermill's convention) or, failing that,
in the first code cell whose first line is a ``# Parameters`` comment, with or without a colon
(``# Parameters:`` is jupyter-notebookparams' convention). A cell tagged ``injected-parameters``
is never the parameters cell: in a copy used as a template, the declarations are the original
cell's, and the injected cell is what the next injection replaces. Types come, in this order, from
an annotation (``x: int = 1``), a ``# type: int`` comment, or the default literal (``x = 1`` is an
int). Nothing is ever evaluated: Python defaults go through ``ast.literal_eval``; R and Julia
defaults through ``literals``.
"""

from __future__ import annotations

import ast
import io
import json
import re
import tokenize
import warnings
from dataclasses import dataclass
from typing import Any

from .errors import TemplateMetadataError
from .literals import read_julia, read_r

TYPES = ("int", "float", "bool", "str", "list", "dict", "any")

_ANNOTATION_TYPES = {
    "int": "int",
    "float": "float",
    "bool": "bool",
    "str": "str",
    "list": "list",
    "List": "list",
    "tuple": "list",
    "dict": "dict",
    "Dict": "dict",
}
# Names of the usual kernels (IPython, IRkernel, IJulia), for notebooks whose metadata names the
# kernel but not its language. Exact patterns: ``iruby`` must not pass for R, whose strings leave
# Ruby's ``#{...}`` open.
_KERNEL_NAMES = {
    "python": re.compile(r"i?python[0-9.]*"),
    "r": re.compile(r"ir"),
    "julia": re.compile(r"julia(?:-[0-9.]+)?"),
}
# Used with fullmatch, as every pattern here that must match a whole text.
_HEADER = re.compile(r"\s*#\s*parameters\s*:?\s*", re.IGNORECASE)
INJECTED_TAG = "injected-parameters"
_MAGIC = re.compile(r"^[ \t]*[%!].*$", re.MULTILINE)
_TYPE_COMMENT = re.compile(r"type:\s*(?P<type>\S+)\s*(?P<help>.*)", re.DOTALL)


@dataclass(frozen=True)
class Parameter:
    """One declared parameter.

    >>> Parameter("image_id", "int", 1, "1", "Image to analyse").to_json()["type"]
    'int'
    """

    name: str
    type: str = "any"
    default: Any = None
    default_source: str = ""
    help: str = ""
    nullable: bool = False

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready description for pages, APIs and ``nblaunch inspect``."""
        return {
            "name": self.name,
            "type": self.type,
            "default": _json_safe(self.default),
            "default_source": self.default_source,
            "help": self.help,
        }


def _json_safe(value: Any) -> Any:
    """The value where JSON can carry it, else ``None`` (``b"x"``, ``{1, 2}``, ``1j``, ``1e999``
    are Python literals but not JSON; ``default_source`` still shows them)."""
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return None
    return value


def kernel_language(nb: Any) -> str:
    """The notebook's kernel language, lowercased (``python`` when the notebook does not say).

    Without a language in the metadata, the kernel's name decides (``ir`` is R, ``julia-1.10``
    Julia); an unknown kernel name is returned as it is, so injection refuses it rather than
    writing Python into, say, a bash notebook, where ``$(...)`` in a Python string would run.
    Metadata of the wrong shape (``"kernelspec": "python3"``) is a ``TemplateMetadataError``.

    >>> kernel_language({"metadata": {"kernelspec": {"language": "R"}}})
    'r'
    >>> kernel_language({"metadata": {"kernelspec": {"name": "bash", "display_name": "Bash"}}})
    'bash'
    """
    meta = _mapping(nb.get("metadata"), "metadata")
    spec = _mapping(meta.get("kernelspec"), "metadata.kernelspec")
    info = _mapping(meta.get("language_info"), "metadata.language_info")
    if spec.get("language"):
        return _text(spec["language"], "metadata.kernelspec.language").lower()
    if info.get("name"):
        return _text(info["name"], "metadata.language_info.name").lower()
    name = _text(spec.get("name") or "python", "metadata.kernelspec.name").lower()
    for known, pattern in _KERNEL_NAMES.items():
        if pattern.fullmatch(name):
            return known
    return name


def _mapping(value: Any, where: str) -> Any:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise TemplateMetadataError(
            f"The notebook's {where} must be a JSON object, not {_kind(value)}; fix it in the "
            "template (open it in JupyterLab and save it, or edit its JSON).",
            where=where,
        )
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise TemplateMetadataError(
            f"The notebook's {where} must be text, not {_kind(value)}; fix it in the template.",
            where=where,
        )
    return value


def _kind(value: Any) -> str:
    return {str: "text", list: "a list", bool: "true/false"}.get(type(value), "a number")


def parameters_cell(nb: Any) -> Any | None:
    """The cell that declares parameters, or ``None``.

    The cell tagged ``parameters`` comes first, then a code cell headed ``# Parameters`` (or
    ``# Parameters:``); a cell tagged ``injected-parameters`` is never one.

    >>> parameters_cell({"cells": []}) is None
    True
    """
    cells = [c for c in _cells(nb) if INJECTED_TAG not in cell_tags(c)]
    for cell in cells:
        if "parameters" in cell_tags(cell):
            return cell
    for cell in cells:
        if cell.get("cell_type") == "code":
            first = _source(cell).split("\n", 1)[0]
            if _HEADER.fullmatch(first):
                return cell
    return None


def cell_tags(cell: Any) -> list[str]:
    """A cell's tags; metadata of any other shape has none.

    >>> cell_tags({"metadata": {"tags": ["parameters"]}}), cell_tags({"metadata": {"tags": "x"}})
    (['parameters'], [])
    """
    metadata = cell.get("metadata") if isinstance(cell, dict) else None
    tags = metadata.get("tags") if isinstance(metadata, dict) else None
    return [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []


def _cells(nb: Any) -> list[Any]:
    cells = nb.get("cells")
    if not isinstance(cells, list):
        return []
    return [c for c in cells if isinstance(c, dict)]


def notebook_parameters(nb: Any) -> list[Parameter]:
    """Every parameter the notebook declares, in order.

    >>> nb = {"cells": [{"cell_type": "code", "metadata": {"tags": ["parameters"]},
    ...        "source": "image_id = 2959331  # which image"}]}
    >>> notebook_parameters(nb)[0]
    Parameter(name='image_id', type='int', default=2959331, default_source='2959331', help='which image', nullable=False)
    """  # noqa: E501
    # First, so a template with broken metadata is refused whether or not it declares parameters.
    language = kernel_language(nb)
    cell = parameters_cell(nb)
    if cell is None:
        return []
    source = _source(cell)
    if language == "r":
        return _simple_parameters(source, read_r, r"\s*([A-Za-z.][\w.]*)\s*(?:<-|=)\s*(.+?)\s*")
    if language == "julia":
        return _simple_parameters(source, read_julia, r"\s*([A-Za-z_]\w*)\s*=\s*(.+?)\s*")
    return python_parameters(source)


def _source(cell: Any) -> str:
    source = cell.get("source", "")
    if isinstance(source, list):
        return "".join(s for s in source if isinstance(s, str))
    return source if isinstance(source, str) else ""


def python_parameters(source: str) -> list[Parameter]:
    """Parameters from Python source: annotations, ``# type:`` comments, literal defaults.

    >>> [p.type for p in python_parameters("a: float = 1\\nb = [1]  # type: list\\nc = None")]
    ['float', 'list', 'any']
    >>> [p.name for p in python_parameters("%matplotlib inline\\nn = 3")]
    ['n']
    """
    try:
        tree = _parse(source)
    except SyntaxError:
        # IPython lines (``%matplotlib inline``, ``!pip install x``) are not Python; blank them,
        # keeping line numbers for the help comments, and try once more.
        source = _MAGIC.sub("", source)
        try:
            tree = _parse(source)
        except SyntaxError:
            return []
    comments = _line_comments(source)
    found: dict[str, Parameter] = {}
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            targets, annotation = [node.target.id], ast.unparse(node.annotation)
        elif isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) for t in node.targets):
            targets, annotation = [t.id for t in node.targets], ""  # type: ignore[attr-defined]
        else:
            continue
        comment = comments.get(node.end_lineno or node.lineno, "")
        for name in targets:
            found[name] = _python_parameter(name, node.value, source, annotation, comment)
    return list(found.values())


def _parse(source: str) -> ast.Module:
    # ``"\d"`` in a template is the author's business: no SyntaxWarning in the server log on each
    # launch, and no lost parameters where warnings are errors (-W error turns it into SyntaxError).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        warnings.simplefilter("ignore", DeprecationWarning)  # Python < 3.12 says it this way
        return ast.parse(source)


def _python_parameter(
    name: str, value: ast.expr | None, source: str, annotation: str, comment: str
) -> Parameter:
    default_source = (ast.get_source_segment(source, value) or "") if value is not None else ""
    default: Any = None
    known = False
    if value is not None:
        try:
            default, known = ast.literal_eval(value), True
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            default = default_source
    type_name, nullable = _annotation_type(annotation)
    help_text = comment
    match = _TYPE_COMMENT.fullmatch(comment)
    if match:
        help_text = match.group("help").lstrip("#").strip()
        if type_name == "any":
            type_name, nullable = _annotation_type(match.group("type"))
    if type_name == "any" and known:
        type_name = value_type(default)
    nullable = nullable or (known and default is None)
    return Parameter(name, type_name, default, default_source, help_text, nullable)


def _annotation_type(annotation: str) -> tuple[str, bool]:
    text = annotation.strip().strip("'\"")
    if not text:
        return "any", False
    nullable = False
    optional = re.fullmatch(r"(?:typing\.)?Optional\[(.+)\]", text)
    if optional:
        text, nullable = optional.group(1), True
    parts = [p.strip() for p in text.split("|")]
    if "None" in parts:
        nullable = True
        parts = [p for p in parts if p != "None"]
    if len(parts) != 1:
        return "any", nullable
    head = parts[0].split("[", 1)[0].removeprefix("typing.")
    return _ANNOTATION_TYPES.get(head, "any"), nullable


def value_type(value: Any) -> str:
    """The parameter type a literal value has.

    >>> value_type(True), value_type(1.5), value_type((1, 2)), value_type(None)
    ('bool', 'float', 'list', 'any')
    """
    for kind, name in ((bool, "bool"), (int, "int"), (float, "float"), (str, "str")):
        if isinstance(value, kind):
            return name
    if isinstance(value, (list, tuple)):
        return "list"
    if isinstance(value, dict):
        return "dict"
    return "any"


def _line_comments(source: str) -> dict[int, str]:
    comments: dict[int, str] = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                comments[tok.start[0]] = tok.string.lstrip("#").strip()
    except (tokenize.TokenError, SyntaxError):
        pass
    return comments


def _simple_parameters(source: str, read: Any, pattern: str) -> list[Parameter]:
    assignment = re.compile(pattern)
    found: dict[str, Parameter] = {}
    # Only \n ends a line in R and Julia; splitlines() would also cut at U+2028 or U+0085 in text.
    for line in source.split("\n"):
        code, _, comment = _split_comment(line.removesuffix("\r"))
        match = assignment.fullmatch(code)
        if not match:
            continue
        name, text = match.group(1), match.group(2)
        try:
            default, known = read(text), True
        except ValueError:
            default, known = text, False
        kind = value_type(default) if known else "any"
        found[name] = Parameter(name, kind, default, text, comment, known and default is None)
    return list(found.values())


def _split_comment(line: str) -> tuple[str, str, str]:
    quote = ""
    i = 0
    while i < len(line):
        char = line[i]
        if quote:
            if char == "\\":
                i += 1  # the escaped character, even a quote or a backslash, stays in the string
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "#":
            return line[:i], "#", line[i + 1 :].strip()
        i += 1
    return line, "", ""
