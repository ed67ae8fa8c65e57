"""What single- and multiple-choice questions share: options, their shuffle, view and feedback.

single.py and multiple.py differ only in how options earn points (see their ``fractions``)
and in what counts as a valid set of correct options.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from trainer.domain.messages import N_
from trainer.domain.questions.base import (
    Question,
    QuestionType,
    Skip,
    both_langs,
    by_id,
    checked_ids,
    ids,
    in_lang,
    items,
    letters,
    localised,
    with_feedback,
)
from trainer.domain.yamlsource import fmt_number

if TYPE_CHECKING:
    from trainer.domain.content.core import Checker
    from trainer.domain.questions.gift.model import GiftQuestion
    from trainer.domain.questions.gift.writer import GiftWriter
    from trainer.domain.yamlsource import YamlDict


def shown_ids(order: list[str]) -> list[str]:
    """The values the page gives the options: o0, o1 … in the order shown.

    Never the authored ids: authors tend to put the right option first ("a"), so an id would
    give the answer away in the page source (issue #14). A position says nothing more than
    the page already shows.
    """
    return [f"o{i}" for i in range(len(order))]


class ChoiceType(QuestionType):
    """Options with ids, shown in a shuffled order; subclasses say how they score."""

    required = ("options",)
    gift_qtype = "multichoice"
    # True when exactly one option is right (GIFT: "=" marks it; Moodle's single flag).
    one_right: ClassVar[bool]

    def fractions(self, options: Mapping[str, Mapping[str, Any]]) -> dict[str, float]:
        """The fraction of the points each option earns when chosen."""
        raise NotImplementedError

    def correct_ids(self, fractions: Mapping[str, float]) -> set[str]:
        """The options the result page marks as correct."""
        raise NotImplementedError

    def default_fraction(self, correct: bool, share: float) -> float:
        """The fraction an option without one gets (``share`` is 1 / number of correct)."""
        raise NotImplementedError

    def check_correct_count(self, c: Checker, file: str, line: int, who: str, n: int) -> None:
        """Report a wrong number of correct options."""

    def marked_correct(self, fraction: float) -> bool:
        """Whether an option given only a fraction counts as correct."""
        raise NotImplementedError

    # -- content ------------------------------------------------------------------------------

    def check(
        self, c: Checker, node: YamlDict, file: str, who: str, md: bool, question: dict[str, Any]
    ) -> None:
        options: list[dict[str, Any]] = []
        for item, label, _line in c.items(node, "options", file, who, "option"):
            owner = f"{who}: {label}"
            c.keys(item, file, owner, ("id", "text", "feedback"), ("correct", "fraction"))
            correct = c.boolean(item, "correct", file, owner)
            fraction = c.number(item, "fraction", file, owner, minimum=-1.0, maximum=1.0)
            if correct and fraction is not None and fraction <= 0:
                c.add(
                    file,
                    item.key_line("fraction"),
                    f"{owner} is marked correct but has fraction {fmt_number(fraction)}",
                )
            if correct is None:
                correct = fraction is not None and self.marked_correct(fraction)
            options.append(
                {
                    "id": item.get("id") if isinstance(item.get("id"), str) else "",
                    "text": c.text(item, "text", file, owner, markdown=md),
                    "correct": bool(correct),
                    "fraction": fraction,
                    "feedback": c.text(item, "feedback", file, owner, markdown=md),
                }
            )
        if "options" in node and isinstance(node["options"], list):
            line = node.key_line("options")
            n_correct = sum(1 for option in options if option["correct"])
            if len(options) < 2:
                c.add(file, line, f"{who} needs at least 2 options (found {len(options)})")
            self.check_correct_count(c, file, line, who, n_correct)
            share = 1.0 / n_correct if n_correct else 0.0
            for option in options:
                if option["fraction"] is None:
                    option["fraction"] = self.default_fraction(option["correct"], share)
        question["options"] = options

    # -- one attempt --------------------------------------------------------------------------

    def make_layout(
        self, question: Question, rng: random.Random, shuffle_options: bool
    ) -> dict[str, Any]:
        order = ids(items(question, "options"))
        if shuffle_options:
            rng.shuffle(order)
        return {"options": order}

    def normalise_layout(self, question: Question, layout: dict[str, Any]) -> dict[str, Any]:
        return {"options": checked_ids(layout.get("options"), ids(items(question, "options")))}

    def present(
        self, question: Question, layout: dict[str, Any], lang: str, path: Any
    ) -> dict[str, Any]:
        found = {o["id"]: o for o in items(question, "options") if isinstance(o.get("id"), str)}
        return {
            "options": [
                {"id": shown, "text": in_lang(found[oid].get("text"), lang)}
                for shown, oid in zip(shown_ids(layout["options"]), layout["options"], strict=True)
            ]
        }

    def shown_to_real(self, question: Question, layout: Mapping[str, Any]) -> dict[str, str]:
        """The page's option values (o0, o1 … in shown order) -> the authored option ids."""
        order = self.normalise_layout(question, dict(layout))["options"]
        return dict(zip(shown_ids(order), order, strict=True))

    def real_to_shown(self, question: Question, layout: Mapping[str, Any]) -> dict[str, str]:
        return {real: shown for shown, real in self.shown_to_real(question, layout).items()}

    def options(self, question: Question) -> dict[str, Mapping[str, Any]]:
        return by_id(items(question, "options"))

    def parts(
        self,
        options: Mapping[str, Mapping[str, Any]],
        layout: Mapping[str, Any],
        selected: set[str],
        correct: set[str],
    ) -> list[dict[str, Any]]:
        """Feedback parts: one per option in the order shown."""
        return [
            {
                "id": oid,
                "text": localised(options[oid].get("text")),
                "selected": oid in selected,
                "correct": oid in correct,
                "feedback": localised(options[oid].get("feedback")),
            }
            for oid in layout["options"]
        ]

    # -- GIFT -----------------------------------------------------------------------------------

    def takes_gift(self, imported: GiftQuestion) -> bool:
        return imported.qtype == "multichoice" and bool(imported.single) == self.one_right

    def from_gift(self, imported: GiftQuestion, question: dict[str, Any]) -> None:
        options = []
        for i, a in enumerate(imported.answers):
            option: dict[str, Any] = {
                "id": letters(i),
                "text": both_langs(a.text),
                "fraction": a.fraction,
            }
            if self.marked_correct(a.fraction):
                option["correct"] = True
            options.append(with_feedback(option, a.feedback))
        if not any(o.get("correct") for o in options):
            raise Skip(N_("no option is correct (trainer needs at least one)"))
        question["options"] = options

    def to_gift(self, question: Question, w: GiftWriter) -> str:
        options = question.get("options") or []
        if len(options) < 2:
            raise Skip("a choice question needs at least 2 options")
        correct = sum(1 for o in options if o.get("correct"))
        fractions = []
        for o in options:
            if "fraction" in o:
                fractions.append(float(o["fraction"]))
            else:
                fractions.append(self.gift_fraction(bool(o.get("correct")), correct))
        markers = []
        for fraction in fractions:
            if self.one_right and fraction == 1.0:
                markers.append("=")
            elif fraction == 0.0:
                markers.append("~")
            else:
                markers.append("~" + w.weight(fraction))
        self.gift_markers(markers, w)
        lines = []
        for option, marker in zip(options, markers, strict=True):
            line = "\t" + marker + w.elem(option.get("text"), "option text")
            feedback = w.elem(option.get("feedback"), "feedback")
            lines.append(line + (f"#{feedback}" if feedback else ""))
        return w.block("{", lines)

    def gift_fraction(self, correct: bool, n_correct: int) -> float:
        """The weight written for an option without a fraction."""
        raise NotImplementedError

    def gift_markers(self, markers: list[str], w: GiftWriter) -> None:
        """Adjust the answer markers before they are written (single choice needs to)."""
