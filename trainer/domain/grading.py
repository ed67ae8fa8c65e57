"""Grading of every question type, attempt totals, weak topics and manual (essay) grading."""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from trainer.domain.attempt_layout import (
    Question,
    is_number,
    localised,
    make_layout,
    max_points,
    next_step,
    normalise_layout,
    option_points,
    present,
    real_pairs,
    right_ids,
    scenario_advance,
    scenario_state,
    scenario_steps,
    step_options,
    walk_path,
)

__all__ = [
    "CORRECT",
    "INCORRECT",
    "NEEDS_REVIEW",
    "PARTIAL",
    "STATUSES",
    "UNANSWERED",
    "AttemptResult",
    "Grade",
    "best_path_points",
    "grade",
    "grade_attempt",
    "make_layout",
    "manual_grade",
    "max_points",
    "normalise_short",
    "parse_number",
    "present",
    "scenario_advance",
    "scenario_state",
]

CORRECT = "correct"
PARTIAL = "partial"
INCORRECT = "incorrect"
UNANSWERED = "unanswered"
NEEDS_REVIEW = "needs_review"
STATUSES = (CORRECT, PARTIAL, INCORRECT, UNANSWERED, NEEDS_REVIEW)

_SCORE_STEP = Decimal("0.01")
_PERCENT_STEP = Decimal("0.1")
_LIST_JOIN = {"zh": "；", "en": "; "}
_ALT_JOIN = " / "
_ARROW = " → "
_TRUE_FALSE = {True: {"zh": "正确", "en": "True"}, False: {"zh": "错误", "en": "False"}}
_ANY_NUMBER = {"zh": "任意数字", "en": "any number"}
_CURRENCY_TOKENS = ("¥", "元")
_PREFIX_UNITS = ("¥", "$", "€", "£")
_NUMBER = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+")
_MAX_NUMBER_CHARS = 64


