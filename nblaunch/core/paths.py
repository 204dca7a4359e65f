"""Check that a path from a URL stays inside the server root and names no hidden file."""

from __future__ import annotations

import posixpath

from .errors import UnsafePathError


def safe_path(path: str, *, allow_hidden: bool = False) -> str:
    """The normalised relative path, or ``UnsafePathError`` when it would leave the root.

    >>> safe_path("/stats//image-stats.ipynb")
    'stats/image-stats.ipynb'
    """
    # The web frameworks have already percent-decoded the path once; decoding again would make
    # a file named "a%20b.ipynb" unreachable.
    text = path
    if "\\" in text or "\0" in text:
        raise UnsafePathError(f"{path!r} is not a valid notebook path.", path=path)
    parts = [p for p in text.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        raise UnsafePathError(
            f"{path!r} points outside the notebook folder; give a path inside it.", path=path
        )
    if not allow_hidden and any(p.startswith(".") for p in parts):
        raise UnsafePathError(f"{path!r} names a hidden file or folder.", path=path)
    return posixpath.join(*parts)
