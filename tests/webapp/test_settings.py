"""Settings from the environment, and the URLs derived from them."""

from __future__ import annotations

from pathlib import Path

from nblaunch.webapp import Settings


def test_environment_overrides_defaults(tmp_path: Path) -> None:
    env = {
        "NBLAUNCH_WEBAPP_DATA_DIR": str(tmp_path),
        "NBLAUNCH_WEBAPP_HUB_URL": "https://hub.example.org/jhub",
        "NBLAUNCH_WEBAPP_DEMO_USERS": "no",
        "NBLAUNCH_WEBAPP_HTTPS_ONLY": "1",
        "NBLAUNCH_WEBAPP_PUBLIC_URL": "https://data.example.org/",
        "NBLAUNCH_WEBAPP_DATABASE_URL": "postgresql+psycopg://u@db/x",
    }
    settings = Settings.from_env(env, api_token="explicit")
    assert settings.data_dir == tmp_path and settings.api_token == "explicit"
    assert settings.demo_users is False and settings.https_only is True
    assert settings.service_url == "https://hub.example.org/jhub/services/nblaunch/"
    assert settings.hub_origin == "https://hub.example.org"
    assert settings.api_url == "https://data.example.org/api"
    assert settings.effective_database_url == "postgresql+psycopg://u@db/x"


def test_defaults_use_sqlite_in_the_data_folder(tmp_path: Path) -> None:
    settings = Settings.from_env({"NBLAUNCH_WEBAPP_DATA_DIR": str(tmp_path)})
    assert settings.effective_database_url == f"sqlite:///{tmp_path}/webapp.sqlite"
    assert settings.templates_dir.name == "templates"
    assert (settings.templates_dir / "image-stats.ipynb").exists()
    assert settings.with_changes(hub_url="http://h").hub_url == "http://h"
