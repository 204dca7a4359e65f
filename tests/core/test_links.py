"""Links for the hub service, a Jupyter server and Binder; any values survive the round trip."""

from __future__ import annotations

import contextlib
from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nblaunch.core import (
    ControlValueError,
    NBLaunchError,
    Parameter,
    ParameterTypeError,
    build_link,
    build_query,
    coerce,
    encode_value,
    parse_query,
)
from nblaunch.core.links import encode_name

from .strategies import PROPERTY, floats, names, same, texts, values

HUB = "https://hub.example.org"


OPEN = "nblaunch/open/stats/image-stats.ipynb"
BINDER = "https://mybinder.org/v2/gh/o/r/HEAD"


@pytest.mark.parametrize(
    ("target", "base", "link"),
    [
        ("hub", HUB, f"{HUB}/services/{OPEN}?image_id=7"),
        ("hub", HUB + "/", f"{HUB}/services/{OPEN}?image_id=7"),
        ("server", "http://127.0.0.1:8888", f"http://127.0.0.1:8888/{OPEN}?image_id=7"),
        ("server", f"{HUB}/user/ann", f"{HUB}/user/ann/{OPEN}?image_id=7"),
        ("server", f"{HUB}/hub/user-redirect", f"{HUB}/hub/user-redirect/{OPEN}?image_id=7"),
        ("binder", BINDER, f"{BINDER}?urlpath={OPEN}%3Fimage_id%3D7"),
    ],
)
def test_link_forms(target: str, base: str, link: str) -> None:
    assert build_link(base, "stats/image-stats.ipynb", {"image_id": 7}, target=target) == link


def test_binder_encodes_the_inner_query_exactly_once() -> None:
    link = build_link("https://mybinder.org/v2/gh/o/r/HEAD", "t.ipynb", {"s": "a b&c"},
                      target="binder", autorun=True)  # fmt: skip
    outer = link.split("?", 1)[1]
    assert outer == "urlpath=nblaunch/open/t.ipynb%3Fs%3Da%2520b%2526c%26autorun%3D1"
    inner = parse_query(outer).dropped["urlpath"][0]  # what Binder hands the server
    assert inner == "nblaunch/open/t.ipynb?s=a%20b%26c&autorun=1"
    assert parse_query(inner.split("?", 1)[1]).params == {"s": ["a b&c"]}


def test_no_values_no_query() -> None:
    assert build_link(HUB, "t.ipynb", {}) == f"{HUB}/services/nblaunch/open/t.ipynb"
    assert (
        build_link("https://b/v2/x", "t", {}, target="binder")
        == "https://b/v2/x?urlpath=nblaunch/open/t"
    )


def test_template_path_is_quoted() -> None:
    assert build_link(HUB, "/my dir/a#b.ipynb", {}, target="server").endswith(
        "/nblaunch/open/my%20dir/a%23b.ipynb"
    )


@pytest.mark.parametrize(
    ("options", "query"),
    [
        ({"autorun": True}, "n=1&autorun=1"),  # flags are written with a value
        ({"autorun": False}, "n=1"),
        ({"ui": "doc", "copy": "new"}, "n=1&ui=doc&copy=new"),
        ({"server": "gpu-1"}, "n=1&server=gpu-1"),
    ],
)
def test_controls(options: dict[str, object], query: str) -> None:
    assert build_query({"n": 1}, **options) == query  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("options", "error"),
    [({"ui": "desktop"}, ControlValueError), ({"copy": "x"}, ControlValueError),
     ({"server": "Bad Name"}, ControlValueError), ({"target": "colab"}, ControlValueError)],
)  # fmt: skip
def test_bad_options(options: dict[str, str], error: type[Exception]) -> None:
    with pytest.raises(error):
        build_link(HUB, "t", {}, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [float("nan"), [float("inf")], (1, 2), object()])
def test_values_no_link_could_give_back(value: object) -> None:
    with pytest.raises(ParameterTypeError):
        build_query({"x": value})


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("x y", "x y"),
        ("1", '"1"'),  # text that reads as JSON is quoted, so it stays text
        ("true", '"true"'),
        ("None", '"None"'),
        ('"q"', '"\\"q\\""'),
        ("", ""),
        (1, "1"),
        (2.5, "2.5"),
        (False, "false"),
        (None, "null"),
        ([1, "a"], '[1,"a"]'),
        ({"k": "é"}, '{"k":"é"}'),
    ],
)
def test_encode_value(value: object, text: str) -> None:
    assert encode_value(value) == text


