"""Settings of the reference host application, from ``NBLAUNCH_WEBAPP_*`` environment variables.

Every field has a default that works for ``nblaunch demo`` on one machine: SQLite in the data
folder, the Hub on ``127.0.0.1:8000``, the application on ``127.0.0.1:8090``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

ENV_PREFIX = "NBLAUNCH_WEBAPP_"


def _default_data_dir() -> Path:
    return Path(os.environ.get(ENV_PREFIX + "DATA_DIR", ".demo/webapp")).resolve()


@dataclass(frozen=True)
class Settings:
    """Everything the application needs to know about its surroundings.

    >>> s = Settings(data_dir=Path("/tmp/x"))
    >>> s.effective_database_url
    'sqlite:////tmp/x/webapp.sqlite'
    >>> s.service_url
    'http://127.0.0.1:8000/services/nblaunch/'
    """

    data_dir: Path = field(default_factory=_default_data_dir)
    # Empty means "a SQLite file in data_dir"; PostgreSQL is postgresql+psycopg://user@host/db.
    database_url: str = ""
    hub_url: str = "http://127.0.0.1:8000"
    service_prefix: str = "/services/nblaunch/"
    # The Hub token of the nblaunch service role (issue 4): never sent to a browser.
    api_token: str = ""
    # Shared with the Hub's TicketAuthenticator to sign single-use login tickets.
    ticket_secret: str = ""
    # Signs the session cookie; empty means a random key kept in data_dir/secret_key.
    secret_key: str = ""
    # How notebooks in users' servers reach this application's JSON API.
    public_url: str = "http://127.0.0.1:8090"
    # The notebook templates offered on item pages (the hub service must serve the same ones).
    templates_dir: Path = Path(__file__).resolve().parent.parent / "templates"
    # Make alice and bob with random passwords on first run (printed by the demo).
    demo_users: bool = True
    # Cookies marked Secure: turn on behind HTTPS.
    https_only: bool = False

    @property
    def effective_database_url(self) -> str:
        """The SQLAlchemy URL in use: ``database_url`` or a SQLite file in ``data_dir``."""
        return self.database_url or f"sqlite:///{self.data_dir / 'webapp.sqlite'}"

    @property
    def service_url(self) -> str:
        """The absolute URL of the nblaunch hub service, ending in a slash."""
        prefix = "/" + self.service_prefix.strip("/") + "/"
        return self.hub_url.rstrip("/") + prefix

    @property
    def hub_origin(self) -> str:
        """The Hub's origin (scheme://host:port): the only origin the embed takes messages from."""
        scheme, _, rest = self.hub_url.partition("://")
        return f"{scheme}://{rest.split('/', 1)[0]}"

    @property
    def api_url(self) -> str:
        """The JSON API base URL given to notebooks as their ``api_url`` parameter."""
        return self.public_url.rstrip("/") + "/api"

    def with_changes(self, **changes: Any) -> Settings:
        """A copy with some fields changed: ``Settings().with_changes(hub_url="http://hub")``."""
        return replace(self, **changes)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from ``NBLAUNCH_WEBAPP_<FIELD>`` variables, then explicit ``overrides``.

        >>> Settings.from_env({"NBLAUNCH_WEBAPP_HUB_URL": "http://hub:8000"}).hub_url
        'http://hub:8000'
        """
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is None:
                continue
            if f.name in ("data_dir", "templates_dir"):
                values[f.name] = Path(raw).resolve()
            elif f.type in ("bool", bool):
                values[f.name] = raw.strip().lower() in ("1", "true", "yes", "on")
            else:
                values[f.name] = raw
        values.update(overrides)
        return cls(**values)
