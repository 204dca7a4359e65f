"""nblaunch: send a person from a web page into a ready, parameterized Jupyter notebook.

The public API is the pure core (``nblaunch.core``), re-exported here. The other parts are
imported on their own: ``nblaunch.server`` (Jupyter Server extension), ``nblaunch.hub``
(JupyterHub service and authenticator), ``nblaunch.client`` (host applications), ``nblaunch.webapp``
(the reference host application).
"""

from __future__ import annotations

from ._version import __version__
from .core import *  # noqa: F403
from .core import __all__ as _core_all

__all__ = ["__version__", *_core_all]
