"""Fixtures shared by every part's tests.

- ``notebook_factory``: builds an nbformat v4 notebook from code-cell sources, optionally with a
  cell tagged ``parameters`` and a kernel language (factory fixture).
- ``repo_root``: the repository's root folder.
- ``browser``: Debian's headless Chromium (``/usr/bin/chromium``, never a Playwright download)
  driven by Playwright's sync API, one per test module; ``context`` a fresh context per test
  (no cookies shared), ``page`` a page in it with a 30 s default timeout. Tests close
  contexts, never single pages (a page close racing a navigation can hang Playwright).

Part-specific fixtures live beside their tests: ``tests/server/conftest.py`` (Jupyter Server via
pytest-jupyter), ``tests/hub/conftest.py`` (a real JupyterHub with the Node proxy),
``tests/browser/conftest.py`` (Debian's Chromium through Playwright), ``tests/webapp/conftest.py``
(the reference application on SQLite and PostgreSQL).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest

CHROMIUM = os.environ.get("NBLAUNCH_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps dialling Google on this closed network.
# Containers often mount a 64 MB /dev/shm, too small for Chromium's shared memory: use /tmp.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

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


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    # Module scope, not session: an open sync Playwright leaves its event loop marked running in
    # the test thread, which breaks every asyncio test (pytest-jupyter, async clients) after it.
    sync_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (make chromium)")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def chromium_options() -> dict[str, Any]:
    """How the suite launches Debian's Chromium, for a test that needs a profile of its own."""
    return {"executable_path": CHROMIUM, "args": list(CHROMIUM_ARGS)}


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context()
    yield ctx
    # Close contexts, never single pages: Chromium can drop a page close that lands on a
    # navigation commit, and Playwright's page.close() then waits forever (playwright#41900).
    ctx.close()


@pytest.fixture
def page(context: Any) -> Any:
    """A tab in ``context`` with a 30 s default timeout; closed with its context."""
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    return tab
