"""The application factory: ``create_app(settings, client=...)``.

Start-up is synchronous and idempotent: it creates the data folder, migrates the database to the
newest schema, makes the catalog and the demo users on first run, and reuses all of it afterwards.
"""

from __future__ import annotations

import logging
import secrets
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine
from starlette.middleware.sessions import SessionMiddleware

from . import errors
from .auth import ensure_demo_users
from .catalog import ensure_catalog
from .db import make_engine, migrate, session_factory
from .jupyter import EMBED_DIR, EMBED_PATH, HubClient, make_client
from .routes import analyses, api, notebooks, pages
from .settings import Settings

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
_FROM_SETTINGS: Any = object()


def create_app(settings: Settings | None = None, *, client: Any = _FROM_SETTINGS) -> FastAPI:
    """Build the application; ``client`` replaces the Hub client made from ``settings``.

    Pass ``client=None`` for an application without a Hub (pages say "not connected"), or any
    object with ``NBLaunchClient``'s methods.

    >>> app = create_app(Settings(data_dir=Path("/tmp/nblaunch-doc")))  # doctest: +SKIP
    >>> app.state.demo_credentials  # doctest: +SKIP
    {'alice': '...', 'bob': '...'}
    """
    settings = settings or Settings.from_env()
    engine, credentials = prepare_data(settings)
    app = FastAPI(title="nblaunch reference application", docs_url="/api/docs", redoc_url=None)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    app.state.client = make_client(settings) if client is _FROM_SETTINGS else client
    app.state.demo_credentials = credentials
    app.state.templates = Jinja2Templates(directory=HERE / "templates")
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key or _stored_secret(settings.data_dir),
        session_cookie="nblaunch_webapp",
        same_site="lax",
        https_only=settings.https_only,
    )
    app.middleware("http")(_security_headers)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    # A module script from the Hub's origin would need CORS headers, which its files lack.
    app.mount(EMBED_PATH.rstrip("/"), StaticFiles(directory=EMBED_DIR), name="embed")
    for module in (pages, notebooks, analyses, api):
        app.include_router(module.router)
    errors.install(app)
    return app


def prepare_data(settings: Settings) -> tuple[Engine, dict[str, str]]:
    """Migrate the database and make the catalog and demo users if missing (idempotent).

    Returns the engine and the demo users' passwords (empty when ``demo_users`` is off).

    >>> engine, passwords = prepare_data(Settings(data_dir=Path("/tmp/d")))  # doctest: +SKIP
    """
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.effective_database_url)
    migrate(engine)
    credentials: dict[str, str] = {}
    with session_factory(engine)() as db:
        count = ensure_catalog(db, settings.data_dir)
        if settings.demo_users:
            credentials = ensure_demo_users(db, settings.data_dir)
    log.info("Catalog ready: %d items in %s", count, engine.url.render_as_string())
    return engine, credentials


def _stored_secret(data_dir: Path) -> str:
    # Kept on disk so that sessions survive a restart of the demo.
    path = data_dir / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


async def _security_headers(request: Request, call_next: Any) -> Response:
    response: Response = await call_next(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    # Our pages frame the Hub; nobody else frames ours.
    response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'self'")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


__all__ = ["HubClient", "Settings", "create_app"]