@dataclass
class Grade:
    """The result of grading one question (all texts as {zh, en} dicts)."""

    question_id: str | None
    type: str
    score: float
    max_score: float
    status: str
    # One dict per part (option, step, pair, value); see the module's _grade_* functions.
    feedback: list[dict[str, Any]] = field(default_factory=list)
    correct_answer: dict[str, str] | None = None
    explanation: dict[str, str] | None = None
    general_feedback: dict[str, str] | None = None
    # Scenario only: the choices made, with consequences, and the critical ones among them.
    path: list[dict[str, Any]] = field(default_factory=list)
    critical: list[dict[str, Any]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    manual: list[str] = field(default_factory=list)
    rubric: dict[str, str] | None = None
    note: str | None = None
    graded_manually: bool = False
    reviewer_comment: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable copy (shallow: the values are JSON-shaped already).

        dataclasses.asdict deep-copies every feedback dict and was a fifth of a submit's CPU.
        """
        return {f.name: getattr(self, f.name) for f in _GRADE_FIELDS}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Grade:
        """Rebuild a Grade stored with to_dict() (unknown keys ignored)."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


_GRADE_FIELDS = dataclasses.fields(Grade)


@dataclass
class AttemptResult:
    """Totals of a graded attempt."""

    score: float
    max_score: float
    percent: float
    passed: bool | None
    needs_review: bool
    grades: list[Grade]
    weak_topics: list[dict[str, Any]]
    critical: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable copy."""
        return dataclasses.asdict(self)


@dataclass
class _Outcome:
    fraction: float = 0.0
    status: str | None = None
    feedback: list[dict[str, Any]] = field(default_factory=list)
    path: list[dict[str, Any]] = field(default_factory=list)
    critical: list[dict[str, Any]] = field(default_factory=list)
    note: str | None = None


# --- helpers --------------------------------------------------------------------------------


def _round(value: float | Decimal, step: Decimal = _SCORE_STEP) -> float:
    return float(Decimal(str(value)).quantize(step, rounding=ROUND_HALF_UP))


def _clamp(value: float) -> float:
    return min(1.0, max(0.0, value))


def _items(container: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
    raw = container.get(key)
    return [i for i in raw if isinstance(i, dict)] if isinstance(raw, list) else []


def _by_id(items: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    return {i["id"]: i for i in items if isinstance(i.get("id"), str)}


def _join(texts: list[dict[str, str] | None], sep: Mapping[str, str] | str) -> dict[str, str]:
    parts = [t for t in texts if t is not None]
    return {
        lang: (sep if isinstance(sep, str) else sep[lang]).join(t[lang] for t in parts)
        for lang in ("zh", "en")
    }


def _unanswered(feedback: list[dict[str, Any]] | None = None) -> _Outcome:
    return _Outcome(status=UNANSWERED, feedback=feedback or [])


def _invalid(reason: str, feedback: list[dict[str, Any]] | None = None) -> _Outcome:
    return _Outcome(fraction=0.0, feedback=feedback or [], note=f"invalid response: {reason}")


def _fraction_of(item: Mapping[str, Any], default: float) -> float:
    value = item.get("fraction")
    return float(value) if is_number(value) else default


def _manual_links(question: Question) -> list[str]:
    manual = question.get("manual")
    if isinstance(manual, str):
        return [manual] if manual else []
    if isinstance(manual, list):
        return [m for m in manual if isinstance(m, str) and m]
    return []


# --- single / multiple ----------------------------------------------------------------------


def _options(question: Question) -> dict[str, Mapping[str, Any]]:
    return _by_id(_items(question, "options"))


def _single_fractions(options: Mapping[str, Mapping[str, Any]]) -> dict[str, float]:
    return {
        oid: _fraction_of(o, 1.0 if o.get("correct") is True else 0.0) for oid, o in options.items()
    }


def _multiple_fractions(options: Mapping[str, Mapping[str, Any]]) -> dict[str, float]:
    gift = any("fraction" in o for o in options.values())
    n_correct = sum(1 for o in options.values() if o.get("correct") is True)
    share = 1.0 / n_correct if n_correct else 0.0
    if gift:
        return {
            oid: _fraction_of(o, share if o.get("correct") is True else 0.0)
            for oid, o in options.items()
        }
    return {oid: share if o.get("correct") is True else -share for oid, o in options.items()}


def _option_parts(
    options: Mapping[str, Mapping[str, Any]],
    layout: Mapping[str, Any],
    selected: set[str],
    correct: set[str],
) -> list[dict[str, Any]]:
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


def _best(fractions: Mapping[str, float]) -> set[str]:
    """The single-choice options that earn the most (none when nothing earns anything)."""
    best = max(fractions.values(), default=0.0)
    return {oid for oid, f in fractions.items() if best > 0 and f >= best}


def _grade_single(question: Question, response: Mapping[str, Any], layout: Any) -> _Outcome:
    options = _options(question)
    fractions = _single_fractions(options)
    correct = _best(fractions)
    choice = response.get("choice")
    if choice is None or choice == "":
        return _unanswered(_option_parts(options, layout, set(), correct))
    if not isinstance(choice, str) or choice not in fractions:
        return _invalid("unknown option", _option_parts(options, layout, set(), correct))
    return _Outcome(
        fraction=_clamp(fractions[choice]),
        feedback=_option_parts(options, layout, {choice}, correct),
    )


def _grade_multiple(question: Question, response: Mapping[str, Any], layout: Any) -> _Outcome:
    options = _options(question)
    fractions = _multiple_fractions(options)
    correct = {oid for oid, f in fractions.items() if f > 0}
    choices = response.get("choices")
    if choices is None or choices == []:
        return _unanswered(_option_parts(options, layout, set(), correct))
    problem = None
    if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
        problem = "choices must be a list of option ids"
    elif len(set(choices)) != len(choices):
        problem = "an option was chosen twice"
    elif any(c not in fractions for c in choices):
        problem = "unknown option"
    if problem is not None:
        return _invalid(problem, _option_parts(options, layout, set(), correct))
    return _Outcome(
        fraction=_clamp(sum(fractions[c] for c in choices)),
        feedback=_option_parts(options, layout, set(choices), correct),
    )


def _correct_single(question: Question) -> dict[str, str] | None:
    options = _options(question)
    best = _best(_single_fractions(options))
    return _join([localised(o.get("text")) for oid, o in options.items() if oid in best], _ALT_JOIN)


def _correct_multiple(question: Question) -> dict[str, str] | None:
    options = _options(question)
    fractions = _multiple_fractions(options)
    return _join(
        [localised(o.get("text")) for oid, o in options.items() if fractions[oid] > 0], _LIST_JOIN
    )


# --- true / false ---------------------------------------------------------------------------


def _grade_truefalse(question: Question, response: Mapping[str, Any], layout: Any) -> _Outcome:
    value = response.get("value")
    if value is None:
        return _unanswered()
    if not isinstance(value, bool):
        return _invalid("value must be true or false")
    answer = question.get("answer") is True
    part = {
        "id": "value",
        "response": value,
        "answer": answer,
        "correct": value == answer,
        "feedback": localised(question.get("feedback_true" if value else "feedback_false")),
    }
    return _Outcome(fraction=1.0 if value == answer else 0.0, feedback=[part])


def _correct_truefalse(question: Question) -> dict[str, str] | None:
    return dict(_TRUE_FALSE[question.get("answer") is True])


# --- ordering -------------------------------------------------------------------------------


def _longest_increasing(values: list[int]) -> set[int]:
    """Positions of one longest strictly increasing subsequence (n is small: O(n²) is fine)."""
    if not values:
        return set()
    length = [1] * len(values)
    previous = [-1] * len(values)
    for i, value in enumerate(values):
        for j in range(i):
            if values[j] < value and length[j] + 1 > length[i]:
                length[i] = length[j] + 1
                previous[i] = j
    end = max(range(len(values)), key=lambda i: length[i])
    members: set[int] = set()
    while end != -1:
        members.add(end)
        end = previous[end]
    return members


def _grade_ordering(question: Question, response: Mapping[str, Any], layout: Any) -> _Outcome:
    steps = _by_id(_items(question, "steps"))
    correct_index = {sid: i for i, sid in enumerate(steps)}
    order = response.get("order")
    if order is None or order == []:
        return _unanswered()
    if not isinstance(order, list) or not all(isinstance(s, str) for s in order):
        return _invalid("order must be a list of step ids")
    if len(set(order)) != len(order):
        return _invalid("a step appears twice")
    if set(order) != set(steps):
        return _invalid("order must contain every step exactly once")
    positions = [correct_index[sid] for sid in order]
    in_sequence = _longest_increasing(positions)
    n = len(order)
    fraction = (len(in_sequence) - 1) / (n - 1) if n > 1 else 1.0
    parts = [
        {
            "id": sid,
            "text": localised(steps[sid].get("text")),
            "position": pos + 1,
            "expected_position": correct_index[sid] + 1,
            "correct": pos == correct_index[sid],
            "in_sequence": pos in in_sequence,
        }
        for pos, sid in enumerate(order)
    ]
    return _Outcome(fraction=_clamp(fraction), feedback=parts)


def _correct_ordering(question: Question) -> dict[str, str] | None:
    return _join(
        [localised(s.get("text")) for s in _by_id(_items(question, "steps")).values()], _ARROW
    )


# --- numeric --------------------------------------------------------------------------------


def _units(question: Question) -> list[str]:
    unit = localised(question.get("unit"))
    found = [unicodedata.normalize("NFKC", u).strip() for u in (unit or {}).values()]
    tokens = [*_CURRENCY_TOKENS, *found]
    # Longest first so "元/件" is removed before "元".
    return sorted({t for t in tokens if t}, key=len, reverse=True)


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


def _grade_numeric(question: Question, response: Mapping[str, Any], layout: Any) -> _Outcome:
    value = response.get("value")
    if value is None:
        return _unanswered()
    if not isinstance(value, str):
        return _invalid("value must be a string")
    if not value.strip():
        return _unanswered()
    number = parse_number(value, _units(question))
    if number is None:
        return _invalid("not a number", [{"id": "value", "response": value, "correct": False}])
    for answer in _items(question, "answers"):
        if _answer_matches(answer, number):
            fraction = _clamp(_fraction_of(answer, 1.0))
            part = {
                "id": "value",
                "response": value,
                "correct": fraction >= 1.0,
                "feedback": localised(answer.get("feedback")),
            }
            return _Outcome(fraction=fraction, feedback=[part])
    return _Outcome(
        fraction=0.0,
        feedback=[{"id": "value", "response": value, "correct": False, "feedback": None}],
    )


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


def _correct_numeric(question: Question) -> dict[str, str] | None:
    answers = _items(question, "answers")
    best = max((_fraction_of(a, 1.0) for a in answers), default=0.0)
    if best <= 0:
        return None
    unit = localised(question.get("unit")) or {"zh": "", "en": ""}
    out: dict[str, str] = {}
    for lang in ("zh", "en"):
        texts = []
        for a in answers:
            if _fraction_of(a, 1.0) < best:
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
                high_text = "…" if high is None else _with_unit(_format_number(high), unit[lang])
                text = f"{low_text} – {high_text}"
            texts.append(text)
        out[lang] = _ALT_JOIN.join(texts)
    return out


# --- matching -------------------------------------------------------------------------------


def _grade_matching(question: Question, response: Mapping[str, Any], layout: Any) -> _Outcome:
    pairs = _items(question, "pairs")
    rights = right_ids(layout)
    answers = response.get("pairs")
    if answers is None or answers == {}:
        return _unanswered()
    if not isinstance(answers, dict):
        return _invalid("pairs must be an object")
    keys = {str(i) for i in range(len(pairs))}
    asked = real_pairs(question)  # a distractor (empty left) is not asked and not counted
    lefts = {str(i) for i, _pair in asked}
    chosen: dict[int, int] = {}
    for key, rid in answers.items():
        if not isinstance(key, str) or key not in keys:
            return _invalid(f"unknown left item {key!r}")
        if rid is None or rid == "":
            continue
        if key not in lefts:
            return _invalid(f"unknown left item {key!r}")
        if not isinstance(rid, str) or rid not in rights:
            return _invalid(f"unknown right item {rid!r}")
        chosen[int(key)] = rights[rid]
    if not chosen:
        return _unanswered()
    parts = []
    for i, pair in asked:
        picked = chosen.get(i)
        expected = localised(pair.get("right"))
        given = None if picked is None else localised(pairs[picked].get("right"))
        # Two lefts may share the same right text; either copy is then right.
        ok = picked is not None and (picked == i or given == expected)
        parts.append(
            {
                "id": str(i),
                "text": localised(pair.get("left")),
                "response": given,
                "expected": expected,
                "correct": ok,
            }
        )
    n = len(asked)
    fraction = sum(1 for p in parts if p["correct"]) / n if n else 0.0
    return _Outcome(fraction=fraction, feedback=parts)


def _correct_matching(question: Question) -> dict[str, str] | None:
    texts = []
    for _i, pair in real_pairs(question):
        left = localised(pair.get("left")) or {"zh": "", "en": ""}
        right = localised(pair.get("right")) or {"zh": "", "en": ""}
        texts.append({lang: f"{left[lang]}{_ARROW}{right[lang]}" for lang in ("zh", "en")})
    return _join(texts, _LIST_JOIN)


# --- short answer ---------------------------------------------------------------------------


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


def _grade_short(question: Question, response: Mapping[str, Any], layout: Any) -> _Outcome:
    text = response.get("text")
    if text is None:
        return _unanswered()
    if not isinstance(text, str):
        return _invalid("text must be a string")
    if not text.strip():
        return _unanswered()
    given = normalise_short(text)
    matches = [
        a
        for a in _items(question, "answers")
        if given and any(normalise_short(t) == given for t in _answer_texts(a))
    ]
    best = max(matches, key=lambda a: _fraction_of(a, 1.0), default=None)
    fraction = 0.0 if best is None else _clamp(_fraction_of(best, 1.0))
    part = {
        "id": "text",
        "response": text,
        "correct": fraction >= 1.0,
        "feedback": None if best is None else localised(best.get("feedback")),
    }
    return _Outcome(fraction=fraction, feedback=[part])


def _correct_short(question: Question) -> dict[str, str] | None:
    answers = _items(question, "answers")
    best = max((_fraction_of(a, 1.0) for a in answers), default=0.0)
    if best <= 0:
        return None
    texts = [t for a in answers if _fraction_of(a, 1.0) >= best for t in _answer_texts(a)]
    unique = list(dict.fromkeys(texts))
    return {"zh": _ALT_JOIN.join(unique), "en": _ALT_JOIN.join(unique)}


# --- essay / description --------------------------------------------------------------------


def _grade_essay(question: Question, response: Mapping[str, Any], layout: Any) -> _Outcome:
    text = response.get("text")
    if text is None:
        return _unanswered()
    if not isinstance(text, str):
        return _invalid("text must be a string")
    if not text.strip():
        return _unanswered()
    return _Outcome(status=NEEDS_REVIEW, feedback=[{"id": "text", "response": text}])


def _grade_description(question: Question, response: Mapping[str, Any], layout: Any) -> _Outcome:
    return _Outcome(fraction=1.0, status=CORRECT)


def _no_correct_answer(question: Question) -> dict[str, str] | None:
    return None


# --- scenario -------------------------------------------------------------------------------


def _best_from(
    step_id: str, steps: Mapping[str, Any], memo: dict[str, float], visiting: set[str]
) -> float:
    if step_id in memo:
        return memo[step_id]
    if step_id in visiting:
        return 0.0  # a cycle (a content error): don't follow it again
    visiting.add(step_id)
    best = 0.0
    for option in step_options(steps[step_id]):
        nxt = next_step(option, steps)
        tail = _best_from(nxt, steps, memo, visiting) if nxt else 0.0
        best = max(best, option_points(option) + tail)
    visiting.discard(step_id)
    memo[step_id] = best
    return best


def best_path_points(question: Question) -> float:
    """The most option points any path through a scenario can collect (DFS over the steps)."""
    steps = scenario_steps(question)
    start = question.get("start")
    if not isinstance(start, str) or start not in steps:
        return 0.0
    return _best_from(start, steps, {}, set())


def _best_path(question: Question) -> list[dict[str, Any]]:
    steps = scenario_steps(question)
    memo: dict[str, float] = {}
    current = question.get("start")
    seen: set[str] = set()
    path = []
    while isinstance(current, str) and current in steps and current not in seen:
        seen.add(current)
        options = step_options(steps[current])
        if not options:
            break

        def value(option: Mapping[str, Any], seen: set[str] = seen) -> float:
            nxt = next_step(option, steps)
            tail = _best_from(nxt, steps, memo, set(seen)) if nxt and nxt not in seen else 0.0
            return option_points(option) + tail

        choice = max(options, key=value)
        path.append(choice)
        current = next_step(choice, steps)
    return path


def _scenario_entry(step: Mapping[str, Any], option: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "step": step["id"],
        "stem": localised(step.get("stem")),
        "option": option["id"],
        "text": localised(option.get("text")),
        "consequence": localised(option.get("consequence")),
        "points": option_points(option),
        "critical": option.get("critical") is True,
    }


def _grade_scenario(question: Question, response: Mapping[str, Any], layout: Any) -> _Outcome:
    path = response.get("path")
    if path is None or path == []:
        return _unanswered()
    taken, due, error = walk_path(question, path)
    entries = [_scenario_entry(step, option) for step, option in taken]
    critical = [
        {
            "step": e["step"],
            "option": e["option"],
            "text": e["text"],
            "consequence": e["consequence"],
        }
        for e in entries
        if e["critical"]
    ]
    if error:
        return _Outcome(
            fraction=0.0, path=entries, critical=critical, note=f"invalid path: {error}"
        )
    best = best_path_points(question)
    earned = sum(e["points"] for e in entries)
    # A scenario where no choice scores anything is passed just by finishing it.
    fraction = earned / best if best > 0 else float(due is None)
    return _Outcome(
        fraction=_clamp(fraction),
        path=entries,
        critical=critical,
        note=None if due is None else "incomplete: the scenario was not finished",
    )


def _correct_scenario(question: Question) -> dict[str, str] | None:
    texts = [localised(o.get("text")) for o in _best_path(question)]
    return _join(texts, _ARROW) if texts else None


_Grader = Callable[[Question, Mapping[str, Any], Any], _Outcome]
_CorrectAnswer = Callable[[Question], "dict[str, str] | None"]
_TYPES: dict[str, tuple[_Grader, _CorrectAnswer]] = {
    "single": (_grade_single, _correct_single),
    "multiple": (_grade_multiple, _correct_multiple),
    "truefalse": (_grade_truefalse, _correct_truefalse),
    "ordering": (_grade_ordering, _correct_ordering),
    "numeric": (_grade_numeric, _correct_numeric),
    "matching": (_grade_matching, _correct_matching),
    "short": (_grade_short, _correct_short),
    "essay": (_grade_essay, _no_correct_answer),
    "scenario": (_grade_scenario, _correct_scenario),
    "description": (_grade_description, _no_correct_answer),
}


def _status(score: float, max_score: float, fraction: float) -> str:
    if max_score > 0:
        if score >= max_score:
            return CORRECT
        return INCORRECT if score <= 0 else PARTIAL
    if fraction >= 1:
        return CORRECT
    return INCORRECT if fraction <= 0 else PARTIAL


def grade(
    question: Question, response: dict[str, Any] | None, layout: Any, *, texts: bool = True
) -> Grade:
    """Grade one response; a malformed response grades as unanswered/incorrect, never raises.

    ``texts=False`` leaves out the correct answer, explanation, general feedback and rubric
    (a submit stores none of them; the result page grades again with them).
    """
    qtype = question.get("type")
    if qtype not in _TYPES:
        raise ValueError(f"unknown question type {qtype!r}")
    grader, correct_answer = _TYPES[qtype]
    points = max_points(question)
    layout = normalise_layout(question, layout)
    # A description has nothing to answer, so any response (even junk) leaves it "correct".
    malformed = qtype != "description" and response is not None and not isinstance(response, dict)
    outcome = grader(question, response if isinstance(response, dict) else {}, layout)
    if malformed:
        outcome.status = None
        outcome.fraction = 0.0
        outcome.note = "invalid response: not an object"
    fraction = _clamp(outcome.fraction)
    pending = outcome.status in (UNANSWERED, NEEDS_REVIEW)
    score = 0.0 if pending else _round(points * fraction)
    status = outcome.status or _status(score, points, fraction)
    tags = question.get("tags")
    return Grade(
        question_id=question.get("id"),
        type=qtype,
        score=score,
        max_score=points,
        status=status,
        feedback=outcome.feedback,
        correct_answer=correct_answer(question) if texts else None,
        explanation=localised(question.get("explanation")) if texts else None,
        general_feedback=localised(question.get("general_feedback")) if texts else None,
        path=outcome.path,
        critical=outcome.critical,
        tags=[t for t in tags if isinstance(t, str)] if isinstance(tags, list) else [],
        manual=_manual_links(question),
        rubric=localised(question.get("rubric")) if texts and qtype == "essay" else None,
        note=outcome.note,
    )


def manual_grade(grade: Grade, score: float, comment: str | None = None) -> Grade:
    """A supervisor's score for an essay (0 ≤ score ≤ max_score), returned as a new Grade."""
    if grade.type != "essay":
        raise ValueError("only essay answers are graded by hand")
    if grade.status == UNANSWERED:
        raise ValueError("the essay was not answered; there is nothing to grade")
    if not is_number(score):
        raise ValueError("score must be a number")
    if not 0 <= score <= grade.max_score:
        raise ValueError(f"score must be between 0 and {grade.max_score:g}")
    if comment is not None and not isinstance(comment, str):
        raise ValueError("comment must be text")
    rounded = _round(score)
    return dataclasses.replace(
        grade,
        score=rounded,
        status=_status(
            rounded, grade.max_score, rounded / grade.max_score if grade.max_score else 1
        ),
        graded_manually=True,
        reviewer_comment=(comment or "").strip() or None,
        note=None,
    )


# --- attempts -------------------------------------------------------------------------------


def weak_topics(grades: list[Grade]) -> list[dict[str, Any]]:
    topics: dict[str | None, dict[str, Any]] = {}
    for g in grades:
        if g.status == NEEDS_REVIEW or g.max_score <= 0:
            continue
        lost = Decimal(str(g.max_score)) - Decimal(str(g.score))
        if lost <= 0:
            continue
        for tag in g.tags or [None]:
            topic = topics.setdefault(
                tag, {"tag": tag, "lost_points": Decimal(0), "questions": [], "manual": []}
            )
            topic["lost_points"] += lost
            topic["questions"].append(g.question_id)
            topic["manual"].extend(m for m in g.manual if m not in topic["manual"])
    ordered = sorted(
        topics.values(), key=lambda t: (-t["lost_points"], t["tag"] is None, t["tag"] or "")
    )
    return [{**t, "lost_points": _round(t["lost_points"])} for t in ordered]


def grade_attempt(
    items: list[tuple[Question, dict[str, Any] | None, Any]],
    pass_mark: float,
    *,
    texts: bool = True,
) -> AttemptResult:
    """Grade every (question, response, layout) of an attempt and total it against pass_mark (%).

    ``texts`` as for grade().
    """
    if not is_number(pass_mark) or not 0 <= pass_mark <= 100:
        raise ValueError("pass_mark must be a percentage between 0 and 100")
    grades = [grade(q, response, layout, texts=texts) for q, response, layout in items]
    score = sum((Decimal(str(g.score)) for g in grades), Decimal(0))
    maximum = sum((Decimal(str(g.max_score)) for g in grades), Decimal(0))
    percent = _round(score * 100 / maximum, _PERCENT_STEP) if maximum > 0 else 100.0
    needs_review = any(g.status == NEEDS_REVIEW for g in grades)
    return AttemptResult(
        score=_round(score),
        max_score=_round(maximum),
        percent=percent,
        passed=None if needs_review else percent >= pass_mark,
        needs_review=needs_review,
        grades=grades,
        weak_topics=weak_topics(grades),
        critical=[{"question_id": g.question_id, **c} for g in grades for c in g.critical],
    )
