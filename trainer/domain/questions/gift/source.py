"""GIFT source text that remembers line numbers, and format.php's escapes."""

from __future__ import annotations

import math
import re

# PHP's trim() strips exactly these; Python's str.strip() would also eat U+3000 and friends,
# which matter in Chinese text.
_PHP_WS = " \t\n\r\0\x0b"

# format.php escapedchar_pre/escapedchar_post swap escaped control characters for placeholders
# while the question is taken apart.  We use Unicode noncharacters (never valid in interchange)
# as one-character placeholders so positions, and so line numbers, stay exact.
_ESCAPABLE = ":#={}~"
_PLACEHOLDER = {c: chr(0xFDD0 + i) for i, c in enumerate(_ESCAPABLE)}
_PLACEHOLDER_NL = chr(0xFDD0 + len(_ESCAPABLE))
_UNESCAPE = str.maketrans({v: k for k, v in _PLACEHOLDER.items()} | {_PLACEHOLDER_NL: "\n"})
_NONCHARACTERS = re.compile("[\ufdd0-\ufdef]")


# --------------------------------------------------------------------------------------------
# Source text that remembers line numbers
# --------------------------------------------------------------------------------------------


class _Src:
    """A piece of a question block; ``lines[i]`` is the source line of character ``s[i]``."""

    __slots__ = ("lines", "s", "where")

    def __init__(self, s: str, lines: list[int], where: int) -> None:
        self.s = s
        self.lines = lines
        self.where = where  # the line an empty piece is reported at

    def __len__(self) -> int:
        return len(self.s)

    def line_at(self, i: int) -> int:
        if not self.s:
            return self.where
        return self.lines[min(max(i, 0), len(self.s) - 1)]

    @property
    def line(self) -> int:
        return self.line_at(0)

    def cut(self, start: int, end: int | None = None) -> _Src:
        a, b, _ = slice(start, end).indices(len(self.s))
        b = max(a, b)
        return _Src(self.s[a:b], self.lines[a:b], self.line_at(a))

    def strip(self) -> _Src:
        left = len(self.s) - len(self.s.lstrip(_PHP_WS))
        right = len(self.s.rstrip(_PHP_WS))
        return self.cut(left, max(left, right))

    def find(self, sub: str, start: int = 0) -> int:
        return self.s.find(sub, start)

    def split(self, sep: str, maxsplit: int = -1) -> list[_Src]:
        parts: list[_Src] = []
        pos = 0
        while maxsplit < 0 or len(parts) < maxsplit:
            i = self.s.find(sep, pos)
            if i < 0:
                break
            parts.append(self.cut(pos, i))
            pos = i + len(sep)
        parts.append(self.cut(pos))
        return parts

    def replace(self, old: str, new: str) -> _Src:
        """Replace a single character; the new characters take the old one's line."""
        chars: list[str] = []
        lines: list[int] = []
        for ch, ln in zip(self.s, self.lines, strict=True):
            rep = new if ch == old else ch
            chars.append(rep)
            lines.extend([ln] * len(rep))
        return _Src("".join(chars), lines, self.where)

    def __add__(self, other: _Src) -> _Src:
        return _Src(self.s + other.s, self.lines + other.lines, self.where)

    def raw(self) -> str:
        """Escapes resolved, not trimmed (format.php escapedchar_post)."""
        return self.s.translate(_UNESCAPE)

    def text(self) -> str:
        """Escapes resolved, then trimmed, as parse_text_with_format does."""
        return self.raw().strip(_PHP_WS)


def _literal(s: str, line: int) -> _Src:
    return _Src(s, [line] * len(s), line)


def _escape(src: _Src) -> _Src:
    """format.php escapedchar_pre: ``\\\\`` is a backslash, ``\\x`` (x in ``:#={}~n``) a literal."""
    if "\\" not in src.s:
        return src
    out: list[str] = []
    lines: list[int] = []
    s = src.s
    i = 0
    while i < len(s):
        ch = s[i]
        nxt = s[i + 1] if i + 1 < len(s) else ""
        if ch == "\\" and nxt and (nxt == "\\" or nxt == "n" or nxt in _PLACEHOLDER):
            out.append("\\" if nxt == "\\" else _PLACEHOLDER.get(nxt, _PLACEHOLDER_NL))
            lines.append(src.lines[i])
            i += 2
            continue
        out.append(ch)
        lines.append(src.lines[i])
        i += 1
    return _Src("".join(out), lines, src.where)


# format.php readquestion: $giftanswerweightregex.
_WEIGHT_RE = re.compile(r"%-*([0-9]{1,2})\.?([0-9]*)%")

# PHP is_numeric() on an already trimmed string (no hex, no "inf", no "1_000").
_NUMERIC_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _php_empty(s: str) -> bool:
    # PHP empty(): "" and "0" are both empty.  format.php drops $answers[0] when it is empty,
    # and qformat_default::readquestions treats a line "0" as a blank line.
    return s in ("", "0")


def _is_numeric(s: str) -> bool:
    # 1e309 is no number a float holds: float() makes it Infinity, which JSON cannot store.
    return _NUMERIC_RE.fullmatch(s) is not None and math.isfinite(float(s))
