"""Fixtures shared by every part's tests.

- ``notebook_factory``: builds an nbformat v4 notebook from code-cell sources, optionally with a
  cell tagged ``parameters`` and a kernel language (factory fixture).
- ``repo_root``: the repository's root folder.

Part-specific fixtures live beside their tests: ``tests/server/conftest.py`` (Jupyter Server via
pytest-jupyter), ``tests/hub/conftest.py`` (a real JupyterHub with the Node proxy),
``tests/browser/conftest.py`` (Debian's Chromium through Playwright), ``tests/webapp/conftest.py``
(the reference application on SQLite and PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest

LANGUAGES = {
    "python": {"name": "python3", "display_name": "Python 3", "language": "python"},
    "r": {"name": "ir", "display_name": "R", "language": "R"},
    "julia": {"name": "julia-1.10", "display_name": "Julia 1.10", "language": "julia"},
}


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


@pytest.fixture
def notebook_factory() -> Callable[..., nbformat.NotebookNode]:
    """``make(parameters_source, *more_cells, language="python", tagged=True)``."""

    def make(
        parameters: str | None = None,
        *cells: str,
        language: str = "python",
        tagged: bool = True,
    ) -> nbformat.NotebookNode:
        nb = nbformat.v4.new_notebook(metadata={"kernelspec": LANGUAGES[language]})
        if parameters is not None:
            cell = nbformat.v4.new_code_cell(parameters)
            if tagged:
                cell.metadata["tags"] = ["parameters"]
            nb.cells.append(cell)
        nb.cells.extend(nbformat.v4.new_code_cell(source) for source in cells)
        return nb

    return make
