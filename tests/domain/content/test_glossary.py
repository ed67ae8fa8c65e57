"""courses/glossary.yaml and courses/sources.yaml (content/glossary.py, sources.py)."""

from __future__ import annotations

from pathlib import Path

from tests.domain.content.tree import (
    FIXTURE,
    GLOSSARY,
    Case,
    assert_reported,
    broken_cases,
)
from trainer.domain.content import (
    load_content,
)


def test_load_glossary_and_sources() -> None:
    content = load_content(FIXTURE)
    assert content.glossary["void"] == {"zh": "撤销", "en": "void"}
    assert content.sources["1"].url == "https://example.com/void"
    assert content.sources["C1"].url is None
    assert content.sources["C1"].authority == "low"


# --- one broken thing at a time (see tests/domain/content/tree.py) -------------------------

CASES: list[Case] = [
    (
        "glossary-entry-no-english",
        GLOSSARY,
        "refund: {zh: 退货, en: refund}",
        "refund: {zh: 退货}",
        ("refund:", None),
        'glossary term "refund" has no English term',
    ),
]


@broken_cases(CASES)
def test_broken_content_is_reported(
    tree: Path, file: str, old: str, new: str, where: int | tuple[str, str | None], message: str
) -> None:
    assert_reported(tree, file, old, new, where, message)
