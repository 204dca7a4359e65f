"""Read R and Julia literals without running R or Julia.

Two uses: the defaults of an R or Julia parameters cell (``n <- 10L``, ``name = "x"``) become
typed values, and the property tests read back what the safe translators render. Only literals
are understood; anything else raises ``ValueError`` and the caller keeps the source text.

>>> read_r('list("a" = c(1L, 2.5), b = TRUE)')
{'a': [1, 2.5], 'b': True}
>>> read_julia('Dict("k" => [nothing, "\\\\$x"])')
{'k': [None, '$x']}
"""

from __future__ import annotations

import re
from typing import Any

_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)")
_NAME = re.compile(r"[A-Za-z_.][\w.]*")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", '"': '"', "'": "'", "$": "$"}
_ESCAPES.update({"a": "\a", "b": "\b", "f": "\f", "v": "\v", "e": "\x1b"})


class _Reader:
    def __init__(self, text: str, language: str) -> None:
        self.text, self.pos, self.language = text, 0, language

    def fail(self, what: str) -> ValueError:
        return ValueError(f"not a {self.language} literal: {what} at {self.pos} in {self.text!r}")

    def skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def eat(self, token: str) -> bool:
        self.skip()
        if self.text.startswith(token, self.pos):
            self.pos += len(token)
            return True
        return False

    def expect(self, token: str) -> None:
        if not self.eat(token):
            raise self.fail(f"expected {token!r}")

    def done(self, value: Any) -> Any:
        self.skip()
        if self.pos != len(self.text):
            raise self.fail("trailing text")
        return value

    def string(self) -> str:
        quote = self.text[self.pos]
        self.pos += 1
        out: list[str] = []
        while self.pos < len(self.text):
            char = self.text[self.pos]
            self.pos += 1
            if char == quote:
                return "".join(out)
            if char == "$" and self.language == "julia":
                raise self.fail("unescaped $ (string interpolation)")
            out.append(self.escape() if char == "\\" else char)
        raise self.fail("unterminated string")

    def escape(self) -> str:
        if self.pos >= len(self.text):
            raise self.fail("unterminated string")
        char = self.text[self.pos]
        self.pos += 1
        if char in "xuU":
            braced = self.text.startswith("{", self.pos)
            width = {"x": 2, "u": 4, "U": 8}[char]
            match = re.compile(r"\{([0-9a-fA-F]+)\}" if braced else rf"[0-9a-fA-F]{{1,{width}}}")
            found = match.match(self.text, self.pos)
            if not found:
                raise self.fail("bad escape")
            self.pos = found.end()
            try:
                return chr(int(found.group(1) if braced else found.group(0), 16))
            except (ValueError, OverflowError) as err:  # past U+10FFFF
                raise self.fail("bad escape") from err
        if char not in _ESCAPES:
            raise self.fail(f"unknown escape \\{char}")
        return _ESCAPES[char]

    def number(self) -> int | float:
        match = _NUMBER.match(self.text, self.pos)
        if not match:
            raise self.fail("expected a value")
        self.pos = match.end()
        text = match.group(0)
        if self.language == "r" and self.text.startswith("L", self.pos):
            self.pos += 1
            return int(float(text))
        return float(text) if re.search(r"[.eE]", text) else int(text)

    def items(self, close: str, item: Any) -> list[Any]:
        out: list[Any] = []
        if self.eat(close):
            return out
        while True:
            out.append(item())
            if self.eat(close):
                return out
            self.expect(",")


def read_r(text: str) -> Any:
    """Read an R literal: numbers, ``TRUE``/``FALSE``, ``NULL``, strings, ``c()``, ``list()``.

    >>> read_r("c(1, 2)"), read_r("'x'"), read_r("NULL")
    ([1, 2], 'x', None)
    """
    reader = _Reader(text, "r")
    return _read(reader, _r_value)


def _r_value(r: _Reader) -> Any:
    r.skip()
    if r.pos < len(r.text) and r.text[r.pos] in "\"'":
        return r.string()
    for word, value in (("TRUE", True), ("FALSE", False), ("NULL", None)):
        if r.eat(word):
            return value
    if r.eat("setNames(list(),"):
        r.expect("character(0)")
        r.expect(")")
        return {}
    for opener in ("c(", "list("):
        if r.eat(opener):
            entries = r.items(")", lambda: _r_entry(r))
            named = [k for k, _ in entries if k is not None]
            if named and len(named) == len(entries):
                return dict(entries)
            if named:
                raise r.fail("mixed named and unnamed entries")
            return [v for _, v in entries]
    return r.number()


def _r_entry(r: _Reader) -> tuple[str | None, Any]:
    r.skip()
    start = r.pos
    key: str | None = None
    if r.pos < len(r.text) and r.text[r.pos] in "\"'":
        key = r.string()
    else:
        match = _NAME.match(r.text, r.pos)
        if match and match.group(0) not in ("TRUE", "FALSE", "NULL"):
            r.pos, key = match.end(), match.group(0)
    if key is not None and r.eat("=") and not r.text.startswith("=", r.pos):
        return key, _r_value(r)
    r.pos = start
    return None, _r_value(r)


def read_julia(text: str) -> Any:
    """Read a Julia literal: numbers, ``true``/``false``, ``nothing``, strings, vectors, Dicts.

    >>> read_julia('[1, "a"]'), read_julia("Dict()")
    ([1, 'a'], {})
    """
    reader = _Reader(text, "julia")
    return _read(reader, _julia_value)


def _read(reader: _Reader, value: Any) -> Any:
    try:
        return reader.done(value(reader))
    except RecursionError as err:
        raise reader.fail("nested too deeply") from err


def _julia_value(r: _Reader) -> Any:
    r.skip()
    if r.text.startswith('"', r.pos):
        return r.string()
    for word, value in (("true", True), ("false", False), ("nothing", None)):
        if r.eat(word):
            return value
    if r.eat("Dict("):
        return dict(r.items(")", lambda: _julia_pair(r)))
    if r.eat("Any[") or r.eat("["):
        return r.items("]", lambda: _julia_value(r))
    return r.number()


def _julia_pair(r: _Reader) -> tuple[Any, Any]:
    key = _julia_value(r)
    r.expect("=>")
    return key, _julia_value(r)
