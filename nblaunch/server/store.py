"""The executor's ``Store`` over a Jupyter server's own contents manager.

Any contents manager works (files, S3, databases): the store only calls its public API.
"""

from __future__ import annotations

from typing import Any

from jupyter_core.utils import ensure_async
from nbformat import NotebookNode
from tornado.web import HTTPError

from ..core import NotANotebookError
from .grants import GrantFile


class ContentsStore:
    """Copies through ``contents`` (a ``ContentsManager``), grants in ``grants``.

    >>> ContentsStore(object(), None).contents
    <object object at ...>
    """

    def __init__(self, contents: Any, grants: GrantFile | None) -> None:
        self.contents = contents
        self.grants = grants

    async def get(self, path: str) -> dict[str, Any] | None:
        """The notebook at ``path``, None if absent, ``NotANotebookError`` if unreadable."""
        if await ensure_async(self.contents.dir_exists(path)):
            raise NotANotebookError(f"{path} is a folder, not a notebook.", path=path)
        if not await ensure_async(self.contents.file_exists(path)):
            return None
        try:
            model = await ensure_async(self.contents.get(path, content=True, type="notebook"))
        except HTTPError as err:
            raise NotANotebookError(f"{path} is not a readable notebook.", path=path) from err
        content: dict[str, Any] = model["content"]
        return content

    async def exists(self, path: str) -> bool:
        """Whether a file or folder is at ``path``."""
        return bool(await ensure_async(self.contents.exists(path)))

    async def save(self, path: str, nb: NotebookNode) -> None:
        """Write the notebook."""
        model = {"type": "notebook", "format": "json", "content": nb}
        await ensure_async(self.contents.save(model, path))

    async def mkdir(self, path: str) -> None:
        """Create a folder."""
        await ensure_async(self.contents.save({"type": "directory"}, path))

    async def grant(self, path: str, sources: str, basis: str) -> None:
        """Record the launch's one-time autorun grant."""
        if self.grants is not None:
            self.grants.issue(path, sources, basis=basis)
