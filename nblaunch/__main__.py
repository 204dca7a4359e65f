"""``python -m nblaunch``: the same as the ``nblaunch`` console script."""

from __future__ import annotations

from .cli import main

raise SystemExit(main())
