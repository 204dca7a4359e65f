"""Where a parameterized copy goes, when an existing copy is reused, and where the browser lands.

The same template with the same values maps to the same readable file name
(``image-stats-image_id-2959331-<26 characters of hash>.ipynb``), so opening a link twice
reopens one notebook instead of collecting ``Untitled7.ipynb``. The name is only where to look:
a file found there is this link's copy only if its recorded template and values are this
link's (``is_copy_of``), so a colliding name, or a file planted at it, is never opened in its
place. A copy the user has edited is never overwritten.
"""

from __future__ import annotations

import base64
import hashlib
import json
import posixpath
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from .errors import ControlValueError, CopyConflictError
from .inject import META_KEY, sources_hash

UI_PATHS = {"lab": "lab/tree/", "doc": "doc/tree/", "notebook": "notebooks/"}
_SLUG = re.compile(r"[^A-Za-z0-9._]+")
_STEM_LIMIT = 80
_VALUE_LIMIT = 24


def _canonical(values: dict[str, object]) -> str:
    return json.dumps(values, sort_keys=True, ensure_ascii=False, default=str)


def params_hash(template: str, values: dict[str, object]) -> str:
    """128 bits of a hash of a template and its values, in 26 lowercase base32 characters.

    Fewer bits let a link author search for values whose copy name collides with another
    link's (24 bits took seconds); ``is_copy_of`` guards reuse as well.

    >>> params_hash("t.ipynb", {"a": 1})
    'xy273b6th4lrdrsrk7uiukuniy'
    """
    blob = json.dumps([template, json.loads(_canonical(values))], ensure_ascii=False)
    digest = hashlib.sha256(blob.encode("utf-8", "surrogatepass")).digest()[:16]
    return base64.b32encode(digest).decode().rstrip("=").lower()


def _slug(text: str) -> str:
    return _SLUG.sub("-", text).strip("-.")


def copy_name(template: str, values: dict[str, object], *, output_dir: str = "nblaunch") -> str:
    """The reusable copy's path: a readable stem plus a short hash of the values.

    >>> copy_name("stats/image-stats.ipynb", {"image_id": 2959331})
    'nblaunch/image-stats-image_id-2959331-fblxaw4bv4whlfhzuuhjzukx4y.ipynb'
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


#: How many names a launch tries before it gives up: each is a file that is another link's
#: copy, or this link's under copy=new; more than this in one folder is a mistake, not a plan.
MAX_CANDIDATES = 100


def candidate_names(base: str, limit: int = MAX_CANDIDATES) -> Iterator[str]:
    """The copy's name, then ``x-2.ipynb``, ``x-3.ipynb``... (``limit`` names in all).

    >>> list(candidate_names("nblaunch/a-1f.ipynb", 3))
    ['nblaunch/a-1f.ipynb', 'nblaunch/a-1f-2.ipynb', 'nblaunch/a-1f-3.ipynb']
    """
    yield base
    root, ext = posixpath.splitext(base)
    for n in range(2, limit + 1):
        yield f"{root}-{n}{ext}"


def is_edited(existing: Any) -> bool:
    """Whether a copy differs from what nblaunch wrote (a file nblaunch did not write counts).

    >>> is_edited({"cells": [], "metadata": {}})
    True
    """
    recorded = existing.get("metadata", {}).get(META_KEY, {}).get("sources_hash")
    return recorded is None or recorded != sources_hash(existing)


def is_copy_of(existing: Any, template: str, values: dict[str, object]) -> bool:
    """Whether a notebook is the copy of ``template`` with ``values`` (by its provenance).

    >>> meta = {"nblaunch": {"template": "t.ipynb", "parameters": {"n": 1}}}
    >>> is_copy_of({"metadata": meta}, "t.ipynb", {"n": 1}), is_copy_of({"metadata": meta}, "t.ipynb", {"n": 2})
    (True, False)
    """  # noqa: E501
    meta = existing.get("metadata", {}).get(META_KEY) if isinstance(existing, dict) else None
    if not isinstance(meta, dict) or meta.get("template") != template:
        return False
    recorded = meta.get("parameters")
    return isinstance(recorded, dict) and _canonical(recorded) == _canonical(
        json.loads(_canonical(values))
    )


def copy_action(mode: str, existing: Any | None, *, mine: bool, path: str) -> str | None:
    """What to do at one candidate name: ``"write"``, ``"open"``, or None for the next name.

    ``mine`` says whether ``existing`` is this link's copy (``is_copy_of``). A file that is not
    is never opened, replaced or counted as a conflict: the launch moves on to the next name.

    >>> copy_action("reuse", None, mine=False, path="a"), copy_action("reuse", {}, mine=True, path="a")
    ('write', 'open')
    """  # noqa: E501
    if existing is None:
        return "write"
    if not mine or mode == "new":
        return None
    if mode == "reuse":
        return "open"
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
