"""``python -m nblaunch.webapp [--host H] [--port P]``: serve the application with uvicorn.

Settings come from ``NBLAUNCH_WEBAPP_*`` variables; the demo users' passwords are printed.
"""

from __future__ import annotations

import argparse
import logging
import os

from .app import create_app
from .settings import ENV_PREFIX, Settings


def main(argv: list[str] | None = None) -> None:
    """Serve until interrupted: ``main(["--port", "8090"])``."""
    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m nblaunch.webapp", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env()
    if ENV_PREFIX + "PUBLIC_URL" not in os.environ:
        # Without an explicit public URL, notebooks reach the API where this process listens.
        settings = settings.with_changes(public_url=f"http://{args.host}:{args.port}")
    app = create_app(settings)
    for name, password in app.state.demo_credentials.items():
        print(f"  demo user {name!r}, password {password!r}")
    uvicorn.run(app, host=args.host, port=args.port)


if __name__ == "__main__":
    main()
