"""Permission to run a copy on opening: a one-time grant the server issues, never a file's word.

A notebook cannot grant itself anything: whatever its metadata says, the front end runs it only
after redeeming a grant with its own server. The server issues a grant when nblaunch writes or
reuses a copy for a launch whose autorun the policy allows (the server extension itself, or the
hub service through the extension's API with its own token). A grant names one path and the
hash of the sources written there, lives ``ttl`` seconds, and is removed by its first
redemption; at redemption the policy in force is checked again, so an operator who switches
autorun off also cancels grants already issued. A file copied, uploaded or renamed is at another
path or has other sources, so it carries no grant.

>>> book = GrantBook()
>>> book.issue("nblaunch/a.ipynb", "h1", basis="always", now=0)
>>> book.redeem("nblaunch/a.ipynb", "h1", policy="always", now=1), book.redeem(
...     "nblaunch/a.ipynb", "h1", policy="always", now=2)
(True, False)
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from .inject import META_KEY

#: Long enough for a cold spawn and JupyterLab's first page load; short enough that a grant
#: forgotten in a closed tab does not run the notebook when it is opened tomorrow.
DEFAULT_GRANT_TTL = 600
#: Why autorun was allowed when the grant was issued: the policy said ``always``; the operator
#: marked the template trusted (or signed the link with a configured key); or the user, shown
#: the template and the typed values, chose "Open and run".
BASES = ("always", "trusted", "consent")


@dataclass(frozen=True)
class Grant:
    """One launch's permission to run the copy at ``path`` whose sources hash to ``sources``."""

    path: str
    sources: str
    basis: str
    expires: float

    def to_json(self) -> dict[str, Any]:
        """The grant as stored.

        >>> Grant("a.ipynb", "h", "always", 1.0).to_json()["basis"]
        'always'
        """
        return asdict(self)


AUTORUN_POLICIES = ("never", "trusted", "always")


def is_launch_copy(nb: Any) -> bool:
    """Whether a notebook says it is a copy nblaunch wrote (it carries launch provenance).

    >>> is_launch_copy({"metadata": {"nblaunch": {"template": "t.ipynb"}}}), is_launch_copy({})
    (True, False)
    """
    meta = nb.get("metadata", {}) if isinstance(nb, dict) else {}
    return (
        isinstance(meta, dict)
        and isinstance(meta.get(META_KEY), dict)
        and ("template" in meta[META_KEY] or "parameters" in meta[META_KEY])
    )


def template_trusted(
    path: str, nb: Any, *, globs: Iterable[str], output_dir: str, marked: bool = False
) -> bool:
    """Whether the operator trusts a template to autorun: by a configured glob or mark.

    Never a copy (anything in ``output_dir``, or carrying launch provenance): a copy is
    content a link chose, and trusting it would let two links run what one was refused. Never
    nbformat's signature store either: Jupyter signs every notebook it saves without rich
    outputs, so a signature says who saved a file, not that an operator vouched for it.

    >>> template_trusted("safe/a.ipynb", {}, globs=["safe/*"], output_dir="nblaunch")
    True
    >>> template_trusted("nblaunch/a.ipynb", {}, globs=["*"], output_dir="nblaunch")
    False
    """
    folder = output_dir.strip("/")
    if folder and (path == folder or path.startswith(folder + "/")):
        return False
    if is_launch_copy(nb):
        return False
    return marked or any(fnmatch.fnmatchcase(path, glob) for glob in globs)


def autorun_basis(requested: bool, policy: str, *, trusted: bool) -> str | None:
    """Why this launch may run its copy (``"always"``/``"trusted"``), or None when it may not.

    >>> autorun_basis(True, "trusted", trusted=False), autorun_basis(True, "always", trusted=False)
    (None, 'always')
    """
    if policy not in AUTORUN_POLICIES:
        raise ValueError(f"autorun policy must be one of {AUTORUN_POLICIES}, not {policy!r}")
    if not requested or policy == "never":
        return None
    if trusted:
        return "trusted"
    return "always" if policy == "always" else None


def consent_needed(requested: bool, policy: str, basis: str | None) -> bool:
    """Whether to ask the user before a launch that asked to run and may not run by itself.

    >>> consent_needed(True, "trusted", None), consent_needed(True, "never", None)
    (True, False)
    """
    return requested and basis is None and policy != "never"


def allowed_by(policy: str, basis: str) -> bool:
    """Whether the policy in force now still allows a grant issued on ``basis``.

    A user's consent counts under any policy but ``never``: it is the user choosing to run
    their own copy, as they could by pressing "Run all".

    >>> allowed_by("trusted", "always"), allowed_by("always", "trusted"), allowed_by("never", "always")
    (False, True, False)
    """  # noqa: E501
    if policy == "always":
        return basis in BASES
    return policy == "trusted" and basis in ("trusted", "consent")


class GrantBook:
    """The grants a server has issued and not yet seen redeemed or expire.

    Keeps them in a dict; ``nblaunch.server.grants`` persists it in the server's runtime folder
    so a restarted server still honours a grant issued a moment before.
    """

    def __init__(self, grants: dict[str, Grant] | None = None, *, ttl: float = DEFAULT_GRANT_TTL):
        self.grants: dict[str, Grant] = dict(grants or {})
        self.ttl = ttl

    def issue(self, path: str, sources: str, *, basis: str, now: float) -> None:
        """Allow one run of the copy now at ``path`` (a newer grant for the path replaces it)."""
        if basis not in BASES:
            raise ValueError(f"basis must be one of {BASES}, not {basis!r}")
        self.prune(now)
        self.grants[path] = Grant(path, sources, basis, now + self.ttl)

    def redeem(self, path: str, sources: str, *, policy: str, now: float) -> bool:
        """Use the grant for ``path`` if it is live, matches ``sources`` and the policy allows.

        A grant is removed by any attempt to redeem it, successful or not: a mismatch means the
        file changed since the launch, and that launch's permission does not pass to the change.
        """
        self.prune(now)
        grant = self.grants.pop(path, None)
        if grant is None:
            return False
        return grant.sources == sources and allowed_by(policy, grant.basis)

    def prune(self, now: float) -> None:
        """Forget expired grants."""
        for path in [p for p, g in self.grants.items() if g.expires <= now]:
            del self.grants[path]

    def to_json(self) -> dict[str, Any]:
        """Every grant, by path.

        >>> GrantBook().to_json()
        {}
        """
        return {path: grant.to_json() for path, grant in self.grants.items()}

    @classmethod
    def from_json(cls, data: Any, *, ttl: float = DEFAULT_GRANT_TTL) -> GrantBook:
        """Read what ``to_json`` wrote; anything malformed is dropped (no grant, no run).

        >>> GrantBook.from_json({"a": {"path": "a", "sources": "h", "basis": "x", "expires": 1}}).grants
        {}
        """  # noqa: E501
        grants = {}
        for path, raw in (data or {}).items() if isinstance(data, dict) else []:
            try:
                grant = Grant(str(raw["path"]), str(raw["sources"]), str(raw["basis"]),
                              float(raw["expires"]))  # fmt: skip
            except (KeyError, TypeError, ValueError):
                continue
            if grant.path == path and grant.basis in BASES:
                grants[path] = grant
        return cls(grants, ttl=ttl)
