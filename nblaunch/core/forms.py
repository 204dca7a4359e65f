"""The values a correction form shows: the link's values, or the template's defaults.

Both launch doors (the server extension and the hub service) answer a bad link with a page that
lists the template's parameters in a form pre-filled from the link, so that fixing one value and
pressing "Open" sends the person back through the same launch path.
"""

from __future__ import annotations

from typing import Any

from .errors import QueryError
from .links import encode_name, encode_value
from .parameters import Parameter
from .query import parse_query


def _shown(value: Any, fallback: str) -> str:
    try:
        return encode_value(value)
    except (TypeError, ValueError):
        return fallback


def form_fields(parameters: list[Parameter], raw_query: str) -> list[dict[str, Any]]:
    """One row per declared parameter, with the value the link gave or the default.

    >>> form_fields([Parameter("n", "int", 1, "1")], "n=5")[0]["value"]
    '5'
    """
    try:
        request = parse_query(raw_query)
        given: dict[str, list[str]] = request.params
        given_json = request.json_params
    except QueryError:
        given, given_json = {}, {}
    rows = []
    for p in parameters:
        if given.get(p.name):
            value = given[p.name][-1]
        elif p.name in given_json:
            value = _shown(given_json[p.name], "")
        else:
            value = "" if p.default is None else _shown(p.default, p.default_source)
        rows.append({**p.to_json(), "field": encode_name(p.name), "value": value})
    return rows


def hidden_controls(raw_query: str) -> list[tuple[str, str]]:
    """The link's controls (``ui``, ``copy``, ``autorun``, ``server``), carried by the form.

    >>> hidden_controls("n=1&ui=doc&autorun=1")
    [('ui', 'doc'), ('autorun', '1')]
    """
    try:
        controls = parse_query(raw_query).controls
    except QueryError:
        return []
    pairs = [(n, getattr(controls, n)) for n in ("ui", "copy", "server")]
    hidden = [(n, str(v)) for n, v in pairs if v is not None]
    if controls.autorun is not None:
        hidden.append(("autorun", "1" if controls.autorun else "0"))
    return hidden
