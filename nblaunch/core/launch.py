"""The one launch path both doors share: query → typed values → copy name → injected notebook.

The Jupyter Server extension and the hub service differ only in how they read the template and
write the copy (a contents manager, or the Contents API through the Hub); everything they decide
is decided here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nbformat import NotebookNode

from .coerce import DEFAULT_MAX_VALUE_BYTES, coerce
from .copies import copy_name
from .errors import NotANotebookError
from .inject import META_KEY, check_injectable, inject, sources_hash
from .parameters import Parameter, notebook_parameters
from .query import LaunchRequest, parse_query


@dataclass
class LaunchPlan:
    """Everything decided about a launch before any file is written."""

    template: str
    request: LaunchRequest
    parameters: list[Parameter]
    values: dict[str, object]
    ui: str
    copy: str
    path: str
    notes: list[str] = field(default_factory=list)

    @property
    def autorun_requested(self) -> bool:
        """Whether the link asked to run all cells."""
        return bool(self.request.controls.autorun)


def load_notebook(content: str | bytes | dict[str, Any], name: str = "template") -> NotebookNode:
    """Read notebook JSON (text or an already-parsed dict), or raise ``NotANotebookError``.

    >>> load_notebook('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}').nbformat
    4
    """
    import nbformat  # costs a second at import: only commands that read notebooks pay it

    try:
        text = content.decode("utf-8") if isinstance(content, bytes) else content
        data = json.loads(text) if isinstance(text, str) else text
        if not isinstance(data, dict) or "cells" not in data:
            raise ValueError("no cells")
        # Text goes to nbformat as it came: dumping the parsed dict again doubled the cost.
        return nbformat.reads(text if isinstance(text, str) else json.dumps(data), as_version=4)
    except (ValueError, TypeError, nbformat.reader.NotJSONError) as err:
        raise NotANotebookError(
            f"{name} is not a Jupyter notebook (.ipynb JSON); choose a notebook file.", name=name
        ) from err


def plan_launch(
    template: str,
    nb: Any,
    raw_query: str,
    *,
    output_dir: str = "nblaunch",
    default_ui: str = "lab",
    max_value_bytes: int = DEFAULT_MAX_VALUE_BYTES,
) -> LaunchPlan:
    """Parse and check a launch against the template, before anything is started or written.

    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("n = 1")])
    >>> plan_launch("t.ipynb", nb, "n=5&ui=doc").path
    'nblaunch/t-n-5-onvato6gjep5yoicyo7eizy7h4.ipynb'
    """
    request = parse_query(raw_query)
    parameters = notebook_parameters(nb)
    values = coerce(request, parameters, max_value_bytes=max_value_bytes)
    # Keywords as names, R-only limits, an unsupported kernel: refused now, before any server
    # starts, rather than when the copy is rendered.
    check_injectable(nb, values)
    controls = request.controls
    return LaunchPlan(
        template=template,
        request=request,
        parameters=parameters,
        values=values,
        ui=controls.ui or default_ui,
        copy=controls.copy or "reuse",
        path=copy_name(template, values, output_dir=output_dir),
        notes=list(request.notes),
    )


def render_copy(plan: LaunchPlan, nb: Any, *, link: str | None) -> NotebookNode:
    """The parameterized copy, with provenance and the hash that later tells if it was edited.

    The copy records no permission to run: that is a grant its server holds (``grants``).

    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("n = 1")])
    >>> render_copy(plan_launch("t.ipynb", nb, "n=5"), nb, link=None).metadata[
    ...     "nblaunch"]["parameters"]
    {'n': 5}
    """
    result = inject(nb, plan.values, template=plan.template, link=link)
    result.metadata[META_KEY]["sources_hash"] = sources_hash(result)
    return result
