"""From a link's raw query string to a ``LaunchRequest``: notebook parameters apart from controls.

The query is read the way people and forums actually mangle links: a second ``?`` is a ``&``,
``&amp;`` is a ``&``, ``+`` is a space, percent-encoding is decoded exactly once, and a repeated key
collects into a list. Every value stays text here; typing happens in ``coerce`` against the
template's declared parameters.

Each query name has one spelling, defined in the tables below:

======================  ===============================================================
``autorun``             run all cells after opening (flag: empty, 1/0, true/false...)
``ui``                  ``lab`` | ``doc`` | ``notebook``
``copy``                ``reuse`` | ``new`` | ``overwrite``
``server``              a JupyterHub named server (lowercase, digits, single hyphens)
``exp``                 a signed link's expiry, seconds since 1970 UTC (``core/signing.py``)
``sig``                 a signed link's signature, ``<key id>.<mac>.<tags>`` (``core/signing.py``)
``params``              a JSON object of parameters: ``params={"image_id": 2959331}``
``opt-<name>``          a spawner option for JupyterHub (``opt-profile=gpu``), never a parameter
``param_<name>``        always the parameter ``<name>``, even when it is a control name
======================  ===============================================================
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from urllib.parse import unquote_plus

from .errors import ControlValueError, DuplicateParameterError, QueryError

#: Controls and the values each accepts (``None``: validated by its own rule).
CONTROLS: dict[str, tuple[str, ...] | None] = {
    "autorun": None,
    "ui": ("lab", "doc", "notebook"),
    "copy": ("reuse", "new", "overwrite"),
    "server": None,
    "exp": None,
    "sig": None,
}
#: The controls that carry a signature rather than say how to launch: never signed themselves.
SIGNATURE_CONTROLS = ("exp", "sig")
PARAMS_JSON = "params"
PARAM_PREFIX = "param_"
#: JupyterHub 6 takes spawner options from a URL only with this prefix (``/hub/spawn?opt-...``);
#: a launch link passes them on as the spawn's ``user_options``.
OPTION_PREFIX = "opt-"
# KubeSpawner's profile options are ``profile-option-<name>``: letters, digits, ``-``, ``_``,
# ``.``; ``display_name`` is the Hub's own (a named server's label), never a spawner option.
_OPTION_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\Z")
MAX_OPTIONS = 20

#: Names that protocols and sites append to links by accident. Dropped with a note, unless the
#: notebook declares a parameter of that name.
ACCIDENTAL = frozenset(
    {"code", "state", "token", "next", "reset", "urlpath", "_xsrf", "fbclid", "gclid", "msclkid"}
)
ACCIDENTAL_PREFIXES = ("utm_",)

#: The yes/no words, for a bool parameter, a flag control and an environment variable alike.
YES_WORDS = frozenset({"1", "true", "yes", "on"})
NO_WORDS = frozenset({"0", "false", "no", "off"})
#: A flag (``?autorun``) is also true when empty; a parameter's value never is.
TRUE_WORDS = YES_WORDS | {""}
FALSE_WORDS = NO_WORDS

# JupyterHub's rule for named servers: 1-30 characters, lowercase letters, digits and single
# hyphens, starting with a letter. ``\Z``, not ``$`` (which also matches before a final newline:
# ``gpu\n`` passed), so that callers using ``.match`` check the whole name too.
SERVER_NAME = re.compile(r"[a-z](?:[a-z0-9]|-(?=[a-z0-9])){0,29}\Z")

_AMP = re.compile(r"&(?:amp|#0*38|#x0*26);", re.IGNORECASE)


@dataclass
class Controls:
    """Launch options that are not notebook parameters."""

    autorun: bool | None = None
    ui: str | None = None
    copy: str | None = None
    server: str | None = None
    exp: str | None = None
    sig: str | None = None


@dataclass
class LaunchRequest:
    """A parsed link: raw parameter texts, typed JSON parameters, controls and notes.

    >>> parse_query("image_id=7&autorun=1").params
    {'image_id': ['7']}
    """

    params: dict[str, list[str]] = field(default_factory=dict)
    json_params: dict[str, object] = field(default_factory=dict)
    controls: Controls = field(default_factory=Controls)
    dropped: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    spawner_options: dict[str, str] = field(default_factory=dict)

    def names(self) -> list[str]:
        """Every parameter name the link gives, in order, dropped names excluded."""
        return [*self.params, *(n for n in self.json_params if n not in self.params)]


def split_pairs(raw: str) -> list[tuple[str, str]]:
    """Split and decode a raw query into ``(name, value)`` pairs, tolerating mangled links.

    >>> split_pairs("?a=1?b=x+y&amp;c")
    [('a', '1'), ('b', 'x y'), ('c', '')]
    """
    text = _AMP.sub("&", raw.lstrip("?")).replace("?", "&")
    pairs = []
    for piece in text.split("&"):
        if not piece:
            continue
        name, _, value = piece.partition("=")
        try:
            name = unquote_plus(name, errors="strict").strip()
            value = unquote_plus(value, errors="strict")
            # A caller may hand over text that already holds a lone surrogate (a server that
            # decoded the URL with ``surrogateescape``): it is no more UTF-8 than ``%ED%A0%80``.
            (name + value).encode("utf-8")
        except (UnicodeDecodeError, UnicodeEncodeError) as err:
            raise QueryError(
                f"The link's query has bytes that are not UTF-8 near {piece[:40]!r}; "
                "percent-encode text as UTF-8."
            ) from err
        if name:
            pairs.append((name, value))
    return pairs


def parse_query(raw: str) -> LaunchRequest:
    """Read a raw query string into a ``LaunchRequest``.

    >>> r = parse_query("image_id=2959331&ui=lab&param_ui=dark&autorun=")
    >>> r.params, r.controls.ui, r.controls.autorun
    ({'image_id': ['2959331'], 'ui': ['dark']}, 'lab', True)
    """
    request = LaunchRequest()
    forms: dict[str, str] = {}
    for name, value in split_pairs(raw):
        if name == PARAMS_JSON:
            for key, item in _json_object(value).items():
                _claim(forms, key, "params")
                if key in request.json_params:  # two params= blobs: neither silently wins
                    raise DuplicateParameterError(
                        f"Parameter {key!r} is given twice in 'params'; keep one of them.", name=key
                    )
                request.json_params[key] = item
        elif name.startswith(PARAM_PREFIX) and len(name) > len(PARAM_PREFIX):
            key = name[len(PARAM_PREFIX) :]
            _claim(forms, key, name)
            request.params.setdefault(key, []).append(value)
        elif name in CONTROLS:
            _set_control(request.controls, name, value)
        elif name.startswith(OPTION_PREFIX):
            _set_option(request.spawner_options, name[len(OPTION_PREFIX) :], value)
        elif name in ACCIDENTAL or name.startswith(ACCIDENTAL_PREFIXES):
            request.dropped.setdefault(name, []).append(value)
        else:
            _claim(forms, name, name)
            request.params.setdefault(name, []).append(value)
    for name in request.dropped:
        request.notes.append(
            f"Ignored {name!r}: links often carry it by accident "
            f"(declare a parameter {name!r} in the notebook to use it)."
        )
    return request


def spawner_options(raw: str) -> dict[str, str]:
    """Only the ``opt-*`` spawner options of a raw query, checked as ``parse_query`` checks them.

    >>> spawner_options("server=gpu&opt-profile=large&_xsrf=x")
    {'profile': 'large'}
    """
    options: dict[str, str] = {}
    for name, value in split_pairs(raw):
        if name.startswith(OPTION_PREFIX):
            _set_option(options, name[len(OPTION_PREFIX) :], value)
    return options


def _set_option(options: dict[str, str], name: str, value: str) -> None:
    if not _OPTION_NAME.match(name) or name == "display_name":
        raise ControlValueError(
            f"{OPTION_PREFIX + name!r} is not a spawner option: write opt-<name>, the name in "
            "letters, digits, '-', '_' or '.' (for example opt-profile=gpu)."
        )
    if name in options:
        raise DuplicateParameterError(f"Spawner option {name!r} is given twice; keep one.")
    if len(options) >= MAX_OPTIONS or len(value) > 1024:
        raise ControlValueError(f"Too many or too long spawner options (at most {MAX_OPTIONS}).")
    options[name] = value


def _claim(forms: dict[str, str], name: str, form: str) -> None:
    seen = forms.setdefault(name, form)
    if seen != form:
        raise DuplicateParameterError(
            f"Parameter {name!r} is given twice, as {seen!r} and as {form!r}; keep one of them.",
            name=name,
        )


def loads_json(text: str) -> object:
    """``json.loads`` for link text: no NaN or Infinity, no overflow, no crash on deep nesting.

    Every failure is a ``ValueError``, so callers catch one thing. Non-finite numbers are refused
    because no kernel language has a literal for them that reads back the same everywhere.

    >>> loads_json('[1, "a"]')
    [1, 'a']
    >>> loads_json("[1e999]")
    Traceback (most recent call last):
    ...
    ValueError: 1e999 is not a finite number
    """
    try:
        return json.loads(text, parse_constant=_no_constant, parse_float=_finite_float)
    except RecursionError as err:
        raise ValueError("JSON nested too deeply") from err


def _no_constant(word: str) -> object:
    raise ValueError(f"{word} is not a finite number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is not a finite number")
    return value


def _json_object(text: str) -> dict[str, object]:
    try:
        value = loads_json(text)
    except ValueError as err:
        raise QueryError(
            f"'params' must be a JSON object such as {{\"image_id\": 1}}; it is not JSON: {err}."
        ) from err
    if not isinstance(value, dict):
        raise QueryError("'params' must be a JSON object such as {\"image_id\": 1}.")
    return value


def is_server_name(value: str) -> bool:
    """Whether ``value`` is a JupyterHub named-server name, as a whole.

    >>> is_server_name("analysis-2"), is_server_name("gpu\\n"), is_server_name("a--b")
    (True, False, False)
    """
    return SERVER_NAME.fullmatch(value) is not None


def parse_flag(name: str, value: str) -> bool:
    """Read a flag: empty, ``1``, ``true``, ``yes``, ``on`` are true; ``0``, ``false``... false.

    >>> parse_flag("autorun", ""), parse_flag("autorun", "No")
    (True, False)
    """
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ControlValueError(
        f"{name}={value!r} is not a yes/no value; use {name}=1 or {name}=0.", name=name
    )


def _set_control(controls: Controls, name: str, value: str) -> None:
    parsed: object
    if name == "autorun":
        parsed = parse_flag(name, value)
    elif value == "":
        return
    elif name in SIGNATURE_CONTROLS:
        parsed = value  # read by ``signing.verify``, which says what is wrong with it
    elif name == "server":
        if not is_server_name(value):
            raise ControlValueError(
                f"server={value!r} is not a valid server name: use 1-30 lowercase letters, "
                "digits and single hyphens, starting with a letter.",
                name=name,
            )
        parsed = value
    else:
        allowed = CONTROLS[name] or ()
        if value not in allowed:
            raise ControlValueError(
                f"{name}={value!r} is not one of {', '.join(allowed)}.", name=name
            )
        parsed = value
    previous = getattr(controls, name)
    if previous is not None and previous != parsed:
        raise ControlValueError(f"{name} is given twice with different values.", name=name)
    setattr(controls, name, parsed)
