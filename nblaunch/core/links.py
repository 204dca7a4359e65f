"""Build launch links for the hub service, a single Jupyter server, and Binder.

Every value is written so that ``parse_query`` and ``coerce`` give it back unchanged, whatever the
template declares: text that would read as JSON (``"1"``, ``"true"``) is JSON-quoted, lists and
dicts are JSON, and a parameter whose name is a control (``ui``) is written ``param_ui``. Flags
are written with a value (``autorun=1``): JupyterHub's user-redirect drops empty values.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlsplit

from .errors import (
    ControlValueError,
    ParameterError,
    ParameterTypeError,
    SignatureRequiredError,
    TemplateError,
    collect,
)
from .inject import META_KEY, injected_source
from .parameters import notebook_parameters, parameters_cell
from .query import (
    ACCIDENTAL,
    ACCIDENTAL_PREFIXES,
    CONTROLS,
    PARAM_PREFIX,
    PARAMS_JSON,
    SERVER_NAME,
    parse_query,
)
from .signing import LinkSigner, requires_signature
from .translators import check_value

TARGETS = ("hub", "server", "binder")
SERVICE_PREFIX = "services/nblaunch/"
_SAFE = "-._~,:@!*'()/"


def encode_value(value: object) -> str:
    """The query text for one value, before percent-encoding.

    >>> encode_value("x y"), encode_value("1"), encode_value(True), encode_value([1, 2])
    ('x y', '"1"', 'true', '[1,2]')
    """
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False) if _reads_as_json(value) else value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _reads_as_json(text: str) -> bool:
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return True
    if text.strip() in ("null", "None"):
        return True
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def encode_name(name: str) -> str:
    """The query name for a parameter, prefixed when it would read as something else.

    >>> encode_name("image_id"), encode_name("ui"), encode_name("code")
    ('image_id', 'param_ui', 'param_code')
    """
    special = (
        name in CONTROLS
        or name == PARAMS_JSON
        or name in ACCIDENTAL
        or name.startswith((PARAM_PREFIX, *ACCIDENTAL_PREFIXES))
    )
    return PARAM_PREFIX + name if special else name


def build_query(
    values: dict[str, object],
    *,
    autorun: bool = False,
    ui: str | None = None,
    copy: str | None = None,
    server: str | None = None,
) -> str:
    """The query string (without ``?``) for a launch.

    >>> build_query({"image_id": 2959331}, autorun=True)
    'image_id=2959331&autorun=1'
    """
    for name, value in values.items():
        check_value(name, value)  # NaN, tuples, objects: no link would give them back
    pairs = [(encode_name(n), encode_value(v)) for n, v in values.items()]
    for name, option in (("ui", ui), ("copy", copy), ("server", server)):
        if option is not None:
            allowed = CONTROLS[name]
            if allowed is not None and option not in allowed:
                raise ControlValueError(f"{name}={option!r} is not one of {', '.join(allowed)}.")
            if name == "server" and not SERVER_NAME.fullmatch(option):
                # parse_query would refuse it when the link is opened; refuse it when built.
                raise ControlValueError(f"server={option!r} is not a valid server name.")
            pairs.append((name, option))
    if autorun:
        pairs.append(("autorun", "1"))
    return "&".join(f"{quote(n, safe='')}={quote(v, safe=_SAFE)}" for n, v in pairs)


def build_link(
    base_url: str,
    template: str,
    values: dict[str, object],
    *,
    autorun: bool = False,
    ui: str | None = None,
    copy: str | None = None,
    server: str | None = None,
    target: str = "hub",
    sign_with: LinkSigner | None = None,
) -> str:
    """A launch link for ``target``: ``hub``, ``server`` or ``binder``.

    ``hub``: ``{hub}/services/nblaunch/open/{template}?...``; ``server``: a Jupyter server's
    ``{server}/nblaunch/open/{path}?...`` (also right behind ``/hub/user-redirect/``);
    ``binder``: ``{binder}/v2/...?urlpath=nblaunch/open/{path}%3F...``, inner query encoded once.
    ``sign_with`` appends ``exp=`` and ``sig=`` (``core/signing.py``; Binder is the server door).

    >>> build_link("https://hub.example.org", "image-stats", {"image_id": 2959331})
    'https://hub.example.org/services/nblaunch/open/image-stats?image_id=2959331'
    >>> build_link("https://mybinder.org/v2/gh/o/r/HEAD", "s.ipynb", {"n": 1}, target="binder")
    'https://mybinder.org/v2/gh/o/r/HEAD?urlpath=nblaunch/open/s.ipynb%3Fn%3D1'
    """
    if target not in TARGETS:
        raise ControlValueError(f"target={target!r} is not one of {', '.join(TARGETS)}.")
    query = build_query(values, autorun=autorun, ui=ui, copy=copy, server=server)
    if sign_with is not None:
        query = sign_with.sign(query, template, door="hub" if target == "hub" else "server")
    base = base_url.rstrip("/") + "/"
    path = quote(template.lstrip("/"), safe="/")
    if target == "binder":
        inner = f"nblaunch/open/{path}" + (f"?{query}" if query else "")
        return f"{base.rstrip('/')}?urlpath={quote(inner, safe='/')}"
    prefix = SERVICE_PREFIX if target == "hub" else "nblaunch/"
    return f"{base}{prefix}open/{path}" + (f"?{query}" if query else "")


def notebook_link(nb: Any, path: str, *, server_base: str, hub_service_url: str = "") -> str:
    """A link that opens a fresh copy like ``nb`` (at ``path``) with the values it holds now.

    A launch copy gives its template and its ``injected-parameters`` cell (as edited); another
    notebook is itself the template, with its ``parameters`` cell. A copy the hub service wrote
    links to that service when ``hub_service_url`` is known; anything else to ``server_base``
    (a server's base URL, or a Hub's ``/hub/user-redirect``). Every value must still be a
    literal: ``ParameterError`` names each one that is not.

    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("# Parameters\\nn = 2")])
    >>> notebook_link(nb, "t.ipynb", server_base="/user/a/")
    '/user/a/nblaunch/open/t.ipynb?n=2'
    """
    record = nb.get("metadata", {}).get(META_KEY)
    injected = injected_source(nb)
    if requires_signature(nb):  # a template that says so, or a copy of one
        raise SignatureRequiredError(
            f"{path} opens only from signed links, and a link copied here is not signed: ask "
            "the site that published the template for a link with these values."
        )
    if isinstance(record, dict) and isinstance(record.get("template"), str) and injected:
        launched = urlsplit(str(record.get("link") or ""))
        ui = parse_query(launched.query).controls.ui if launched.query else None
        values = cell_values(nb, injected)
        if hub_service_url and f"/{SERVICE_PREFIX}open/" in launched.path:
            hub = hub_service_url.rstrip("/") + "/"
            hub = hub.removesuffix(SERVICE_PREFIX)
            name = record["template"].removesuffix(".ipynb")
            return build_link(hub, name, values, ui=ui, target="hub")
        return build_link(server_base, record["template"], values, ui=ui, target="server")
    cell = parameters_cell(nb)
    if cell is None:
        raise TemplateError(
            f"{path} declares no parameters and is not a launch copy: there is no launch link "
            "to copy. Tag a cell 'parameters' to make it a template."
        )
    source = cell.get("source", "")
    return build_link(server_base, path, cell_values(nb, source), target="server")


def cell_values(nb: Any, source: str | list[str]) -> dict[str, object]:
    """The literal values a parameters-like cell assigns, read in the notebook's language.

    >>> cell_values({"cells": []}, "n = 2\\nlabel = 'x'  # a label")
    {'n': 2, 'label': 'x'}
    """
    text = "".join(source) if isinstance(source, list) else source
    cell = {"cell_type": "code", "metadata": {"tags": ["parameters"]}, "source": text}
    found = notebook_parameters({"metadata": nb.get("metadata", {}), "cells": [cell]})
    values: dict[str, object] = {}
    problems: list[ParameterError] = []
    for parameter in found:
        shown = parameter.default_source
        if not shown or (isinstance(parameter.default, str) and parameter.default == shown):
            problems.append(
                ParameterTypeError(
                    f"{parameter.name!r} is no longer a literal value ({shown or 'no value'}): "
                    "a link can only carry values such as 1, 0.5, 'text', [1, 2] or "
                    "{'k': 1}; write one and try again.",
                    name=parameter.name,
                    value=shown,
                )
            )
        else:
            values[parameter.name] = parameter.default
    code = [
        line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")
    ]
    if code and not found:
        raise TemplateError(
            "The parameters cell cannot be read: fix it so that it runs, and try again."
        )
    collect(problems)
    return values
