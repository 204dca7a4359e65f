"""Where a parameterized copy goes, when an existing copy is reused, and where the browser lands.

The same template with the same values maps to the same readable file name
(``image-stats-image_id-2959331-3fa2c1.ipynb``), so opening a link twice reopens one notebook
instead of collecting ``Untitled7.ipynb``. A copy the user has edited is never overwritten, but a
reused copy may have its autorun flag set again (``rearm_autorun``), which leaves its cells alone.
"""

from __future__ import annotations

import copy
import hashlib
import json
import posixpath
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import nbformat
from nbformat import NotebookNode

from .errors import ControlValueError, CopyConflictError
from .inject import META_KEY, sources_hash

UI_PATHS = {"lab": "lab/tree/", "doc": "doc/tree/", "notebook": "notebooks/"}
AUTORUN_POLICIES = ("never", "trusted", "always")
_SLUG = re.compile(r"[^A-Za-z0-9._]+")
_STEM_LIMIT = 80
_VALUE_LIMIT = 24


def params_hash(template: str, values: dict[str, object]) -> str:
    """A short, stable hash of a template and its values.

    >>> params_hash("t.ipynb", {"a": 1}) == params_hash("t.ipynb", {"a": 1})
    True
    """
    blob = json.dumps([template, values], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:6]


def _slug(text: str) -> str:
    return _SLUG.sub("-", text).strip("-.")


def copy_name(template: str, values: dict[str, object], *, output_dir: str = "nblaunch") -> str:
    """The reusable copy's path: a readable stem plus a short hash of the values.

    >>> copy_name("stats/image-stats.ipynb", {"image_id": 2959331})
    'nblaunch/image-stats-image_id-2959331-285770.ipynb'
    >>> copy_name("s.ipynb", {"item_id": 1, "api_url": "http://127.0.0.1:8090/api"}, output_dir="")
    's-item_id-1-c863a5.ipynb'
    """
    stem = posixpath.splitext(posixpath.basename(template))[0]
    parts = [_slug(stem) or "notebook"]
    # Sorted, like the hash: ``?a=1&b=2`` and ``?b=2&a=1`` reopen one copy, not two.
    for name, value in sorted(values.items()):
        shown = value if isinstance(value, str) else json.dumps(value, default=str)
        # Long values and URLs make unreadable names; the hash still tells copies apart.
        if len(shown) <= _VALUE_LIMIT and "/" not in shown:
            parts.append(_slug(f"{name}-{shown}"))
    readable = "-".join(p for p in parts if p)[:_STEM_LIMIT].rstrip("-.")
    name = f"{readable}-{params_hash(template, values)}.ipynb"
    return posixpath.join(output_dir.strip("/"), name) if output_dir.strip("/") else name


def new_copy_names(base: str) -> Iterator[str]:
    """Candidate names for ``copy=new``: ``x-2.ipynb``, ``x-3.ipynb``, ...

    >>> next(new_copy_names("nblaunch/a-1f2e3d.ipynb"))
    'nblaunch/a-1f2e3d-2.ipynb'
    """
    root, ext = posixpath.splitext(base)
    n = 2
    while True:
        yield f"{root}-{n}{ext}"
        n += 1


def is_edited(existing: Any) -> bool:
    """Whether a copy differs from what nblaunch wrote (a file nblaunch did not write counts).

    >>> is_edited({"cells": [], "metadata": {}})
    True
    """
    recorded = existing.get("metadata", {}).get(META_KEY, {}).get("sources_hash")
    return recorded is None or recorded != sources_hash(existing)


def copy_action(mode: str, existing: Any | None, path: str) -> str:
    """What to do with the copy's path: ``"write"`` it, ``"open"`` it as is, or ``"new"`` name.

    >>> copy_action("reuse", None, "a.ipynb"), copy_action("reuse", {"cells": []}, "a.ipynb")
    ('write', 'open')
    """
    if existing is None:
        return "write"
    if mode == "reuse":
        return "open"
    if mode == "new":
        return "new"
    if is_edited(existing):
        raise CopyConflictError(
            f"{path} has been edited since nblaunch wrote it, so copy=overwrite would lose "
            "those edits. Use copy=new for a fresh copy, or rename or delete the edited one.",
            path=path,
        )
    return "write"


def notebook_url(ui: str, path: str) -> str:
    """The UI path (relative to the server's base URL) that opens a notebook.

    >>> notebook_url("lab", "nblaunch/a b.ipynb")
    'lab/tree/nblaunch/a%20b.ipynb'
    """
    if ui not in UI_PATHS:
        raise ControlValueError(f"ui={ui!r} is not one of {', '.join(UI_PATHS)}.")
    return UI_PATHS[ui] + quote(path.lstrip("/"), safe="/")


def autorun_decision(requested: bool, policy: str, *, trusted: bool) -> bool:
    """Whether the copy runs all cells on opening: the link asks, the policy decides.

    >>> autorun_decision(True, "trusted", trusted=False), autorun_decision(True, "always", trusted=False)
    (False, True)
    """  # noqa: E501
    if policy not in AUTORUN_POLICIES:
        raise ValueError(f"autorun policy must be one of {AUTORUN_POLICIES}, not {policy!r}")
    if not requested or policy == "never":
        return False
    return policy == "always" or trusted


def rearm_autorun(existing: Any, *, autorun: bool) -> NotebookNode | None:
    """The reused copy with ``metadata.nblaunch.autorun`` set again, or None if nothing changes.

    ``autorun`` is ``autorun_decision``'s answer for this launch. Only the flag changes: cells,
    outputs and ``sources_hash`` are kept, so an edited copy stays edited (and is never
    overwritten), and the plugin runs the copy as the user left it. A file nblaunch did not
    write (no ``metadata.nblaunch``) is never armed.

    >>> nb = {"cells": [], "metadata": {"nblaunch": {"autorun": False}}}
    >>> rearm_autorun(nb, autorun=True).metadata.nblaunch.autorun
    True
    >>> rearm_autorun(nb, autorun=False) is None, nb["metadata"]["nblaunch"]["autorun"]
    (True, False)
    """
    meta = existing.get("metadata", {}).get(META_KEY) if isinstance(existing, dict) else None
    # ``is True``, like the plugin's check: a flag already set needs no write.
    if not autorun or not isinstance(meta, dict) or meta.get("autorun") is True:
        return None
    # A copy: the caller's notebook (maybe the contents manager's model) stays as it was read.
    rearmed = nbformat.from_dict(copy.deepcopy(existing))
    rearmed.metadata[META_KEY]["autorun"] = True
    return rearmed
