"""The server door onto the launch path: read the template, run core's executor, say where.

Every decision (parsing, typing, naming, injection, copy policy, autorun) is made by
``nblaunch.core``; this module reads the template through the server's contents manager and
hands core a ``ContentsStore`` over the same manager.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from jupyter_core.utils import ensure_async
from nbformat import NotebookNode
from tornado.web import HTTPError

from ..core import (
    LaunchPlan,
    NotANotebookError,
    Parameter,
    TemplateNotFoundError,
    build_link,
    load_notebook,
    notebook_parameters,
    plan_launch,
    safe_path,
)
from ..core.config import LaunchConfig
from ..core.executor import Outcome, execute
from ..core.grants import autorun_basis, consent_needed, template_trusted
from ..core.inject import sources_hash
from .store import ContentsStore


@dataclass
class TemplateFile:
    """A template as the server door read it."""

    path: str
    notebook: NotebookNode
    trusted: bool

    @property
    def parameters(self) -> list[Parameter]:
        """Its declared parameters."""
        return notebook_parameters(self.notebook)


class Launcher:
    """Launches through one server's contents manager, under one ``LaunchConfig``.

    >>> Launcher(ContentsStore(object(), None), LaunchConfig(default_ui="doc")).config.default_ui
    'doc'
    """

    def __init__(
        self, store: ContentsStore, config: LaunchConfig, log: logging.Logger | None = None
    ) -> None:
        self.store = store
        self.config = config
        self.log = log or logging.getLogger(__name__)

    async def template(self, path: str) -> TemplateFile:
        """The template at ``path`` (normalised), or a ``TemplateError`` saying why not."""
        contents = self.store.contents
        path = safe_path(path, allow_hidden=bool(getattr(contents, "allow_hidden", False)))
        if await ensure_async(contents.dir_exists(path)):
            raise NotANotebookError(f"{path} is a folder, not a notebook; link to a .ipynb file.")
        if not await ensure_async(contents.file_exists(path)):
            raise TemplateNotFoundError(
                f"There is no notebook {path} on this server; check the link's path.", path=path
            )
        try:
            model = await ensure_async(contents.get(path, content=True, type="notebook"))
        except HTTPError as err:
            raise NotANotebookError(
                f"{path} is not a Jupyter notebook (.ipynb JSON); choose a notebook file."
            ) from err
        nb = load_notebook(model["content"], name=path)
        trusted = template_trusted(
            path, nb, globs=self.config.trusted_globs, output_dir=self.config.output_dir
        )
        return TemplateFile(path=path, notebook=nb, trusted=trusted)

    def plan(self, template: TemplateFile, raw_query: str) -> LaunchPlan:
        """Check a launch before anything is written: the planned copy, or an error."""
        plan = plan_launch(
            template.path,
            template.notebook,
            raw_query,
            output_dir=self.config.output_dir,
            default_ui=self.config.default_ui,
            max_value_bytes=self.config.max_value_bytes,
            keys=self.config.link_keys(),
        )
        if plan.request.spawner_options:
            # This server is already running: which server to start is the Hub's choice.
            plan.notes.append("Ignored the opt-* spawner options: they choose a Hub's server.")
        return plan

    def autorun(self, template: TemplateFile, plan: LaunchPlan) -> tuple[str | None, bool]:
        """Why the copy may run (a grant's basis, or None), and whether to ask the user first.

        A link signed with a configured key counts as the operator's word, like a trusted
        template.
        """
        trusted = template.trusted or plan.signed_by is not None
        policy = self.config.autorun
        basis = autorun_basis(plan.autorun_requested, policy, trusted=trusted)
        return basis, consent_needed(plan.autorun_requested, policy, basis)

    async def open(
        self, template: TemplateFile, plan: LaunchPlan, basis: str | None, *, base_url: str = "/"
    ) -> Outcome:
        """Write or reuse the planned copy, and grant its autorun on ``basis``."""
        # Rebuilt from the checked values rather than copied from the request, so that nothing
        # the link carried by accident (a token, tracking ids) is stored in the notebook.
        controls = plan.request.controls
        link = build_link(
            base_url, plan.template, plan.values, autorun=plan.autorun_requested,
            ui=controls.ui, copy=controls.copy, target="server",
        )  # fmt: skip
        outcome = await execute(plan, template.notebook, self.store, basis=basis, link=link)
        for note in outcome.notes:
            self.log.info("nblaunch %s: %s", template.path, note)
        return outcome

    async def issue_grant(self, path: str, basis: str) -> None:
        """Grant one run of the notebook now at ``path`` (the hub service's launches)."""
        nb = await self._read(path)
        await self.store.grant(path, sources_hash(nb), basis)

    async def redeem_grant(self, path: str) -> bool:
        """Use up the grant for ``path``: whether the front end may run it now."""
        if self.store.grants is None:
            return False
        nb = await self._read(path)
        return self.store.grants.redeem(path, sources_hash(nb), policy=self.config.autorun)

    async def _read(self, path: str) -> Any:
        path = safe_path(path, allow_hidden=True)
        nb = await self.store.get(path)
        if nb is None:
            raise TemplateNotFoundError(f"There is no notebook {path} on this server.", path=path)
        return nb
