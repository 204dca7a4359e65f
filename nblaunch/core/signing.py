"""Signed, expiring launch links: HMAC-SHA256 over the parsed request, never the raw query.

A host that holds a key appends ``exp=<seconds since 1970 UTC>`` (optional) and
``sig=<key id>.<mac>.<tags>`` to a link. The MAC covers a canonical form of what the link asks
for, computed from the *parsed* request, so any spelling of the same link verifies:

- the door (``hub`` or ``server``: a Binder link is a server link) and the key id;
- the template, as normalised by ``safe_path`` without a final ``.ipynb`` (the hub's catalog
  answers ``stats`` and ``stats.ipynb`` alike, and passes ``stats.ipynb`` to ``plan_launch``);
- every parameter as the query parser returns it, before typing: the list of texts of
  ``x=``/``param_x=`` (``ids=1&ids=2`` is ``["1", "2"]``), and a ``params=`` JSON value as the
  one text ``build_link`` would write for it (``params={"x":5}`` is ``["5"]``, like ``x=5``;
  ``params={"x":"5"}`` is ``['"5"']``, like ``x="5"``). Names a link carries by accident
  (``code``, ``utm_*``) are not signed, and are not used when the link is signed;
- the controls ``autorun`` (only when true), ``ui``, ``copy``, ``server``; and ``exp``.

The canonical text is ``json.dumps(["nblaunch-link-1", key_id, door, items])``, ASCII and
compact, with ``items`` sorted ``[kind, name, value]`` triples. ``tags`` hold two bytes of an
HMAC of each signed item's name and two of the item, so a refusal can say *which* parameter or
control was changed, added or removed; only the full MAC decides.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .errors import (
    KeyFileError,
    NBLaunchError,
    SignatureError,
    SignatureExpiredError,
    SignatureRequiredError,
    UnknownKeyError,
)
from .linkkeys import KEY_ID, load_link_keys
from .paths import safe_path
from .query import CONTROLS, SIGNATURE_CONTROLS, LaunchRequest, parse_query

VERSION = "nblaunch-link-1"
DOORS = ("hub", "server")
_EXP = re.compile(r"\d{1,12}")
_B64 = r"[A-Za-z0-9_-]"
_SIG = re.compile(rf"({KEY_ID.pattern})\.({_B64}{{43}})\.({_B64}*)")
_LABELS = {"template": "the template", "exp": "the expiry"}
_ORDER = ("template", "param", "control", "exp")

Item = list[Any]  # [kind, name, value]


@dataclass(frozen=True)
class Signed:
    """A verified signature: which key signed the link, and until when it holds."""

    key_id: str
    expires: int | None


@dataclass(frozen=True)
class LinkSigner:
    """A key to sign links with, and how long they last (``ttl`` seconds; ``None``: no expiry).

    >>> LinkSigner("k1", b"s" * 32, ttl=60).sign("n=5", "t", door="hub", now=0)[:22]
    'n=5&exp=60&sig=k1.jgQi'
    """

    key_id: str
    secret: bytes = field(repr=False)
    ttl: int | None = None

    @classmethod
    def from_key_file(
        cls, path: str | os.PathLike[str], key_id: str | None = None, ttl: int | None = None
    ) -> LinkSigner:
        """The key ``key_id`` (default: the file's last, newest key) of a link key file."""
        keys = load_link_keys(path)
        chosen = key_id if key_id is not None else list(keys)[-1]
        if chosen not in keys:
            raise KeyFileError(
                f"the link key file {os.fspath(path)} has no key {chosen!r}; "
                f"it has {', '.join(keys)}."
            )
        return cls(chosen, keys[chosen], ttl)

    def sign(self, query: str, template: str, *, door: str, now: float | None = None) -> str:
        """``query`` signed for ``template`` at ``door``, expiring ``ttl`` seconds from now."""
        start = time.time() if now is None else now
        expires = None if self.ttl is None else int(start) + int(self.ttl)
        return sign_query(query, template, self.key_id, self.secret, door=door, expires=expires)


def template_key(template: str) -> str:
    """The template as the signature names it: normalised, without a final ``.ipynb``.

    >>> template_key("/stats//image-stats.ipynb"), template_key("image-stats")
    ('stats/image-stats', 'image-stats')
    """
    return safe_path(template, allow_hidden=True).removesuffix(".ipynb")


def signed_items(request: LaunchRequest, template: str) -> list[Item]:
    """What a signature covers, as sorted ``[kind, name, value]`` items (see the module doc).

    >>> signed_items(parse_query("n=5&autorun=1&sig=x"), "t.ipynb")
    [['control', 'autorun', '1'], ['param', 'n', ['5']], ['template', '', 't']]
    """
    from .links import encode_value  # links imports this module to sign what it builds

    items: list[Item] = [["template", "", template_key(template)]]
    for name, texts in request.params.items():
        items.append(["param", name, list(texts)])
    for name, value in request.json_params.items():
        if name not in request.params:  # both forms at once is refused by parse_query
            items.append(["param", name, [encode_value(value)]])
    controls = request.controls
    if controls.autorun:
        items.append(["control", "autorun", "1"])
    for name in CONTROLS:
        value = getattr(controls, name)
        if name not in ("autorun", *SIGNATURE_CONTROLS) and value is not None:
            items.append(["control", name, value])
    if controls.exp is not None:
        items.append(["exp", "", controls.exp])
    return sorted(items, key=lambda item: (item[0], item[1]))


def canonical(request: LaunchRequest, template: str, *, key_id: str, door: str) -> str:
    """The text a link's MAC is computed over (the same for every spelling of the link).

    >>> canonical(parse_query("params={\\"n\\":5}"), "t", key_id="k1", door="hub")
    '["nblaunch-link-1","k1","hub",[["param","n",["5"]],["template","","t"]]]'
    """
    return _dumps([VERSION, key_id, _door(door), signed_items(request, template)])


def sign_query(
    query: str, template: str, key_id: str, secret: bytes, *, door: str, expires: int | None
) -> str:
    """``query`` with ``exp=`` (when ``expires`` is given) and ``sig=`` appended.

    >>> sign_query("n=5", "t", "k1", b"s" * 32, door="hub", expires=2000000000)[:28]
    'n=5&exp=2000000000&sig=k1.LV'
    """
    request = parse_query(query)
    if request.controls.sig is not None or request.controls.exp is not None:
        raise SignatureError("The link is already signed; sign the unsigned link.")
    if expires is not None:
        query = f"{query}&exp={int(expires)}" if query else f"exp={int(expires)}"
        request.controls.exp = str(int(expires))
    items = signed_items(request, template)
    mac = _mac(secret, _dumps([VERSION, key_id, _door(door), items]))
    tags = b"".join(_tags(secret, item) for item in items)
    return f"{query}&sig={key_id}.{_b64(mac)}.{_b64(tags)}".lstrip("&")


def verify(
    request: LaunchRequest,
    template: str,
    keys: Mapping[str, bytes] | None,
    now: float,
    *,
    door: str,
    required: bool = False,
    names: Iterable[str] = (),
) -> Signed | None:
    """The key that signed the link, ``None`` for a link that is not checked, or an error.

    Unsigned, or signed while this server holds no key: ``None`` (``SignatureRequiredError``
    when ``required``). Signed, with keys: ``Signed``, or ``UnknownKeyError``,
    ``SignatureError`` naming what was changed, ``SignatureExpiredError``. ``names`` (the
    template's declared parameters) let a refusal name a removed parameter.

    >>> key = {"k1": b"s" * 32}
    >>> query = sign_query("n=5", "t", "k1", key["k1"], door="hub", expires=None)
    >>> verify(parse_query(query), "t.ipynb", key, 0, door="hub")
    Signed(key_id='k1', expires=None)
    """
    sig = request.controls.sig
    if sig is None or not keys:
        if required:
            raise _required(signed=sig is not None)
        return None
    match = _SIG.fullmatch(sig)
    if match is None:
        raise SignatureError(
            "The link's sig= is not a signature nblaunch wrote; ask for the link again."
        )
    key_id, mac, tags = match.groups()
    secret = keys.get(key_id)
    if secret is None:
        raise UnknownKeyError(
            f"The link is signed with key {key_id!r}, which this server does not hold (it may "
            "have been retired); ask whoever gave you the link for a fresh one.",
            key_id=key_id,
        )
    exp = request.controls.exp
    if exp is not None and not _EXP.fullmatch(exp):
        raise SignatureError(f"The link's exp={exp!r} is not a time; ask for the link again.")
    items = signed_items(request, template)
    expected = _mac(secret, _dumps([VERSION, key_id, _door(door), items]))
    if not hmac.compare_digest(expected, _unb64(mac)):
        raise _changed(secret, items, _unb64(tags), [*CONTROLS, *names], key_id)
    if exp is not None and int(exp) < now:
        when = datetime.fromtimestamp(int(exp), timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        raise SignatureExpiredError(
            f"The link's signature expired on {when}; ask whoever gave you the link for a "
            "fresh one.",
            expires=int(exp),
        )
    return Signed(key_id, int(exp) if exp is not None else None)


def requires_signature(nb: Any) -> bool:
    """Whether the template says ``metadata.nblaunch.require_signature`` (anything but false).

    >>> requires_signature({"metadata": {"nblaunch": {"require_signature": True}}})
    True
    """
    record = nb.get("metadata", {}).get("nblaunch") if isinstance(nb, Mapping) else None
    if not isinstance(record, Mapping):
        return False
    return record.get("require_signature") not in (None, False)


def _required(*, signed: bool) -> SignatureRequiredError:
    if signed:
        reason = (
            "this server holds no link key to check the link's signature; the operator must "
            "set c.LaunchConfig.link_key_file."
        )
    else:
        reason = "this link is not signed; ask the site that published the template for its link."
    return SignatureRequiredError(f"This template opens only from a signed link: {reason}")


def _changed(
    secret: bytes, items: list[Item], tags: bytes, candidates: list[str], key_id: str
) -> SignatureError:
    signed = {tags[i : i + 4] for i in range(0, len(tags) - len(tags) % 4, 4)}
    names = {pair[:2] for pair in signed}
    changes: list[dict[str, str]] = []
    present = set()
    for item in items:
        tag = _tags(secret, item)
        present.add(tag[:2])
        if tag not in signed:
            changes.append(_change(item[0], item[1], "changed" if tag[:2] in names else "added"))
    kinds = [("template", ""), ("exp", "")]
    kinds += [("control", n) for n in CONTROLS if n not in SIGNATURE_CONTROLS]
    kinds += [("param", n) for n in candidates if n not in CONTROLS]
    for kind, name in kinds:
        tag = _name_tag(secret, kind, name)
        if tag in names and tag not in present:
            changes.append(_change(kind, name, "removed"))
            present.add(tag)
    if not changes:
        return SignatureError(
            f"The link's signature does not match it: it was made for the other door (hub or "
            f"server), or not with this server's key {key_id!r}. Ask for the link again.",
        )
    changes.sort(key=lambda c: _ORDER.index(c["kind"]))  # as a person reads a link
    said = ", ".join(c["what"] for c in changes)
    return SignatureError(
        f"This link was changed after it was signed: {said}. Use the link as it was given, or "
        "ask for a fresh one.",
        changes=changes,
    )


def _change(kind: str, name: str, how: str) -> dict[str, str]:
    what = _LABELS.get(kind) or f"{'parameter' if kind == 'param' else 'control'} {name!r}"
    return {"kind": kind, "name": name, "change": how, "what": f"{what} was {how}"}


def _tags(secret: bytes, item: Item) -> bytes:
    return _name_tag(secret, item[0], item[1]) + _mac(secret, _dumps([VERSION, "item", item]))[:2]


def _name_tag(secret: bytes, kind: str, name: str) -> bytes:
    return _mac(secret, _dumps([VERSION, "name", kind, name]))[:2]


def _mac(secret: bytes, text: str) -> bytes:
    return hmac.new(secret, text.encode("ascii"), hashlib.sha256).digest()


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=True, separators=(",", ":"))


def _door(door: str) -> str:
    if door not in DOORS:
        raise NBLaunchError(f"door={door!r} is not one of {', '.join(DOORS)}.")
    return door


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError:  # binascii.Error: a length no encoder writes
        return b""
