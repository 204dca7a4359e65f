"""What the client returns: plain dataclasses, no httpx types."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


def parse_time(text: str | None) -> datetime | None:
    """Read Jupyter's ISO 8601 timestamps (``Z`` suffix included) as aware datetimes.

    >>> parse_time("2026-01-02T03:04:05.123456Z").isoformat()
    '2026-01-02T03:04:05.123456+00:00'
    """
    if not text:
        return None
    # Python 3.10's fromisoformat does not read the "Z" suffix that Jupyter writes.
    return datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)


@dataclass(frozen=True)
class Notebook:
    """A notebook read from (or written to) a user's server through the nblaunch service.

    ``content`` is the nbformat JSON with the server's ``trusted`` flags removed, so it can be
    stored and compared as is; ``hash`` is the service's hash of that content, the value to pass
    back as ``put(..., expect_hash=)``.

    >>> Notebook("a.ipynb", {"cells": []}, None, "abc").hash
    'abc'
    """

    path: str
    content: dict[str, Any]
    last_modified: datetime | None
    hash: str


@dataclass(frozen=True)
class Template:
    """One catalog entry of the service (``GET {prefix}api/templates``).

    ``parameters`` is the list of parameter schemas as the service sends them (name, type,
    default, ...); ``raw`` keeps the whole entry for fields this version does not know.

    >>> Template("image-stats", "Image statistics", "", []).name
    'image-stats'
    """

    name: str
    title: str
    description: str
    parameters: list[dict[str, Any]]
    raw: dict[str, Any] = field(default_factory=dict, repr=False)
