"""Pages for people: catalog, item page, error pages (never a traceback)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from nblaunch.webapp import Settings, create_app


def test_root_goes_to_the_catalog(web: TestClient) -> None:
    assert web.get("/", follow_redirects=False).headers["location"] == "/items"


def test_catalog_page(web: TestClient, login: Callable[..., str]) -> None:
    login(web)
    page = web.get("/items").text
    assert "Cameraman" in page and "Weather station 2023" in page
    tables_only = web.get("/items?kind=table").text
    assert "Cameraman" not in tables_only and "MSFT daily" in tables_only


@pytest.mark.parametrize(
    ("item_id", "offered", "not_offered"),
    [(1, ["image-stats", "item-explorer"], "table-summary"),
     (7, ["table-summary", "item-explorer"], "image-stats")],
)  # fmt: skip
def test_item_page_offers_the_notebooks_for_its_kind(
    web: TestClient, login: Callable[..., str], item_id: int, offered: list[str], not_offered: str
) -> None:
    login(web)
    page = web.get(f"/items/{item_id}").text
    for name in offered:
        assert f'href="/items/{item_id}/open/{name}"' in page
        assert f'data-analyze-template="{name}"' in page
    assert not_offered not in page
    # Served by this application: a cross-origin module script would need CORS headers.
    assert 'data-embed-js="/embed/nblaunch-embed.js"' in page
    assert "export function embed" in web.get("/embed/nblaunch-embed.js").text
    assert 'data-origin="http://127.0.0.1:8000"' in page


def test_item_page_shows_the_plain_share_link(web: TestClient, login: Callable[..., str]) -> None:
    login(web)
    page = web.get("/items/3").text
    start = page.index('value="http://127.0.0.1:8000/services/nblaunch/open/image-stats?')
    link = page[start + 7 : page.index('"', start + 7)].replace("&amp;", "&")
    query = parse_qs(urlsplit(link).query)
    assert query == {
        "item_id": ["3"],
        "api_url": ["http://127.0.0.1:8090/api"],
        "ui": ["lab"],
        "autorun": ["1"],
    }


def test_unknown_item_is_a_page_not_a_traceback(web: TestClient, login: Callable[..., str]) -> None:
    login(web)
    response = web.get("/items/404")
    assert response.status_code == 404
    assert "There is no item 404." in response.text and "<html" in response.text
    assert web.get("/items/not-a-number").status_code == 400


def test_unexpected_error_is_a_plain_500_page(
    settings: Settings, login: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(settings, client=None)

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr("nblaunch.webapp.recommend.for_kind", broken)
    with TestClient(app, raise_server_exceptions=False) as web:
        login(web)
        response = web.get("/items/1")
    assert response.status_code == 500
    assert "Unhandled error" in response.text
    assert "secret internals" not in response.text and "Traceback" not in response.text
    app.state.engine.dispose()


def test_without_a_hub_the_item_page_says_so(settings: Settings, login: Callable[..., str]) -> None:
    app = create_app(settings, client=None)
    with TestClient(app) as web:
        login(web)
        page = web.get("/items/1").text
        assert "JupyterHub is not connected" in page
        # "Open in Jupyter" falls back to the plain link; the Hub then asks for its own login.
        response = web.get("/items/1/open/image-stats", follow_redirects=False)
        assert response.headers["location"].startswith(
            "http://127.0.0.1:8000/services/nblaunch/open/image-stats?item_id=1"
        )
        token = web.cookies.get("nblaunch_webapp")
        assert token
    app.state.engine.dispose()


def test_security_headers(web: TestClient) -> None:
    response = web.get("/login")
    assert response.headers["content-security-policy"] == "frame-ancestors 'self'"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_api_docs_are_served(web: TestClient) -> None:
    assert web.get("/api/docs").status_code == 200
    assert "/api/items/{item_id}/data" in web.get("/openapi.json").json()["paths"]


@pytest.mark.parametrize(
    "url", ["/items/9223372036854775808", "/versions/99999999999999999999", "/api/items/-1"]
)
def test_an_id_beyond_64_bits_is_a_4xx(
    web: TestClient, login: Callable[..., str], url: str
) -> None:
    # Found by tests/fuzz: SQLite raised OverflowError (a 500) for such ids.
    login(web, "alice")
    response = web.get(url, headers={"Accept": "application/json"})
    assert 400 <= response.status_code < 500, response.text
    assert "Traceback" not in response.text


def test_the_login_redirect_keeps_no_huge_query(web: TestClient) -> None:
    # Found by tests/fuzz: a 30 KB query became a 90 KB Location header, which proxies refuse.
    response = web.get("/items/1?x=" + "y" * 30_000, follow_redirects=False)
    assert response.status_code == 303
    assert len(response.headers["location"]) < 3000
    assert parse_qs(urlsplit(response.headers["location"]).query)["next"] == ["/items/1"]
