"""Grading any question through its type, attempt totals, weak topics and manual (essay) grading."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from trainer.domain import topics
from trainer.domain.questions.base import (
    CORRECT,
    INCORRECT,
    NEEDS_REVIEW,
    PARTIAL,
    UNANSWERED,
    Question,
    clamp,
    is_number,
    localised,
)
from trainer.domain.questions.layout import max_points, normalise_layout
from trainer.domain.questions.registry import TYPES, get_type

_SCORE_STEP = Decimal("0.01")
_PERCENT_STEP = Decimal("0.1")


@dataclass
class Grade:
    """The result of grading one question (all texts as {zh, en} dicts)."""

    question_id: str | None
    type: str
    score: float
    max_score: float
    status: str
    # One dict per part (option, step, pair, value); see each type's grade().
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


def _round(value: float | Decimal, step: Decimal = _SCORE_STEP) -> float:
    return float(Decimal(str(value)).quantize(step, rounding=ROUND_HALF_UP))


def _manual_links(question: Question) -> list[str]:
    manual = question.get("manual")
    if isinstance(manual, str):
        return [manual] if manual else []
    if isinstance(manual, list):
        return [m for m in manual if isinstance(m, str) and m]
    return []


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
    qtype = get_type(question.get("type"))
    points = max_points(question)
    layout = normalise_layout(question, layout)
    # A type with nothing to answer (a description) is "correct" whatever the response.
    malformed = qtype.answerable and response is not None and not isinstance(response, dict)
    outcome = qtype.grade(question, response if isinstance(response, dict) else {}, layout)
    if malformed:
        outcome.status = None
        outcome.fraction = 0.0
        outcome.note = "invalid response: not an object"
    fraction = clamp(outcome.fraction)
    pending = outcome.status in (UNANSWERED, NEEDS_REVIEW)
    score = 0.0 if pending else _round(points * fraction)
    status = outcome.status or _status(score, points, fraction)
    return _grade(
        question,
        score=score,
        max_score=points,
        status=status,
        feedback=outcome.feedback,
        path=outcome.path,
        critical=outcome.critical,
        note=outcome.note,
        texts=texts,
    )


def kept_outcome(grade: Grade) -> dict[str, Any]:
    """What grading found beyond the score and status, JSON-shaped: kept with the answer.

    The result page shows these parts; rebuilding the grade from them (regraded) costs a
    fraction of grading the answer again. The score and status are stored on their own.
    """
    return {"feedback": grade.feedback, "path": grade.path, "critical": grade.critical}


def regraded(
    question: Question, kept: Mapping[str, Any], *, score: float, status: str, texts: bool = True
) -> Grade:
    """The grade rebuilt from a kept_outcome() and the stored score and status.

    ``texts`` as for grade().
    """
    return _grade(
        question,
        score=score,
        max_score=max_points(question),
        status=status,
        feedback=kept.get("feedback") or [],
        path=kept.get("path") or [],
        critical=kept.get("critical") or [],
        note=None,
        texts=texts,
    )


def _grade(question: Question, *, texts: bool, **found: Any) -> Grade:
    """A Grade of ``question`` with what grading found and, with ``texts``, the question's texts."""
    qtype = get_type(question.get("type"))
    tags = question.get("tags")
    return Grade(
        question_id=question.get("id"),
        type=qtype.name,
        **found,
        correct_answer=qtype.correct_answer(question) if texts else None,
        explanation=localised(question.get("explanation")) if texts else None,
        general_feedback=localised(question.get("general_feedback")) if texts else None,
        tags=[t for t in tags if isinstance(t, str)] if isinstance(tags, list) else [],
        manual=_manual_links(question),
        rubric=localised(question.get("rubric")) if texts and qtype.graded_by_hand else None,
    )


def manual_grade(grade: Grade, score: float, comment: str | None = None) -> Grade:
    """A supervisor's score for an essay (0 ≤ score ≤ max_score), returned as a new Grade."""
    qtype = TYPES.get(grade.type)
    if qtype is None or not qtype.graded_by_hand:
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


def review_topic(tags: list[str]) -> str | None:
    """The one topic a question is reviewed under: its first skill, else its first tag.

    A question is tagged with a skill and the case it is about (``[C14, card-data-security]``);
    listing it under both made "what to review" name every lost question twice.
    """
    return next((tag for tag in tags if tag in topics.SKILLS), tags[0] if tags else None)


def weak_topics(grades: list[Grade]) -> list[dict[str, Any]]:
    """Topics where points were lost, most lost first, with their questions and manual links.

    One row per topic, each lost question under one topic (see review_topic).
    """
    found: dict[str | None, dict[str, Any]] = {}
    for g in grades:
        if g.status == NEEDS_REVIEW or g.max_score <= 0:
            continue
        lost = Decimal(str(g.max_score)) - Decimal(str(g.score))
        if lost <= 0:
            continue
        tag = review_topic(g.tags)
        topic = found.setdefault(
            tag, {"tag": tag, "lost_points": Decimal(0), "questions": [], "manual": []}
        )
        topic["lost_points"] += lost
        topic["questions"].append(g.question_id)
        topic["manual"].extend(m for m in g.manual if m not in topic["manual"])
    ordered = sorted(
        found.values(), key=lambda t: (-t["lost_points"], t["tag"] is None, t["tag"] or "")
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
