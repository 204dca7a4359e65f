"""The launch path through a Jupyter server's contents manager.

Every decision (parsing, typing, naming, injection, copy policy, autorun) is made by
``nblaunch.core``; this module only reads the template and writes the copy through whatever
contents manager the server uses, so launches work with any of them (files, S3, databases).
"""

from __future__ import annotations

import fnmatch
import logging
from dataclasses import dataclass, field
from typing import Any

from jupyter_core.utils import ensure_async
from nbformat import NotebookNode
from tornado.web import HTTPError

from ..core import (
    LaunchPlan,
    NotANotebookError,
    Parameter,
    TemplateNotFoundError,
    autorun_decision,
    build_link,
    copy_action,
    load_notebook,
    new_copy_names,
    notebook_parameters,
    plan_launch,
    render_copy,
    safe_path,
)
from ..core.copies import rearm_autorun


@dataclass
class LaunchSettings:
    """The extension's configuration, as the launcher needs it."""

    output_dir: str = "nblaunch"
    default_ui: str = "lab"
    autorun: str = "trusted"
    trusted_globs: list[str] = field(default_factory=list)
    max_value_bytes: int = 64 * 1024


@dataclass
class Launched:
    """The outcome of one launch: where the browser goes and what happened on the way."""

    path: str
    ui: str
    action: str
    autorun: bool
    notes: list[str] = field(default_factory=list)


class Launcher:
    """Reads templates and writes parameterized copies through a contents manager.

    >>> Launcher(object(), LaunchSettings()).settings.default_ui
    'lab'
    """

    def __init__(
        self, contents: Any, settings: LaunchSettings, log: logging.Logger | None = None
    ) -> None:
        self.contents = contents
        self.settings = settings
        self.log = log or logging.getLogger(__name__)

    async def template(self, path: str) -> tuple[str, NotebookNode, bool]:
        """The normalised path, the template notebook, and whether it is trusted."""
        path = safe_path(path, allow_hidden=bool(getattr(self.contents, "allow_hidden", False)))
        if await ensure_async(self.contents.dir_exists(path)):
            raise NotANotebookError(f"{path} is a folder, not a notebook; link to a .ipynb file.")
        if not await ensure_async(self.contents.file_exists(path)):
            raise TemplateNotFoundError(
                f"There is no notebook {path} on this server; check the link's path.", path=path
            )
        try:
            model = await ensure_async(self.contents.get(path, content=True, type="notebook"))
        except HTTPError as err:
            if err.status_code == 404:
                raise TemplateNotFoundError(f"There is no notebook {path} on this server.") from err
            raise NotANotebookError(
                f"{path} is not a Jupyter notebook (.ipynb JSON); choose a notebook file."
            ) from err
        # Trust first: reading through nbformat strips the contents manager's trust marks.
        trusted = self.is_trusted(path, model["content"])
        return path, load_notebook(model["content"], name=path), trusted

    def is_trusted(self, path: str, nb: Any) -> bool:
        """Trusted by a configured glob, or by nbformat's signature store.

        The contents manager marks every code cell ``trusted`` when the notebook's signature
        is in the store, so all-trusted code cells mean a signed notebook.

        >>> launcher = Launcher(object(), LaunchSettings(trusted_globs=["safe/*.ipynb"]))
        >>> launcher.is_trusted("safe/a.ipynb", {"cells": []}), launcher.is_trusted("a.ipynb", {})
        (True, False)
        """
        if any(fnmatch.fnmatchcase(path, glob) for glob in self.settings.trusted_globs):
            return True
        code = [c for c in nb.get("cells", []) if c.get("cell_type") == "code"]
        return bool(code) and all(c.get("metadata", {}).get("trusted") is True for c in code)

    async def parameters(self, path: str) -> tuple[str, list[Parameter]]:
        """The template's normalised path and declared parameters."""
        path, nb, _ = await self.template(path)
        return path, notebook_parameters(nb)

    async def open(self, path: str, raw_query: str, *, base_url: str = "/") -> Launched:
        """Plan the launch, write (or reuse) the copy, and say where the browser goes."""
        template, nb, trusted = await self.template(path)
        plan = plan_launch(
            template,
            nb,
            raw_query,
            output_dir=self.settings.output_dir,
            default_ui=self.settings.default_ui,
            max_value_bytes=self.settings.max_value_bytes,
        )
        autorun = autorun_decision(plan.autorun_requested, self.settings.autorun, trusted=trusted)
        if plan.autorun_requested and not autorun:
            plan.notes.append(f"Autorun refused by policy {self.settings.autorun!r}.")
        existing = await self._existing(plan.path)
        action = copy_action(plan.copy, existing, plan.path)
        target = plan.path
        if action == "new":
            target = await self._free_name(plan.path)
        if action in ("write", "new"):
            link = self._link(plan, base_url)
            copy = render_copy(plan, nb, autorun=autorun, link=link)
            await self._write(target, copy)
        elif (rearmed := rearm_autorun(existing, autorun=autorun)) is not None:
            # A reused copy ran once already and its flag is off: arm it again, cells untouched.
            await self._write(target, rearmed)
            plan.notes.append("Autorun re-armed in the existing copy.")
        for note in plan.notes:
            self.log.info("nblaunch %s: %s", template, note)
        return Launched(path=target, ui=plan.ui, action=action, autorun=autorun, notes=plan.notes)

    @staticmethod
    def _link(plan: LaunchPlan, base_url: str) -> str:
        # Rebuilt from the checked values rather than copied from the request, so that nothing
        # the link carried by accident (a token, tracking ids) is stored in the notebook.
        controls = plan.request.controls
        return build_link(
            base_url,
            plan.template,
            plan.values,
            autorun=plan.autorun_requested,
            ui=controls.ui,
            copy=controls.copy,
            target="server",
        )

    async def _existing(self, path: str) -> dict[str, Any] | None:
        if not await ensure_async(self.contents.file_exists(path)):
            return None
        try:
            model = await ensure_async(self.contents.get(path, content=True, type="notebook"))
        except HTTPError:
            # Something that is not a readable notebook sits at the copy's name: treat it as
            # edited, so it is never replaced.
            return {"cells": [], "metadata": {}}
        content: dict[str, Any] = model["content"]
        return content

    async def _free_name(self, base: str) -> str:
        for candidate in new_copy_names(base):
            if not await ensure_async(self.contents.file_exists(candidate)):
                return candidate
        raise AssertionError("unreachable: new_copy_names never ends")  # pragma: no cover

    async def _write(self, path: str, nb: NotebookNode) -> None:
        folder = path.rpartition("/")[0]
        await self._ensure_dir(folder)
        model = {"type": "notebook", "format": "json", "content": nb}
        await ensure_async(self.contents.save(model, path))

    async def _ensure_dir(self, folder: str) -> None:
        parts = [p for p in folder.split("/") if p]
        for i in range(1, len(parts) + 1):
            sub = "/".join(parts[:i])
            if not await ensure_async(self.contents.dir_exists(sub)):
                await ensure_async(self.contents.save({"type": "directory"}, sub))
