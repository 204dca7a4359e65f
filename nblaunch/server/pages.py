"""The readable error page: what went wrong, the template's parameters, a form to fix the link.

The form is pre-filled with the values the link gave (or the defaults), so correcting one value
and pressing "Open" sends the person back through the same launch path.
"""

from __future__ import annotations

from urllib.parse import quote

from jinja2 import Environment
from jupyter_server.utils import url_path_join

from ..core import NBLaunchError, Parameter
from ..core.forms import form_fields, hidden_controls


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
