"""Which parameter names are safe to assign in a kernel: the one place for name rules.

A name from a link becomes the left-hand side of an assignment in the injected cell, so it must be
a plain ASCII identifier (checked whole: ``"n\\n"`` is not ``n``) and not a keyword of the kernel's
language. A template without a parameters cell accepts any other name, so there a link could also
overwrite what the kernel itself relies on: ``print = 1`` breaks every later cell, ``_ = 1``
IPython's output history, ``T <- 0`` R's ``TRUE`` shorthand, ``println = 1`` Julia's printing. Those
names (``SHADOWED``) are refused unless the template declares them on purpose.
"""

from __future__ import annotations

import builtins
import keyword
import re

#: A plain identifier in every supported language; used with ``fullmatch`` only.
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

# fmt: off
R_RESERVED = frozenset([
    "if", "else", "repeat", "while", "function", "for", "next", "break", "TRUE", "FALSE", "NULL",
    "Inf", "NaN", "NA", "NA_integer_", "NA_real_", "NA_character_", "NA_complex_", "in", "T", "F"
])
JULIA_RESERVED = frozenset([
    "baremodule", "begin", "break", "catch", "const", "continue", "do", "else", "elseif", "end",
    "export", "false", "finally", "for", "function", "global", "if", "import", "let", "local",
    "macro", "module", "quote", "return", "struct", "true", "try", "using", "while", "nothing",
    "missing", "abstract", "primitive", "mutable", "type", "where", "in", "isa", "outer", "public"
])
#: Keywords: never a parameter name, declared or not.
RESERVED: dict[str, frozenset[str]] = {
    "python": frozenset(keyword.kwlist) | frozenset(keyword.softkwlist),
    "r": R_RESERVED,
    "julia": JULIA_RESERVED,
}

# What IPython puts in the user namespace (history, display, the shell itself) beside builtins.
_IPYTHON = frozenset([
    "get_ipython", "In", "Out", "exit", "quit", "display", "_", "__", "___", "_i", "_ii", "_iii",
    "_ih", "_oh", "_dh", "_exit_code"
])
# IPython's numbered history: _1, _i1, _ii1 are outputs and inputs of earlier cells.
_IPYTHON_HISTORY = re.compile(r"_i{0,2}[0-9]+")

# Base R names a link could plausibly send and whose loss breaks ordinary code or reads: the
# TRUE/FALSE shorthands and constants (values, so a shadow is silently used), and the functions
# every notebook calls (R skips non-functions when calling, but printing, help and apply-style
# code such as ``sapply(x, c)`` do not).
_R_SHADOWED = frozenset([
    "T", "F", "pi", "letters", "LETTERS", "month", "c", "t", "q", "list", "vector", "matrix",
    "array", "factor", "library", "require", "source", "print", "cat", "paste", "paste0",
    "sprintf", "format", "message", "warning", "stop", "return", "invisible", "function", "length",
    "sum", "mean", "median", "max", "min", "range", "seq", "rep", "sort", "order", "rev", "unique",
    "table", "names", "class", "is", "get", "assign", "exists", "eval", "parse", "quote",
    "substitute", "environment", "sys", "ls", "rm", "attach", "detach", "round", "abs", "sqrt",
    "exp", "log", "nchar", "substr", "identity", "sample", "apply", "sapply", "lapply", "setwd",
    "getwd", "quit", "Recall", "body", "args", "formals", "all", "any", "which", "ifelse", "switch"
])
# Julia's modules and the Base names a cell reaches for: assigning one in Main shadows it for
# every later cell (or fails if a cell already used it).
_JULIA_SHADOWED = frozenset([
    "Base", "Main", "Core", "ans", "println", "print", "show", "display", "include", "eval", "pi",
    "im", "Inf", "NaN", "ARGS", "ENV", "PROGRAM_FILE", "VERSION", "stdout", "stderr", "stdin",
    "length", "size", "sum", "map", "filter", "collect", "first", "last", "string", "parse",
    "typeof", "error", "throw", "exit", "range", "min", "max", "abs", "sqrt", "exp", "log",
    "round", "zeros", "ones", "keys", "values", "get", "haskey", "push", "sort", "rand", "Int",
    "Float64", "String", "Vector", "Array", "Dict", "Any", "Nothing", "Bool", "Char", "Symbol",
    "Tuple"
])
# fmt: on
#: Names a link may not set where the template declares no parameters, per language (dunders
#: and IPython's history patterns are checked by rule in ``shadows_kernel``).
SHADOWED: dict[str, frozenset[str]] = {
    "python": frozenset(dir(builtins)) | _IPYTHON,
    "r": _R_SHADOWED,
    "julia": _JULIA_SHADOWED,
}


def is_identifier(name: str) -> bool:
    """Whether ``name`` is a plain ASCII identifier, as a whole (no trailing newline).

    >>> is_identifier("image_id"), is_identifier("n\\n"), is_identifier("café")
    (True, False, False)
    """
    return IDENTIFIER.fullmatch(name) is not None


def is_reserved(name: str, language: str) -> bool:
    """Whether ``name`` is a keyword (or, in R, starts with ``_``) in ``language``.

    >>> is_reserved("class", "python"), is_reserved("_x", "r"), is_reserved("end", "python")
    (True, True, False)
    """
    key = language.lower()
    return name in RESERVED.get(key, frozenset()) or (key == "r" and name.startswith("_"))


def shadows_kernel(name: str, language: str) -> bool:
    """Whether assigning ``name`` would replace something the kernel provides.

    Dunders are refused in every language: they are the interpreter's own names.

    >>> [shadows_kernel(n, "python") for n in ("len", "__name__", "_i3", "image_id")]
    [True, True, True, False]
    >>> shadows_kernel("c", "r"), shadows_kernel("c", "python"), shadows_kernel("println", "julia")
    (True, False, True)
    """
    key = language.lower()
    if len(name) > 4 and name.startswith("__") and name.endswith("__"):
        return True
    if key == "python" and _IPYTHON_HISTORY.fullmatch(name):
        return True
    return name in SHADOWED.get(key, frozenset())
