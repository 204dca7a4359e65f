"""The safety layer over papermill's translators: one class per language, found by language.

papermill escapes Python strings correctly, but its R and Julia translators write non-ASCII text
as ``\\xNN`` bytes (wrong values) and Julia leaves ``$`` open (``$(run(...))`` would execute), and
no translator checks parameter names. Here each supported language has a translator whose strings
are escaped for that language, and names are checked against its identifier rules and keywords.
Languages without such a translator are refused, never translated unsafely. Values are checked
too (``check_value``): only JSON's types, finite numbers, valid Unicode, bounded nesting.
"""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING

from .errors import (
    InvalidNameError,
    ParameterTypeError,
    ReservedNameError,
    UnsupportedLanguageError,
)
from .names import is_identifier, is_reserved, shadows_kernel

if TYPE_CHECKING:
    from papermill.translators import Translator

LANGUAGES = ("python", "r", "julia")
_COMMON = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _escape(text: str, specials: dict[str, str]) -> str:
    out = []
    for char in text:
        if char in specials:
            out.append(specials[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\x{ord(char):02x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


@functools.cache
def safe_translators() -> dict[str, type[Translator]]:
    """The translator class for each supported language, registered with papermill once.

    papermill is imported here, on first use, not when ``nblaunch.core`` is imported: it pulls in
    nbclient, jupyter_client and tornado, and the core must stay importable without a web
    framework (the CLI, the client and the web app import it).

    >>> sorted(safe_translators())
    ['julia', 'python', 'r']
    """
    from papermill.translators import (
        JuliaTranslator,
        PythonTranslator,
        RTranslator,
        papermill_translators,
    )

    class SafeRTranslator(RTranslator):
        """R literals with strings that keep their characters (UTF-8), escaping what R needs."""

        @classmethod
        def translate_escaped_str(cls, str_val: object) -> str:
            text = str(str_val)
            if "\0" in text:
                raise ParameterTypeError("R strings cannot hold a NUL character.", value=text[:60])
            return _escape(text, _COMMON)

        @classmethod
        def translate_dict(cls, val: dict) -> str:
            # ``list()`` would read back as an empty list; this is R's empty *named* list.
            return super().translate_dict(val) if val else "setNames(list(), character(0))"

        @classmethod
        def assign(cls, name: str, str_val: str) -> str:
            # papermill's R translator silently strips leading underscores; names are checked.
            return f"{name} = {str_val}"

    class SafeJuliaTranslator(JuliaTranslator):
        """Julia literals with ``$`` escaped, so a value can never interpolate code."""

        @classmethod
        def translate_escaped_str(cls, str_val: object) -> str:
            return _escape(str(str_val), {**_COMMON, "$": "\\$"})

    found: dict[str, type[Translator]] = {
        "python": PythonTranslator,
        "r": SafeRTranslator,
        "julia": SafeJuliaTranslator,
    }
    # Registered under names of our own so papermill's registry keeps its behaviour for everyone
    # else, while parameterize_notebook can be pointed at ours.
    for language, translator in found.items():
        papermill_translators.register(f"nblaunch-{language}", translator)
    return found


def registered_name(language: str) -> str:
    """The papermill registry key of the safe translator for ``language``.

    >>> registered_name("Python")
    'nblaunch-python'
    """
    key = language.lower()
    if key not in LANGUAGES:
        raise UnsupportedLanguageError(
            f"Notebooks in {language!r} cannot take parameters safely yet; supported kernel "
            f"languages are {', '.join(LANGUAGES)}.",
            language=language,
        )
    safe_translators()
    return f"nblaunch-{key}"


def check_name(name: str, language: str, *, declared: bool = True) -> None:
    """Refuse a name that is not a plain identifier, or is reserved, in ``language``.

    With ``declared=False`` (the template declares no parameters, so the name comes from the link
    alone), also refuse a name that would replace something the kernel provides.

    >>> check_name("image_id", "python")
    >>> check_name("print", "python", declared=False)
    Traceback (most recent call last):
    ...
    nblaunch.core.errors.ReservedNameError: 'print' is already defined in Python notebooks (the \
kernel relies on it), so a link cannot set it; use another name, or declare it in the template's \
parameters cell.
    """
    if not is_identifier(name) or is_reserved(name, language):
        raise InvalidNameError(
            f"{name!r} cannot be a parameter name in {language}: use letters, digits and "
            "underscores, not starting with a digit, and not a reserved word.",
            name=name,
        )
    if not declared and shadows_kernel(name, language):
        shown = _LANGUAGE_NAMES.get(language.lower(), language)
        raise ReservedNameError(
            f"{name!r} is already defined in {shown} notebooks (the kernel relies on it), so a "
            "link cannot set it; use another name, or declare it in the template's parameters "
            "cell.",
            name=name,
        )


_LANGUAGE_NAMES = {"python": "Python", "r": "R", "julia": "Julia"}


#: Deepest nesting of lists and dicts a value may have; parameters are never deeper in practice,
#: and the translators recurse once per level.
MAX_DEPTH = 32


def check_value(name: str, value: object, language: str = "python") -> None:
    """Refuse a value that the translators cannot write as a literal that reads back the same.

    Values are JSON's: ``None``, bool, int, finite float, str, list, and dict with text keys,
    nested at most ``MAX_DEPTH`` deep. papermill would write anything else as its ``str()``
    (a tuple becomes the text ``"(1, 2)"``, NaN becomes ``nan``, which R and Julia cannot read).

    >>> check_value("ids", [1, {"a": None}])
    >>> check_value("x", float("nan"))
    Traceback (most recent call last):
    ...
    nblaunch.core.errors.ParameterTypeError: 'x' cannot be injected: nan is not a finite number.
    """
    problem = _value_problem(value, language.lower(), 0)
    if problem:
        raise ParameterTypeError(
            f"{name!r} cannot be injected: {problem}.", name=name, expected="JSON value"
        )


def _value_problem(value: object, language: str, depth: int) -> str | None:
    if depth > MAX_DEPTH:
        return f"it is nested more than {MAX_DEPTH} levels deep"
    if value is None or isinstance(value, (bool, int)):
        return None
    if isinstance(value, str):
        # A lone surrogate cannot be written to a link or to a notebook's UTF-8 JSON.
        return None if value.isascii() or _is_utf8(value) else _SURROGATE
    if isinstance(value, float):
        return None if math.isfinite(value) else f"{value} is not a finite number"
    if isinstance(value, list):
        items: list[object] = value
    elif isinstance(value, dict):
        if not all(isinstance(k, str) and _is_utf8(k) for k in value):
            return "dict keys must be valid Unicode text, without lone surrogates such as \\ud800"
        if language == "r" and "" in value:
            return "R lists cannot have an empty name"
        items = list(value.values())
    else:
        return f"a {type(value).__name__} is not a JSON value (use a list, dict, text or number)"
    for item in items:
        problem = _value_problem(item, language, depth + 1)
        if problem:
            return problem
    return None


_SURROGATE = (
    "its text holds a lone surrogate (such as \\ud800 in JSON), which is not valid Unicode; "
    "send whole characters"
)


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
