"""Turn a link's text values into typed values, checked against the declared parameters.

Every problem is reported at once (unknown names with the closest match, wrong types, values over
the size limit), so a person fixes a link in one go. Values are only ever parsed as JSON or by the
small readers below; URL text never becomes code.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence

from .errors import (
    InvalidNameError,
    ParameterError,
    ParameterTypeError,
    UnknownParameterError,
    ValueTooLargeError,
    collect,
)
from .names import is_identifier
from .parameters import Parameter, value_type
from .query import NO_WORDS, YES_WORDS, LaunchRequest, loads_json
from .translators import check_value

DEFAULT_MAX_VALUE_BYTES = 64 * 1024

_INT = re.compile(r"[+-]?\d+")


def coerce(
    request: LaunchRequest,
    parameters: Sequence[Parameter],
    *,
    max_value_bytes: int = DEFAULT_MAX_VALUE_BYTES,
) -> dict[str, object]:
    """Typed values for every parameter the link gives.

    A notebook that declares no parameters accepts any identifier, typed by JSON literal parsing
    or else kept as a string (papermill's behaviour).

    >>> from nblaunch.core import parse_query
    >>> coerce(parse_query("n=3&flag=yes"), [Parameter("n", "int"), Parameter("flag", "bool")])
    {'n': 3, 'flag': True}
    """
    declared = {p.name: p for p in parameters}
    raw: dict[str, list[str] | object] = dict(request.params)
    for name, value in request.json_params.items():
        raw.setdefault(name, value)
    for name, texts in request.dropped.items():
        # A declared name comes back, unless the link also gives it on purpose (build_link writes
        # ``param_code=``, and an OAuth redirect may append ``code=`` to that very link).
        if name in declared and name not in raw:
            raw[name] = texts
    values: dict[str, object] = {}
    problems: list[ParameterError] = []
    for name, given in raw.items():
        try:
            values[name] = _one(name, given, declared, max_value_bytes)
        except ParameterError as err:
            problems.append(err)
    collect(problems)
    return values


def _one(
    name: str, given: list[str] | object, declared: dict[str, Parameter], limit: int
) -> object:
    if not is_identifier(name):
        raise InvalidNameError(
            f"{name!r} is not a valid parameter name: use letters, digits and underscores, "
            "not starting with a digit.",
            name=name,
        )
    size = _size(given)
    if size > limit:
        raise ValueTooLargeError(
            f"The value of {name!r} is {size} bytes, over the limit of {limit} bytes.",
            name=name,
            size=size,
            limit=limit,
        )
    if declared and name not in declared:
        raise _unknown(name, list(declared))
    parameter = declared.get(name) or Parameter(name)
    try:
        if isinstance(given, list) and all(isinstance(t, str) for t in given):
            value = convert_texts(given, parameter)
        else:
            value = convert_json(given, parameter)
    except (ValueError, TypeError) as err:
        shown = given[0] if isinstance(given, list) and len(given) == 1 else given
        raise ParameterTypeError(
            f"{name!r} must be {_article(parameter.type)}, not {_show(shown)}{_hint(err)}.",
            name=name,
            expected=parameter.type,
            value=shown,
        ) from err
    # What injection would refuse (nesting over 32 levels), refused now: before a server starts.
    check_value(name, value)
    return value


def _size(given: object) -> int:
    # ``surrogatepass``: a lone surrogate from a JSON escape (``"\\ud800"``) is measured here and
    # refused by ``check_value`` with the parameter's name, rather than crashing the encoder.
    if isinstance(given, list) and all(isinstance(t, str) for t in given):
        return sum(len(t.encode("utf-8", "surrogatepass")) for t in given)
    return len(json.dumps(given, ensure_ascii=False).encode("utf-8", "surrogatepass"))


def _unknown(name: str, known: list[str]) -> UnknownParameterError:
    import difflib  # only a misspelt name needs it: not loaded by every start of the CLI

    close = difflib.get_close_matches(name, known, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return UnknownParameterError(
        f"The notebook has no parameter {name!r}.{hint} Its parameters are: {', '.join(known)}.",
        name=name,
        known=known,
    )


def convert_texts(texts: list[str], parameter: Parameter) -> object:
    """Convert the text value(s) given for one parameter to its declared type.

    >>> convert_texts(["3", "4"], Parameter("ids", "list", [1]))
    [3, 4]
    >>> convert_texts(["3", "x"], Parameter("undeclared"))
    [3, 'x']
    """
    if parameter.type == "list":
        if len(texts) == 1 and texts[0].lstrip().startswith("["):
            return convert_json(loads_json(texts[0]), parameter)
        element = _element_parameter(parameter)
        return [convert_text(t, element) for t in texts]
    if parameter.type == "any" and len(texts) > 1:
        # Repeated keys collect into a list, also where the notebook does not say the type.
        return [convert_text(t, parameter) for t in texts]
    if len(texts) != 1:
        raise ValueError(f"it is given {len(texts)} times; give it once")
    return convert_text(texts[0], parameter)


def convert_text(text: str, parameter: Parameter) -> object:
    """Convert one text value to the parameter's type.

    >>> convert_text('"007"', Parameter("code", "str")), convert_text("Off", Parameter("b", "bool"))
    ('007', False)
    """
    kind = parameter.type
    if parameter.nullable and text.strip() in ("null", "None"):
        return None
    if kind == "str":
        if len(text) >= 2 and text[0] == text[-1] == '"':
            return _typed(loads_json(text), str)
        return text
    if kind == "int":
        if not _INT.fullmatch(text.strip()):
            raise ValueError("expected digits")
        return int(text)
    if kind == "float":
        return _finite(float(text))
    if kind == "bool":
        word = text.strip().lower()
        if word in YES_WORDS or word in NO_WORDS:
            return word in YES_WORDS
        raise ValueError("use true/false, 1/0, yes/no or on/off")
    if kind in ("list", "dict"):
        return convert_json(loads_json(text), parameter)
    return _guess(text)


def convert_json(value: object, parameter: Parameter) -> object:
    """Check (and widen where lossless) an already-typed JSON value.

    >>> convert_json(2, Parameter("x", "float"))
    2.0
    """
    kind = parameter.type
    if value is None and (parameter.nullable or kind == "any"):
        return None
    if kind == "any":
        return value
    if kind == "float" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return _finite(float(value))
    if kind == "list" and isinstance(value, list):
        element = _element_parameter(parameter)
        if element.type == "any":
            return value
        return [convert_json(v, element) for v in value]
    expected = {"int": int, "bool": bool, "str": str, "dict": dict, "list": list}[kind]
    return _typed(value, expected)


def _element_parameter(parameter: Parameter) -> Parameter:
    default = parameter.default
    kinds = {value_type(v) for v in default} if isinstance(default, (list, tuple)) else set()
    kind = kinds.pop() if len(kinds) == 1 else "any"
    return Parameter(parameter.name, kind)


def _typed(value: object, expected: type) -> object:
    if isinstance(value, bool) and expected is not bool:
        raise TypeError(f"got a {value_type(value)}")
    if not isinstance(value, expected):
        raise TypeError(f"got a {value_type(value)}")
    return value


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError("infinite and NaN values are not allowed")
    return value


def _guess(text: str) -> object:
    try:
        return loads_json(text)
    except ValueError:
        return text


def _article(kind: str) -> str:
    names = {"int": "an integer", "float": "a number", "bool": "true or false", "str": "text"}
    return names.get(kind, f"a JSON {kind}" if kind in ("list", "dict") else "a value")


def _show(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _hint(err: Exception) -> str:
    return f" ({err})" if str(err) else ""
