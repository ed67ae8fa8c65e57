"""What every CSV the site writes has in common."""

from __future__ import annotations

#: What a spreadsheet takes for the start of a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def formula_like(value: object) -> bool:
    """Whether a spreadsheet would run ``value`` as a formula."""
    return isinstance(value, str) and value[:1] in FORMULA_START


def safe_cell(value: str) -> str:
    """``value`` as a CSV cell that a spreadsheet shows as text: a leading quote keeps a
    formula-like text from running."""
    return "'" + value if formula_like(value) else value
