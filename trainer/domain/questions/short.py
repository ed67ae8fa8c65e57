"""Short answer: a typed text compared with the accepted answers, ignoring case and punctuation."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from trainer.domain.questions.base import (
    ALT_JOIN,
    LocalText,
    Outcome,
    Question,
    QuestionType,
    Skip,
    clamp,
    fraction_of,
    in_lang,
    invalid,
    is_number,
    items,
    localised,
    unanswered,
    with_feedback,
)
from trainer.domain.questions.numeric import need_full_credit
from trainer.domain.yamlsource import is_yaml_number

if TYPE_CHECKING:
    from trainer.domain.content.core import Checker
    from trainer.domain.questions.gift.model import GiftQuestion
    from trainer.domain.questions.gift.writer import GiftWriter
    from trainer.domain.yamlsource import YamlDict


def normalise_short(text: str) -> str:
    """Comparable form of a short answer: NFKC, casefolded, without spaces or punctuation."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(
        ch for ch in folded if not ch.isspace() and not unicodedata.category(ch).startswith("P")
    )


def _answer_texts(answer: Mapping[str, Any]) -> list[str]:
    text = answer.get("text")
    if isinstance(text, str):
        return [text]
    if isinstance(text, dict):
        return [t for t in text.values() if isinstance(t, str)]
    if is_number(text):
        return [str(text)]
    return []


def _written_in(text: str) -> set[str]:
    """The pages an accepted answer belongs on: Chinese script on zh, Latin letters on en.

    Text with neither (a number, a code such as 10) belongs on both.
    """
    if any("\u3400" <= ch <= "\u9fff" for ch in text):
        return {"zh"}
    if any(ch.isascii() and ch.isalpha() for ch in text):
        return {"en"}
    return {"zh", "en"}


def _text_in(text: Any, lang: str) -> str:
    """An accepted answer in one language (a number, or text in one language, in both)."""
    if is_number(text):
        return str(text)
    return in_lang(text, lang) if isinstance(text, (str, dict)) else ""


class Short(QuestionType):
    """Response ``{"text": "typed text"}``."""

    name = "short"
    required = ("answers",)
    gift_qtype = "shortanswer"

    def check(
        self, c: Checker, node: YamlDict, file: str, who: str, md: bool, question: dict[str, Any]
    ) -> None:
        answers: list[dict[str, Any]] = []
        seq = c.seq(node, "answers", file, who)
        for i, raw in enumerate(seq or []):
            assert seq is not None
            owner = f"{who}: answer {i + 1}"
            item = c.mapping(raw, file, seq.item_line(i), owner)
            if item is None:
                continue
            c.keys(item, file, owner, ("text",), ("fraction", "feedback"))
            text = item.get("text")
            if is_yaml_number(text):
                text = str(text)  # e.g. an accepted answer of 35
            elif text is not None and (not isinstance(text, str) or not text.strip()):
                c.add(file, item.key_line("text"), f"{owner}: text must be non-empty text")
                text = None
            fraction = c.number(item, "fraction", file, owner, minimum=-1.0, maximum=1.0)
            answers.append(
                {
                    "text": text or "",
                    "fraction": 1.0 if fraction is None else fraction,
                    "feedback": c.text(item, "feedback", file, owner, markdown=md),
                }
            )
        need_full_credit(c, node, file, who, answers, seq)
        question["answers"] = answers

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
        given = normalise_short(text)
        matches = [
            a
            for a in items(question, "answers")
            if given and any(normalise_short(t) == given for t in _answer_texts(a))
        ]
        best = max(matches, key=lambda a: fraction_of(a, 1.0), default=None)
        fraction = 0.0 if best is None else clamp(fraction_of(best, 1.0))
        part = {
            "id": "text",
            "response": text,
            "correct": fraction >= 1.0,
            "feedback": None if best is None else localised(best.get("feedback")),
        }
        return Outcome(fraction=fraction, feedback=[part])

    def correct_answer(self, question: Question) -> LocalText | None:
        answers = items(question, "answers")
        best = max((fraction_of(a, 1.0) for a in answers), default=0.0)
        if best <= 0:
            return None
        accepted = [a.get("text") for a in answers if fraction_of(a, 1.0) >= best]
        # Grading accepts every variant, but each page lists its own language's: a Chinese
        # page shows 退货 / 退款, not 退货 / 退款 / refund (any variant if none is in it).
        out = {}
        for lang in ("zh", "en"):
            texts = list(dict.fromkeys(t for t in (_text_in(a, lang) for a in accepted) if t))
            own = [t for t in texts if lang in _written_in(t)]
            out[lang] = ALT_JOIN.join(own or texts)
        return out

    def read_form(
        self, question: Question, layout: Mapping[str, Any], form: Any, name: str
    ) -> dict[str, Any] | None:
        text = form.get(name, "").strip()
        return {"text": text} if text else None

    def from_gift(self, imported: GiftQuestion, question: dict[str, Any]) -> None:
        question["answers"] = [
            with_feedback({"text": a.text, "fraction": a.fraction}, a.feedback)
            for a in imported.answers
        ]

    def to_gift(self, question: Question, w: GiftWriter) -> str:
        answers = question.get("answers") or []
        if not answers:
            raise Skip("a short-answer question needs answers")
        lines = []
        for a in answers:
            fraction = float(a.get("fraction", 1.0))
            answer = str(a.get("text", ""))
            feedback = w.elem(a.get("feedback"), "feedback")
            if "->" in answer or "->" in feedback:
                # Answers with both '=' and '->' are read as matching; GIFT cannot escape '->'.
                raise Skip("'->' in a short-answer question would be read back as matching")
            line = f"\t={w.weight(fraction)}{w.elem_text(answer)}"
            lines.append(line + (f"#{feedback}" if feedback else ""))
        return w.block("{", lines)
