"""The launch path through the Hub: plan with core, start the server, write the copy remotely.

This is the hub service's door onto core's one launch path (the server extension's door is
``nblaunch.server.launcher``): parsing, typing, naming, injection, copy policy and autorun are
decided by ``nblaunch.core``; this module reads the template from the catalog and writes the copy
into the user's server through the Contents API, with the service's own token.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from ..core import (
    LaunchPlan,
    autorun_decision,
    build_link,
    copy_action,
    load_notebook,
    new_copy_names,
    notebook_url,
    plan_launch,
    render_copy,
)
from ..core.copies import rearm_autorun
from .catalog import Catalog, Template
from .errors import HubUnavailableError, NotFoundError
from .hubapi import HubAPI


@dataclass
class HubLaunchSettings:
    """The service's configuration, as the launcher needs it."""

    output_dir: str = "nblaunch"
    default_ui: str = "lab"
    autorun: str = "trusted"
    max_value_bytes: int = 64 * 1024


@dataclass
class Landing:
    """Where the browser goes after a launch, and what happened on the way."""

    url: str
    path: str
    action: str
    autorun: bool
    notes: list[str] = field(default_factory=list)


def strip_trusted(content: Any) -> Any:
    """The notebook without the ``trusted`` flags a Contents GET adds to cell metadata.

    >>> strip_trusted({"cells": [{"metadata": {"trusted": True}}]})
    {'cells': [{'metadata': {}}]}
    """
    for cell in content.get("cells", []) if isinstance(content, dict) else []:
        if isinstance(cell.get("metadata"), dict):
            cell["metadata"].pop("trusted", None)
    return content


def content_hash(content: Any) -> str:
    """A stable hash of notebook content (keys sorted, ``trusted`` flags already removed).

    >>> content_hash({"b": 1, "a": 2}) == content_hash({"a": 2, "b": 1})
    True
    """
    blob = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(blob.encode()).hexdigest()


class HubLauncher:
    """Plans launches against the catalog and writes copies through the Hub.

    >>> HubLauncher(Catalog("/nonexistent"), None, HubLaunchSettings()).settings.autorun
    'trusted'
    """

    def __init__(
        self,
        catalog: Catalog,
        hub: HubAPI | Any,
        settings: HubLaunchSettings,
        log: logging.Logger | None = None,
    ) -> None:
        self.catalog = catalog
        self.hub = hub
        self.settings = settings
        self.log = log or logging.getLogger(__name__)

    def plan(self, template: Template, raw_query: str) -> LaunchPlan:
        """Check a launch before anything is started: the planned copy, or an error."""
        plan = plan_launch(
            template.filename,
            template.notebook,
            raw_query,
            output_dir=self.settings.output_dir,
            default_ui=self.settings.default_ui,
            max_value_bytes=self.settings.max_value_bytes,
        )
        if template.ui and plan.request.controls.ui is None:
            plan.ui = template.ui
        return plan

    async def write(
        self, template: Template, plan: LaunchPlan, server_model: dict[str, Any], hub_base: str
    ) -> Landing:
        """Write (or reuse) the copy in the running server; say where the browser goes."""
        autorun = autorun_decision(
            plan.autorun_requested, self.settings.autorun, trusted=template.autorun
        )
        if plan.autorun_requested and not autorun:
            plan.notes.append(f"Autorun refused by policy {self.settings.autorun!r}.")
        # copy=reuse opens the file as it is, so its content is read only to re-arm autorun.
        read = plan.copy != "reuse" or autorun
        existing = await self._existing(server_model, plan.path, read=read)
        action = copy_action(plan.copy, existing, plan.path)
        target = plan.path
        if action == "new":
            target = await self._free_name(server_model, plan.path)
        if action in ("write", "new"):
            copy = render_copy(plan, template.notebook, autorun=autorun, link=_link(plan, hub_base))
            await self.hub.ensure_dir(server_model, target.rpartition("/")[0])
            await self._put(server_model, target, copy)
        elif (rearmed := rearm_autorun(existing, autorun=autorun)) is not None:
            # A reused copy ran once already and its flag is off: arm it again, cells untouched.
            await self._put(server_model, target, rearmed)
            plan.notes.append("Autorun re-armed in the existing copy.")
        for note in plan.notes:
            self.log.info("nblaunch %s: %s", template.name, note)
        base = server_model.get("full_url") or server_model["url"]
        url = base.rstrip("/") + "/" + notebook_url(plan.ui, target)
        return Landing(url=url, path=target, action=action, autorun=autorun, notes=plan.notes)

    async def _existing(
        self, server_model: dict[str, Any], path: str, *, read: bool
    ) -> dict[str, Any] | None:
        try:
            model = await self.hub.get_file(server_model, path, content=read)
        except NotFoundError:
            return None
        except HubUnavailableError as err:
            if err.fields.get("status") != 400:
                raise
            # The server could not read the notebook at the copy's name: count it as edited,
            # so it is opened as it is (copy=reuse) and never replaced, as the server door does.
            return {"cells": [], "metadata": {}}
        if not read:
            # copy=reuse opens any existing file as it is: its content does not matter.
            return {"cells": [], "metadata": {}}
        if model.get("type") != "notebook":
            # Not a notebook at the copy's name: count it as edited, so it is never replaced.
            return {"cells": [], "metadata": {}}
        content: dict[str, Any] = strip_trusted(model["content"])
        load_notebook(content, name=path)
        return content

    async def _put(self, server_model: dict[str, Any], path: str, nb: Any) -> None:
        model = {"type": "notebook", "format": "json", "content": nb}
        await self.hub.put_file(server_model, path, model)

    async def _free_name(self, server_model: dict[str, Any], base: str) -> str:
        for candidate in new_copy_names(base):
            if not await self.hub.exists(server_model, candidate):
                return candidate
        raise AssertionError("unreachable: new_copy_names never ends")  # pragma: no cover


def _link(plan: LaunchPlan, hub_base: str) -> str:
    # Rebuilt from the checked values, so nothing the link carried by accident (a token, a
    # tracking id) is stored in the notebook.
    controls = plan.request.controls
    return build_link(
        hub_base,
        plan.template.removesuffix(".ipynb"),
        plan.values,
        autorun=plan.autorun_requested,
        ui=controls.ui,
        copy=controls.copy,
        server=controls.server,
    )
