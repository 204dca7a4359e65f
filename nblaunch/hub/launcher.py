"""The hub door onto the launch path: plan against the catalog, run core's executor remotely.

Parsing, typing, naming, injection, copy policy and autorun are decided by ``nblaunch.core``;
this module reads the template from the catalog and hands core a ``ServerStore`` over the
user's running server.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

from ..core import LaunchPlan, build_link, notebook_url, plan_launch
from ..core.config import LaunchConfig
from ..core.executor import Outcome, execute
from ..core.grants import autorun_basis, consent_needed, is_launch_copy
from .catalog import Catalog, CatalogTemplate
from .errors import HubUnavailableError, ServerNotRunningError
from .hubapi import HubAPI
from .store import ServerStore, content_hash, strip_trusted

__all__ = ["HubLauncher", "content_hash", "ready_server", "strip_trusted"]


class HubLauncher:
    """Plans launches against the catalog and writes copies through the Hub.

    >>> HubLauncher(Catalog("/nonexistent"), None, LaunchConfig()).config.autorun
    'trusted'
    """

    def __init__(
        self,
        catalog: Catalog,
        hub: HubAPI | Any,
        config: LaunchConfig,
        log: logging.Logger | None = None,
    ) -> None:
        self.catalog = catalog
        self.hub = hub
        self.config = config
        self.log = log or logging.getLogger(__name__)

    def plan(self, template: CatalogTemplate, raw_query: str) -> LaunchPlan:
        """Check a launch before anything is started: the planned copy, or an error."""
        plan = plan_launch(
            template.filename,
            template.notebook,
            raw_query,
            output_dir=self.config.output_dir,
            default_ui=self.config.default_ui,
            max_value_bytes=self.config.max_value_bytes,
            keys=self.config.link_keys(),
            door="hub",
        )
        if template.ui and plan.request.controls.ui is None:
            plan.ui = template.ui
        return plan

    def autorun(self, template: CatalogTemplate, plan: LaunchPlan) -> tuple[str | None, bool]:
        """Why the copy may run (a grant's basis, or None), and whether to ask the user first.

        The catalog is the operator's folder, so its metadata is the operator's word: every
        template there is trusted unless marked ``"autorun": false`` (then a link that asks to
        run gets the consent page) or it is itself a launch's copy (content a link chose). A
        link signed with a configured key counts as the operator's word too.
        """
        marked = template.autorun and not is_launch_copy(template.notebook)
        trusted = marked or plan.signed_by is not None
        policy = self.config.autorun
        basis = autorun_basis(plan.autorun_requested, policy, trusted=trusted)
        return basis, consent_needed(plan.autorun_requested, policy, basis)

    async def write(
        self,
        template: CatalogTemplate,
        plan: LaunchPlan,
        basis: str | None,
        server_model: dict[str, Any],
        hub_base: str,
        *,
        check_route: bool = True,
    ) -> tuple[str, Outcome]:
        """Write (or reuse) the copy in the running server: the URL to open, and the outcome.

        ``check_route``: wait for the proxy's route to a server that started in the last
        minutes first (the Hub can call it ready a moment before the route is there).
        """
        if check_route and _just_started(server_model):
            await self.hub.wait_routed(server_model)
        store = ServerStore(self.hub, server_model)
        outcome = await execute(
            plan, template.notebook, store, basis=basis, link=_link(plan, hub_base)
        )
        for note in outcome.notes:
            self.log.info("nblaunch %s: %s", template.name, note)
        base = server_model.get("full_url") or server_model["url"]
        return base.rstrip("/") + "/" + notebook_url(outcome.ui, outcome.path), outcome

    async def write_known(
        self,
        template: CatalogTemplate,
        plan: LaunchPlan,
        basis: str | None,
        known: dict[str, Any],
        hub_base: str,
    ) -> str | None:
        """``write`` to a server the user's identity says is ready; None if it is gone.

        The identity can be up to a minute old (the OAuth cache): a server stopped since then
        answers through the proxy with an error, and the caller asks the Hub afresh.
        """
        try:
            # No route check: a missing route fails the write, and the caller asks the Hub.
            url, _ = await self.write(template, plan, basis, known, hub_base, check_route=False)
        except (ServerNotRunningError, HubUnavailableError) as err:
            self.log.info("nblaunch: the server the identity named is gone (%s)", err.message)
            return None
        return url


def ready_server(identity: dict[str, Any], server: str) -> dict[str, Any] | None:
    """The model of ``server`` if the user's OAuth identity says it is ready, else None.

    With ``read:servers!user`` in the service's OAuth scopes the Hub puts the user's servers in
    the identity it answers for the login cookie, which the service caches: a warm launch then
    needs no Hub API call at all.

    >>> ready_server({"servers": {"": {"ready": True, "url": "/user/a/"}}}, "")
    {'ready': True, 'url': '/user/a/'}
    >>> ready_server({"name": "a"}, "") is None
    True
    """
    servers = identity.get("servers")
    model = servers.get(server) if isinstance(servers, dict) else None
    if isinstance(model, dict) and model.get("ready") and isinstance(model.get("url"), str):
        return model
    return None


def _just_started(server_model: dict[str, Any], window: float = 120.0) -> bool:
    """Whether the server started in the last ``window`` seconds (its route may be missing).

    >>> _just_started({"started": "2000-01-01T00:00:00Z"}), _just_started({})
    (False, False)
    """
    started = server_model.get("started")
    if not isinstance(started, str):
        return False
    try:
        when = datetime.fromisoformat(started.replace("Z", "+00:00"))
    except ValueError:
        return False
    return (datetime.now(timezone.utc) - when).total_seconds() < window


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
