"""nblaunch's Jupyter Server extension: ``{base_url}nblaunch/open/{path}?{query}`` in any server.

Enabled on install by ``etc/jupyter/jupyter_server_config.d/nblaunch.json`` and configured as
``c.NBLaunchExtension.*`` (see ``jupyter server --help-all``). The launch itself is decided in
``nblaunch.core``; this package only reads and writes through the server's contents manager.
"""

from __future__ import annotations

from typing import Any


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    """Where Jupyter Server finds the extension.

    >>> _jupyter_server_extension_points()[0]["module"]
    'nblaunch.server'
    """
    from .extension import NBLaunchExtension

    return [{"module": "nblaunch.server", "app": NBLaunchExtension}]


__all__ = ["_jupyter_server_extension_points"]
