"""docs/embedding.md prints docs/examples/embed_app.py as it is (the test suite runs the file)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


@pytest.mark.parametrize("guide", [DOCS / "embedding.md", ROOT / "README.md"])
def test_the_guide_prints_the_example_as_it_is(guide: Path) -> None:
    example = (DOCS / "examples" / "embed_app.py").read_text()
    blocks = guide.read_text().split("```python\n")[1:]
    assert example in [b.split("```", 1)[0] for b in blocks], "the guide and the example differ"


def test_the_guide_links_the_bridge_protocol() -> None:
    assert "(bridge.md)" in (DOCS / "embedding.md").read_text()
    assert (DOCS / "bridge.md").exists()
