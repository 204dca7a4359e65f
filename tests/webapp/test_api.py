"""The JSON API and the catalog made at first run."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from nblaunch.webapp.catalog import SOURCES, items_dir


def test_catalog_lists_images_and_tables(web: TestClient) -> None:
    items = web.get("/api/items").json()
    assert [i["kind"] for i in items] == ["image"] * 5 + ["table"] * 3
    first = items[0]
    assert first["id"] == 1 and first["title"] == "Cameraman"
    assert first["metadata"]["width"] == 512
    assert first["data_url"] == "http://127.0.0.1:8090/api/items/1/data"
    assert len(web.get("/api/items?kind=table").json()) == 3


def test_unknown_kind_is_a_json_400(web: TestClient) -> None:
    response = web.get("/api/items?kind=video")
    assert response.status_code == 400
    assert response.json()["code"] == "http-400"


def test_one_item(web: TestClient) -> None:
    item = web.get("/api/items/6").json()
    assert item["kind"] == "table" and "Date" in item["metadata"]["columns"]


@pytest.mark.parametrize("path", ["/api/items/99", "/api/items/99/data"])
def test_missing_item_is_a_json_404(web: TestClient, path: str) -> None:
    response = web.get(path)
    assert response.status_code == 404
    assert response.json() == {"code": "http-404", "message": "There is no item 99."}


def test_image_data_is_a_png(web: TestClient) -> None:
    response = web.get("/api/items/2/data")
    assert response.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(response.content)).size == (384, 303)


def test_table_data_is_csv(web: TestClient) -> None:
    response = web.get("/api/items/8/data")
    assert response.headers["content-type"].startswith("text/csv")
    lines = response.text.splitlines()
    assert lines[0] == "date,temperature_c,rain_mm,wind_ms" and len(lines) == 366


def test_catalog_is_deterministic(web: TestClient, tmp_path: Path) -> None:
    made_here = {s.filename: hashlib.sha256(s.make()[0]).hexdigest() for s in SOURCES}
    folder = items_dir(web.app.state.settings.data_dir)  # type: ignore[attr-defined]
    on_disk = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    assert on_disk == made_here


def test_missing_data_file_is_remade_at_start(web: TestClient) -> None:
    from nblaunch.webapp import create_app

    settings = web.app.state.settings  # type: ignore[attr-defined]
    (items_dir(settings.data_dir) / "coins.png").unlink()
    again = create_app(settings, client=None)
    assert (items_dir(settings.data_dir) / "coins.png").exists()
    again.state.engine.dispose()


def test_health(web: TestClient) -> None:
    assert web.get("/api/health").json() == {"status": "ok"}
