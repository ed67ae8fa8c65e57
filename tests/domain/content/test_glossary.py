"""courses/glossary.yaml and courses/sources.yaml (content/glossary.py, sources.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.domain.content.tree import (
    BANK,
    FIXTURE,
    GLOSSARY,
    L1_EN,
    L1_ZH,
    QUIZ,
    Case,
    assert_reported,
    broken_cases,
    edit,
    line_of,
    reported,
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


# --- forbidden variants and Chinese quotation marks -------------------------------------------

FORBIDDEN = "void: {zh: 撤销, en: void, forbidden: [取消交易, 冲销]}"
VARIANT = '"取消交易" is a forbidden variant of glossary term "void": write "撤销"'


def forbid(tree: Path) -> None:
    edit(tree, GLOSSARY, "void: {zh: 撤销, en: void}", FORBIDDEN)


def test_glossary_keeps_the_term_and_its_forbidden_variants(tree: Path) -> None:
    forbid(tree)
    assert reported(tree) == []
    assert load_content(tree).glossary["void"] == {"zh": "撤销", "en": "void"}


@pytest.mark.parametrize(
    ("file", "old", "new"),
    [
        (L1_ZH, "1. 在终端查看交易记录。", "1. 在终端查看交易记录，准备取消交易。"),
        (L1_ZH, "title: 撤销还是退货", "title: 取消交易还是退货"),
        (BANK, "stem: {zh: 批次未结算，多收了钱", "stem: {zh: 取消交易？批次未结算，多收了钱"),
        (
            BANK,
            "text: {zh: 做退货, en: Refund the sale}",
            "text: {zh: 取消交易, en: Refund the sale}",
        ),
        (BANK, "feedback: {zh: 对，批次还没结算。", "feedback: {zh: 对，先取消交易。"),
        (QUIZ, "description: {zh: 撤销、退货和超时。", "description: {zh: 取消交易、退货和超时。"),
    ],
    ids=["lesson-body", "lesson-title", "stem", "option", "feedback", "quiz"],
)
def test_forbidden_variant_in_chinese_text_is_an_error(
    tree: Path, file: str, old: str, new: str
) -> None:
    forbid(tree)
    edit(tree, file, old, new)
    line = line_of(tree, file, "取消交易")
    assert f"{file}:{line}: {VARIANT}" in reported(tree)


def test_forbidden_variant_in_english_text_is_not_checked(tree: Path) -> None:
    forbid(tree)
    edit(tree, L1_EN, "1. Open the transaction", "1. Open (取消交易) the transaction")
    assert reported(tree) == []


def test_the_term_itself_cannot_be_forbidden(tree: Path) -> None:
    edit(
        tree,
        GLOSSARY,
        "void: {zh: 撤销, en: void}",
        "void: {zh: 撤销, en: void, forbidden: [撤销]}",
    )
    line = line_of(tree, GLOSSARY, "void:")
    assert f'{GLOSSARY}:{line}: glossary term "void": "撤销" is the term itself, not a variant' in (
        reported(tree)
    )


def test_ascii_quotes_in_chinese_text_are_an_error(tree: Path) -> None:
    edit(tree, L1_ZH, "2. 找到这笔交易。", '2. 找到这笔"消费"交易。')
    line = line_of(tree, L1_ZH, "找到这笔")
    assert f'{L1_ZH}:{line}: Chinese text uses Chinese quotation marks “…”, not "…"' in (
        reported(tree)
    )
    edit(tree, L1_ZH, '"消费"', "“消费”")
    assert reported(tree) == []
