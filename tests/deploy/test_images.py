"""The images' pins agree with the chart's hub image, pyproject and the compat target.

No Docker here: the Dockerfiles are read as text, which is all a pin is.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from nblaunch import __version__

from . import chart

DOCKERFILES = {
    "hub": chart.DEPLOY / "hub" / "Dockerfile",
    "singleuser": chart.DEPLOY / "singleuser" / "Dockerfile",
}
#: JupyterHub releases that fixed what nblaunch relies on (the open redirect CVE-2026-33709 in
#: login's next=) or what a deployment may turn on (share codes, fixed in 5.5.1).
REDIRECT_FIX = "5.4.4"


def pins(dockerfile: Path) -> dict[str, str]:
    return dict(re.findall(r'"([A-Za-z0-9_.\-\[\]]+)==([^"]+)"', dockerfile.read_text()))


def base_image(dockerfile: Path) -> str:
    (line,) = re.findall(r"^FROM (\S+)$", dockerfile.read_text(), flags=re.MULTILINE)
    return line


@pytest.mark.parametrize("part", ["hub", "singleuser"])
def test_each_image_builds_on_the_charts_own(part: str) -> None:
    # The chart tags its images with its version, given at build time.
    default = chart.read_yaml(chart.CHART / "values.yaml")[part]["image"]["name"]
    assert base_image(DOCKERFILES[part]) == default + ":${CHART_VERSION}"


@pytest.mark.parametrize(
    ("part", "package", "source"),
    [
        ("hub", "nblaunch[hub]", "nblaunch"),
        ("hub", "jupyterhub", "chart"),
        ("hub", "jupyterhub-kubespawner", "chart"),
        ("singleuser", "nblaunch[lab]", "nblaunch"),
        ("singleuser", "jupyterhub", "chart"),  # jupyterhub-singleuser talks to that Hub
    ],
)
def test_pins_agree(part: str, package: str, source: str) -> None:
    expected = __version__ if source == "nblaunch" else chart.chart_pins()[package]
    assert pins(DOCKERFILES[part])[package] == expected


@pytest.mark.parametrize("part", ["hub", "singleuser"])
def test_values_use_the_images_of_this_version(part: str) -> None:
    assert chart.values()[part]["image"]["tag"] == __version__


def test_the_hub_extra_accepts_the_charts_jupyterhub_and_nothing_unsafe() -> None:
    # One line in pyproject (tomllib is 3.11+, and the project supports 3.10).
    (line,) = re.findall(r"^hub = \[(.*)\]$", (chart.ROOT / "pyproject.toml").read_text(), re.M)
    hub = [Requirement(r) for r in re.findall(r'"([^"]+)"', line)]
    (jupyterhub,) = [r for r in hub if r.name == "jupyterhub"]
    assert chart.chart_pins()["jupyterhub"] in jupyterhub.specifier
    assert not jupyterhub.specifier.contains("5.4.3")
    assert jupyterhub.specifier.contains(REDIRECT_FIX)


def test_make_test_compat_runs_the_charts_jupyterhub() -> None:
    makefile = (chart.ROOT / "Makefile").read_text()
    (version,) = re.findall(r"^COMPAT_HUB := (\S+)$", makefile, flags=re.MULTILINE)
    assert version == chart.chart_pins()["jupyterhub"]
