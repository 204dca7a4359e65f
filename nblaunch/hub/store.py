"""The executor's ``Store`` over a user's running server, reached through the Hub's proxy.

Files go through the server's Contents API and grants through its nblaunch extension's grants
API, both with the service's own token (``access:servers``).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from nbformat import NotebookNode

from ..core import NotANotebookError
from .errors import HubUnavailableError, NotFoundError
from .hubapi import HubAPI


def strip_trusted(content: Any) -> Any:
    """The notebook without the ``trusted`` flags a Contents GET adds to cell metadata.

    >>> strip_trusted({"cells": [{"metadata": {"trusted": True}}]})
    {'cells': [{'metadata': {}}]}
    """
    for cell in content.get("cells", []) if isinstance(content, dict) else []:
        if isinstance(cell.get("metadata"), dict):
            cell["metadata"].pop("trusted", None)
    return content


def content_hash(content: Any) -> str:
    """A stable hash of notebook content (keys sorted, ``trusted`` flags already removed).

    >>> content_hash({"b": 1, "a": 2}) == content_hash({"a": 2, "b": 1})
    True
    """
    blob = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(blob.encode("utf-8", "surrogatepass")).hexdigest()


class ServerStore:
    """One user's server (``server_model`` from the Hub) as the executor's store.

    >>> ServerStore(None, {"url": "/user/alice/"}).model["url"]
    '/user/alice/'
    """

    def __init__(self, hub: HubAPI, server_model: dict[str, Any]) -> None:
        self.hub = hub
        self.model = server_model

    async def get(self, path: str) -> dict[str, Any] | None:
        """The notebook at ``path``, None if absent, ``NotANotebookError`` if unreadable."""
        try:
            found = await self.hub.get_file(self.model, path)
        except NotFoundError:
            return None
        except HubUnavailableError as err:
            if err.fields.get("status") != 400:
                raise
            # The server could not read the notebook at that name.
            raise NotANotebookError(f"{path} is not a readable notebook.", path=path) from err
        if found.get("type") != "notebook" or not isinstance(found.get("content"), dict):
            raise NotANotebookError(f"{path} is not a notebook.", path=path)
        content: dict[str, Any] = strip_trusted(found["content"])
        return content

    async def exists(self, path: str) -> bool:
        """Whether a file or folder is at ``path``."""
        return await self.hub.exists(self.model, path)

    async def save(self, path: str, nb: NotebookNode) -> None:
        """Write the notebook."""
        await self.hub.put_file(
            self.model, path, {"type": "notebook", "format": "json", "content": nb}
        )

    async def mkdir(self, path: str) -> None:
        """Create a folder."""
        await self.hub.put_file(self.model, path, {"type": "directory"})

    async def grant(self, path: str, sources: str, basis: str) -> None:
        """Ask the server to grant the copy's one autorun.

        The server hashes the sources itself; ``sources`` is what the executor expects there.
        """
        await self.hub.grant(self.model, path, basis)
