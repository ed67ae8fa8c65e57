"""Single choice: one option is right; the chosen option's fraction of the points is earned."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from trainer.domain.questions.base import (
    ALT_JOIN,
    LocalText,
    Outcome,
    Question,
    clamp,
    fraction_of,
    invalid,
    join,
    localised,
    unanswered,
)
from trainer.domain.questions.choice import ChoiceType

if TYPE_CHECKING:
    from trainer.domain.content.core import Checker
    from trainer.domain.questions.gift.writer import GiftWriter


class Single(ChoiceType):
    """Response ``{"choice": option_id}``."""

    name = "single"
    one_right = True

    def fractions(self, options: Mapping[str, Mapping[str, Any]]) -> dict[str, float]:
        return {
            oid: fraction_of(o, 1.0 if o.get("correct") is True else 0.0)
            for oid, o in options.items()
        }

    def correct_ids(self, fractions: Mapping[str, float]) -> set[str]:
        """The options that earn the most (none when nothing earns anything)."""
        best = max(fractions.values(), default=0.0)
        return {oid for oid, f in fractions.items() if best > 0 and f >= best}

    def default_fraction(self, correct: bool, share: float) -> float:
        return 1.0 if correct else 0.0

    def marked_correct(self, fraction: float) -> bool:
        return fraction == 1.0

    def check_correct_count(self, c: Checker, file: str, line: int, who: str, n: int) -> None:
        if n != 1:
            c.add(
                file,
                line,
                f"{who}: a single-choice question needs exactly one correct option (found {n})",
            )

    def grade(
        self, question: Question, response: Mapping[str, Any], layout: dict[str, Any]
    ) -> Outcome:
        options = self.options(question)
        fractions = self.fractions(options)
        correct = self.correct_ids(fractions)
        choice = response.get("choice")
        if choice is None or choice == "":
            return unanswered(self.parts(options, layout, set(), correct))
        if not isinstance(choice, str) or choice not in fractions:
            return invalid("unknown option", self.parts(options, layout, set(), correct))
        return Outcome(
            fraction=clamp(fractions[choice]),
            feedback=self.parts(options, layout, {choice}, correct),
        )

    def correct_answer(self, question: Question) -> LocalText | None:
        options = self.options(question)
        best = self.correct_ids(self.fractions(options))
        return join(
            [localised(o.get("text")) for oid, o in options.items() if oid in best], ALT_JOIN
        )

    def read_form(
        self, question: Question, layout: Mapping[str, Any], form: Any, name: str
    ) -> dict[str, Any] | None:
        # Values the page never offered are dropped: the form answers in shown ids only.
        value = self.shown_to_real(question, layout).get(form.get(name) or "")
        return {"choice": value} if value else None

    def form_values(
        self, question: Question, layout: Mapping[str, Any], response: Mapping[str, Any]
    ) -> Mapping[str, Any]:
        choice = response.get("choice")
        shown = self.real_to_shown(question, layout)
        return {"choice": shown.get(choice)} if isinstance(choice, str) else {}

    def gift_fraction(self, correct: bool, n_correct: int) -> float:
        return 1.0 if correct else 0.0

    def gift_markers(self, markers: list[str], w: GiftWriter) -> None:
        if "=" not in markers:
            w.warn("no option is worth 100%; GIFT reads it back as multiple-answer")
        elif all(m == "=" for m in markers):
            markers[-1] = "~%100%"  # without any '~' GIFT would not see a multiple choice
