"""``nblaunch demo``: JupyterHub, the nblaunch service and the reference application, together."""

from __future__ import annotations

import argparse
from pathlib import Path

from . import command


def _arguments(parser: argparse.ArgumentParser) -> None:
    from ..demo import DemoOptions  # with its HTTP client: loaded for this command only

    defaults = DemoOptions()
    parser.add_argument(
        "--data-dir", type=Path, default=defaults.data_dir,
        help="folder for the Hub's and the application's data, reused on the next run "
        f"(default {defaults.data_dir})",
    )  # fmt: skip
    parser.add_argument("--ip", default=defaults.ip, help="address to listen on")
    parser.add_argument("--hub-port", type=int, default=defaults.hub_port, help="JupyterHub's port")
    parser.add_argument(
        "--app-port", type=int, default=defaults.app_port, help="the reference application's port"
    )
    parser.add_argument(
        "--database-url", default="",
        help="the application's database (default: SQLite in the data folder), e.g. "
        "postgresql+psycopg://user:password@localhost/nblaunch",
    )  # fmt: skip


@command(
    "demo",
    help="Run JupyterHub, the nblaunch service and the reference application on this machine.",
    arguments=_arguments,
)
def demo(args: argparse.Namespace) -> int:
    from ..demo import DemoOptions, run_demo

    options = DemoOptions(
        data_dir=args.data_dir,
        ip=args.ip,
        hub_port=args.hub_port,
        app_port=args.app_port,
        database_url=args.database_url,
    )
    return run_demo(options)
