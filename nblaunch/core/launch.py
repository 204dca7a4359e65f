"""The one launch path both doors share: query → typed values → copy name → injected notebook.

The Jupyter Server extension and the hub service differ only in how they read the template and
write the copy (a contents manager, or the Contents API through the Hub); everything they decide
is decided here.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nbformat import NotebookNode

from .coerce import DEFAULT_MAX_VALUE_BYTES, coerce
from .copies import copy_name
from .errors import NotANotebookError
from .inject import META_KEY, check_injectable, inject, provenance, sources_hash
from .parameters import Parameter, notebook_parameters
from .query import LaunchRequest, parse_query
from .signing import requires_signature, verify


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
    #: The id of the configured key that signed the link (``core/signing.py``), else ``None``.
    signed_by: str | None = None

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
    keys: Mapping[str, bytes] | None = None,
    door: str = "server",
    now: float | None = None,
) -> LaunchPlan:
    """Parse and check a launch against the template, before anything is started or written.

    ``keys`` are the link keys of this door (``LaunchConfig.link_keys()``): a signed link is
    verified against them (``SignatureError``, 403, when it does not match), and a template
    whose metadata says ``nblaunch.require_signature`` opens only from a verified link.

    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("n = 1")])
    >>> plan_launch("t.ipynb", nb, "n=5&ui=doc").path
    'nblaunch/t-n-5-onvato6gjep5yoicyo7eizy7h4.ipynb'
    """
    request = parse_query(raw_query)
    parameters = notebook_parameters(nb)
    signed_by = _check_signature(request, template, nb, parameters, keys, door, now)
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
        signed_by=signed_by,
    )


def _check_signature(
    request: LaunchRequest,
    template: str,
    nb: Any,
    parameters: list[Parameter],
    keys: Mapping[str, bytes] | None,
    door: str,
    now: float | None,
) -> str | None:
    signed = verify(
        request, template, keys, time.time() if now is None else now, door=door,
        required=requires_signature(nb), names=[p.name for p in parameters],
    )  # fmt: skip
    controls = request.controls
    if signed is not None:
        # A signed link gives every parameter on purpose (``param_code=``): a name it carries
        # by accident is not signed, so it never comes back as a declared parameter.
        request.dropped.clear()
        return signed.key_id
    if controls.sig is not None or controls.exp is not None:
        why = "this server holds no link key" if not keys else "the link has no sig="
        request.notes.append(f"Ignored the link's signature ({why}): opened as an ordinary link.")
    return None


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
    record = provenance(plan.values, template=plan.template, link=link, signed_by=plan.signed_by)
    if requires_signature(nb):
        # A copy opened as a template asks for a signature as its template did.
        record["require_signature"] = True
    record["sources_hash"] = sources_hash(result)
    result.metadata[META_KEY] = record
    return result
