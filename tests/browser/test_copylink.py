"""The Copy Launch Link command in Chromium: launch, edit a value in the injected cell, run
the command, read the link from its dialog, open the link in a fresh browser context, and the
new copy has the edited value. One real ``jupyter lab`` and one ``jupyter notebook`` (Notebook
7), from ``_harness.lab``, token auth off."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import nbformat
import pytest
from _harness.lab import Lab, start_lab

pytestmark = pytest.mark.browser

LINK_FIELD = "input.jp-nblaunch-link"


def _template(root: Path) -> None:
    spec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": spec})
    parameters = nbformat.v4.new_code_cell('image_id = 2959331\nlabel = "a"')
    parameters.metadata["tags"] = ["parameters"]
    nb.cells = [parameters, nbformat.v4.new_code_cell("print(image_id, label)")]
    nbformat.write(nb, str(root / "stats.ipynb"))


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """A running ``jupyter lab`` with ``stats.ipynb``."""
    yield from _start("lab", tmp_path_factory.mktemp("copylink"))


@pytest.fixture(scope="module")
def notebook7(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """The same with ``jupyter notebook`` (Notebook 7)."""
    yield from _start("notebook", tmp_path_factory.mktemp("copylink-nb7"))


def _start(app: str, tmp: Path) -> Iterator[Lab]:
    with start_lab(tmp / "root", app=app) as server:
        _template(server.root)
        yield server


def _open_launch(page: Any, url: str, image_id: int) -> Any:
    """Open a launch of ``stats``; the editor of its injected cell."""
    page.goto(url + f"nblaunch/open/stats.ipynb?image_id={image_id}&label=first")
    editor = page.locator(".jp-Notebook .jp-Cell .cm-content").filter(
        has_text=f"image_id = {image_id}"
    )
    editor.first.wait_for(state="visible")
    return editor.first


def _replace(page: Any, editor: Any, source: str) -> None:
    editor.click()
    editor.press("Control+a")
    page.keyboard.insert_text(source)


def _run_from_palette(page: Any) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    search = page.locator(".lm-CommandPalette-input")
    item = page.locator(".lm-CommandPalette-item", has_text="Copy Launch Link").first
    for _ in range(3):
        # Lab may take the first key press back (a toast, focus moving after an edit): retry.
        page.keyboard.press("Escape")
        page.keyboard.press("Control+Shift+c")
        try:
            search.fill("Copy Launch Link", timeout=5_000)
            item.click(timeout=5_000)
            return
        except PlaywrightTimeout:
            continue
    raise AssertionError("the command palette did not offer Copy Launch Link")


def _close_dialog(page: Any) -> None:
    page.locator(".jp-Dialog .jp-mod-accept").click()
    page.locator(".jp-Dialog").wait_for(state="detached")


def test_copy_launch_link_opens_a_fresh_copy_with_the_edited_value(
    page: Any, browser: Any, lab: Lab
) -> None:
    url = lab.url
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url.rstrip("/"))
    editor = _open_launch(page, url, 7)
    first_copy = urlsplit(page.url).path
    _replace(page, editor, '# Parameters\nimage_id = 4321\nlabel = "edited & shared"\n')
    _run_from_palette(page)
    field = page.locator(LINK_FIELD)
    field.wait_for(state="visible")
    link = field.input_value()
    assert link.startswith(url + "nblaunch/open/stats.ipynb?image_id=4321&label=")
    dialog = page.locator(".jp-Dialog").inner_text()
    if "Copied" in dialog:  # the browser allowed the clipboard: it holds the same link
        assert page.evaluate("navigator.clipboard.readText()") == link
    else:
        assert "did not allow the clipboard" in dialog
    _close_dialog(page)

    fresh = browser.new_context()
    try:
        other = fresh.new_page()
        other.set_default_timeout(60_000)  # a cold JupyterLab page in a fresh context
        other.goto(link)
        other.locator(".jp-Notebook .jp-Cell .cm-content").filter(
            has_text="image_id = 4321"
        ).first.wait_for(state="visible")
        path = urlsplit(other.url).path
        assert path.startswith("/lab/tree/nblaunch/stats-image_id-4321-") and path != first_copy
        copy = nbformat.read(str(lab.path_of(other.url)), as_version=4)
        assert copy.metadata["nblaunch"]["parameters"] == {
            "image_id": 4321,
            "label": "edited & shared",
        }
    finally:
        fresh.close()


def test_the_toolbar_and_context_menu_say_which_value_is_not_a_literal(page: Any, lab: Lab) -> None:
    url = lab.url
    editor = _open_launch(page, url, 8)
    _replace(page, editor, '# Parameters\nimage_id = int("8")\nlabel = "x"\n')
    toolbar = page.locator(".jp-NotebookPanel-toolbar").filter(visible=True)
    toolbar.get_by_text("Launch link").click()
    problem = page.locator(".jp-nblaunch-link-problem")
    problem.wait_for(state="visible")
    assert "'image_id' is no longer a literal value (int(\"8\"))" in problem.inner_text()
    _close_dialog(page)
    # The notebook's context menu offers the command too.
    cell = page.locator(".jp-Notebook .jp-Cell .cm-content").filter(has_text='int("8")')
    cell.first.click(button="right")
    page.locator(".lm-Menu-item", has_text="Copy Launch Link").click()
    page.locator(".jp-nblaunch-link-problem").wait_for(state="visible")
    _close_dialog(page)


def test_notebook7_has_the_toolbar_button(page: Any, notebook7: Lab) -> None:
    url = notebook7.url
    page.goto(url + "nblaunch/open/stats.ipynb?image_id=9&label=nb7&ui=notebook")
    editor = page.locator(".jp-Notebook .jp-Cell .cm-content").filter(has_text="image_id = 9")
    editor.first.wait_for(state="visible")
    _replace(page, editor.first, "# Parameters\nimage_id = 99\nlabel = 'nb7'\n")
    page.locator(".jp-NotebookPanel-toolbar").get_by_text("Launch link").click()
    field = page.locator(LINK_FIELD)
    field.wait_for(state="visible")
    assert (
        field.input_value() == url + "nblaunch/open/stats.ipynb?image_id=99&label=nb7&ui=notebook"
    )
