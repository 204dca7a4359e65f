"""Hypothesis strategies shared by the core's property tests: names and values of every type."""

from __future__ import annotations

import os
import string

from hypothesis import settings
from hypothesis import strategies as st

from nblaunch.core.names import RESERVED, SHADOWED, shadows_kernel

#: Characters that break naive escaping in one language or another.
NASTY = list("\"'\\\n\r\t\0\x1b\x7f$`{}()[]#;%&?=+,: \u2028\u00e9\u200b\U0001f600")
CODE_LIKE = [
    '"; import os; os.system("id"); "',
    "$(run(`id`))",
    "${x}",
    "\\$(x)",
    "{__import__('os')}",
    "')); system('id'); ('",
    '\\"',
    "\\",
    "1",
    "true",
    "null",
    "None",
    " 2 ",
    '"quoted"',
    "[1, 2]",
    '{"a": 1}',
    "NaN",
    "a&b=c?d#e",
    "%41%2B+",
    "&amp;",
]

texts = st.one_of(
    st.text(max_size=30),
    st.text(
        alphabet=st.sampled_from(NASTY) | st.characters(exclude_categories=["Cs"]), max_size=30
    ),
    st.sampled_from(CODE_LIKE),
    st.lists(st.sampled_from(CODE_LIKE + NASTY), max_size=5).map("".join),
)
floats = st.floats(allow_nan=False, allow_infinity=False)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), floats, texts)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=12,
)


def names(language: str = "python") -> st.SearchStrategy[str]:
    """Identifiers a link may set in ``language``: not reserved, not shadowing the kernel (R
    names cannot start with ``_``)."""
    first = string.ascii_letters + ("" if language == "r" else "_")
    rest = st.text(string.ascii_letters + string.digits + "_", max_size=12)
    return st.builds(lambda a, b: a + b, st.sampled_from(first), rest).filter(
        lambda n: n not in RESERVED[language] and not shadows_kernel(n, language)
    )


#: Names a link may send that must never reach a kernel as they are: trailing newlines and other
#: whitespace, dunders, builtins and IPython's names, other languages' shadowed names, keywords,
#: non-ASCII letters and digits, lone surrogates, and any text at all.
hostile_names = st.one_of(
    names().map(lambda n: n + "\n"),
    names().flatmap(lambda n: st.sampled_from([f"{n}\r\n", f" {n}", f"{n}\t", f"{n}\x00"])),
    names().map(lambda n: f"__{n}__"),
    st.sampled_from(sorted(SHADOWED["python"] | SHADOWED["r"] | SHADOWED["julia"])),
    st.sampled_from(sorted(RESERVED["python"] | RESERVED["r"] | RESERVED["julia"])),
    st.from_regex(r"_i{0,3}[0-9]{0,3}", fullmatch=True),
    st.sampled_from(["café", "ñ", "x\u00b2", "\u0661", "\uff21", "a\u200b", "\U0001d400"]),
    st.text(st.characters(categories=["Cs"]), min_size=1, max_size=3),
    names().map(lambda n: n + "\ud800"),
    st.text(max_size=12),
)


def same(a: object, b: object) -> bool:
    """Equal with equal types all the way down (``1 == 1.0 == True`` would hide a bug)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


#: Fast enough for every run of the suite, thorough enough to find escaping bugs. For a longer
#: hunt: ``NBLAUNCH_EXAMPLES=5000 .venv/bin/python -m pytest tests/core``.
PROPERTY = settings(max_examples=int(os.environ.get("NBLAUNCH_EXAMPLES", "200")), deadline=None)
