"""True or false: the statement in the stem is right or wrong; feedback for each answer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from trainer.domain.questions.base import (
    LocalText,
    Outcome,
    Question,
    QuestionType,
    Skip,
    both_langs,
    invalid,
    localised,
    unanswered,
)

if TYPE_CHECKING:
    from trainer.domain.content.core import Checker
    from trainer.domain.questions.gift.model import GiftQuestion
    from trainer.domain.questions.gift.writer import GiftWriter
    from trainer.domain.yamlsource import YamlDict

_TRUE_FALSE = {True: {"zh": "正确", "en": "True"}, False: {"zh": "错误", "en": "False"}}


class TrueFalse(QuestionType):
    """Response ``{"value": true|false}``."""

    name = "truefalse"
    required = ("answer", "feedback_true", "feedback_false")
    gift_qtype = "truefalse"

    def check(
        self, c: Checker, node: YamlDict, file: str, who: str, md: bool, question: dict[str, Any]
    ) -> None:
        question["answer"] = c.boolean(node, "answer", file, who)
        question["feedback_true"] = c.text(
            node, "feedback_true", file, who, "feedback for true", markdown=md
        )
        question["feedback_false"] = c.text(
            node, "feedback_false", file, who, "feedback for false", markdown=md
        )

    def grade(
        self, question: Question, response: Mapping[str, Any], layout: dict[str, Any]
    ) -> Outcome:
        value = response.get("value")
        if value is None:
            return unanswered()
        if not isinstance(value, bool):
            return invalid("value must be true or false")
        answer = question.get("answer") is True
        part = {
            "id": "value",
            "response": value,
            "answer": answer,
            "correct": value == answer,
            "feedback": localised(question.get("feedback_true" if value else "feedback_false")),
        }
        return Outcome(fraction=1.0 if value == answer else 0.0, feedback=[part])

    def correct_answer(self, question: Question) -> LocalText | None:
        return dict(_TRUE_FALSE[question.get("answer") is True])

    def read_form(
        self, question: Question, layout: Mapping[str, Any], form: Any, name: str
    ) -> dict[str, Any] | None:
        value = form.get(name)
        return {"value": value == "true"} if value in ("true", "false") else None

    def from_gift(self, imported: GiftQuestion, question: dict[str, Any]) -> None:
        question["answer"] = bool(imported.correct_answer)
        if imported.feedback_true:
            question["feedback_true"] = both_langs(imported.feedback_true)
        if imported.feedback_false:
            question["feedback_false"] = both_langs(imported.feedback_false)

    def to_gift(self, question: Question, w: GiftWriter) -> str:
        answer = question.get("answer")
        if not isinstance(answer, bool):
            raise Skip("a true/false question needs answer: true or false")
        fb_true = w.elem(question.get("feedback_true"), "feedback_true")
        fb_false = w.elem(question.get("feedback_false"), "feedback_false")
        right, wrong = (fb_true, fb_false) if answer else (fb_false, fb_true)
        out = "TRUE" if answer else "FALSE"
        if wrong:
            out += "#" + wrong
        elif right:
            out += "#"
        if right:
            out += "#" + right
        return w.inline(out)
