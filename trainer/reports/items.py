"""Item analysis of a quiz: one aggregate query over its attempts, arithmetic in Python.

The query groups the items of the chosen attempts by question and by the option the learner
picked (for single, multiple and true/false questions), and sums what the statistics need
(see trainer.domain.itemstats). Adding the groups of a question gives its sums, so option
frequencies cost no second pass over the items. The cost is one scan of the quiz's items,
whatever the report shows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from trainer.domain import itemstats
from trainer.models import Attempt, AttemptItem, AttemptStatus, Question, Quiz
from trainer.reports.scope import Scope

#: Question types whose stored response names an option: the option frequencies.
CHOICE_TYPES = ("single", "multiple", "truefalse")


@dataclass(frozen=True)
class OptionCount:
    """How many answers chose one option."""

    id: str
    count: int
    text: dict | str
    correct: bool


@dataclass
class ItemRow:
    """One question of the report."""

    question_id: int
    qid: str
    type: str
    stem: dict | str
    tags: list
    figures: itemstats.ItemFigures
    options: list[OptionCount] = field(default_factory=list)


@dataclass
class ItemReport:
    """A quiz's item analysis."""

    quiz: Quiz
    first_only: bool
    attempts: int  # attempts counted (graded, in scope)
    mean_percent: float | None
    rows: list[ItemRow]


def _option_key():
    response = AttemptItem.response
    return case(
        (Question.type == "single", response["choice"].as_string()),
        (Question.type == "multiple", response["choices"].as_string()),
        (Question.type == "truefalse", response["value"].as_string()),
        else_=None,
    )


def _attempt_filter(quiz: Quiz, scope: Scope, first_only: bool) -> list:
    conditions = [Attempt.quiz_id == quiz.id, Attempt.status == AttemptStatus.GRADED]
    if first_only:
        conditions.append(Attempt.number == 1)
    members = scope.members(Attempt.user_id)
    if members is not None:
        conditions.append(members)
    return conditions


_TRUE_FALSE = {"true": {"zh": "正确", "en": "True"}, "false": {"zh": "错误", "en": "False"}}


def _positive(option: dict) -> bool:
    fraction = option.get("fraction")  # GIFT options carry fractions instead of correct: true
    return isinstance(fraction, int | float) and fraction > 0


def _options(kind: str, data: dict, picked: list[tuple[object, int]]) -> list[OptionCount]:
    """Each option with its count, its text and whether it is (one of) the right answers."""
    if kind == "truefalse":
        right = "true" if data.get("answer") else "false"
        texts = {key: (text, key == right) for key, text in _TRUE_FALSE.items()}
    else:
        texts = {
            str(o.get("id")): (o.get("text", ""), o.get("correct") is True or _positive(o))
            for o in data.get("options") or []
        }
    return [
        OptionCount(option_id, count, *texts.get(option_id, (option_id, False)))
        for option_id, count in itemstats.option_counts({"type": kind, **data}, picked)
    ]


def item_analysis(session: Session, quiz: Quiz, scope: Scope, *, first_only: bool) -> ItemReport:
    """Facility, discrimination and option counts per question of ``quiz`` (three queries)."""
    conditions = _attempt_filter(quiz, scope, first_only)
    totals = session.execute(
        select(func.count(), func.avg(Attempt.percent)).where(*conditions)
    ).one()
    x = AttemptItem.score
    y = Attempt.score
    key = _option_key().label("option")
    groups = session.execute(
        select(
            AttemptItem.question_id,
            key,
            func.count(),
            func.max(AttemptItem.max_score),
            func.sum(x),
            func.sum(x * x),
            func.sum(y),
            func.sum(y * y),
            func.sum(x * y),
        )
        .select_from(Attempt)
        .join(AttemptItem, AttemptItem.attempt_id == Attempt.id)
        .join(Question, Question.id == AttemptItem.question_id)
        .where(*conditions, AttemptItem.score.is_not(None))
        .group_by(AttemptItem.question_id, key)
    ).all()
    sums: dict[int, list[float]] = defaultdict(lambda: [0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])
    picked: dict[int, list[tuple[object, int]]] = defaultdict(list)
    for question_id, option, n, max_score, sx, sxx, sy, syy, sxy in groups:
        acc = sums[question_id]
        acc[0] += n
        acc[1] = max(acc[1], float(max_score or 0))
        for i, value in enumerate((sx, sxx, sy, syy, sxy), start=2):
            acc[i] += float(value or 0)
        if option is not None:
            picked[question_id].append((option, n))
    questions = {
        q.id: q for q in session.scalars(select(Question).where(Question.id.in_(list(sums))))
    }
    rows = []
    for question_id, acc in sums.items():
        question = questions.get(question_id)
        if question is None:
            continue
        data = question.data or {}
        figures = itemstats.figures(itemstats.ItemSums(acc[0], *acc[1:]))
        options = []
        if question.type in CHOICE_TYPES:
            options = _options(question.type, data, picked.get(question_id, []))
        rows.append(
            ItemRow(
                question_id,
                question.qid,
                question.type,
                data.get("stem", ""),
                list(question.tags or []),
                figures,
                options,
            )
        )
    rows.sort(key=lambda r: r.qid)
    mean = float(totals[1]) if totals[1] is not None else None
    return ItemReport(quiz, first_only, int(totals[0] or 0), mean, rows)
