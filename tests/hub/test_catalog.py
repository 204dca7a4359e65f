"""The templates folder as a catalog: keys, metadata, reloading, names that are not keys."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest

from nblaunch.core import TemplateNotFoundError
from nblaunch.hub.catalog import Catalog


def write(folder: Path, name: str, source: str = "n: int = 1", **meta: object) -> Path:
    nb = nbformat.v4.new_notebook(metadata={"nblaunch": meta} if meta else {})
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell]
    path = folder / name
    nbformat.write(nb, path)
    return path


def test_keys_are_stems_with_metadata(tmp_path: Path) -> None:
    write(tmp_path, "image-stats.ipynb", title="Image stats", kinds=["image"], ui="doc")
    write(tmp_path, "table.ipynb", autorun=False)
    (tmp_path / "notes.txt").write_text("not a notebook")
    catalog = Catalog(tmp_path)
    assert catalog.names() == ["image-stats", "table"]
    stats = catalog.get("image-stats").to_json()
    assert stats["title"] == "Image stats"
    assert stats["kinds"] == ["image"]
    assert stats["ui"] == "doc"
    assert stats["autorun"] is True
    assert stats["parameters"][0]["name"] == "n"
    assert "path" not in stats
    assert catalog.get("table").autorun is False


@pytest.mark.parametrize(
    "name", ["..", "../table", "sub/table", "table.ipynb", ".hidden", "", "%2e%2e", "/etc/passwd"]
)
def test_a_name_is_a_key_never_a_path(tmp_path: Path, name: str) -> None:
    write(tmp_path, "table.ipynb")
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub", "table.ipynb")
    write(tmp_path, ".hidden.ipynb")
    with pytest.raises(TemplateNotFoundError):
        Catalog(tmp_path).get(name)


def test_reloads_when_the_folder_changes(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path)
    assert catalog.names() == []
    path = write(tmp_path, "a.ipynb", "x = 1")
    assert catalog.names() == ["a"]
    write(tmp_path, "a.ipynb", "x = 1\ny = 2")
    stamp = path.stat().st_mtime_ns + 10_000_000
    os.utime(path, ns=(stamp, stamp))
    assert [p.name for p in catalog.get("a").parameters] == ["x", "y"]
    path.unlink()
    assert catalog.names() == []


def test_a_broken_template_is_skipped_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "broken.ipynb").write_text("{not json")
    write(tmp_path, "good.ipynb")
    assert Catalog(tmp_path).names() == ["good"]


def test_missing_folder_is_an_empty_catalog(tmp_path: Path) -> None:
    assert Catalog(tmp_path / "nope").templates() == []


def test_the_shipped_templates_all_load() -> None:
    folder = Path(__file__).resolve().parents[2] / "nblaunch" / "templates"
    templates = Catalog(folder).templates()
    assert len(templates) == len(list(folder.glob("*.ipynb"))) >= 1
    for template in templates:
        assert template.parameters, template.name
        assert template.title