@pytest.mark.parametrize(
    ("name", "written"),
    [("image_id", "image_id"), ("ui", "param_ui"), ("autorun", "param_autorun"),
     ("params", "param_params"), ("code", "param_code"), ("param_x", "param_param_x"),
     ("utm_source", "param_utm_source")],
)  # fmt: skip
def test_encode_name(name: str, written: str) -> None:
    assert encode_name(name) == written


# Property tests: any values survive build_link → parse_query → coerce.

SPECIAL_NAMES = st.sampled_from(
    ["ui", "autorun", "copy", "server", "params", "code", "state", "next", "param_x", "utm_id"]
)
TYPED = st.one_of(
    st.tuples(st.just("int"), st.integers()),
    st.tuples(st.just("float"), floats),
    st.tuples(st.just("bool"), st.booleans()),
    st.tuples(st.just("str"), texts),
    st.tuples(st.just("list"), st.lists(values, max_size=4)),
    st.tuples(st.just("dict"), st.dictionaries(texts, values, max_size=4)),
    st.tuples(st.just("any"), values),  # a None default: any JSON value, or text
    st.tuples(st.just("int?"), st.none() | st.integers()),  # Optional[int] = None
    st.tuples(st.just("str?"), st.none() | texts),
    st.tuples(st.just("list[int]"), st.lists(st.integers(), max_size=4)),  # default [1]
    st.tuples(st.just("list[str]"), st.lists(texts, max_size=4)),  # default ["a"]
)
DEFAULTS: dict[str, object] = {"list[int]": [1], "list[str]": ["a"]}


def _declared(name: str, kind: str) -> Parameter:
    """What a notebook declares for ``kind`` (``int?``: ``x: Optional[int] = None``)."""
    if kind.endswith("?") or kind == "any":
        return Parameter(name, kind.rstrip("?"), None, "None", nullable=True)
    base = kind.split("[")[0]
    default = DEFAULTS.get(kind)
    return Parameter(name, base, default, repr(default))


def _round_trip(values_: dict[str, object], parameters: list[Parameter], target: str) -> object:
    link = build_link("https://example.org/v2/gh/o/r/HEAD", "t.ipynb", values_, target=target)
    query = link.split("?", 1)[1] if "?" in link else ""
    if target == "binder":
        inner = parse_query(query).dropped["urlpath"][0]
        query = inner.split("?", 1)[1] if "?" in inner else ""
    return coerce(parse_query(query), parameters)


@PROPERTY
@given(
    st.dictionaries(names() | SPECIAL_NAMES, TYPED, max_size=5),
    st.sampled_from(["hub", "server", "binder"]),
)
def test_typed_values_survive_a_link(typed: dict[str, tuple[str, object]], target: str) -> None:
    parameters = [_declared(name, kind) for name, (kind, _) in typed.items()]
    given_values = {name: value for name, (_, value) in typed.items()}
    assert same(_round_trip(given_values, parameters, target), given_values)


@PROPERTY
@given(
    st.dictionaries(names() | SPECIAL_NAMES, values, max_size=5),
    st.sampled_from(["hub", "server", "binder"]),
)
def test_values_survive_a_link_to_a_notebook_declaring_none(
    given_values: dict[str, object], target: str
) -> None:
    assert same(_round_trip(given_values, [], target), given_values)


QUERY_TEXT = st.text(alphabet=st.sampled_from(list("=&?%+;#[]{}\"'\\ axAF09é_")), max_size=60)


@PROPERTY
@given(st.one_of(st.text(), QUERY_TEXT, QUERY_TEXT.map(lambda t: "params=" + t)))
def test_parse_query_raises_only_nblaunch_errors(raw: str) -> None:
    with contextlib.suppress(NBLaunchError):
        parse_query(raw)


@PROPERTY
@given(st.dictionaries(names(), values, max_size=3))
def test_a_link_is_plain_ascii(given_values: dict[str, object]) -> None:
    link = build_link(HUB, "t.ipynb", given_values)
    assert link.isascii()
    assert " " not in link and "#" not in unquote(link.split("?")[0])
