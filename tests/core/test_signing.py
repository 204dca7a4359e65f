"""Signed links: canonical form, sign/verify round trips, what a refusal names, key files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import nbformat
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nblaunch.core import (
    META_KEY,
    KeyFileError,
    LinkSigner,
    SignatureError,
    SignatureExpiredError,
    SignatureRequiredError,
    UnknownKeyError,
    build_link,
    build_query,
    canonical,
    encode_value,
    load_link_keys,
    parse_query,
    plan_launch,
    render_copy,
    sign_query,
)
from nblaunch.core.signing import Signed, requires_signature, verify

from .strategies import PROPERTY, names, values

SECRET = b"s" * 32
KEYS = {"k1": SECRET, "k2": b"t" * 40}
CONTROL_VALUES = st.fixed_dictionaries(
    {
        "autorun": st.booleans(),
        "ui": st.sampled_from([None, "lab", "doc", "notebook"]),
        "copy": st.sampled_from([None, "reuse", "new", "overwrite"]),
        "server": st.sampled_from([None, "gpu", "analysis-2"]),
    }
)
EXPIRIES = st.none() | st.integers(0, 10**11)


def signed(query: str, template: str = "t", expires: int | None = None, door: str = "hub") -> str:
    return sign_query(query, template, "k1", SECRET, door=door, expires=expires)


def check(query: str, template: str = "t.ipynb", now: float = 0, **kw: Any) -> Signed | None:
    return verify(parse_query(query), template, KEYS, now, door=kw.pop("door", "hub"), **kw)


def tail(query: str) -> str:
    """The ``exp=...&sig=...`` a signed query ends with."""
    return "&".join(p for p in query.split("&") if p.startswith(("exp=", "sig=")))


def spell(vals: dict[str, object], how: str) -> str:
    """The same values written as bare names, as ``param_<name>=``, or in one ``params=``."""
    if how == "bare":
        return build_query(vals)
    if how == "prefixed":
        return "&".join(f"param_{n}={quote(encode_value(v), safe='')}" for n, v in vals.items())
    return f"params={quote(json.dumps(vals), safe='')}" if vals else ""


def join(*parts: str) -> str:
    return "&".join(p for p in parts if p)


# The canonical form -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "a, b",
    [
        ("n=5", "param_n=5"),
        ("n=5", 'params={"n":5}'),
        ('label="5"', 'params={"label":"5"}'),
        ("ids=[1,2]", 'params={"ids":[1,2]}'),
        ("b=1&a=2", "a=2&b=1"),
        ("n=5&code=abc&utm_source=x", "n=5"),
        ("n=5&autorun=0", "n=5"),
        ("n=5&autorun=yes", "autorun=1&n=5"),
        ("n=5&amp;ui=doc", "ui=doc&n=5"),
    ],
)
def test_one_canonical_form_for_every_spelling(a: str, b: str) -> None:
    assert canonical(parse_query(a), "t", key_id="k", door="hub") == canonical(
        parse_query(b), "t", key_id="k", door="hub"
    )


@pytest.mark.parametrize(
    "a, b",
    [
        ("n=5", 'params={"n":"5"}'),  # the text "5" is not the number 5
        ("ids=1&ids=2", "ids=[1,2]"),  # repeated keys are typed element by element
        ("n=5", "n=5&autorun=1"),
        ("n=5", "n=5&ui=doc"),
        ("n=5", "n=5&exp=1"),
    ],
)
def test_different_requests_have_different_canonical_forms(a: str, b: str) -> None:
    assert canonical(parse_query(a), "t", key_id="k", door="hub") != canonical(
        parse_query(b), "t", key_id="k", door="hub"
    )


@pytest.mark.parametrize("template", ["t", "t.ipynb", "/t.ipynb", "./t.ipynb"])
def test_the_template_is_named_with_or_without_its_extension(template: str) -> None:
    assert check(signed("n=5", template), "t.ipynb") == Signed("k1", None)


# Round trips and single changes (hypothesis) ----------------------------------------------------


@PROPERTY
@given(
    vals=st.dictionaries(names(), values, max_size=4),
    controls=CONTROL_VALUES,
    expires=EXPIRIES,
    signed_as=st.sampled_from(["bare", "prefixed", "json"]),
    opened_as=st.sampled_from(["bare", "prefixed", "json"]),
)
def test_a_signed_link_verifies_in_any_spelling(
    vals: dict[str, object], controls: dict[str, Any], expires: int | None, signed_as: str,
    opened_as: str,
) -> None:  # fmt: skip
    control_query = build_query({}, **controls)
    query = signed(join(spell(vals, signed_as), control_query), expires=expires)
    opened = join(spell(vals, opened_as), control_query, tail(query))
    assert check(opened, now=0) == Signed("k1", expires)


def _mutations(vals: dict[str, object], controls: dict[str, Any]) -> st.SearchStrategy[Any]:
    changes: list[st.SearchStrategy[Any]] = [
        st.just(("add", "zz_added", 1)),
        st.sampled_from([("control", "autorun", not controls["autorun"])]),
        st.sampled_from([("control", "ui", u) for u in ("lab", "doc") if u != controls["ui"]]),
        st.just(("control", "server", None if controls["server"] else "other")),
        st.sampled_from([("exp", 1), ("exp", None), ("exp", 99)]),
    ]
    if vals:
        changes.append(st.sampled_from([("remove", n, None) for n in vals]))
        changes.append(st.sampled_from([("value", n, None) for n in vals]))
        changes.append(st.sampled_from([("rename", n, None) for n in vals]))
    return st.one_of(changes)


@PROPERTY
@given(data=st.data(), vals=st.dictionaries(names(), values, max_size=3), controls=CONTROL_VALUES)
def test_any_single_change_is_refused(
    data: st.DataObject, vals: dict[str, object], controls: dict[str, Any]
) -> None:
    query = signed(build_query(vals, **controls), expires=50)
    sig = tail(query).split("&")[-1]
    change = data.draw(_mutations(vals, controls))
    vals, controls, expires = dict(vals), dict(controls), 50
    kind, name = change[0], change[1]
    if kind == "add":
        vals[name] = change[2]
    elif kind == "remove":
        del vals[name]
    elif kind == "value":
        vals[name] = [vals[name]]  # any value differs from itself in a list
    elif kind == "rename":
        vals[name + "_x"] = vals.pop(name)
    elif kind == "control":
        controls[name] = change[2]
    else:
        expires = change[1]
    opened = join(build_query(vals, **controls), f"exp={expires}" if expires else "", sig)
    with pytest.raises(SignatureError) as caught:
        check(opened, now=0)
    assert caught.value.code == "bad-signature"


# What a refusal says ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "opened, said",
    [
        ("n=6&label=a&exp=50", "parameter 'n' was changed"),
        ("n=5&label=a&extra=1&exp=50", "parameter 'extra' was added"),
        ("n=5&exp=50", "parameter 'label' was removed"),
        ("n=5&label=a&autorun=1&exp=50", "control 'autorun' was added"),
        ("n=5&label=a&exp=60", "the expiry was changed"),
        ("n=5&label=a", "the expiry was removed"),
        ("n=6&label=a&ui=doc&exp=50", "parameter 'n' was changed, control 'ui' was added"),
    ],
)
def test_a_refusal_says_what_was_changed(opened: str, said: str) -> None:
    sig = tail(signed("n=5&label=a", expires=50)).split("&")[-1]
    with pytest.raises(SignatureError) as caught:
        check(f"{opened}&{sig}", names=["n", "label"])
    assert said in caught.value.message
    assert caught.value.status == 403


def test_a_refusal_names_a_changed_template() -> None:
    with pytest.raises(SignatureError, match="the template was changed"):
        check(signed("n=5", "t"), "other.ipynb")


def test_a_link_signed_for_the_other_door_is_refused() -> None:
    with pytest.raises(SignatureError, match="other door"):
        check(signed("n=5", door="hub"), door="server")


@pytest.mark.parametrize(
    "sig, error",
    [
        ("k9." + "A" * 43 + ".", UnknownKeyError),
        ("k1." + "A" * 43 + ".", SignatureError),  # forged: nothing matches
        ("nonsense", SignatureError),
        ("k1.short.", SignatureError),
        ("k1." + "A" * 43 + ".A", SignatureError),  # tags of a length no encoder writes
    ],
)
def test_signatures_nblaunch_did_not_write_are_refused(sig: str, error: type) -> None:
    with pytest.raises(error) as caught:
        check(f"n=5&sig={sig}")
    assert type(caught.value) is error


def test_an_unknown_key_says_which() -> None:
    query = sign_query("n=5", "t", "old", b"o" * 32, door="hub", expires=None)
    with pytest.raises(UnknownKeyError, match="'old'"):
        check(query)


def test_an_expired_signature_says_when() -> None:
    query = signed("n=5", expires=1_700_000_000)
    assert check(query, now=1_700_000_000) == Signed("k1", 1_700_000_000)
    with pytest.raises(SignatureExpiredError, match="expired on 2023-11-14 22:13 UTC"):
        check(query, now=1_700_000_001)


def test_a_bad_exp_is_refused() -> None:
    sig = tail(signed("n=5", expires=50)).split("&")[-1]
    with pytest.raises(SignatureError, match="not a time"):
        check(f"n=5&exp=soon&{sig}")


@pytest.mark.parametrize(
    "query, keys, required, outcome",
    [
        ("n=5", KEYS, False, None),  # unsigned, template does not require: ordinary
        ("n=5", None, False, None),
        ("n=5&sig=k1.x.y", None, False, None),  # no key here: the signature is not checked
        ("n=5", KEYS, True, "not signed"),
        ("n=5&sig=k1.x.y", None, True, "holds no link key"),
        ("n=5&sig=k1.x.y", {}, True, "holds no link key"),
    ],
)
def test_unchecked_links_and_required_signatures(
    query: str, keys: dict[str, bytes] | None, required: bool, outcome: str | None
) -> None:
    request = parse_query(query)
    if outcome is None:
        assert verify(request, "t", keys, 0, door="hub", required=required) is None
        return
    with pytest.raises(SignatureRequiredError, match=outcome):
        verify(request, "t", keys, 0, door="hub", required=required)


def test_signing_a_signed_query_is_refused() -> None:
    with pytest.raises(SignatureError, match="already signed"):
        signed(signed("n=5"))


# Links, key files ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target, door",
    [("hub", "hub"), ("server", "server"), ("binder", "server")],
)
def test_build_link_signs_for_its_door(target: str, door: str) -> None:
    link = build_link(
        "https://h.example.org", "t.ipynb", {"n": 5, "ui": "x"}, autorun=True, target=target,
        sign_with=LinkSigner("k1", SECRET, ttl=60),
    )  # fmt: skip
    query = link.split("?", 1)[1]
    if target == "binder":
        from urllib.parse import unquote

        query = unquote(query).split("?", 1)[1]
    result = check(query, now=0, door=door)
    assert result is not None and result.key_id == "k1"


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "holds no key"),
        ("# only a comment\n", "holds no key"),
        ("k1 " + "a" * 40, "line 1: write '<key id>:<secret>'"),
        ("bad id:" + "a" * 40, "line 1"),
        ("k1:short", "shorter than 32"),
        (f"k1:{'a' * 32}\nk1:{'b' * 32}", "line 2: key id 'k1' is given twice"),
    ],
)
def test_bad_key_files_say_which_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "keys"
    path.write_text(text)
    with pytest.raises(KeyFileError, match=message) as caught:
        load_link_keys(path)
    assert "a" * 32 not in caught.value.message  # never the secret


def test_the_last_key_signs_unless_one_is_named(tmp_path: Path) -> None:
    path = tmp_path / "keys"
    path.write_text(f"# rotation\nold:{'o' * 32}\nnew:{'n' * 32}\n")
    assert LinkSigner.from_key_file(path).key_id == "new"
    assert LinkSigner.from_key_file(path, "old").secret == b"o" * 32
    with pytest.raises(KeyFileError, match="has no key 'gone'; it has old, new"):
        LinkSigner.from_key_file(path, "gone")
    assert "secret" not in repr(LinkSigner.from_key_file(path))


# plan_launch and the copy ----------------------------------------------------------------------


def _template(*, required: bool = False) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells.append(
        nbformat.v4.new_code_cell("n = 1\ncode = ''", metadata={"tags": ["parameters"]})
    )
    if required:
        nb.metadata["nblaunch"] = {"require_signature": True}
    return nb


def test_a_signed_plan_names_its_key_and_the_copy_records_it() -> None:
    nb = _template(required=True)
    plan = plan_launch("t.ipynb", nb, signed("n=5", expires=99), keys=KEYS, door="hub", now=0)
    assert (plan.signed_by, plan.values) == ("k1", {"n": 5})
    record = render_copy(plan, nb, link=None).metadata[META_KEY]
    assert record["signed_by"] == "k1"
    assert record["require_signature"] is True  # a copy opened as a template asks too


def test_a_name_carried_by_accident_is_not_used_by_a_signed_link() -> None:
    query = signed("n=5", door="server") + "&code=from-oauth"
    assert plan_launch("t.ipynb", _template(), query, keys=KEYS).values == {"n": 5}
    assert plan_launch("t.ipynb", _template(), "n=5&code=x").values == {"n": 5, "code": "x"}


def test_without_keys_a_signed_link_is_ordinary_with_a_note() -> None:
    plan = plan_launch("t.ipynb", _template(), signed("n=5", door="server"))
    assert plan.signed_by is None and plan.values == {"n": 5}
    assert any("Ignored the link's signature" in note for note in plan.notes)
    assert "signed_by" not in render_copy(plan, _template(), link=None).metadata[META_KEY]


@pytest.mark.parametrize(
    "metadata, required",
    [
        ({}, False),
        ({"nblaunch": {"require_signature": True}}, True),
        ({"nblaunch": {"require_signature": False}}, False),
        ({"nblaunch": {"require_signature": "yes"}}, True),  # anything but false asks
        ({"nblaunch": "require_signature"}, False),
    ],
)
def test_requires_signature(metadata: dict[str, Any], required: bool) -> None:
    assert requires_signature({"metadata": metadata, "cells": []}) is required


# The command line -------------------------------------------------------------------------------


def test_nblaunch_link_signs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from nblaunch.cli import main

    keys = tmp_path / "keys"
    keys.write_text(f"old:{'o' * 32}\nk1:{SECRET.decode()}\n")
    given = ["link", "https://h", "t", "-p", "n", "5", "--autorun", "--sign-key-file", str(keys)]
    assert main([*given, "--expires", "60"]) == 0
    link = capsys.readouterr().out.strip()
    query = link.split("?", 1)[1]
    assert "&exp=" in query and "&sig=k1." in query
    assert check(query, now=0) is not None
    assert main([*given, "--key-id", "old"]) == 0
    assert "&sig=old." in capsys.readouterr().out


@pytest.mark.parametrize(
    "extra, said",
    [
        (["--sign-key-file", "/nonexistent/keys"], "cannot read the link key file"),
        (["--sign-key-file", "{bad}"], "line 1"),
        (["--sign-key-file", "{good}", "--key-id", "nope"], "has no key 'nope'"),
        (["--sign-key-file", "{good}", "--expires", "0"], "above 0"),
        (["--expires", "60"], "give --sign-key-file too"),
    ],
)
def test_nblaunch_link_refuses_a_bad_key_file_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], said: str
) -> None:
    from nblaunch.cli import main

    (tmp_path / "bad").write_text("no colon here\n")
    (tmp_path / "good").write_text(f"k1:{'g' * 32}\n")
    extra = [e.format(bad=tmp_path / "bad", good=tmp_path / "good") for e in extra]
    assert main(["link", "https://h", "t", *extra]) == 2
    out, err = capsys.readouterr()
    assert out == "" and said in err and err.count("\n") == 1
    assert "g" * 32 not in err
