"""Every rule of ``parse_query``: names, controls, mangled links, duplicates, accidental names."""

from __future__ import annotations

import json
from urllib.parse import quote

import nbformat
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nblaunch.core import (
    CONTROLS,
    Controls,
    ControlValueError,
    DuplicateParameterError,
    NBLaunchError,
    QueryError,
    coerce,
    parse_query,
)
from nblaunch.core.inject import check_injectable
from nblaunch.core.names import is_identifier, is_reserved, shadows_kernel
from nblaunch.core.query import (
    PARAM_PREFIX,
    SERVER_NAME,
    is_server_name,
    loads_json,
    parse_flag,
    split_pairs,
)

from .strategies import PROPERTY, hostile_names, texts, values


@pytest.mark.parametrize(
    ("raw", "params"),
    [
        ("image_id=2959331", {"image_id": ["2959331"]}),  # a bare name is a parameter
        ("?image_id=7", {"image_id": ["7"]}),  # a leading ? is tolerated
        ("a=1?b=2", {"a": ["1"], "b": ["2"]}),  # a second ? reads as &
        ("a=1&amp;b=2", {"a": ["1"], "b": ["2"]}),  # HTML-mangled &amp;
        ("a=1&#38;b=2&AMP;c=3", {"a": ["1"], "b": ["2"], "c": ["3"]}),
        ("s=x+y", {"s": ["x y"]}),  # + is a space
        ("s=x%2By", {"s": ["x+y"]}),  # an encoded + stays a +
        ("s=%2541", {"s": ["%41"]}),  # percent-decoded exactly once
        ("s=caf%C3%A9", {"s": ["café"]}),  # UTF-8
        ("ids=1&ids=2&ids=3", {"ids": ["1", "2", "3"]}),  # repeated keys collect
        ("flag", {"flag": [""]}),  # a name without = has an empty value
        ("a=1&&b=2&", {"a": ["1"], "b": ["2"]}),  # empty pieces are skipped
        ("=orphan&a=1", {"a": ["1"]}),  # an empty name is skipped
        ("x=a=b", {"x": ["a=b"]}),  # only the first = separates
        ("param_ui=dark", {"ui": ["dark"]}),  # param_<name> is always the parameter
        ("param_autorun=0&autorun=1", {"autorun": ["0"]}),
        ("param_params=1", {"params": ["1"]}),
        ("param_=1", {"param_": ["1"]}),  # nothing after the prefix: a plain name
        ("", {}),
    ],
)
def test_parameters(raw: str, params: dict[str, list[str]]) -> None:
    assert parse_query(raw).params == params


@pytest.mark.parametrize(
    ("raw", "controls"),
    [
        ("autorun=1", Controls(autorun=True)),
        ("autorun=", Controls(autorun=True)),  # an empty flag is true
        ("autorun", Controls(autorun=True)),
        ("autorun=0", Controls(autorun=False)),
        ("autorun=Off", Controls(autorun=False)),
        ("ui=lab", Controls(ui="lab")),
        ("ui=notebook&copy=new", Controls(ui="notebook", copy="new")),
        ("copy=overwrite", Controls(copy="overwrite")),
        ("server=analysis-2", Controls(server="analysis-2")),
        ("ui=&copy=", Controls()),  # an empty choice means the default
        ("ui=doc&ui=doc", Controls(ui="doc")),  # the same value twice is harmless
    ],
)
def test_controls(raw: str, controls: Controls) -> None:
    request = parse_query(raw)
    assert request.controls == controls
    assert request.params == {}


def test_control_table_has_the_documented_names() -> None:
    assert {"autorun", "ui", "copy", "server"} <= set(CONTROLS)


def test_empty_flag_equals_one() -> None:
    assert parse_query("autorun=").controls == parse_query("autorun=1").controls


