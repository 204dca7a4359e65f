"""The templates folder as a catalog: one entry per notebook, keyed by its name without ``.ipynb``.

A name that comes from a URL is only ever looked up as a key, never joined to a path, so ``..``
or ``a/b`` simply are not in the catalog. The folder is read again when the modification time of
the folder or of any notebook in it changes, so an administrator can add a template without
restarting the service.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nbformat import NotebookNode

from ..core import (
    UI_PATHS,
    NBLaunchError,
    Parameter,
    TemplateNotFoundError,
    load_notebook,
    notebook_parameters,
)

#: What a catalog key may look like: a plain file stem, no dot first, no slash.
KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


@dataclass
class Template:
    """One template notebook and what its ``metadata.nblaunch`` says about it."""

    name: str
    path: Path
    notebook: NotebookNode
    parameters: list[Parameter]
    title: str = ""
    description: str = ""
    kinds: list[str] = field(default_factory=list)
    autorun: bool = True
    ui: str | None = None

    @property
    def filename(self) -> str:
        """The name used for copies: ``image-stats.ipynb``."""
        return self.name + ".ipynb"

    def to_json(self) -> dict[str, Any]:
        """The template's public description (no file system path).

        >>> nb = NotebookNode(cells=[], metadata={})
        >>> Template("t", Path("t.ipynb"), nb, []).to_json()["name"]
        't'
        """
        return {
            "name": self.name,
            "title": self.title or self.name,
            "description": self.description,
            "kinds": self.kinds,
            "autorun": self.autorun,
            "ui": self.ui,
            "parameters": [p.to_json() for p in self.parameters],
        }


def read_template(path: Path) -> Template:
    """Read one template file, or raise an ``NBLaunchError`` saying why it cannot be used.

    >>> read_template(Path("/nonexistent.ipynb"))
    Traceback (most recent call last):
    ...
    nblaunch.core.errors.TemplateNotFoundError: /nonexistent.ipynb cannot be read.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise TemplateNotFoundError(f"{path} cannot be read.") from err
    nb = load_notebook(text, name=path.name)
    meta = nb.metadata.get("nblaunch", {})
    meta = meta if isinstance(meta, dict) else {}
    ui = meta.get("ui")
    kinds = meta.get("kinds", [])
    return Template(
        name=path.stem,
        path=path,
        notebook=nb,
        parameters=notebook_parameters(nb),
        title=str(meta.get("title", "")),
        description=str(meta.get("description", "")),
        kinds=[str(k) for k in kinds] if isinstance(kinds, list) else [],
        # The folder is the administrator's, so its templates may autorun unless they opt out.
        autorun=meta.get("autorun", True) is not False,
        ui=ui if ui in UI_PATHS else None,
    )


class Catalog:
    """Templates from a folder, reloaded when the folder changes.

    >>> Catalog("/nonexistent").names()
    []
    """

    def __init__(self, folder: str | Path, log: logging.Logger | None = None) -> None:
        self.folder = Path(folder)
        self.log = log or logging.getLogger(__name__)
        self._stamp: tuple[tuple[str, int], ...] | None = None
        self._templates: dict[str, Template] = {}

    def _scan(self) -> tuple[tuple[str, int], ...]:
        try:
            entries = [(e.name, e.stat().st_mtime_ns) for e in os.scandir(self.folder)]
            folder = self.folder.stat().st_mtime_ns
        except OSError:
            return ()
        return (("", folder), *sorted(entries))

    def refresh(self) -> None:
        """Read the folder again if anything in it changed since the last read."""
        stamp = self._scan()
        if stamp == self._stamp:
            return
        self._stamp = stamp
        found: dict[str, Template] = {}
        for name, _ in stamp:
            path = self.folder / name
            if not name.endswith(".ipynb") or not KEY.match(path.stem) or not path.is_file():
                continue
            try:
                found[path.stem] = read_template(path)
            except NBLaunchError as err:
                self.log.warning("nblaunch: skipping template %s: %s", path, err.message)
        self._templates = found
        self.log.info("nblaunch: %d templates in %s", len(found), self.folder)

    def names(self) -> list[str]:
        """The catalog's keys, sorted."""
        self.refresh()
        return sorted(self._templates)

    def templates(self) -> list[Template]:
        """Every template, sorted by name."""
        self.refresh()
        return [self._templates[n] for n in sorted(self._templates)]

    def get(self, name: str) -> Template:
        """The template named ``name`` (a key, never a path), or ``TemplateNotFoundError``."""
        self.refresh()
        found = self._templates.get(name) if KEY.match(name or "") else None
        if found is None:
            raise TemplateNotFoundError(
                f"There is no template called {name!r}; the catalog lists the ones there are.",
                template=name,
            )
        return found
