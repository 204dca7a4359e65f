"""``nblaunch link``: print a launch link for the hub service, a Jupyter server or Binder."""

from __future__ import annotations

import argparse

from ..core import CONTROLS, LinkSigner, NBLaunchError, build_link
from ..core.links import TARGETS
from . import command
from .notebooks import read_notebook, typed_values


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--target", choices=TARGETS, default="hub",
        help="hub: BASE is the Hub's URL; server: a Jupyter server's URL (or the Hub's "
        "/hub/user-redirect); binder: a Binder launch URL (https://mybinder.org/v2/gh/o/r/HEAD)",
    )  # fmt: skip
    parser.add_argument("base", metavar="BASE", help="the URL the link starts with")
    parser.add_argument("template", metavar="TEMPLATE", help="the template's name or path")
    parser.add_argument(
        "-p", "--parameter", nargs=2, action="append", metavar=("NAME", "VALUE"), dest="pairs",
        help="a parameter: JSON (1, true, [1,2]) or else text; repeat a NAME for a list",
    )  # fmt: skip
    parser.add_argument(
        "--notebook", metavar="NOTEBOOK", help="type the values against this notebook's parameters"
    )
    parser.add_argument("--autorun", action="store_true", help="ask to run all cells on opening")
    for name in ("ui", "copy"):
        parser.add_argument(f"--{name}", choices=CONTROLS[name], help=f"the {name} control")
    parser.add_argument("--server", metavar="NAME", help="a JupyterHub named server")
    parser.add_argument(
        "--sign-key-file", metavar="KEYFILE",
        help="sign the link with a key of this file ('<key id>:<secret>' lines; see docs/core.md)",
    )  # fmt: skip
    parser.add_argument("--key-id", metavar="ID", help="the key to sign with (default: the last)")
    parser.add_argument(
        "--expires", metavar="SECONDS", type=int,
        help="the signed link stops working SECONDS from now (default: never)",
    )  # fmt: skip


@command("link", help="Print a launch link.", arguments=_arguments)
def link(args: argparse.Namespace) -> int:
    url = build_link(
        args.base, args.template, _values(args), autorun=args.autorun, ui=args.ui,
        copy=args.copy, server=args.server, target=args.target, sign_with=_signer(args),
    )  # fmt: skip
    print(url)
    return 0


def _values(args: argparse.Namespace) -> dict[str, object]:
    nb = read_notebook(args.notebook) if args.notebook else None
    return typed_values(nb, query=None, pairs=args.pairs)[0]


def _signer(args: argparse.Namespace) -> LinkSigner | None:
    if args.sign_key_file is None:
        if args.key_id is not None or args.expires is not None:
            raise NBLaunchError("--key-id and --expires sign a link: give --sign-key-file too.")
        return None
    if args.expires is not None and args.expires <= 0:
        raise NBLaunchError(f"--expires {args.expires}: give a number of seconds above 0.")
    return LinkSigner.from_key_file(args.sign_key_file, args.key_id, args.expires)
