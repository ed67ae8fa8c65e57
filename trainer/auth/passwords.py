"""Password rules and temporary passwords."""

from __future__ import annotations

import secrets

from flask_babel import gettext as _

MIN_LENGTH = 10
# Passwords people pick at a till; refused outright.
COMMON = {
    "password123",
    "1234567890",
    "12345678910",
    "qwertyuiop",
    "iloveyou12",
    "password12",
    "a123456789",
    "abc1234567",
    "1q2w3e4r5t",
    "qwerty1234",
    "woaini1314",
    "0987654321",
}
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"


def password_problem(password: str, username: str) -> str | None:
    """Why ``password`` is not acceptable, or None when it is."""
    if len(password) < MIN_LENGTH:
        return _("Use at least %(n)d characters.", n=MIN_LENGTH)
    if password.lower() == username.lower() or username.lower() in password.lower():
        return _("Do not use your username in your password.")
    if password.lower() in COMMON or len(set(password)) < 4:
        return _("This password is too easy to guess.")
    return None


def temporary_password() -> str:
    """A random one-time password an admin hands over; the user must change it."""
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(3))
