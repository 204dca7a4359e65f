"""The pages both doors share: one error page, one bug page, whichever door a link used."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

import nblaunch.pages
from nblaunch.core import (
    Parameter,
    ParameterError,
    ParameterTypeError,
    QueryError,
    UnknownParameterError,
)
from nblaunch.pages import SHARED, page_environment, render_problem, render_unhandled

HUB_PAGES = Path(nblaunch.pages.__file__).parents[1] / "hub" / "templates"
STATS = [
    Parameter(name="n", type="int", default=1, default_source="1", help="how many"),
    Parameter(name="label", type="str", default="x", default_source='"x"', help=""),
]


def test_docstring_examples() -> None:
    result = doctest.testmod(nblaunch.pages, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


@pytest.mark.parametrize("name", ["base.html", "error.html", "unhandled.html"])
def test_both_doors_render_the_same_shared_page(name: str) -> None:
    server, hub = page_environment(), page_environment(HUB_PAGES)
    assert server.get_template(name).filename == hub.get_template(name).filename
    assert Path(str(server.get_template(name).filename)).parent == SHARED


@pytest.mark.parametrize("name", ["catalog.html", "progress.html", "ticket.html"])
def test_the_hubs_own_pages_extend_the_shared_base(name: str) -> None:
    source = (HUB_PAGES / name).read_text()
    assert source.startswith('{% extends "base.html" %}')
    assert not (SHARED / name).exists()


def test_problem_page_lists_every_problem_and_keeps_the_values() -> None:
    err = ParameterError(
        [
            ParameterTypeError("n must be an int, not 'abc'.", name="n"),
            UnknownParameterError("No parameter lable; did you mean label?", name="lable"),
        ]
    )
    html = render_problem(
        page_environment(),
        err,
        template="stats",
        parameters=STATS,
        raw_query="n=abc&label=%3Cb%3E&autorun=1",
        action="/services/nblaunch/open/stats",
        catalog_url="/services/nblaunch/",
    )
    assert "n must be an int" in html and "did you mean label" in html
    assert 'action="/services/nblaunch/open/stats"' in html
    assert 'href="/services/nblaunch/">All templates' in html
    assert 'value="abc"' in html  # the value the link gave, there to correct
    assert "&lt;b&gt;" in html and "<b>" not in html  # values from a URL are data
    assert 'type="hidden" name="autorun" value="1"' in html  # controls ride along
    assert '<tr class="problem">' in html


def test_problem_page_without_a_catalog_has_no_catalog_link() -> None:
    html = render_problem(
        page_environment(),
        QueryError("Bad query."),
        template="stats",
        parameters=None,
        raw_query="",
        action="",
    )
    assert "All templates" not in html and "Parameters of" not in html


@pytest.mark.parametrize("log", ["the Jupyter server's log", "the nblaunch service's log"])
def test_the_bug_page_says_where_the_traceback_is(log: str) -> None:
    html = render_unhandled(page_environment(HUB_PAGES), log)
    assert "Unhandled error" in html and log.replace("'", "&#39;") in html
    assert "Traceback" not in html
