"""``notebook_link``: the launch link of a notebook as it is now ("Copy launch link"), as a
property over any values (launch, read the injected cell back, link, parse, type: the same
values), and the refusals for cells that no longer hold literals."""

from __future__ import annotations

from urllib.parse import urlsplit

import nbformat
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nblaunch.core import (
    NBLaunchError,
    ParameterError,
    SignatureRequiredError,
    TemplateError,
    coerce,
    inject,
    notebook_parameters,
    parse_query,
    plan_launch,
    render_copy,
    sign_query,
)
from nblaunch.core.links import cell_values, notebook_link

from .strategies import PROPERTY, names, same, values


def _notebook(parameters: str | None) -> nbformat.NotebookNode:
    spec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": spec})
    if parameters is not None:
        nb.cells.append(nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]}))
    nb.cells.append(nbformat.v4.new_code_cell("print('done')"))
    return nb


@PROPERTY
@given(st.dictionaries(names("python"), values, max_size=5))
def test_a_copys_link_gives_back_its_values(params: dict[str, object]) -> None:
    template = _notebook(None)
    copy = inject(template, params, template="t.ipynb", link="/nblaunch/open/t.ipynb")
    link = notebook_link(copy, "nblaunch/t-x.ipynb", server_base="/")
    assert link.startswith("/nblaunch/open/t.ipynb")
    typed = coerce(parse_query(urlsplit(link).query), notebook_parameters(template))
    assert typed.keys() == params.keys()
    assert all(same(typed[n], params[n]) for n in params)


def test_an_edited_copy_links_its_edited_values_with_its_ui() -> None:
    template = _notebook("n: int = 1\nlabel = 'a'")
    plan = plan_launch("stats.ipynb", template, "n=5&ui=doc")
    copy = render_copy(plan, template, link="/user/a/nblaunch/open/stats.ipynb?n=5&ui=doc")
    copy.cells[1].source = "# Parameters\nn = 7\nlabel = 'b'  # edited\n"
    assert notebook_link(copy, "nblaunch/x.ipynb", server_base="/hub/user-redirect") == (
        "/hub/user-redirect/nblaunch/open/stats.ipynb?n=7&label=b&ui=doc"
    )


@pytest.mark.parametrize(
    "link, hub_service_url, expected",
    [
        (
            "https://h/services/nblaunch/open/stats?n=5",
            "https://h/services/nblaunch/",
            "https://h/services/nblaunch/open/stats?n=7",
        ),
        (  # the service's own URL is not known here: the server's door
            "https://h/services/nblaunch/open/stats?n=5",
            "",
            "/hub/user-redirect/nblaunch/open/stats.ipynb?n=7",
        ),
        (  # a copy the server door wrote is not in the Hub's catalog
            "/user/a/nblaunch/open/stats.ipynb?n=5",
            "https://h/services/nblaunch/",
            "/hub/user-redirect/nblaunch/open/stats.ipynb?n=7",
        ),
    ],
)
def test_which_door(link: str, hub_service_url: str, expected: str) -> None:
    copy = inject(_notebook("n = 1"), {"n": 7}, template="stats.ipynb", link=link)
    got = notebook_link(
        copy, "nblaunch/x.ipynb", server_base="/hub/user-redirect", hub_service_url=hub_service_url
    )
    assert got == expected


def test_a_template_links_its_parameters_cell() -> None:
    nb = _notebook("image_id = 2959331  # which image\nlabel = 'a'")
    assert notebook_link(nb, "stats.ipynb", server_base="/") == (
        "/nblaunch/open/stats.ipynb?image_id=2959331&label=a"
    )


@pytest.mark.parametrize(
    "source, error, said",
    [
        ("n = pick()\nm = 2", ParameterError, "'n' is no longer a literal value (pick())"),
        ("n = a + 1\nm = b", ParameterError, "'m' is no longer a literal value (b)"),
        ("n: int\n", ParameterError, "'n' is no longer a literal value (no value)"),
        ("n = (\n", TemplateError, "cannot be read"),
    ],
)
def test_cells_that_hold_no_literal_say_which(
    source: str, error: type[NBLaunchError], said: str
) -> None:
    with pytest.raises(error) as caught:
        cell_values({"cells": []}, source)
    assert said in caught.value.message


def test_a_notebook_without_parameters_has_no_link() -> None:
    with pytest.raises(TemplateError, match="declares no parameters and is not a launch copy"):
        notebook_link(_notebook(None), "plain.ipynb", server_base="/")


@pytest.mark.parametrize(
    "language, source, expected",
    [
        ("r", 'n <- 7L\nlabel <- "b"', {"n": 7, "label": "b"}),
        ("julia", 'n = 7\nlabel = "b"', {"n": 7, "label": "b"}),
    ],
)
def test_r_and_julia_cells_are_read_with_their_readers(
    language: str, source: str, expected: dict[str, object]
) -> None:
    nb = {"metadata": {"kernelspec": {"name": language, "language": language}}}
    assert cell_values(nb, source) == expected


def test_a_template_that_requires_signed_links_gives_no_unsigned_link() -> None:
    template = _notebook("n = 1")
    template.metadata["nblaunch"] = {"require_signature": True}
    with pytest.raises(SignatureRequiredError, match="opens only from signed links"):
        notebook_link(template, "t.ipynb", server_base="/")
    query = sign_query("n=2", "t", "k1", b"k" * 32, door="server", expires=None)
    plan = plan_launch("t.ipynb", template, query, keys={"k1": b"k" * 32})
    copy = render_copy(plan, template, link=None)  # records require_signature too
    with pytest.raises(SignatureRequiredError):
        notebook_link(copy, "nblaunch/t.ipynb", server_base="/")
