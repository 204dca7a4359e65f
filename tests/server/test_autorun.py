"""Autorun: a link asks, ``c.LaunchConfig.autorun`` decides, the server holds a one-time grant.

The copy on disk records no permission; the plugin asks ``POST nblaunch/api/grants/redeem``
and runs only on ``{"run": true}``. Each test here observes the grant through that API.
"""

from __future__ import annotations

import json
import shutil
from urllib.parse import unquote

import nbformat
import pytest
from jupyter_server.utils import url_path_join


@pytest.fixture
def grant(http_server_client, jp_auth_header, jp_base_url):
    async def post(path: str, basis: str) -> int:
        response = await http_server_client.fetch(
            url_path_join(jp_base_url, "nblaunch/api/grants"),
            method="POST",
            headers=jp_auth_header,
            body=json.dumps({"path": path, "basis": basis}),
            raise_error=False,
        )
        return int(response.code)

    return post


async def _copy(launch, base_url: str, path: str, query: str) -> str:
    response = await launch(path, query)
    assert response.code == 302, response.body
    return unquote(response.headers["Location"][len(base_url + "lab/tree/") :])


@pytest.fixture
def templates(write_template, notebook_factory):
    write_template("plain.ipynb", notebook_factory("n = 1", "n * 2"))
    # Signed by Jupyter's notary, as every notebook Jupyter saves without rich outputs is: no
    # longer a reason to autorun (issue 9, finding 3).
    write_template("signed.ipynb", notebook_factory("n = 1", "n * 2"), sign=True)
    write_template("safe/ok.ipynb", notebook_factory("n = 1", "n * 2"))


@pytest.mark.parametrize(
    ("nblaunch_config", "path", "query", "expected"),
    [
        ({}, "plain.ipynb", "n=1&autorun=1", False),
        ({}, "signed.ipynb", "n=2&autorun=1", False),
        ({"trusted_globs": ["safe/*.ipynb"]}, "safe/ok.ipynb", "n=5&autorun=1", True),
        ({"trusted_globs": ["safe/*.ipynb"]}, "safe/ok.ipynb", "n=3", False),
        ({"trusted_globs": ["safe/*.ipynb"]}, "safe/ok.ipynb", "n=4&autorun=0", False),
        ({"trusted_globs": ["safe/*.ipynb"]}, "plain.ipynb", "n=6&autorun=1", False),
        ({"autorun": "always"}, "plain.ipynb", "n=7&autorun=true", True),
        ({"autorun": "always"}, "plain.ipynb", "n=8", False),
        ({"autorun": "never", "trusted_globs": ["*"]}, "plain.ipynb", "n=9&autorun=1", False),
    ],
)
async def test_policy_decides(launch, templates, redeem, jp_base_url, path, query, expected):
    copy = await _copy(launch, jp_base_url, path, query)
    assert await redeem(copy) is expected
    assert await redeem(copy) is False  # a grant works once


@pytest.mark.parametrize("nblaunch_config", [{"autorun": "always"}])
async def test_a_file_that_claims_autorun_gets_no_grant(
    templates, redeem, write_template, notebook_factory
):
    # Issue 9, finding 1: a notebook whose metadata said autorun ran on opening.
    nb = notebook_factory("n = 1", "n * 2")
    nb.metadata["nblaunch"] = {"template": "plain.ipynb", "parameters": {}, "autorun": True}
    write_template("downloaded.ipynb", nb)
    assert await redeem("downloaded.ipynb") is False


@pytest.mark.parametrize("nblaunch_config", [{"autorun": "always"}])
async def test_a_copied_or_changed_copy_carries_no_grant(
    launch, templates, redeem, jp_root_dir, jp_base_url
):
    copy = await _copy(launch, jp_base_url, "plain.ipynb", "n=10&autorun=1")
    shutil.copy(jp_root_dir / copy, jp_root_dir / "elsewhere.ipynb")
    assert await redeem("elsewhere.ipynb") is False
    nb = nbformat.read(str(jp_root_dir / copy), as_version=4)
    nb.cells[-1].source = "import os; os.system('x')"
    nbformat.write(nb, str(jp_root_dir / copy))
    assert await redeem(copy) is False


@pytest.mark.parametrize("nblaunch_config", [{"trusted_globs": ["*.ipynb", "nblaunch/*"]}])
async def test_a_copy_used_as_a_template_is_never_trusted(
    launch, templates, redeem, jp_base_url, write_template, notebook_factory
):
    # Issue 9, finding 3: refused on a template, then run from that template's copy.
    copy = await _copy(launch, jp_base_url, "plain.ipynb", "n=11")
    again = await _copy(launch, jp_base_url, copy, "n=12&autorun=1")
    assert await redeem(again) is False


@pytest.mark.parametrize("nblaunch_config", [{"trusted_globs": ["safe/*.ipynb"]}])
async def test_reopening_a_link_grants_again(launch, templates, redeem, jp_base_url):
    copy = await _copy(launch, jp_base_url, "safe/ok.ipynb", "n=13&autorun=1")
    assert await redeem(copy) is True
    assert await _copy(launch, jp_base_url, "safe/ok.ipynb", "n=13&autorun=1") == copy
    assert await redeem(copy) is True


@pytest.mark.parametrize("nblaunch_config", [{"autorun": "trusted"}])
async def test_the_grants_api_checks_its_input_and_the_policy(
    launch, templates, grant, redeem, jp_base_url
):
    copy = await _copy(launch, jp_base_url, "plain.ipynb", "n=14")
    assert await grant(copy, "sometimes") == 400
    assert await grant("missing.ipynb", "trusted") == 404
    assert await grant(copy, "always") == 201
    assert await redeem(copy) is False  # issued as "always", redeemed under "trusted"
    assert await grant(copy, "trusted") == 201
    assert await redeem(copy) is True
