"""The registry of ``nblaunch`` subcommands: each one a small function registered by name.

To add a subcommand (``nblaunch demo``, say): write ``nblaunch/commands/demo.py`` with

    @command("demo", help="Run JupyterHub, the service and the reference app on this machine.")
    def demo(args: argparse.Namespace) -> int:
        ...

(``arguments=`` takes a function that adds its options to the subparser), and add ``"demo"`` to
``MODULES`` below. ``nblaunch.cli`` builds the parser from the registry and turns every
``NBLaunchError`` and ``OSError`` into one line on stderr and exit code 2, so a command raises
those and never prints a traceback or calls ``sys.exit`` itself.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable
from dataclasses import dataclass

#: Modules of ``nblaunch.commands`` whose commands ``nblaunch`` offers, in --help order.
MODULES = ("notebooks", "links", "demo")

Arguments = Callable[[argparse.ArgumentParser], None]
Run = Callable[[argparse.Namespace], int]


@dataclass(frozen=True)
class Command:
    """One subcommand: its name, one-line help, how it adds its arguments, what it runs."""

    name: str
    help: str
    arguments: Arguments
    run: Run


COMMANDS: dict[str, Command] = {}


def command(name: str, *, help: str, arguments: Arguments | None = None) -> Callable[[Run], Run]:
    """Register ``run`` as the subcommand ``name``.

    >>> @command("hello", help="Say hello.")
    ... def hello(args: argparse.Namespace) -> int:
    ...     return 0
    >>> COMMANDS.pop("hello").help
    'Say hello.'
    """

    def register(run: Run) -> Run:
        COMMANDS[name] = Command(name, help, arguments or (lambda parser: None), run)
        return run

    return register


def load() -> dict[str, Command]:
    """Import every module in ``MODULES`` (which registers its commands) and return the registry.

    >>> {"inspect", "inject", "link"} <= set(load())
    True
    """
    for module in MODULES:
        importlib.import_module(f"{__name__}.{module}")
    return COMMANDS
