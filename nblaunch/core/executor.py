"""The launch executor: write or reuse the copy a plan names, and grant its autorun, once.

Both doors run this one algorithm; each supplies a ``Store`` over its own file access (the
server extension: its contents manager; the hub service: a user's Contents API through the
Hub). For each candidate name in turn (the copy's name, then ``-2``, ``-3``...):

- nothing there: write the copy;
- this link's copy (same template, same values, by its provenance): ``reuse`` opens it,
  ``overwrite`` replaces it unless it was edited (409), ``new`` moves on;
- anything else (another link's copy, a file a person or a link put there, something that is
  not a notebook): moves on, never opened or replaced.

When the policy allowed autorun, the copy opened or written gets a one-time grant for exactly
the sources now at its path (``nblaunch.core.grants``).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # nbformat costs a second at import: the doors have loaded it already
    from nbformat import NotebookNode

from .copies import candidate_names, copy_action, is_copy_of
from .errors import CopyConflictError, NotANotebookError
from .inject import sources_hash
from .launch import LaunchPlan, render_copy


class Store(Protocol):
    """Where copies live, as a door reaches them. Paths are relative, ``/``-separated."""

    async def get(self, path: str) -> dict[str, Any] | None:
        """The notebook's content; None if nothing is there; ``NotANotebookError`` if it is
        something other than a readable notebook (a folder, a text file, broken JSON)."""

    async def exists(self, path: str) -> bool:
        """Whether a file or folder is at ``path``."""

    async def save(self, path: str, nb: NotebookNode) -> None:
        """Write the notebook at ``path`` (its folder exists)."""

    async def mkdir(self, path: str) -> None:
        """Create the folder ``path`` (its parent exists)."""

    async def grant(self, path: str, sources: str, basis: str) -> None:
        """Let the copy at ``path`` with sources hash ``sources`` run once (``grants``)."""


@dataclass
class Outcome:
    """What a launch did: the copy's path, ``"write"`` or ``"open"``, whether it may run, and
    the UI it opens in."""

    path: str
    action: str
    autorun: bool
    ui: str
    notes: list[str] = field(default_factory=list)


async def execute(
    plan: LaunchPlan, template: Any, store: Store, *, basis: str | None, link: str | None
) -> Outcome:
    """Write or reuse the planned copy through ``store``; grant autorun when ``basis`` is set.

    ``basis`` is ``autorun_basis``'s answer for this launch, ``link`` the link recorded in the
    copy's provenance.

    >>> import asyncio, nbformat
    >>> from nblaunch.core import plan_launch
    >>> class Empty:
    ...     async def get(self, path): return None
    ...     async def exists(self, path): return True
    ...     async def save(self, path, nb): pass
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("n = 1")])
    >>> asyncio.run(execute(plan_launch("t.ipynb", nb, "n=2"), nb, Empty(), basis=None, link=None)).action
    'write'
    """  # noqa: E501
    notes = list(plan.notes)
    for path in candidate_names(plan.path):
        existing = await _read(store, path)
        mine = existing is not None and is_copy_of(existing, plan.template, plan.values)
        action = copy_action(plan.copy, existing, mine=mine, path=path)
        if action is None:
            if existing is not None and not mine:
                notes.append(f"{path} is not this link's copy; left as it is.")
            continue
        if action == "write":
            written = render_copy(plan, template, link=link)
            await _ensure_folder(store, posixpath.dirname(path))
            await store.save(path, written)
            sources = sources_hash(written)
        else:
            sources = sources_hash(existing)
        if basis is not None:
            await store.grant(path, sources, basis)
        elif plan.autorun_requested:
            notes.append("Autorun was not allowed for this launch.")
        autorun = basis is not None
        return Outcome(path=path, action=action, autorun=autorun, ui=plan.ui, notes=notes)
    raise CopyConflictError(
        f"Every name for this copy, from {plan.path} on, is taken by another file; rename or "
        "delete some of them, or change the output folder.",
        path=plan.path,
    )


async def _read(store: Store, path: str) -> dict[str, Any] | None:
    try:
        return await store.get(path)
    except NotANotebookError:
        # Something that is not a readable notebook: not this link's copy, and not ours to
        # replace. An empty record says so to ``is_copy_of``.
        return {"cells": [], "metadata": {}}


async def _ensure_folder(store: Store, folder: str) -> None:
    parts = [p for p in folder.split("/") if p]
    missing: list[str] = []
    # Deepest first: an existing output folder costs one look-up, not one per level.
    for depth in range(len(parts), 0, -1):
        sub = "/".join(parts[:depth])
        if await store.exists(sub):
            break
        missing.append(sub)
    for sub in reversed(missing):
        await store.mkdir(sub)
