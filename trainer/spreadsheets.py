"""What every CSV the site writes has in common."""

from __future__ import annotations


def safe_cell(value: str) -> str:
    """``value`` as a cell that a spreadsheet shows as text.

    Spreadsheets run cells starting with = + - @ as formulas (CSV injection); a leading quote
    keeps them text.
    """
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
