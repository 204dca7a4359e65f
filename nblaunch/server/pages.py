"""The readable error page: what went wrong, the template's parameters, a form to fix the link.

The form is pre-filled with the values the link gave (or the defaults), so correcting one value
and pressing "Open" sends the person back through the same launch path.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from jinja2 import Environment
from jupyter_server.utils import url_path_join

from ..core import NBLaunchError, Parameter, QueryError, encode_name, encode_value, parse_query


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


def render_problem(
    pages: Environment,
    err: NBLaunchError,
    *,
    template: str,
    parameters: list[Parameter] | None,
    raw_query: str,
    base_url: str,
) -> str:
    """The HTML error page for a failed launch."""
    problems = getattr(err, "problems", None) or []
    return pages.get_template("error.html").render(
        code=err.code,
        status=err.status,
        message=err.message,
        problems=[{"code": p.code, "message": p.message, **p.fields} for p in problems],
        template=template,
        fields=form_fields(parameters, raw_query) if parameters is not None else None,
        hidden=hidden_controls(raw_query),
        action=url_path_join(base_url, "nblaunch/open", quote(template, safe="/")),
    )


def render_unhandled(pages: Environment) -> str:
    """The HTML page for a bug: no details, the traceback is in the server log."""
    return pages.get_template("unhandled.html").render()
