"""The R and Julia literal readers: what they read, and that they refuse anything else."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nblaunch.core.literals import read_julia, read_r

from .strategies import PROPERTY


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1", 1),
        ("-2", -2),
        ("10L", 10),
        ("2.5", 2.5),
        ("1e-05", 1e-05),
        (".5", 0.5),
        ("TRUE", True),
        ("FALSE", False),
        ("NULL", None),
        ('"a b"', "a b"),
        ("'single'", "single"),
        ('"é\\n\\t\\\\\\"\\x01\\u00e9\\U0001F600"', 'é\n\t\\"\x01é\U0001f600'),
        ("c(1, 2.5)", [1, 2.5]),
        ("c()", []),
        ("list()", []),
        ('list("a b" = 1, c = list(d = NULL))', {"a b": 1, "c": {"d": None}}),
        ("setNames(list(), character(0))", {}),
        ("  c( 1 ,2 )  ", [1, 2]),
    ],
)
def test_read_r(text: str, value: object) -> None:
    assert read_r(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1", 1),
        ("-2.5", -2.5),
        ("true", True),
        ("false", False),
        ("nothing", None),
        ('"a\\$b"', "a$b"),
        ('"\\u00e9\\x01\\n"', "é\x01\n"),
        ("[1, [2], []]", [1, [2], []]),
        ('Any["a", nothing]', ["a", None]),
        ('Dict("a" => 1, "b" => Dict())', {"a": 1, "b": {}}),
    ],
)
def test_read_julia(text: str, value: object) -> None:
    assert read_julia(text) == value


@pytest.mark.parametrize(
    "text",
    [
        "x",
        "c(1, a = 2)",
        '"open',
        '"\\q"',
        "1 2",
        "list(",
        "",
        "system('id')",
        "T",
        '"abc\\',
        '"\\U99999999"',
        '"\\u{110000}"',
        "c(" * 5000,
    ],
)
def test_read_r_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="not a r literal"):
        read_r(text)


@pytest.mark.parametrize(
    "text",
    [
        '"$(run(`id`))"',
        '"$x"',
        "'c'",
        "run(`id`)",
        "[1, 2",
        'Dict("a" 1)',
        "1 + 1",
        '"a\\',
        "[" * 5000,
    ],
)
def test_read_julia_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="not a julia literal"):
        read_julia(text)


LITERAL_TEXT = st.text(
    alphabet=st.sampled_from(list("\"'\\$ux{}()[],=>0123456789.eE-LcTRUEnothigDt "))
)


@PROPERTY
@given(st.one_of(st.text(max_size=40), LITERAL_TEXT))
def test_the_readers_raise_only_value_error(text: str) -> None:
    for read in (read_r, read_julia):
        with contextlib.suppress(ValueError):
            read(text)
