"""The notebook templates this application recommends, read from their ``nblaunch`` metadata.

Each shipped template carries ``metadata.nblaunch = {"title", "description", "kinds", "autorun"}``;
an item page lists the templates whose ``kinds`` include the item's kind.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


@dataclass(frozen=True)
class TemplateInfo:
    """One notebook template as an item page shows it; ``name`` is the service's catalog key."""

    name: str
    title: str
    description: str
    kinds: tuple[str, ...]
    autorun: bool


def load_templates(folder: Path = TEMPLATES_DIR) -> tuple[TemplateInfo, ...]:
    """Every ``*.ipynb`` in ``folder`` that has ``nblaunch`` metadata, sorted by name.

    >>> [t.name for t in load_templates()]
    ['image-stats', 'item-explorer', 'table-summary']
    """
    return _load(folder.resolve())


@lru_cache(maxsize=8)
def _load(folder: Path) -> tuple[TemplateInfo, ...]:
    found = []
    for path in sorted(folder.glob("*.ipynb")):
        try:
            meta = json.loads(path.read_text(encoding="utf-8"))["metadata"].get("nblaunch", {})
        except (OSError, ValueError, KeyError):
            log.warning("Skipping unreadable template %s", path)
            continue
        found.append(
            TemplateInfo(
                name=path.stem,
                title=str(meta.get("title", path.stem)),
                description=str(meta.get("description", "")),
                kinds=tuple(meta.get("kinds", ())),
                autorun=bool(meta.get("autorun", False)),
            )
        )
    return tuple(found)


def for_kind(kind: str, folder: Path = TEMPLATES_DIR) -> list[TemplateInfo]:
    """The templates recommended for items of ``kind``.

    >>> [t.name for t in for_kind("image")]
    ['image-stats', 'item-explorer']
    """
    return [t for t in load_templates(folder) if kind in t.kinds]


def find(name: str, folder: Path = TEMPLATES_DIR) -> TemplateInfo | None:
    """The template called ``name`` (a catalog key, never a path), or None."""
    return next((t for t in load_templates(folder) if t.name == name), None)
