"""The templates folder as a catalog: keys, metadata, reloading, names that are not keys."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
import pytest

from nblaunch.core import TemplateNotFoundError
from nblaunch.hub import catalog as catalog_module
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


def write_raw(folder: Path, name: str, mutate: Callable[[dict[str, Any]], None]) -> Path:
    """A template whose JSON ``mutate`` changes after nbformat wrote it (nbformat would refuse)."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("n = 1", metadata={"tags": ["parameters"]})]
    data = json.loads(nbformat.writes(nb))
    mutate(data)
    path = folder / name
    path.write_text(json.dumps(data))
    return path


def _string_kernelspec(data: dict[str, Any]) -> None:
    data["metadata"]["kernelspec"] = "python3"


def test_a_template_with_a_string_kernelspec_is_skipped_and_listed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write_raw(tmp_path, "bad.ipynb", _string_kernelspec)
    write(tmp_path, "good.ipynb")
    catalog = Catalog(tmp_path)
    with caplog.at_level(logging.WARNING):
        assert catalog.names() == ["good"]
    assert catalog.names() == ["good"]  # the second request sees the same catalog
    (problem,) = catalog.problems()
    assert (problem.file, problem.code) == ("bad.ipynb", "bad-metadata")
    assert "kernelspec" in problem.message
    assert problem.to_json() == {
        "file": "bad.ipynb",
        "code": "bad-metadata",
        "message": problem.message,
    }
    assert "bad.ipynb" in caplog.text


def test_hidden_files_and_an_editors_lock_symlink_are_ignored(tmp_path: Path) -> None:
    write(tmp_path, "good.ipynb")
    (tmp_path / ".#good.ipynb").symlink_to("user@host.1234:1700000000")  # emacs's lock: dangling
    write(tmp_path, ".hidden.ipynb")
    (tmp_path / ".ipynb_checkpoints").mkdir()
    write(tmp_path / ".ipynb_checkpoints", "good-checkpoint.ipynb")
    catalog = Catalog(tmp_path)
    assert catalog.names() == ["good"]
    assert catalog.problems() == []


def test_a_dangling_symlink_that_is_not_hidden_is_a_problem(tmp_path: Path) -> None:
    write(tmp_path, "good.ipynb")
    (tmp_path / "gone.ipynb").symlink_to(tmp_path / "nowhere.ipynb")
    catalog = Catalog(tmp_path)
    assert catalog.names() == ["good"]
    assert [(p.file, p.code) for p in catalog.problems()] == [("gone.ipynb", "template-not-found")]


def test_a_file_whose_name_cannot_be_a_key_is_a_problem(tmp_path: Path) -> None:
    write(tmp_path, "my analysis.ipynb")
    write(tmp_path, "good.ipynb")
    catalog = Catalog(tmp_path)
    assert catalog.names() == ["good"]
    (problem,) = catalog.problems()
    assert (problem.file, problem.code) == ("my analysis.ipynb", "bad-template")
    assert "rename" in problem.message


def _bump(path: Path) -> None:
    stamp = path.stat().st_mtime_ns + 10_000_000
    os.utime(path, ns=(stamp, stamp))


def test_a_template_that_breaks_keeps_its_last_good_version(tmp_path: Path) -> None:
    path = write(tmp_path, "a.ipynb", "x = 1")
    catalog = Catalog(tmp_path)
    assert [p.name for p in catalog.get("a").parameters] == ["x"]
    path.write_text('{"cells": [')  # an administrator's editor, half-way through a save
    _bump(path)
    assert [p.name for p in catalog.get("a").parameters] == ["x"]
    (problem,) = catalog.problems()
    assert problem.code == "not-a-notebook"
    assert "last good version" in problem.message
    write(tmp_path, "a.ipynb", "y = 2")
    _bump(path)
    assert [p.name for p in catalog.get("a").parameters] == ["y"]
    assert catalog.problems() == []


def test_a_folder_that_cannot_be_listed_keeps_the_last_catalog(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "a.ipynb")
    catalog = Catalog(tmp_path)
    assert catalog.names() == ["a"]

    def unreadable(path: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(catalog_module.os, "scandir", unreadable)
    assert catalog.names() == ["a"]
    assert [p.code for p in catalog.problems()] == ["folder-unreadable"]
    monkeypatch.undo()
    assert catalog.names() == ["a"]
    assert catalog.problems() == []


def test_an_unexpected_error_in_one_template_skips_only_that_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "a.ipynb")
    write(tmp_path, "b.ipynb")
    real = catalog_module.read_template

    def flaky(path: Path) -> catalog_module.CatalogTemplate:
        if path.name == "a.ipynb":
            raise RuntimeError("a bug")
        return real(path)

    monkeypatch.setattr(catalog_module, "read_template", flaky)
    catalog = Catalog(tmp_path)
    assert catalog.names() == ["b"]
    assert [(p.file, p.code) for p in catalog.problems()] == [("a.ipynb", "internal-error")]
