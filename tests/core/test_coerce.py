"""``coerce``: every type, lists from repeated keys, None defaults, all errors at once."""

from __future__ import annotations

import pytest

from nblaunch.core import (
    DEFAULT_MAX_VALUE_BYTES,
    InvalidNameError,
    Parameter,
    ParameterError,
    ParameterTypeError,
    UnknownParameterError,
    ValueTooLargeError,
    coerce,
    convert_text,
    parse_query,
)

P = Parameter


@pytest.mark.parametrize(
    ("parameter", "raw", "value"),
    [
        (P("n", "int"), "n=3", 3),
        (P("n", "int"), "n=-3", -3),
        (P("n", "int"), "n=%2B3", 3),
        (P("x", "float"), "x=2.5", 2.5),
        (P("x", "float"), "x=2", 2.0),
        (P("x", "float"), "x=1e-3", 0.001),
        *[(P("b", "bool"), f"b={w}", True) for w in ("true", "True", "1", "yes", "ON")],
        *[(P("b", "bool"), f"b={w}", False) for w in ("false", "FALSE", "0", "no", "off")],
        (P("s", "str"), "s=hello+world", "hello world"),
        (P("s", "str"), "s=007", "007"),
        (P("s", "str"), 's="007"', "007"),  # a JSON-quoted string loses its quotes
        (P("s", "str"), 's="a\\"b"', 'a"b'),
        (P("s", "str"), "s=", ""),
        (P("s", "str"), 's="', '"'),
        (P("s", "str"), "s=null", "null"),  # not nullable: the text itself
        (P("l", "list"), "l=[1,2]", [1, 2]),
        (P("l", "list"), "l=1&l=a", [1, "a"]),  # repeated keys; no typed default: JSON or text
        (P("l", "list", [1]), "l=1&l=2", [1, 2]),  # elements typed by the default's
        (P("l", "list", ["a"]), "l=1&l=2", ["1", "2"]),
        (P("l", "list", [1.0]), "l=[1, 2.5]", [1.0, 2.5]),
        (P("l", "list"), "l=x", ["x"]),  # one value is a one-element list
        (P("d", "dict"), 'd={"a":[1,{"b":null}]}', {"a": [1, {"b": None}]}),
        (P("v", "any", None, nullable=True), "v=null", None),  # a None default: JSON...
        (P("v", "any", None, nullable=True), "v=12", 12),
        (P("v", "any", None, nullable=True), "v=[1]", [1]),
        (P("v", "any", None, nullable=True), "v=hello", "hello"),  # ... or else the string
        (P("v", "int", None, nullable=True), "v=None", None),
        (P("v", "int", None, nullable=True), "v=4", 4),
        (P("n", "int"), 'params={"n":5}', 5),
        (P("x", "float"), 'params={"x":5}', 5.0),
        (P("l", "list", [1]), 'params={"l":[1,2]}', [1, 2]),
        (P("v", "str", None, nullable=True), 'params={"v":null}', None),
    ],
)
def test_types(parameter: Parameter, raw: str, value: object) -> None:
    result = coerce(parse_query(raw), [parameter])
    assert result == {parameter.name: value}
    assert type(result[parameter.name]) is type(value)


@pytest.mark.parametrize(
    ("parameter", "raw"),
    [
        (P("n", "int"), "n=3.5"),
        (P("n", "int"), "n=abc"),
        (P("n", "int"), "n="),
        (P("n", "int"), "n=1&n=2"),
        (P("n", "int"), 'params={"n":true}'),
        (P("n", "int"), 'params={"n":"5"}'),
        (P("x", "float"), "x=nan"),
        (P("x", "float"), "x=inf"),
        (P("x", "float"), "x=1e999"),
        (P("x", "float"), "x=two"),
        (P("b", "bool"), "b=maybe"),
        (P("b", "bool"), 'params={"b":1}'),
        (P("s", "str"), 'params={"s":1}'),
        (P("l", "list"), "l=[1,"),
        (P("l", "list", [1]), "l=a"),
        (P("l", "list"), 'params={"l":{}}'),
        (P("d", "dict"), "d=[1]"),
        (P("d", "dict"), "d=x"),
        (P("n", "int"), "n=null"),  # not nullable
    ],
)
def test_wrong_types(parameter: Parameter, raw: str) -> None:
    with pytest.raises(ParameterError) as info:
        coerce(parse_query(raw), [parameter])
    (problem,) = info.value.problems
    assert isinstance(problem, ParameterTypeError)
    assert problem.fields["name"] == parameter.name
    assert problem.fields["expected"] == parameter.type
    assert repr(parameter.name) in problem.message


def test_wrong_type_message_names_the_value() -> None:
    with pytest.raises(ParameterError, match=r"'n' must be an integer, not 'abc'"):
        coerce(parse_query("n=abc"), [P("n", "int")])


def test_all_errors_at_once_with_the_closest_match() -> None:
    parameters = [P("image_id", "int"), P("threshold", "float"), P("label", "str")]
    raw = "imageid=1&threshold=high&label=" + "x" * 70_000 + "&bad-name=1"
    with pytest.raises(ParameterError) as info:
        coerce(parse_query(raw), parameters)
    kinds = [type(p) for p in info.value.problems]
    assert kinds == [
        UnknownParameterError,
        ParameterTypeError,
        ValueTooLargeError,
        InvalidNameError,
    ]
    unknown = info.value.problems[0]
    assert "Did you mean 'image_id'?" in unknown.message
    assert "image_id, threshold, label" in unknown.message
    assert unknown.fields["known"] == ["image_id", "threshold", "label"]
    body = info.value.to_json()
    assert body["code"] == "invalid-parameters"
    assert [p["code"] for p in body["problems"]] == [
        "unknown-parameter",
        "wrong-type",
        "value-too-large",
        "invalid-name",
    ]


