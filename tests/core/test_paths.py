"""``safe_path``: paths from URLs stay inside the root and name no hidden file."""

from __future__ import annotations

import pytest

from nblaunch.core import UnsafePathError, safe_path


@pytest.mark.parametrize(
    ("path", "normal"),
    [
        ("a.ipynb", "a.ipynb"),
        ("/stats//image-stats.ipynb", "stats/image-stats.ipynb"),
        ("./a/./b.ipynb", "a/b.ipynb"),
        # Already decoded by the web framework: a literal "%" stays literal (no second decoding).
        ("my%20dir/a.ipynb", "my%20dir/a.ipynb"),
        ("%2e%2e/x", "%2e%2e/x"),
        ("a..b.ipynb", "a..b.ipynb"),
    ],
)
def test_safe(path: str, normal: str) -> None:
    assert safe_path(path) == normal


@pytest.mark.parametrize(
    "path",
    ["", "/", "..", "../etc/passwd", "a/../../b", "a\\..\\b", "a\0b", ".git/config",
     "a/.hidden.ipynb"],
)  # fmt: skip
def test_unsafe(path: str) -> None:
    with pytest.raises(UnsafePathError) as info:
        safe_path(path)
    assert info.value.status == 404


def test_hidden_allowed_on_request() -> None:
    assert safe_path(".config/a.ipynb", allow_hidden=True) == ".config/a.ipynb"
    with pytest.raises(UnsafePathError):
        safe_path("../a", allow_hidden=True)
