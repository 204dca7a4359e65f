"""Consent before running: a link asks to run a template that may not run by itself, so the
user is shown the template and the typed values and chooses (issue 14, part 2)."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlencode

import pytest
from jupyter_server.utils import url_path_join


@pytest.fixture
def page(http_server_client, jp_base_url, jp_auth_header):
    """GET or POST the open URL as a browser would (HTML), without following redirects."""

    async def fetch(query: str, *, body: dict[str, str] | None = None, xsrf: bool = True):
        url = url_path_join(jp_base_url, "nblaunch/open/stats.ipynb") + f"?{query}"
        headers = {**jp_auth_header, "Accept": "text/html"}
        kwargs = {}
        if body is not None:
            if xsrf:
                # Token auth skips xsrf; a cookie login would need the form's _xsrf field.
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            kwargs = {"method": "POST", "body": urlencode(body)}
        return await http_server_client.fetch(
            url, headers=headers, follow_redirects=False, raise_error=False, **kwargs
        )

    return fetch


def _copy(response, base_url: str) -> str:
    assert response.code == 302, response.body
    return unquote(response.headers["Location"][len(base_url + "lab/tree/") :])


async def test_a_link_that_asks_to_run_an_unmarked_template_asks_first(
    page, stats_template, jp_root_dir
):
    response = await page("image_id=7&label=hi&autorun=1")
    html = response.body.decode()
    assert response.code == 200
    assert 'id="nblaunch-consent"' in html and 'method="post"' in html
    assert "<code>image_id</code>" in html and ">7<" in html and "&#34;hi&#34;" in html
    assert re.search(r'name="_xsrf" value="[^"]+"', html)
    assert not (jp_root_dir / "nblaunch").exists()  # nothing written before the choice


async def test_open_and_run_grants_one_run(page, stats_template, redeem, jp_base_url):
    copy = _copy(await page("image_id=8&autorun=1", body={"run": "1"}), jp_base_url)
    assert await redeem(copy) is True
    assert await redeem(copy) is False


async def test_open_without_running_grants_nothing(page, stats_template, redeem, jp_base_url):
    copy = _copy(await page("image_id=9&autorun=1", body={"run": "0"}), jp_base_url)
    assert await redeem(copy) is False


@pytest.mark.parametrize(
    ("nblaunch_config", "query"),
    [
        ({"autorun": "never"}, "image_id=10&autorun=1"),  # the operator said never: no asking
        ({"trusted_globs": ["stats.ipynb"]}, "image_id=11&autorun=1"),  # trusted: straight on
        ({}, "image_id=12"),  # the link did not ask to run
    ],
)
async def test_no_question_when_there_is_nothing_to_ask(page, stats_template, jp_base_url, query):
    assert (await page(query)).code == 302


async def test_an_api_client_is_never_asked(launch, stats_template, redeem, jp_base_url):
    response = await launch("stats.ipynb", "image_id=13&autorun=1")
    assert await redeem(_copy(response, jp_base_url)) is False