@pytest.mark.parametrize(
    "raw",
    [
        "ui=desktop",
        "copy=always",
        "autorun=maybe",
        "server=Bad_Name",
        "server=-x",
        "server=a--b",
        "server=" + "a" * 31,
        "ui=lab&ui=doc",
    ],
)
def test_bad_control_values(raw: str) -> None:
    with pytest.raises(ControlValueError) as info:
        parse_query(raw)
    assert raw.split("=")[0] in info.value.message


def test_two_params_blobs_with_different_names_add_up() -> None:
    assert parse_query('params={"a":1}&params={"b":2}').json_params == {"a": 1, "b": 2}


def test_params_json_adds_parameters() -> None:
    request = parse_query('params={"IMAGE_ID":2959331,"tags":["a"]}&n=1')
    assert request.json_params == {"IMAGE_ID": 2959331, "tags": ["a"]}
    assert request.params == {"n": ["1"]}
    assert request.names() == ["n", "IMAGE_ID", "tags"]


@pytest.mark.parametrize(
    "raw",
    [
        "params=[1,2]",
        "params=not-json",
        "params={'a': 1}",
        'params={"x": NaN}',
        'params={"x": [1e999]}',
        "params=" + "[" * 5000,
    ],
)
def test_params_must_be_a_json_object(raw: str) -> None:
    with pytest.raises(QueryError, match="params"):
        parse_query(raw)


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("x=1&param_x=2", "x"),
        ("param_x=2&x=1", "x"),
        ('x=1&params={"x":2}', "x"),
        ('params={"ui":"dark"}&param_ui=light', "ui"),
        ('params={"x":1}&params={"x":2}', "x"),
    ],
)
def test_the_same_name_in_two_forms_is_an_error(raw: str, name: str) -> None:
    with pytest.raises(DuplicateParameterError) as info:
        parse_query(raw)
    assert info.value.fields["name"] == name
    assert "twice" in info.value.message


@pytest.mark.parametrize(
    "name", ["code", "state", "token", "next", "reset", "urlpath", "_xsrf", "utm_source"]
)
def test_accidental_names_are_dropped_with_a_note(name: str) -> None:
    request = parse_query(f"image_id=1&{name}=abc")
    assert request.params == {"image_id": ["1"]}
    assert request.dropped == {name: ["abc"]}
    assert len(request.notes) == 1
    assert repr(name) in request.notes[0]
    assert name not in request.names()


def test_an_accidental_name_can_be_given_on_purpose() -> None:
    assert parse_query("param_code=abc").params == {"code": ["abc"]}


def test_non_utf8_bytes_are_a_query_error() -> None:
    with pytest.raises(QueryError, match="UTF-8"):
        parse_query("s=%ff%fe")


@pytest.mark.parametrize(
    ("raw", "pairs"),
    [("?a=1?b=x+y&amp;c", [("a", "1"), ("b", "x y"), ("c", "")]), (" a =1", [("a", "1")])],
)
def test_split_pairs(raw: str, pairs: list[tuple[str, str]]) -> None:
    assert split_pairs(raw) == pairs


@pytest.mark.parametrize(
    ("value", "expected"),
    [(v, True) for v in ("", "1", "true", "TRUE", "yes", "On", " on ")]
    + [(v, False) for v in ("0", "false", "False", "no", "OFF")],
)
def test_flags(value: str, expected: bool) -> None:
    assert parse_flag("autorun", value) is expected


@pytest.mark.parametrize("text", ["NaN", "-Infinity", "[1e400]", "[" * 3000])
def test_loads_json_refuses_what_no_kernel_reads_back(text: str) -> None:
    with pytest.raises(ValueError):
        loads_json(text)


def test_errors_are_nblaunch_errors() -> None:
    with pytest.raises(NBLaunchError):
        parse_query("x=1&param_x=1")


@pytest.mark.parametrize(
    "raw", ["server=gpu%0A", "server=gpu%0D%0A", "server=gpu%0Ax", "server=gpu "]
)
def test_a_server_name_is_checked_whole(raw: str) -> None:
    with pytest.raises(ControlValueError, match="server"):
        parse_query(raw)


