"""Run by tests/deploy/chart.py in a subprocess: be the hub pod, report what it configured.

``python load_hub.py ROOT OUT``: loads ROOT/jupyterhub_config.py the way JupyterHub loads its
config file (traitlets' PyFileConfigLoader, ``c = get_config()``), builds a user's pod with
the configured spawner class the way kubespawner's own tests do (``_mock=True``, a fake user
and a real ``jupyterhub.objects.Hub``, no cluster), and writes JSON to OUT.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any
from unittest.mock import Mock

from jupyterhub.objects import Hub, Server
from traitlets.config import Config, PyFileConfigLoader
from traitlets.utils.importstring import import_item


class FakeUser(Mock):  # the shape kubespawner's tests give a user
    name = "alice"
    id = 1
    escaped_name = "alice"
    url = "/user/alice/"
    server = Server(base_url="/user/alice/")


def _jsonable(value: Any) -> Any:
    if isinstance(value, type):
        return f"{value.__module__}.{value.__qualname__}"
    return repr(value)


async def _pod(config: Config) -> dict[str, Any]:
    spawner_class = config.JupyterHub.spawner_class
    cls = import_item(spawner_class) if isinstance(spawner_class, str) else spawner_class
    hub = Hub(base_url="/hub/")
    hub.connect_url = config.JupyterHub.hub_connect_url  # as JupyterHub.init_hub does
    spawner = cls(config=config, user=FakeUser(), hub=hub, _mock=True)
    spawner.api_token = "user-server-token"  # the Hub mints one per start
    manifest = await spawner.get_pod_manifest()
    pod: dict[str, Any] = spawner.api.api_client.sanitize_for_serialization(manifest)
    return pod


def main(root: str, out: str) -> None:
    config = PyFileConfigLoader("jupyterhub_config.py", path=root).load_config()
    hub = config.JupyterHub
    report = {
        "services": hub.services,
        "load_roles": hub.load_roles,
        "custom_scopes": hub.get("custom_scopes", {}),
        "tornado_settings": hub.tornado_settings,
        "authenticator_class": hub.get("authenticator_class"),
        "spawner_class": hub.spawner_class,
        "db_url": hub.get("db_url"),
        "public_url": hub.get("public_url"),
        "ticket_secret": config.TicketAuthenticator.get("ticket_secret"),
        "pod": asyncio.run(_pod(config)),
    }
    with open(out, "w", encoding="utf-8") as f:
        json.dump(report, f, default=_jsonable, indent=1)


if __name__ == "__main__":
    main(*sys.argv[1:3])
