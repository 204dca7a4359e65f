"""``LaunchConfig``: one set of launch traits, their environment defaults and checks."""

from __future__ import annotations

import pytest
from traitlets import TraitError

from nblaunch.core.config import LaunchConfig


def test_every_trait_is_documented() -> None:
    for name, trait in LaunchConfig.class_own_traits(config=True).items():
        assert trait.help and len(trait.help) > 40, name


def test_defaults() -> None:
    config = LaunchConfig()
    assert (config.output_dir, config.default_ui, config.autorun) == ("nblaunch", "lab", "trusted")
    assert (config.embed_origins, config.trusted_globs, config.grant_ttl) == ([], [], 600)


def test_environment_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "OUTPUT_DIR": "/runs/", "DEFAULT_UI": "doc", "AUTORUN": "never",
        "EMBED_ORIGINS": "https://a.org:443, http://b.org:8080", "TRUSTED_GLOBS": "a/* b/*",
        "MAX_VALUE_BYTES": "10", "GRANT_TTL": "5",
    }.items():  # fmt: skip
        monkeypatch.setenv(f"NBLAUNCH_{name}", value)
    config = LaunchConfig()
    assert (config.output_dir, config.default_ui, config.autorun) == ("runs", "doc", "never")
    assert config.embed_origins == ["https://a.org", "http://b.org:8080"]
    assert (config.trusted_globs, config.max_value_bytes, config.grant_ttl) == (
        ["a/*", "b/*"], 10, 5.0,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("trait", "value"),
    [("output_dir", "../x"), ("embed_origins", ["*"]), ("autorun", "sometimes")],
)
def test_bad_values_are_refused(trait: str, value: object) -> None:
    with pytest.raises(TraitError):
        LaunchConfig(**{trait: value})
