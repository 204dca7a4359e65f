"""The server's autorun grants, kept in a file so a restarted server still honours them.

The file is in the server's runtime folder (``jupyter --runtime-dir``), readable by its user
only, one per server root; it is rewritten whole and atomically on every change.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from ..core.grants import GrantBook


class GrantFile:
    """``issue`` and ``redeem`` on a ``GrantBook`` stored at ``path``.

    >>> import tempfile; folder = tempfile.mkdtemp()
    >>> grants = GrantFile(Path(folder) / "g.json", ttl=60)
    >>> grants.issue("a.ipynb", "h", basis="always")
    >>> GrantFile(Path(folder) / "g.json", ttl=60).redeem("a.ipynb", "h", policy="always")
    True
    """

    def __init__(self, path: Path, *, ttl: float, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.ttl = ttl
        self.clock = clock

    @classmethod
    def for_root(cls, runtime_dir: str, root_dir: str, *, ttl: float) -> GrantFile:
        """The grant file of the server serving ``root_dir``."""
        key = hashlib.sha256(os.path.abspath(root_dir).encode()).hexdigest()[:16]
        return cls(Path(runtime_dir) / f"nblaunch-grants-{key}.json", ttl=ttl)

    def issue(self, path: str, sources: str, *, basis: str) -> None:
        """Record a one-time grant for the copy at ``path`` with sources hash ``sources``."""
        book = self._load()
        book.issue(path, sources, basis=basis, now=self.clock())
        self._store(book)

    def redeem(self, path: str, sources: str, *, policy: str) -> bool:
        """Use up the grant for ``path``; whether the copy may run now."""
        book = self._load()
        allowed = book.redeem(path, sources, policy=policy, now=self.clock())
        self._store(book)
        return allowed

    def _load(self) -> GrantBook:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            # Missing or unreadable: no grants, so nothing runs (the safe side).
            data = {}
        return GrantBook.from_json(data, ttl=self.ttl)

    def _store(self, book: GrantBook) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".nblaunch-grants-")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(book.to_json(), out)
        os.replace(tmp, self.path)