def _problem(raw: str, parameters: list[Parameter], **options: int) -> ParameterError:
    """The one problem ``coerce`` reports (it always raises the collecting ``ParameterError``)."""
    with pytest.raises(ParameterError) as info:
        coerce(parse_query(raw), parameters, **options)
    (problem,) = info.value.problems
    return problem


def test_unknown_without_a_close_match() -> None:
    problem = _problem("zzz=1", [P("image_id", "int")])
    assert isinstance(problem, UnknownParameterError)
    assert "Did you mean" not in problem.message


@pytest.mark.parametrize(("size", "ok"), [(DEFAULT_MAX_VALUE_BYTES, True), (64 * 1024 + 1, False)])
def test_default_size_limit(size: int, ok: bool) -> None:
    request = parse_query("s=" + "x" * size)
    if ok:
        assert coerce(request, [P("s", "str")]) == {"s": "x" * size}
    else:
        assert isinstance(_problem(f"s={'x' * size}", [P("s", "str")]), ValueTooLargeError)


@pytest.mark.parametrize(
    ("raw", "limit", "ok"),
    [
        ("s=abcd", 4, True),
        ("s=abcde", 4, False),
        ("s=%C3%A9%C3%A9", 4, True),  # bytes, not characters
        ("s=%C3%A9%C3%A9a", 4, False),
        ("s=ab&s=cd", 4, True),  # repeated keys add up
        ("s=ab&s=cde", 4, False),
        ('params={"s":"ab"}', 4, True),  # JSON size: "ab" with its quotes
        ('params={"s":"abc"}', 4, False),
    ],
)
def test_size_limit_is_configurable(raw: str, limit: int, ok: bool) -> None:
    request = parse_query(raw)
    if ok:
        coerce(request, [], max_value_bytes=limit)
    else:
        problem = _problem(raw, [], max_value_bytes=limit)
        assert isinstance(problem, ValueTooLargeError)
        assert problem.fields["limit"] == limit


@pytest.mark.parametrize(
    ("raw", "values"),
    [
        ("n=1&x=2.5&b=true&z=null", {"n": 1, "x": 2.5, "b": True, "z": None}),
        (
            's=hello&q="1"&l=[1,"a"]&d={"k":1}',
            {"s": "hello", "q": "1", "l": [1, "a"], "d": {"k": 1}},
        ),
        ("t=1&t=2", {"t": [1, 2]}),
        ("w=[NaN]&v=1e999", {"w": "[NaN]", "v": "1e999"}),  # no non-finite numbers: text
        ('params={"a":[1]}&b=', {"a": [1], "b": ""}),
    ],
)
def test_a_notebook_without_parameters_takes_any_identifier(
    raw: str, values: dict[str, object]
) -> None:
    assert coerce(parse_query(raw), []) == values


@pytest.mark.parametrize("name", ["bad-name", "1st", "a.b", "é"])
def test_names_must_be_identifiers_even_without_declarations(name: str) -> None:
    assert isinstance(_problem(f"{name}=1", []), InvalidNameError)


@pytest.mark.parametrize(
    "raw",
    [
        'params={"n\\n":5}',  # a name is checked whole: "n\n" is not n
        'params={"n\\r\\n":5}',
        'params={"\\ud800":5}',
        'params={"n\\ud800":5}',
        "param_n%0Ax=5",
        "x%C2%B2=5",  # superscript two: a digit to Unicode, not to Python's name rules here
    ],
)
def test_a_name_is_an_identifier_as_a_whole(raw: str) -> None:
    for declared in ([], [P("n", "int")]):
        problem = _problem(raw, declared)
        assert isinstance(problem, InvalidNameError), problem


@pytest.mark.parametrize(
    ("raw", "declared"),
    [
        ('params={"name":"\\ud800"}', []),
        ('params={"name":"\\ud800"}', [P("name", "str")]),
        ('params={"name":["a","\\udfff"]}', []),
        ('params={"name":{"\\ud800":1}}', []),
        ('name="\\ud800"', [P("name", "str")]),  # JSON-quoted text decodes the escape
        ('name=["\\ud800"]', []),
    ],
)
def test_a_lone_surrogate_in_a_value_is_a_wrong_type(raw: str, declared: list[Parameter]) -> None:
    problem = _problem(raw, declared)
    assert isinstance(problem, ParameterTypeError)
    assert problem.code == "wrong-type"
    assert "surrogate" in problem.message
    assert "name" in problem.message


def test_dropped_names_come_back_when_declared() -> None:
    request = parse_query("code=abc123&state=xyz&n=1")
    assert coerce(request, [P("code", "str"), P("n", "int")]) == {"n": 1, "code": "abc123"}
    assert coerce(request, []) == {"n": 1}


def test_a_deliberate_form_beats_an_accidental_one() -> None:
    request = parse_query("param_code=mine&code=appended-by-oauth")
    assert coerce(request, [P("code", "str")]) == {"code": "mine"}
    assert request.notes  # the appended one is still reported as ignored


def test_what_injection_would_refuse_is_refused_by_coerce() -> None:
    problem = _problem("l=" + "[" * 40 + "]" * 40, [P("l", "list")])
    assert isinstance(problem, ParameterTypeError)
    assert "nested more than 32" in problem.message


def test_deep_json_is_a_type_error_not_a_crash() -> None:
    problem = _problem("l=" + "[" * 2000 + "]" * 2000, [P("l", "list")])
    assert isinstance(problem, ParameterTypeError)
    assert "nested too deeply" in problem.message


def test_convert_text_doctest_cases() -> None:
    assert convert_text('"007"', P("code", "str")) == "007"
    assert convert_text("Off", P("b", "bool")) is False
