"""Numeric: a typed number (with ¥, 元, commas, full-width digits) within an answer's range."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
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
from trainer.domain.yamlsource import describe, fmt_number, is_yaml_number

if TYPE_CHECKING:
    from trainer.domain.content.core import Checker
    from trainer.domain.questions.gift.model import GiftQuestion
    from trainer.domain.questions.gift.writer import GiftWriter
    from trainer.domain.yamlsource import YamlDict

_ANY_NUMBER = {"zh": "任意数字", "en": "any number"}
_CURRENCY_TOKENS = ("¥", "元")
_PREFIX_UNITS = ("¥", "$", "€", "£")
_NUMBER = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+")
_MAX_NUMBER_CHARS = 64


def parse_number(text: str, units: Iterable[str] = ()) -> Decimal | None:
    """A typed number ("¥1,152.00", "１１５２元", "-3.5") as a Decimal, or None if it isn't one."""
    if not isinstance(text, str) or len(text) > _MAX_NUMBER_CHARS:
        return None
    s = unicodedata.normalize("NFKC", text).replace("\u2212", "-").strip()
    tokens = sorted({*_CURRENCY_TOKENS, *(u for u in units if u)}, key=len, reverse=True)
    sign = ""
    if s[:1] in "+-" and s:
        sign, s = s[0], s[1:].lstrip()
    for token in tokens:
        if s.startswith(token):
            s = s[len(token) :].lstrip()
            break
    if not sign and s[:1] in "+-" and s:
        sign, s = s[0], s[1:].lstrip()
    for token in tokens:
        if s.endswith(token):
            s = s[: -len(token)].rstrip()
            break
    if not _NUMBER.fullmatch(s):
        return None
    try:
        value = Decimal(s.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern only lets valid numbers through
        return None
    return -value if sign == "-" else value


def _units(question: Question) -> list[str]:
    unit = localised(question.get("unit"))
    found = [unicodedata.normalize("NFKC", u).strip() for u in (unit or {}).values()]
    tokens = [*_CURRENCY_TOKENS, *found]
    # Longest first so "元/件" is removed before "元".
    return sorted({t for t in tokens if t}, key=len, reverse=True)


def _decimal(value: Any) -> Decimal | None:
    if is_number(value):
        return Decimal(str(value))
    if isinstance(value, str):
        return parse_number(value)
    return None


def _answer_matches(answer: Mapping[str, Any], number: Decimal) -> bool:
    if answer.get("any") is True:  # Moodle's '*' answer (GIFT {#*} or the ~#feedback catch-all)
        return True
    # The content loader writes every key, so a range answer carries "value": None.
    if answer.get("value") is not None:
        target = _decimal(answer.get("value"))
        if target is None:
            return False
        tolerance = _decimal(answer.get("tolerance", 0)) or Decimal(0)
        return abs(number - target) <= abs(tolerance)
    low = _decimal(answer.get("min")) if answer.get("min") is not None else None
    high = _decimal(answer.get("max")) if answer.get("max") is not None else None
    if low is None and high is None:
        return False
    return (low is None or number >= low) and (high is None or number <= high)


def _format_number(value: Any) -> str:
    number = _decimal(value)
    if number is None:
        return str(value)
    if number == number.to_integral_value():
        number = number.quantize(Decimal(1))
    return f"{number:,f}"


def _with_unit(number: str, unit: str) -> str:
    if not unit:
        return number
    if unit in _PREFIX_UNITS:
        return f"-{unit}{number[1:]}" if number.startswith("-") else f"{unit}{number}"
    return f"{number} {unit}"


def need_full_credit(
    c: Checker, node: YamlDict, file: str, who: str, answers: list[dict[str, Any]], seq: Any
) -> None:
    """Numeric and short answers: at least one answer, and one that gives full credit."""
    if seq is None:
        return
    if not answers:
        c.add(file, node.key_line("answers"), f"{who} has no answers")
    elif not any(answer["fraction"] == 1.0 for answer in answers):
        c.add(file, node.key_line("answers"), f"{who}: no answer gives full credit (fraction 1.0)")


class Numeric(QuestionType):
    """Response ``{"value": "typed text"}``; answers are a value ± tolerance or a min–max range."""

    name = "numeric"
    required = ("answers",)
    optional = ("unit",)
    gift_qtype = "numerical"

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
            c.keys(
                item, file, owner, (), ("value", "tolerance", "min", "max", "fraction", "feedback")
            )
            answers.append(self.check_answer(c, item, file, owner, md))
        need_full_credit(c, node, file, who, answers, seq)
        question["answers"] = answers
        question["unit"] = c.text(node, "unit", file, who)

    def check_answer(
        self, c: Checker, item: YamlDict, file: str, owner: str, md: bool
    ) -> dict[str, Any]:
        fraction = c.number(item, "fraction", file, owner, minimum=-1.0, maximum=1.0)
        answer: dict[str, Any] = {
            "value": None,
            "tolerance": None,
            "min": None,
            "max": None,
            "fraction": 1.0 if fraction is None else fraction,
            "feedback": c.text(item, "feedback", file, owner, markdown=md),
        }
        if "value" in item:
            if "min" in item or "max" in item:
                c.add(
                    file,
                    item.line,
                    f"{owner}: give either value (with tolerance) or min and max, not both",
                )
            value = c.number(item, "value", file, owner)
            tolerance = item.get("tolerance", 0.0)
            if not is_yaml_number(tolerance) or tolerance < 0:
                c.add(
                    file,
                    item.key_line("tolerance"),
                    f"{owner}: tolerance must be a number of at least 0 "
                    f"(found {describe(tolerance)})",
                )
                tolerance = 0.0
            if value is not None:
                answer.update(
                    value=value, tolerance=tolerance, min=value - tolerance, max=value + tolerance
                )
        elif "min" in item or "max" in item:
            if "tolerance" in item:
                c.add(
                    file,
                    item.key_line("tolerance"),
                    f"{owner}: tolerance goes with value, not with min and max",
                )
            low = c.number(item, "min", file, owner)
            high = c.number(item, "max", file, owner)
            if "min" not in item or "max" not in item:
                c.add(file, item.line, f"{owner}: a range needs both min and max")
            elif low is not None and high is not None:
                if low > high:
                    c.add(
                        file,
                        item.key_line("min"),
                        f"{owner}: min {fmt_number(low)} is greater than max {fmt_number(high)}",
                    )
                answer.update(min=low, max=high)
        else:
            c.add(file, item.line, f"{owner}: needs value (with optional tolerance) or min and max")
        return answer

    def present(
        self, question: Question, layout: dict[str, Any], lang: str, path: Any
    ) -> dict[str, Any]:
        unit = question.get("unit")
        return {"unit": None if unit is None else in_lang(unit, lang)}

    def grade(
        self, question: Question, response: Mapping[str, Any], layout: dict[str, Any]
    ) -> Outcome:
        value = response.get("value")
        if value is None:
            return unanswered()
        if not isinstance(value, str):
            return invalid("value must be a string")
        if not value.strip():
            return unanswered()
        number = parse_number(value, _units(question))
        if number is None:
            return invalid("not a number", [{"id": "value", "response": value, "correct": False}])
        for answer in items(question, "answers"):
            if _answer_matches(answer, number):
                fraction = clamp(fraction_of(answer, 1.0))
                part = {
                    "id": "value",
                    "response": value,
                    "correct": fraction >= 1.0,
                    "feedback": localised(answer.get("feedback")),
                }
                return Outcome(fraction=fraction, feedback=[part])
        return Outcome(
            fraction=0.0,
            feedback=[{"id": "value", "response": value, "correct": False, "feedback": None}],
        )

    def correct_answer(self, question: Question) -> LocalText | None:
        answers = items(question, "answers")
        best = max((fraction_of(a, 1.0) for a in answers), default=0.0)
        if best <= 0:
            return None
        unit = localised(question.get("unit")) or {"zh": "", "en": ""}
        out: dict[str, str] = {}
        for lang in ("zh", "en"):
            texts = []
            for a in answers:
                if fraction_of(a, 1.0) < best:
                    continue
                if a.get("any") is True:
                    text = _ANY_NUMBER[lang]
                elif "value" in a:
                    text = _format_number(a.get("value"))
                    tolerance = _decimal(a.get("tolerance", 0))
                    if tolerance:
                        text += f" ± {_format_number(abs(tolerance))}"
                    text = _with_unit(text, unit[lang])
                else:
                    low, high = a.get("min"), a.get("max")
                    low_text = "…" if low is None else _with_unit(_format_number(low), unit[lang])
                    high_text = (
                        "…" if high is None else _with_unit(_format_number(high), unit[lang])
                    )
                    text = f"{low_text} – {high_text}"
                texts.append(text)
            out[lang] = ALT_JOIN.join(texts)
        return out

    def read_form(
        self, question: Question, layout: Mapping[str, Any], form: Any, name: str
    ) -> dict[str, Any] | None:
        text = form.get(name, "").strip()
        return {"value": text} if text else None

    def from_gift(self, imported: GiftQuestion, question: dict[str, Any]) -> None:
        answers = []
        for a in imported.answers:
            if a.any:
                item: dict[str, Any] = {"any": True}
            elif a.minimum is not None and a.maximum is not None:
                item = {"min": a.minimum, "max": a.maximum}
            else:
                item = {"value": a.value, "tolerance": a.tolerance}
            item["fraction"] = a.fraction
            answers.append(with_feedback(item, a.feedback))
        question["answers"] = answers

    def to_gift(self, question: Question, w: GiftWriter) -> str:
        answers = question.get("answers") or []
        if not answers:
            raise Skip("a numeric question needs answers")
        if question.get("unit"):
            w.warn("the unit is dropped (GIFT has no place for it)")
        lines = []
        for k, a in enumerate(answers):
            fraction = float(a.get("fraction", 1.0))
            feedback = w.elem(a.get("feedback"), "feedback")
            fb = f"#{feedback}" if feedback else ""
            if a.get("any"):
                if fraction == 0.0 and k == len(answers) - 1:
                    lines.append(f"\t~{fb}")  # Moodle's own way of writing a '*' answer
                else:
                    lines.append(f"\t={w.weight(fraction)}*{fb}")
                continue
            # A value wins over min/max: the content loader fills min/max in from value+tolerance.
            if a.get("value") is not None:
                value = f"{w.number(a['value'])}:{w.number(a.get('tolerance') or 0)}"
            elif a.get("min") is not None and a.get("max") is not None:
                value = f"{w.number(a['min'])}..{w.number(a['max'])}"
            else:
                raise Skip("a numeric answer needs value or min and max")
            lines.append(f"\t={w.weight(fraction)}{value}{fb}")
        return w.block("{#", lines)
