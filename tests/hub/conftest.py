"""The hub tests use the Hub harness plugin, ``tests/_harness/hub.py`` (loaded for the whole run
with ``-p _harness.hub``): its fixtures ``make_hub`` and ``hub`` are visible here without an
import. Its constants and helpers are re-exported for ``from .conftest import ...``; fixtures
are not, so that every folder shares one session Hub.
"""

from __future__ import annotations

from _harness.hub import (  # noqa: F401
    ADMIN_TOKEN,
    CHP,
    HOST_TOKEN,
    HOST_URL,
    PASSWORDS,
    ROOT,
    SECRET,
    SERVICE_TOKEN,
    Hub,
    free_port,
    read_events,
    read_stream,
    start_hub,
    write_templates,
)
