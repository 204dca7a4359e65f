"""Link keys: the secrets that sign launch links, read from one key file.

The file holds one key a line, ``<key id>:<secret>``; blank lines and lines starting with
``#`` are skipped. Key ids are 1-32 letters, digits, ``_`` or ``-``; secrets at least 32
characters (``python -c "import secrets; print(secrets.token_urlsafe(32))"``). Several keys
rotate one: add the new key at the end (links are signed with the last key unless one is
named), hand out new links, then delete the old line; links signed with it stop working.

    # nblaunch link keys
    2026-12:8vXh0m3oS1c6mY1Qn0w2p9Yk4uJ7rT5eL3aZ8dF6gB0
"""

from __future__ import annotations

import os
import re

from .errors import KeyFileError

KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")
MIN_SECRET = 32


def parse_link_keys(text: str, source: str = "the link key file") -> dict[str, bytes]:
    """The keys a key file's text holds, in file order, or ``KeyFileError`` saying which line.

    >>> parse_link_keys("# old\\nk1:" + "a" * 32 + "\\n\\nk2:" + "b" * 40).keys()
    dict_keys(['k1', 'k2'])
    """
    keys: dict[str, bytes] = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key_id, colon, secret = line.partition(":")
        where = f"{source}, line {number}"
        if not colon or not KEY_ID.fullmatch(key_id):
            raise KeyFileError(
                f"{where}: write '<key id>:<secret>', the id 1-32 letters, digits, _ or -."
            )
        if len(secret.strip()) < MIN_SECRET:
            raise KeyFileError(f"{where}: the secret of {key_id!r} is shorter than 32 characters.")
        if key_id in keys:
            raise KeyFileError(f"{where}: key id {key_id!r} is given twice.")
        keys[key_id] = secret.strip().encode("utf-8")
    if not keys:
        raise KeyFileError(f"{source} holds no key; write '<key id>:<secret>' lines.")
    return keys


def load_link_keys(path: str | os.PathLike[str]) -> dict[str, bytes]:
    """The keys in the key file at ``path``, or ``KeyFileError`` (never the secrets in it).

    >>> load_link_keys("/nonexistent/keys")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    nblaunch.core.errors.KeyFileError: cannot read the link key file /nonexistent/keys: No such...
    """
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read()
    except (OSError, UnicodeDecodeError) as err:
        reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        raise KeyFileError(f"cannot read the link key file {os.fspath(path)}: {reason}") from err
    return parse_link_keys(text, f"the link key file {os.fspath(path)}")
