"""``nblaunch``: the console script, thin subcommands over ``nblaunch.core``.

    nblaunch inspect NOTEBOOK [--json]
    nblaunch inject NOTEBOOK (--query 'a=1&b=x' | -p NAME VALUE ...) -o OUT
    nblaunch link [--target hub|server|binder] BASE TEMPLATE [-p NAME VALUE ...] [--autorun]
                  [--sign-key-file KEYFILE [--key-id ID] [--expires SECONDS]]
    nblaunch demo [--data-dir DIR] [--hub-port P] [--app-port P] [--database-url URL]

Subcommands live in ``nblaunch/commands/`` (see its docstring to add one). Any bad input ends
with exit code 2 and one line on stderr that names the problem, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from ._version import __version__
from .commands import load
from .core import NBLaunchError

EXIT_BAD_INPUT = 2


class UsageError(Exception):
    """The command line itself is wrong (an unknown option, a missing argument)."""


class _Parser(argparse.ArgumentParser):
    # argparse prints the usage and exits on its own; we want the one-line error of every command.
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The ``nblaunch`` parser with one subparser per registered command.

    Given the command line, only the chosen command's arguments are added: ``nblaunch --help``
    and ``nblaunch link`` then import nothing that another command needs (``demo``'s defaults
    come from the demo's module and its HTTP client).

    >>> build_parser().parse_args(["inspect", "t.ipynb"]).command
    'inspect'
    """
    parser = _Parser(
        prog="nblaunch",
        description="Send a person from a web page into a ready, parameterized notebook.",
    )
    parser.add_argument("--version", action="version", version=f"nblaunch {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    commands = load()
    # The top level has flags only, so the first other word is the command (if it is one).
    chosen = next((word for word in argv or [] if not word.startswith("-")), None)
    for name, command in commands.items():
        sub = subparsers.add_parser(name, help=command.help, description=command.help)
        if argv is None or name == chosen:
            command.arguments(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``nblaunch`` with ``argv`` (default: ``sys.argv[1:]``) and return the exit code.

    >>> main(["link", "https://hub.example.org", "t.ipynb", "-p", "n", "1"])
    https://hub.example.org/services/nblaunch/open/t.ipynb?n=1
    0
    """
    try:
        words = sys.argv[1:] if argv is None else list(argv)
        args = build_parser(words).parse_args(words)
        return load()[args.command].run(args)
    except UsageError as err:
        return _fail(str(err))
    except NBLaunchError as err:
        return _fail(f"nblaunch: {err.message}")
    except BrokenPipeError:
        # The reader of stdout went away (``-o - | head``): nothing to report. Pointing stdout at
        # devnull keeps the interpreter's final flush from printing a second error (Python docs).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as err:
        where = f" {err.filename}" if err.filename else ""
        return _fail(f"nblaunch: cannot use{where}: {err.strerror or err}")


def _fail(message: str) -> int:
    print(" ".join(message.splitlines()), file=sys.stderr)  # one line, whatever the message holds
    return EXIT_BAD_INPUT
