"""The hub tests use the Hub harness plugin, ``tests/_harness/hub.py`` (loaded for the whole run
with ``-p _harness.hub``): its fixtures ``make_hub`` and ``hub`` are visible here without an
import. ``postgres_base`` and ``db_url`` (SQLite, then a throwaway PostgreSQL), from
``tests/_harness/pg.py``, are for the rows nblaunch keeps in the Hub's database. The harness's
constants and helpers are re-exported for ``from .conftest import ...``; its fixtures are not,
so that every folder shares one Hub.
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
from _harness.pg import database_fixture, postgres_base  # noqa: F401 (a fixture)

db_url = database_fixture("db_url")
