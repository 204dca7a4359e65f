"""Inject typed values into a notebook with papermill, safely, and record where it came from.

papermill's ``parameterize_notebook`` places the ``injected-parameters`` cell after the cell tagged
``parameters`` (and replaces it on a second injection); ``translators`` supplies a translator that
escapes strings correctly for the kernel's language and checks every name first.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # nbformat costs a second at import (its validator): loaded on first use
    from nbformat import NotebookNode

from .._version import __version__
from .errors import ParameterError, collect
from .parameters import INJECTED_TAG, cell_tags, kernel_language, parameters_cell
from .translators import check_name, check_value, registered_name

META_KEY = "nblaunch"


class _NoParametersCellFilter(logging.Filter):
    """Templates without a parameters cell are normal here; papermill warns on each injection."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "does not contain a cell with tag 'parameters'" not in record.getMessage()


logging.getLogger("papermill").addFilter(_NoParametersCellFilter())


def inject(
    nb: NotebookNode | dict[str, Any],
    values: dict[str, object],
    *,
    template: str | None = None,
    link: str | None = None,
) -> NotebookNode:
    """A copy of ``nb`` with ``values`` injected and provenance in ``metadata["nblaunch"]``.

    The input notebook is not changed. Cells are shared with the input, not copied, so a 20 MB
    notebook with outputs is injected in milliseconds.

    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    >>> inject(nb, {"x": 2}).cells[0].source.splitlines()[-1]
    'x = 2'
    """
    translator = check_injectable(nb, values)
    # papermill (with nbclient, jupyter_client, tornado) loads on the first injection only.
    from papermill.parameterize import parameterize_notebook

    work, added = _shallow_copy(nb)
    result = parameterize_notebook(work, dict(values), kernel_name=translator, language=translator)
    for cell in added:
        if not cell.metadata.get("tags"):
            cell.metadata.pop("tags", None)
    result.metadata[META_KEY] = provenance(values, template=template, link=link)
    return result


def check_injectable(nb: Any, values: dict[str, object]) -> str:
    """Check that ``values`` can be injected into ``nb`` safely; return the translator's key.

    Raises ``UnsupportedLanguageError`` for a kernel language without a safe translator, and one
    ``ParameterError`` holding every name and value the language cannot take.

    >>> check_injectable({"metadata": {"kernelspec": {"language": "julia"}}}, {"n": 1})
    'nblaunch-julia'
    """
    language = kernel_language(nb)
    translator = registered_name(language)
    # Without a parameters cell any name is accepted, so names the kernel relies on are refused.
    declared = has_parameters_cell(nb)
    problems: list[ParameterError] = []
    for name, value in values.items():
        try:
            check_name(name, language, declared=declared)
            check_value(name, value, language)
        except ParameterError as err:
            problems.append(err)
    collect(problems)
    return translator


def _shallow_copy(nb: Any) -> tuple[NotebookNode, list[NotebookNode]]:
    """A notebook sharing cell bodies with ``nb``; cells papermill must tag get own metadata."""
    import nbformat
    from nbformat import NotebookNode

    source = nbformat.from_dict(nb) if not isinstance(nb, NotebookNode) else nb
    work = NotebookNode({k: v for k, v in source.items() if k not in ("cells", "metadata")})
    work.metadata = copy.deepcopy(source.get("metadata", NotebookNode()))
    work.metadata.setdefault("papermill", NotebookNode())
    # A ``# Parameters`` header cell gets the tag in the copy, so papermill injects after it.
    header = parameters_cell(source)
    added: list[NotebookNode] = []
    cells = []
    for cell in source.get("cells", []):
        tags = cell.get("metadata", {}).get("tags")
        wanted = cell_tags(cell)
        if cell is header and "parameters" not in wanted:
            wanted.append("parameters")
        if tags != wanted:
            cell = NotebookNode(cell)  # shallow: outputs and source are shared, not copied
            cell.metadata = NotebookNode({**cell.get("metadata", {}), "tags": wanted})
            added.append(cell)
        cells.append(cell)
    work.cells = cells
    work.setdefault("nbformat", 4)
    work.setdefault("nbformat_minor", 5)
    return work, added


def provenance(
    values: dict[str, object],
    *,
    template: str | None,
    link: str | None,
    signed_by: str | None = None,
) -> dict[str, object]:
    """The ``metadata["nblaunch"]`` record: template, parameters, link, UTC time, version.

    ``signed_by`` (the id of the key that signed the link) is recorded for signed links only.
    It holds no permission to run: that is a one-time grant the server keeps (``grants``).

    >>> sorted(provenance({}, template="t.ipynb", link=None))
    ['created', 'link', 'parameters', 'template', 'version']
    >>> provenance({}, template="t.ipynb", link=None, signed_by="k1")["signed_by"]
    'k1'
    """
    record: dict[str, object] = {
        "template": template,
        "parameters": dict(values),
        "link": link,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "version": __version__,
    }
    if signed_by is not None:
        record["signed_by"] = signed_by
    return record


def injected_source(nb: Any) -> str | None:
    """The source of the ``injected-parameters`` cell, if any.

    >>> injected_source({"cells": []}) is None
    True
    """
    for cell in nb.get("cells", []):
        if INJECTED_TAG in cell.get("metadata", {}).get("tags", []):
            source = cell.get("source", "")
            return "".join(source) if isinstance(source, list) else source
    return None


def sources_hash(nb: Any) -> str:
    """A hash of what a person edits: cell types and sources (not outputs, not metadata).

    A copy whose hash still equals the one recorded when it was written is unedited.

    >>> len(sources_hash({"cells": []}))
    64
    """
    digest = hashlib.sha256()
    for cell in nb.get("cells", []):
        source = cell.get("source", "")
        text = "".join(source) if isinstance(source, list) else source
        digest.update(json.dumps([cell.get("cell_type"), text]).encode())
    return digest.hexdigest()


def has_parameters_cell(nb: Any) -> bool:
    """Whether the notebook declares a parameters cell (by tag or ``# Parameters`` header).

    >>> has_parameters_cell({"cells": []})
    False
    """
    return parameters_cell(nb) is not None
