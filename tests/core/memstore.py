"""An in-memory ``Store`` for the executor's tests: files in a dict, grants in a list."""

from __future__ import annotations

import copy
from typing import Any

from nblaunch.core import NotANotebookError


class MemoryStore:
    """``files`` maps paths to notebook dicts, ``"<folder>"`` for folders, or text."""

    def __init__(self, files: dict[str, Any] | None = None) -> None:
        self.files: dict[str, Any] = dict(files or {})
        self.grants: list[tuple[str, str, str]] = []
        self.calls: list[str] = []

    async def get(self, path: str) -> dict[str, Any] | None:
        self.calls.append(f"get {path}")
        found = self.files.get(path)
        if found is None:
            return None
        if not isinstance(found, dict):
            raise NotANotebookError(f"{path} is not a notebook.")
        return copy.deepcopy(found)

    async def exists(self, path: str) -> bool:
        self.calls.append(f"exists {path}")
        return path in self.files

    async def save(self, path: str, nb: Any) -> None:
        self.calls.append(f"save {path}")
        assert "/" not in path or self.files.get(path.rsplit("/", 1)[0]) == "<folder>"
        self.files[path] = copy.deepcopy(dict(nb))

    async def mkdir(self, path: str) -> None:
        self.calls.append(f"mkdir {path}")
        self.files[path] = "<folder>"

    async def grant(self, path: str, sources: str, basis: str) -> None:
        self.grants.append((path, sources, basis))
