"""The templates folder as a catalog: one entry per notebook, keyed by its name without ``.ipynb``.

A name that comes from a URL is only ever looked up as a key, never joined to a path, so ``..``
or ``a/b`` simply are not in the catalog. The folder is read again when the modification time of
the folder or of any notebook in it changes, so an administrator can add a template without
restarting the service.

One bad file never empties the catalog: a template that cannot be read (broken JSON, metadata of
the wrong shape, a dangling symlink) is left out with a warning in the log and listed by
``Catalog.problems()`` for administrators; a template that was good keeps its last good version
until it is fixed; a folder that cannot be listed keeps the last catalog. Hidden files (an
editor's ``.#name.ipynb`` lock, ``.ipynb_checkpoints``) are not templates and are ignored.
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
    TemplateError,
    TemplateNotFoundError,
    load_notebook,
    notebook_parameters,
)

#: What a catalog key may look like: a plain file stem, no dot first, no slash (``fullmatch``).
KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


@dataclass
class CatalogTemplate:
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
        >>> CatalogTemplate("t", Path("t.ipynb"), nb, []).to_json()["name"]
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


def read_template(path: Path) -> CatalogTemplate:
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
    parameters = notebook_parameters(nb)  # also checks the kernel metadata's shape
    meta = nb.metadata.get("nblaunch", {})
    meta = meta if isinstance(meta, dict) else {}
    ui = meta.get("ui")
    kinds = meta.get("kinds", [])
    return CatalogTemplate(
        name=path.stem,
        path=path,
        notebook=nb,
        parameters=parameters,
        title=str(meta.get("title", "")),
        description=str(meta.get("description", "")),
        kinds=[str(k) for k in kinds] if isinstance(kinds, list) else [],
        # The folder is the administrator's, so its templates may autorun unless they opt out.
        autorun=meta.get("autorun", True) is not False,
        ui=ui if ui in UI_PATHS else None,
    )


@dataclass(frozen=True)
class Problem:
    """A file of the templates folder that is not (or no longer) read into the catalog, and why.

    >>> Problem("a.ipynb", "not-a-notebook", "a.ipynb is not a Jupyter notebook.").to_json()["code"]
    'not-a-notebook'
    """

    file: str
    code: str
    message: str

    def to_json(self) -> dict[str, str]:
        """The problem as JSON, for administrators (messages may name the templates folder)."""
        return {"file": self.file, "code": self.code, "message": self.message}


class Catalog:
    """Templates from a folder, reloaded when the folder changes.

    >>> Catalog("/nonexistent").names()
    []
    """

    def __init__(self, folder: str | Path, log: logging.Logger | None = None) -> None:
        self.folder = Path(folder)
        self.log = log or logging.getLogger(__name__)
        self._stamp: tuple[tuple[str, int], ...] | None = None
        self._templates: dict[str, CatalogTemplate] = {}
        self._problems: list[Problem] = []

    def _scan(self) -> tuple[tuple[str, int], ...] | None:
        """Names and modification times, or ``None`` when the folder cannot be listed."""
        try:
            with os.scandir(self.folder) as listing:
                names = [e.name for e in listing if not e.name.startswith(".")]
            folder = self.folder.stat().st_mtime_ns
        except OSError:
            return None
        return (("", folder), *sorted((name, self._mtime(name)) for name in names))

    def _mtime(self, name: str) -> int:
        try:
            return (self.folder / name).stat().st_mtime_ns
        except OSError:  # a dangling symlink, or a file removed since the listing
            return -1

    def refresh(self) -> None:
        """Read the folder again if anything in it changed since the last read."""
        stamp = self._scan()
        if stamp is None:
            if self._stamp != ():
                self.log.warning("nblaunch: cannot list the templates folder %s", self.folder)
            # Nothing is known to have changed: keep the last catalog, and look again next time.
            self._stamp = ()
            self._problems = [Problem("", "folder-unreadable", f"{self.folder} cannot be listed.")]
            return
        if stamp == self._stamp:
            return
        found, problems = self._read([name for name, _ in stamp[1:]])
        self._templates, self._problems, self._stamp = found, problems, stamp
        self.log.info("nblaunch: %d templates in %s", len(found), self.folder)

    def _read(self, names: list[str]) -> tuple[dict[str, CatalogTemplate], list[Problem]]:
        found: dict[str, CatalogTemplate] = {}
        problems: list[Problem] = []
        for name in names:
            path = self.folder / name
            if not name.endswith(".ipynb") or path.is_dir():
                continue
            try:
                found[path.stem] = self._read_one(path)
            except NBLaunchError as err:
                problems.append(self._skip(path, found, err.code, err.message))
            except Exception:  # a bug reading one file must not take every template down
                self.log.exception("nblaunch: error reading template %s", path)
                message = f"{name} could not be read (the service log has the details)."
                problems.append(self._skip(path, found, "internal-error", message))
        return found, problems

    def _read_one(self, path: Path) -> CatalogTemplate:
        if not KEY.fullmatch(path.stem):
            raise TemplateError(
                f"{path.name} cannot be a template name: rename it to letters, digits, dots, "
                "hyphens and underscores, starting with a letter or digit.",
            )
        return read_template(path)

    def _skip(
        self, path: Path, found: dict[str, CatalogTemplate], code: str, message: str
    ) -> Problem:
        last = self._templates.get(path.stem)
        if last is not None and last.path == path:
            found[path.stem] = last
            message += " The last good version stays in the catalog until the file is fixed."
        self.log.warning("nblaunch: skipping template %s: %s", path, message)
        return Problem(path.name, code, message)

    def problems(self) -> list[Problem]:
        """Files the catalog could not read, and why, sorted by file name (for administrators)."""
        self.refresh()
        return sorted(self._problems, key=lambda p: p.file)

    def names(self) -> list[str]:
        """The catalog's keys, sorted."""
        self.refresh()
        return sorted(self._templates)

    def templates(self) -> list[CatalogTemplate]:
        """Every template, sorted by name."""
        self.refresh()
        return [self._templates[n] for n in sorted(self._templates)]

    def get(self, name: str) -> CatalogTemplate:
        """The template named ``name`` (a key, never a path), or ``TemplateNotFoundError``."""
        self.refresh()
        found = self._templates.get(name) if KEY.fullmatch(name or "") else None
        if found is None:
            raise TemplateNotFoundError(
                f"There is no template called {name!r}; the catalog lists the ones there are.",
                template=name,
            )
        return found
