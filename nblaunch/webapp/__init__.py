"""The reference host application: a small data repository whose items open in Jupyter.

``create_app(settings)`` builds the FastAPI application; ``python -m nblaunch.webapp`` serves it.
"""

from __future__ import annotations

from .app import create_app
from .settings import Settings

__all__ = ["Settings", "create_app"]
