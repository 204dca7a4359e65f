"""The error tree: stable codes, statuses, JSON bodies and the tree drawn in the docstring."""

from __future__ import annotations

import inspect

import pytest

from nblaunch.core import errors
from nblaunch.core.errors import (
    NBLaunchError,
    ParameterError,
    ParameterTypeError,
    UnknownParameterError,
    collect,
)

CLASSES = [
    c for _, c in inspect.getmembers(errors, inspect.isclass)
    if issubclass(c, NBLaunchError) and not c.__name__.startswith("_")
]  # fmt: skip


def test_codes_are_unique_and_stable() -> None:
    codes = {c.__name__: c.code for c in CLASSES}
    assert len(set(codes.values())) == len(codes)
    assert codes["ParameterTypeError"] == "wrong-type"
    assert codes["UnknownParameterError"] == "unknown-parameter"
    assert codes["TemplateNotFoundError"] == "template-not-found"
    assert codes["ReservedNameError"] == "reserved-name"
    assert codes["TemplateMetadataError"] == "bad-metadata"


def test_new_errors_sit_under_the_ones_handlers_already_know() -> None:
    # Handlers and clients that know invalid-name and bad-template keep working.
    assert issubclass(errors.ReservedNameError, errors.InvalidNameError)
    assert issubclass(errors.TemplateMetadataError, errors.TemplateError)
    assert errors.TemplateMetadataError.status == 400


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_the_docstring_draws_every_error(cls: type[NBLaunchError]) -> None:
    line = next(row for row in (errors.__doc__ or "").splitlines() if f" {cls.__name__} " in row)
    assert cls.code in line
    assert str(cls.status) in line


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_names_end_in_error_and_statuses_are_http(cls: type[NBLaunchError]) -> None:
    assert cls.__name__.endswith("Error")
    assert 400 <= cls.status < 600


def test_to_json() -> None:
    err = NBLaunchError("Do this.", name="x")
    assert err.to_json() == {"code": "nblaunch-error", "message": "Do this."}
    assert err.fields == {"name": "x"}
    assert str(err) == "Do this."


def test_parameter_error_holds_every_problem() -> None:
    problems = [UnknownParameterError("No a.", name="a"), ParameterTypeError("b: int.", name="b")]
    err = ParameterError(problems)
    assert err.message == "No a.; b: int."
    assert err.to_json()["problems"] == [
        {"code": "unknown-parameter", "message": "No a.", "name": "a"},
        {"code": "wrong-type", "message": "b: int.", "name": "b"},
    ]


def test_collect_flattens_and_raises_only_when_needed() -> None:
    collect([])
    inner = ParameterError([UnknownParameterError("No a.", name="a")])
    with pytest.raises(ParameterError) as info:
        collect([inner, ParameterTypeError("b: int.", name="b")])
    assert [p.code for p in info.value.problems] == ["unknown-parameter", "wrong-type"]
