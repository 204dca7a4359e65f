"""Autorun grants and the trust rules that decide whether a launch may get one."""

from __future__ import annotations

import pytest

from nblaunch.core import autorun_basis, is_launch_copy, template_trusted
from nblaunch.core.grants import GrantBook, allowed_by


def test_a_grant_runs_once() -> None:
    book = GrantBook(ttl=60)
    book.issue("a.ipynb", "h", basis="always", now=0)
    assert book.redeem("a.ipynb", "h", policy="always", now=1) is True
    assert book.redeem("a.ipynb", "h", policy="always", now=2) is False


@pytest.mark.parametrize(
    ("path", "sources", "policy", "now"),
    [
        ("b.ipynb", "h", "always", 1),  # another path: a copied or renamed file
        ("a.ipynb", "other", "always", 1),  # other sources: the file changed after the launch
        ("a.ipynb", "h", "never", 1),  # the operator switched autorun off since
        ("a.ipynb", "h", "always", 61),  # expired
    ],
)
def test_a_grant_is_refused(path: str, sources: str, policy: str, now: float) -> None:
    book = GrantBook(ttl=60)
    book.issue("a.ipynb", "h", basis="always", now=0)
    assert book.redeem(path, sources, policy=policy, now=now) is False


def test_a_failed_redemption_uses_the_grant_up() -> None:
    book = GrantBook(ttl=60)
    book.issue("a.ipynb", "h", basis="always", now=0)
    assert book.redeem("a.ipynb", "changed", policy="always", now=1) is False
    assert book.redeem("a.ipynb", "h", policy="always", now=2) is False


@pytest.mark.parametrize(
    ("policy", "basis", "allowed"),
    [
        ("always", "always", True),
        ("always", "trusted", True),
        ("trusted", "trusted", True),
        ("trusted", "always", False),  # issued under a looser policy than now
        ("never", "trusted", False),
    ],
)
def test_the_policy_in_force_decides_at_redemption(policy: str, basis: str, allowed: bool) -> None:
    assert allowed_by(policy, basis) is allowed


def test_grants_survive_a_round_trip_and_malformed_ones_are_dropped() -> None:
    book = GrantBook(ttl=60)
    book.issue("a.ipynb", "h", basis="trusted", now=0)
    data = book.to_json()
    data["b.ipynb"] = {"path": "elsewhere.ipynb", "sources": "h", "basis": "always", "expires": 9}
    data["c.ipynb"] = "garbage"
    again = GrantBook.from_json(data, ttl=60)
    assert list(again.grants) == ["a.ipynb"]
    assert GrantBook.from_json(["not", "a", "dict"]).grants == {}


@pytest.mark.parametrize(
    ("requested", "policy", "trusted", "basis"),
    [
        (False, "always", True, None),
        (True, "never", True, None),
        (True, "trusted", False, None),
        (True, "trusted", True, "trusted"),
        (True, "always", False, "always"),
        (True, "always", True, "trusted"),
    ],
)
def test_autorun_basis(requested: bool, policy: str, trusted: bool, basis: str | None) -> None:
    assert autorun_basis(requested, policy, trusted=trusted) == basis


def test_autorun_policy_must_be_known() -> None:
    with pytest.raises(ValueError, match="policy"):
        autorun_basis(True, "sometimes", trusted=True)


COPY = {"metadata": {"nblaunch": {"template": "victim.ipynb", "parameters": {}}}}


@pytest.mark.parametrize(
    ("path", "nb", "globs", "marked", "trusted"),
    [
        ("safe/a.ipynb", {}, ["safe/*"], False, True),
        ("other/a.ipynb", {}, ["safe/*"], False, False),
        ("a.ipynb", {}, [], True, True),  # marked by the operator (the hub's catalog)
        # A copy is never a trusted template, wherever it is and whatever marks it
        # (issue 9, finding 3: two links made a refused template run).
        ("nblaunch/a.ipynb", {}, ["*"], True, False),
        ("nblaunch/sub/a.ipynb", {}, ["*"], False, False),
        ("safe/a.ipynb", COPY, ["safe/*"], True, False),
    ],
)
def test_template_trusted(
    path: str, nb: dict, globs: list[str], marked: bool, trusted: bool
) -> None:
    assert template_trusted(path, nb, globs=globs, output_dir="nblaunch", marked=marked) is trusted


def test_is_launch_copy() -> None:
    assert is_launch_copy(COPY)
    assert not is_launch_copy({"metadata": {"nblaunch": {"autorun": True}}})
    assert not is_launch_copy({"metadata": {"nblaunch": "x"}})
