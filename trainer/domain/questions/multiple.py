"""Multiple choice: several options are right; each right pick earns a share, a wrong one costs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from trainer.domain.questions.base import (
    LIST_JOIN,
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


class Multiple(ChoiceType):
    """Response ``{"choices": [option_id, …]}``."""

    name = "multiple"
    one_right = False

    def fractions(self, options: Mapping[str, Mapping[str, Any]]) -> dict[str, float]:
        gift = any("fraction" in o for o in options.values())
        n_correct = sum(1 for o in options.values() if o.get("correct") is True)
        share = 1.0 / n_correct if n_correct else 0.0
        if gift:
            return {
                oid: fraction_of(o, share if o.get("correct") is True else 0.0)
                for oid, o in options.items()
            }
        return {oid: share if o.get("correct") is True else -share for oid, o in options.items()}

    def correct_ids(self, fractions: Mapping[str, float]) -> set[str]:
        return {oid for oid, f in fractions.items() if f > 0}

    def default_fraction(self, correct: bool, share: float) -> float:
        return share if correct else -share

    def marked_correct(self, fraction: float) -> bool:
        return fraction > 0

    def check_correct_count(self, c: Checker, file: str, line: int, who: str, n: int) -> None:
        if n < 2:
            c.add(
                file,
                line,
                f"{who}: a multiple-choice question needs at least 2 correct options (found {n})",
            )

    def grade(
        self, question: Question, response: Mapping[str, Any], layout: dict[str, Any]
    ) -> Outcome:
        options = self.options(question)
        fractions = self.fractions(options)
        correct = self.correct_ids(fractions)
        choices = response.get("choices")
        if choices is None or choices == []:
            return unanswered(self.parts(options, layout, set(), correct))
        problem = None
        if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
            problem = "choices must be a list of option ids"
        elif len(set(choices)) != len(choices):
            problem = "an option was chosen twice"
        elif any(c not in fractions for c in choices):
            problem = "unknown option"
        if problem is not None:
            return invalid(problem, self.parts(options, layout, set(), correct))
        return Outcome(
            fraction=clamp(sum(fractions[c] for c in choices)),
            feedback=self.parts(options, layout, set(choices), correct),
        )

    def correct_answer(self, question: Question) -> LocalText | None:
        options = self.options(question)
        fractions = self.fractions(options)
        return join(
            [localised(o.get("text")) for oid, o in options.items() if fractions[oid] > 0],
            LIST_JOIN,
        )

    def read_form(
        self, question: Question, layout: Mapping[str, Any], form: Any, name: str
    ) -> dict[str, Any] | None:
        # Values the page never offered are dropped: the form answers in shown ids only.
        real = self.shown_to_real(question, layout)
        values = [real[v] for v in dict.fromkeys(form.getlist(name)) if v in real]
        return {"choices": values} if values else None

    def form_values(
        self, question: Question, layout: Mapping[str, Any], response: Mapping[str, Any]
    ) -> Mapping[str, Any]:
        choices = response.get("choices")
        shown = self.real_to_shown(question, layout)
        if not isinstance(choices, list):
            return {}
        return {"choices": [shown[c] for c in choices if isinstance(c, str) and c in shown]}

    def gift_fraction(self, correct: bool, n_correct: int) -> float:
        # Bank rule: each correct pick earns 1/n, each wrong pick costs the same.
        share = 1.0 / n_correct if n_correct else 0.0
        return share if correct else -share
