"""The README's link examples are what ``nblaunch link`` prints today."""

from __future__ import annotations

import itertools
import shlex
from pathlib import Path

import pytest

from nblaunch.cli import main

README = Path(__file__).resolve().parent.parent / "README.md"


def _examples() -> list[tuple[str, str]]:
    lines = README.read_text().splitlines()
    return [
        (command, printed.removeprefix("# "))
        for command, printed in itertools.pairwise(lines)
        if command.startswith("nblaunch link ") and printed.startswith("# https://")
    ]


def test_the_readme_has_link_examples_for_every_target() -> None:
    targets = {shlex.split(command)[3] for command, _ in _examples()}
    assert targets == {"hub", "server", "binder"}


@pytest.mark.parametrize(("command", "printed"), _examples())
def test_readme_link_example(command: str, printed: str, capsys: pytest.CaptureFixture[str]):
    assert main(shlex.split(command)[1:]) == 0
    assert capsys.readouterr().out.strip() == printed
