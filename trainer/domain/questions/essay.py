"""Essay: a free-text answer that a supervisor grades by hand against the rubric."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from trainer.domain.questions.base import (
    NEEDS_REVIEW,
    Outcome,
    Question,
    QuestionType,
    invalid,
    unanswered,
)

if TYPE_CHECKING:
    from trainer.domain.content.core import Checker
    from trainer.domain.questions.gift.writer import GiftWriter
    from trainer.domain.yamlsource import YamlDict


class Essay(QuestionType):
    """Response ``{"text": "…"}``; grades as needs_review until grading.manual_grade()."""

    name = "essay"
    required = ("rubric",)
    gift_qtype = "essay"
    gift_drops = (("rubric", "rubric"),)
    graded_by_hand = True

    def check(
        self, c: Checker, node: YamlDict, file: str, who: str, md: bool, question: dict[str, Any]
    ) -> None:
        question["rubric"] = c.text(node, "rubric", file, who, markdown=md)

    def grade(
        self, question: Question, response: Mapping[str, Any], layout: dict[str, Any]
    ) -> Outcome:
        text = response.get("text")
        if text is None:
            return unanswered()
        if not isinstance(text, str):
            return invalid("text must be a string")
        if not text.strip():
            return unanswered()
        return Outcome(status=NEEDS_REVIEW, feedback=[{"id": "text", "response": text}])

    def read_form(
        self, question: Question, layout: Mapping[str, Any], form: Any, name: str
    ) -> dict[str, Any] | None:
        text = form.get(name, "").strip()
        return {"text": text} if text else None

    def to_gift(self, question: Question, w: GiftWriter) -> str:
        return w.inline("")
