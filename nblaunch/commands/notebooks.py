"""``nblaunch inspect`` and ``nblaunch inject``: a notebook's parameters, and a filled-in copy."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import sys
import types
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core import (
    LaunchRequest,
    Parameter,
    coerce,
    inject,
    kernel_language,
    load_notebook,
    notebook_parameters,
    parse_query,
)
from . import command

if TYPE_CHECKING:  # a second at import: only the commands that read or write notebooks load it
    import nbformat


def read_notebook(path: str) -> nbformat.NotebookNode:
    """The notebook at ``path`` (``OSError`` if unreadable, ``NotANotebookError`` if not JSON)."""
    defer_iri_grammar()
    return load_notebook(Path(path).read_bytes(), name=path)


def defer_iri_grammar() -> None:
    """Put off the second that ``import nbformat`` spends on an IRI grammar nothing here uses.

    nbformat's validator imports jsonschema, whose format checker imports ``rfc3987_syntax``
    (jupyter-events installs ``jsonschema[format-nongpl]``), which builds a Lark grammar at import:
    about 1 s of the 1.1 s nbformat costs. No notebook schema checks an ``iri`` format. So, in
    this process, a stand-in takes the module's place and loads the real one when its function
    is first called: jsonschema registers the same checks, they answer the same, and a command
    that never checks an IRI never pays for the grammar.
    """
    name = "rfc3987_syntax"
    if {name, "jsonschema"} & sys.modules.keys() or importlib.util.find_spec(name) is None:
        return
    stand_in = types.ModuleType(name, "Loads the real rfc3987_syntax when first used.")

    def real() -> types.ModuleType:
        if sys.modules.get(name) is stand_in:
            del sys.modules[name]
        return importlib.import_module(name)

    def is_valid_syntax(*args: Any, **kwargs: Any) -> Any:
        return real().is_valid_syntax(*args, **kwargs)

    def other(attribute: str) -> Any:
        if attribute.startswith("__"):  # the import system asks for __path__ and the like
            raise AttributeError(attribute)
        return getattr(real(), attribute)

    vars(stand_in).update(is_valid_syntax=is_valid_syntax, __getattr__=other)
    sys.modules[name] = stand_in


def typed_values(
    nb: nbformat.NotebookNode | None, *, query: str | None, pairs: list[list[str]] | None
) -> tuple[dict[str, object], LaunchRequest]:
    """Values from ``--query`` or ``-p`` pairs, typed against the notebook exactly like a link's.

    Repeated ``-p NAME`` collect into a list, like repeated keys; ``-p`` names are always
    parameters, even ``ui`` or ``code`` (they never go through the query's control table).
    Without a notebook, values are typed as for one that declares no parameters: JSON, or text.

    >>> typed_values(None, query=None, pairs=[["n", "1"], ["s", "x"]])[0]
    {'n': 1, 's': 'x'}
    """
    if query is not None:
        request = parse_query(query)
    else:
        request = LaunchRequest()
        for name, value in pairs or []:
            request.params.setdefault(name, []).append(value)
    return coerce(request, notebook_parameters(nb) if nb is not None else []), request


def _inspect_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("notebook", metavar="NOTEBOOK", help="the template notebook (.ipynb)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


@command("inspect", help="Print a notebook's parameters.", arguments=_inspect_arguments)
def inspect(args: argparse.Namespace) -> int:
    nb = read_notebook(args.notebook)
    parameters = notebook_parameters(nb)
    if args.json:
        body = {"language": kernel_language(nb), "parameters": [p.to_json() for p in parameters]}
        print(json.dumps(body, indent=2, ensure_ascii=False))
    elif not parameters:
        print(
            f"{args.notebook} declares no parameters: any name is accepted, read as JSON or text."
        )
    else:
        print(parameter_table(parameters))
    return 0


def parameter_table(parameters: list[Parameter]) -> str:
    """A plain-text table: name, type, default (as written in the notebook), help.

    >>> print(parameter_table([Parameter("n", "int", 1, "1", "how many")]))
    NAME  TYPE  DEFAULT  HELP
    n     int   1        how many
    """
    rows = [("NAME", "TYPE", "DEFAULT", "HELP")]
    for p in parameters:
        kind = f"{p.type} | None" if p.nullable and p.type != "any" else p.type
        rows.append((p.name, kind, p.default_source, p.help))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [
        "  ".join([*(c.ljust(w) for c, w in zip(row, widths, strict=False)), row[3]])
        for row in rows
    ]
    return "\n".join(line.rstrip() for line in lines)


def _inject_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("notebook", metavar="NOTEBOOK", help="the template notebook (.ipynb)")
    given = parser.add_mutually_exclusive_group(required=True)
    given.add_argument("--query", "-q", help="a link's query string, e.g. 'a=1&b=x'")
    given.add_argument(
        "-p", "--parameter", nargs=2, action="append", metavar=("NAME", "VALUE"), dest="pairs",
        help="a parameter, typed like a link's value (repeat a NAME for a list)",
    )  # fmt: skip
    parser.add_argument(
        "-o", "--output", required=True, metavar="OUT", help="file, or - for stdout"
    )


@command(
    "inject",
    help="Write a copy of a notebook with parameters injected.",
    arguments=_inject_arguments,
)
def inject_command(args: argparse.Namespace) -> int:
    nb = read_notebook(args.notebook)
    values, request = typed_values(nb, query=args.query, pairs=args.pairs)
    for note in request.notes:
        print(f"nblaunch: note: {note}", file=sys.stderr)
    result = inject(nb, values, template=args.notebook)
    import nbformat  # loaded already, by reading the notebook

    text = nbformat.writes(result)
    if args.output == "-":
        sys.stdout.write(text)
    else:
        write_atomically(Path(args.output), text)
    return 0


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file, so a failure leaves no partial file."""
    import tempfile  # with shutil and random: not for the commands that write nothing

    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
