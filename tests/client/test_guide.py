"""docs/embedding.md prints docs/examples/embed_app.py as it is (the test suite runs the file)."""

from __future__ import annotations

from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_the_guide_prints_the_example_as_it_is() -> None:
    example = (DOCS / "examples" / "embed_app.py").read_text()
    blocks = (DOCS / "embedding.md").read_text().split("```python\n")[1:]
    assert example in [b.split("```", 1)[0] for b in blocks], "the guide and the example differ"


def test_the_guide_links_the_bridge_protocol() -> None:
    assert "(bridge.md)" in (DOCS / "embedding.md").read_text()
    assert (DOCS / "bridge.md").exists()
