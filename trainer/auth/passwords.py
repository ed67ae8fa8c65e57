"""Password rules and temporary passwords.

The rules follow NIST SP 800-63B (5.1.1.2): a minimum length, no composition rules, and a
check against passwords known to be common and against words specific to the user (their
username and names). ``common-passwords.txt.gz`` is the list of 20,000 common passwords by
Royce Williams that Django ships (django/contrib/auth, BSD licence), one per line, lower case.
"""

from __future__ import annotations

import functools
import gzip
import re
import secrets
from collections.abc import Iterable
from pathlib import Path

from flask_babel import gettext as _

MIN_LENGTH = 10
COMMON_PASSWORDS = Path(__file__).with_name("common-passwords.txt.gz")
# Passwords people pick at a till that the international list misses; refused outright.
LOCAL_COMMON = {
    "woaini1314",
    "woaini520",
    "5201314520",
    "1314520520",
    "a5201314a",
    "zhang123456",
    "wang123456",
}
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"
_WORD = re.compile(r"\w+")
_CJK = re.compile(r"[\u3400-\u9fff\U00020000-\U0003ffff]")


@functools.cache
def common_passwords() -> frozenset[str]:
    """The common-password list, lower case (read once per process)."""
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as f:
        return frozenset(line.strip() for line in f if line.strip()) | LOCAL_COMMON


def _name_words(names: Iterable[str]) -> set[str]:
    """Parts of a person's names long enough to matter: Latin words of 3+ letters, Chinese
    names of 2+ characters, and each name's words run together ("Li Kun" -> "likun")."""
    words = set()
    for name in names:
        parts = [p.lower() for p in _WORD.findall(name or "")]
        latin = [p for p in parts if not _CJK.search(p)]
        words.update(p for p in parts if len(p) >= (2 if _CJK.search(p) else 3))
        if len(latin) > 1:
            words.add("".join(latin))
    return words


def password_problem(password: str, username: str, names: Iterable[str] = ()) -> str | None:
    """Why ``password`` is not acceptable for this user, or None when it is."""
    if len(password) < MIN_LENGTH:
        return _("Use at least %(n)d characters.", n=MIN_LENGTH)
    lowered = password.lower()
    if username and username.lower() in lowered:
        return _("Do not use your username in your password.")
    if any(word in lowered for word in _name_words(names)):
        return _("Do not use your name in your password.")
    if lowered in common_passwords() or len(set(password)) < 4:
        return _("This password is too easy to guess.")
    return None


def temporary_password() -> str:
    """A random one-time password an admin hands over; the user must change it."""
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(3))
