"""The scenario panel any question may show (questions/panel.py)."""

from __future__ import annotations

from pathlib import Path

from tests.domain.content.tree import (
    BANK,
    Case,
    assert_reported,
    broken_cases,
)

# --- one broken thing at a time (see tests/domain/content/tree.py) -------------------------

CASES: list[Case] = [
    (
        "panel-unquoted-time",
        BANK,
        '- ["14:02", "消费 SALE"',
        '- [14:02, "消费 SALE"',
        ("- [14:02", None),
        'question "b-timeout-scenario": step "s1": scenario panel: row 1 cell 1 must '
        "be quoted text (YAML read number 842)",
    ),
    (
        "panel-bad-kind",
        BANK,
        "kind: terminal",
        "kind: screen",
        ("kind: screen", None),
        'question "b-void-single": scenario panel: "kind" must be one of "terminal", "receipt", '
        '"history" (found "screen")',
    ),
    (
        "panel-row-length",
        BANK,
        '- ["14:02", "消费 SALE", "¥128.00", "6222 **** **** 1234", "000231", "超时 TIMEOUT"]',
        '- ["14:02"]',
        ('- ["14:02"]', None),
        'question "b-timeout-scenario": step "s1": scenario panel: row 1 has 1 cells for 6 columns',
    ),
]


@broken_cases(CASES)
def test_broken_content_is_reported(
    tree: Path, file: str, old: str, new: str, where: int | tuple[str, str | None], message: str
) -> None:
    assert_reported(tree, file, old, new, where, message)
