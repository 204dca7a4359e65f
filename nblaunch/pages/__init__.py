"""The HTML pages both doors share: the error page with its correction form, the bug page.

The server extension and the hub service render the same ``error.html`` for a link that cannot
open (the template's parameters with a form to correct them) and the same ``unhandled.html`` for
a bug, so a user meets one page whichever door the link used. Each part adds its own folder in
front for pages only it has (the hub's catalog, progress and ticket pages).
"""

from __future__ import annotations

import json
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from ..core import LaunchPlan, NBLaunchError, Parameter
from ..core.forms import form_fields, hidden_controls

SHARED = Path(__file__).parent / "templates"


def page_environment(*folders: Path) -> Environment:
    """A Jinja2 environment over ``folders`` (searched first), then the shared pages.

    >>> page_environment().get_template("unhandled.html").render(log_name="the log")[:15]
    '<!DOCTYPE html>'
    """
    loader = FileSystemLoader([str(f) for f in (*folders, SHARED)])
    return Environment(loader=loader, autoescape=select_autoescape(["html"]))


def render_problem(
    pages: Environment,
    err: NBLaunchError,
    *,
    template: str,
    parameters: list[Parameter] | None,
    raw_query: str,
    action: str,
    catalog_url: str = "",
) -> str:
    """The page for a link that cannot open: the error, the parameters, a form to fix the link.

    The form is pre-filled with the values the link gave (or the defaults) and submits to
    ``action``, the same launch path, so correcting one value and pressing "Open" just works.

    >>> from nblaunch.core import QueryError
    >>> html = render_problem(page_environment(), QueryError("Bad."), template="t",
    ...                       parameters=[], raw_query="", action="/open/t")
    >>> "Bad." in html and "declares no parameters" in html
    True
    """
    problems = getattr(err, "problems", None) or []
    return pages.get_template("error.html").render(
        code=err.code,
        status=err.status,
        message=err.message,
        problems=[{"code": p.code, "message": p.message, **p.fields} for p in problems],
        template=template,
        fields=form_fields(parameters, raw_query) if parameters is not None else None,
        hidden=hidden_controls(raw_query),
        action=action,
        catalog_url=catalog_url,
    )


def render_consent(pages: Environment, plan: LaunchPlan, *, action: str, xsrf: str) -> str:
    """The page that asks before running a link's copy: the template, the typed values, and
    "Open and run" / "Open without running" (a POST to ``action`` with the xsrf token).

    >>> import nbformat
    >>> from nblaunch.core import plan_launch
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("n = 1")])
    >>> html = render_consent(page_environment(), plan_launch("t.ipynb", nb, "n=5&autorun=1"),
    ...                       action="/open/t.ipynb?n=5&autorun=1", xsrf="x")
    >>> "Open and run" in html and "<code>n</code>" in html
    True
    """
    types = {p.name: p.type for p in plan.parameters}
    values = [
        {
            "name": name,
            "type": types.get(name, type(value).__name__),
            "value": json.dumps(value, ensure_ascii=False),
        }
        for name, value in plan.values.items()
    ]
    page = pages.get_template("consent.html")
    return page.render(template=plan.template, values=values, action=action, xsrf=xsrf)


def render_unhandled(pages: Environment, log_name: str) -> str:
    """The page for a bug: no details, since the traceback stays in ``log_name``.

    >>> "the service log" in render_unhandled(page_environment(), "the service log")
    True
    """
    return pages.get_template("unhandled.html").render(log_name=log_name)
