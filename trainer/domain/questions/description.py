"""Description: text between questions (a case to read); nothing to answer, worth no points."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from trainer.domain.questions.base import CORRECT, Outcome, Question, QuestionType

if TYPE_CHECKING:
    from trainer.domain.content.core import Checker
    from trainer.domain.questions.gift.writer import GiftWriter
    from trainer.domain.yamlsource import YamlDict


class Description(QuestionType):
    """Any response (even junk) leaves it "correct"; quizzes draw it only when asked to."""

    name = "description"
    scored = False
    answerable = False
    gift_qtype = "description"

    def check(
        self, c: Checker, node: YamlDict, file: str, who: str, md: bool, question: dict[str, Any]
    ) -> None:
        question["points"] = 0

    def grade(
        self, question: Question, response: Mapping[str, Any], layout: dict[str, Any]
    ) -> Outcome:
        return Outcome(fraction=1.0, status=CORRECT)

    def to_gift(self, question: Question, w: GiftWriter) -> str:
        if w.general_feedback:
            w.warn("the general feedback is dropped (a GIFT description has none)")
        return w.bare()
