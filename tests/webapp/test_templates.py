"""The shipped template notebooks: their metadata, and a run top to bottom against the app.

The run is real: the application serves its JSON API over HTTP on a free port (uvicorn in a
thread), and papermill executes each notebook in a Python kernel with the item's parameters.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from _harness.pg import free_port

from nblaunch.webapp import Settings, create_app
from nblaunch.webapp.recommend import TEMPLATES_DIR, load_templates

RUNS = [("image-stats", 1), ("image-stats", 3), ("table-summary", 6), ("table-summary", 7),
        ("table-summary", 8), ("item-explorer", 2), ("item-explorer", 8)]  # fmt: skip


@pytest.mark.parametrize("path", sorted(TEMPLATES_DIR.glob("*.ipynb")), ids=lambda p: p.stem)
def test_template_is_valid_with_parameters_and_metadata(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    assert "item_id = " in tagged[0].source and 'api_url = "http' in tagged[0].source
    meta = nb.metadata["nblaunch"]
    assert set(meta) >= {"title", "description", "kinds", "autorun"}
    assert set(meta["kinds"]) <= {"image", "table"} and meta["kinds"]
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")  # shipped clean


def test_three_templates_are_found() -> None:
    assert [t.name for t in load_templates()] == ["image-stats", "item-explorer", "table-summary"]


@pytest.fixture(scope="module")
def api_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import uvicorn

    port = free_port()
    data = tmp_path_factory.mktemp("live")
    app = create_app(Settings(data_dir=data, public_url=f"http://127.0.0.1:{port}"), client=None)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the application did not start"
    yield app.state.settings.api_url
    server.should_exit = True
    thread.join(10)
    app.state.engine.dispose()


@pytest.mark.parametrize(("template", "item_id"), RUNS)
def test_template_runs_against_the_app(
    api_url: str, tmp_path: Path, template: str, item_id: int
) -> None:
    import papermill

    result = papermill.execute_notebook(
        str(TEMPLATES_DIR / f"{template}.ipynb"),
        str(tmp_path / "out.ipynb"),
        parameters={"item_id": item_id, "api_url": api_url},
        kernel_name="python3",
        progress_bar=False,
    )
    outputs = [o for cell in result.cells for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert f"Item {item_id}: " in text
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    if template != "item-explorer" or item_id <= 5:
        assert images, "the notebook should plot"


def test_wrong_kind_fails_with_a_clear_message(api_url: str, tmp_path: Path) -> None:
    import papermill

    with pytest.raises(papermill.PapermillExecutionError, match="not an image"):
        papermill.execute_notebook(
            str(TEMPLATES_DIR / "image-stats.ipynb"),
            str(tmp_path / "out.ipynb"),
            parameters={"item_id": 6, "api_url": api_url},
            kernel_name="python3",
            progress_bar=False,
        )
