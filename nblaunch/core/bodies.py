"""Request bodies: the JSON object an API request must carry, or a ``QueryError``.

Both doors' JSON endpoints read bodies here, so a body that is not JSON, not an object, not
UTF-8, or nested deeper than Python's parser can follow is one clear 400 everywhere.
"""

from __future__ import annotations

import json
from typing import Any

from .errors import QueryError


def json_object(raw: bytes | str | None, *, shape: str) -> dict[str, Any]:
    """The body as a JSON object; ``shape`` tells the sender what to send instead.

    >>> json_object(b'{"path": "a.ipynb"}', shape='{"path": ...}')
    {'path': 'a.ipynb'}
    >>> json_object(b"[" * 100000, shape="{}")
    Traceback (most recent call last):
    ...
    nblaunch.core.errors.QueryError: The request body is not JSON (nested too deeply). Send {}.
    """
    try:
        body = json.loads(raw or b"{}")
    except RecursionError as err:
        raise QueryError(
            f"The request body is not JSON (nested too deeply). Send {shape}."
        ) from err
    except ValueError as err:  # UnicodeDecodeError and JSONDecodeError included
        raise QueryError(f"The request body is not JSON. Send {shape}.") from err
    if not isinstance(body, dict):
        raise QueryError(f"The request body is not a JSON object. Send {shape}.")
    return body