@pytest.mark.parametrize(
    ("value", "valid"),
    [("gpu", True), ("analysis-2", True), ("gpu\n", False), ("gpu\nx", False), ("", False)],
)
def test_is_server_name(value: str, valid: bool) -> None:
    assert is_server_name(value) is valid
    # Callers in other modules use ``SERVER_NAME.match``: the pattern itself ends at the end.
    assert (SERVER_NAME.match(value) is not None) is valid


@pytest.mark.parametrize(
    "raw",
    [
        "name=%ED%A0%80",  # a surrogate encoded as UTF-8 bytes: not UTF-8
        "%ED%A0%80=1",
        "name=\ud800",  # text that already holds a lone surrogate
        "\udcff=1",
        "a=1&b=x\udfff",
    ],
)
def test_a_lone_surrogate_in_the_query_is_a_query_error(raw: str) -> None:
    with pytest.raises(QueryError, match="UTF-8"):
        parse_query(raw)


def test_params_json_keeps_names_and_escapes_for_coerce_to_judge() -> None:
    # parse_query reads; coerce refuses the name (invalid-name) and the value (wrong-type).
    request = parse_query('params={"n\\n":5,"s":"\\ud800"}')
    assert request.json_params == {"n\n": 5, "s": "\ud800"}


@PROPERTY
@given(st.dictionaries(hostile_names, values, max_size=4))
def test_hostile_names_end_in_an_nblaunch_error_or_a_safe_name(
    given_values: dict[str, object],
) -> None:
    # The whole path of a params= link to a notebook that declares nothing: only NBLaunchErrors,
    # and what is accepted is an identifier that neither is a keyword nor shadows the kernel.
    raw = "params=" + quote(json.dumps(given_values))
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(1)")])
    try:
        accepted = coerce(parse_query(raw), [])
        check_injectable(nb, accepted)
    except NBLaunchError:
        return
    for name in accepted:
        assert is_identifier(name), name
        assert not is_reserved(name, "python"), name
        assert not shadows_kernel(name, "python"), name


@PROPERTY
@given(st.lists(st.tuples(hostile_names, texts), max_size=4), st.booleans())
def test_hostile_names_in_the_query_itself(pairs: list[tuple[str, str]], prefixed: bool) -> None:
    # Names and values percent-encoded as a browser would, lone surrogates as the bytes Python's
    # "surrogatepass" gives (ED A0 80...), which no UTF-8 decoder accepts.
    def encode(text: str) -> str:
        return quote(text, safe="", errors="surrogatepass")

    prefix = PARAM_PREFIX if prefixed else ""
    raw = "&".join(f"{prefix}{encode(name)}={encode(value)}" for name, value in pairs)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(1)")])
    try:
        accepted = coerce(parse_query(raw), [])
        check_injectable(nb, accepted)
    except NBLaunchError:
        return
    assert all(is_identifier(n) and not shadows_kernel(n, "python") for n in accepted), accepted


@pytest.mark.parametrize(
    ("raw", "options"),
    [
        ("n=1&opt-profile=gpu", {"profile": "gpu"}),
        ("opt-profile=gpu&opt-profile-option-image=jupyter%2Fscipy", {
            "profile": "gpu", "profile-option-image": "jupyter/scipy"}),
        ("n=1", {}),
    ],
)  # fmt: skip
def test_spawner_options_are_never_parameters(raw: str, options: dict[str, str]) -> None:
    request = parse_query(raw)
    assert request.spawner_options == options
    assert not any(name.startswith("opt-") for name in request.names())


@pytest.mark.parametrize(
    "raw", ["opt-display_name=x", "opt-=1", "opt-a%2Fb=1", "opt-a=1&opt-a=2", "opt-x=" + "v" * 2000]
)
def test_bad_spawner_options_are_refused(raw: str) -> None:
    with pytest.raises(QueryError):
        parse_query(raw)
