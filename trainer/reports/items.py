"""Item analysis of a quiz: added up from running sums, arithmetic in Python.

trainer.reports.itemsums keeps, per question, store group, first-or-later attempt and chosen
option, the sums the statistics need (see trainer.domain.itemstats) as attempts are graded.
Adding the groups of a question gives its sums, so option frequencies cost no second pass; the
cost is a few hundred rows per quiz and store, whatever the number of attempts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import false, func, or_, select
from sqlalchemy.orm import Session

from trainer.domain import itemstats
from trainer.models import ItemSum, Question, Quiz, QuizSum
from trainer.reports import itemsums
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


def _store_keys(quiz: Quiz, scope: Scope):
    """The store keys (see itemsums.store_key) of the scope's learners who have sums."""
    if scope.store_ids is None:
        return [itemsums.EVERYONE]
    # ",3,7," belongs to stores 3 and 7: the few keys in scope come from the small quiz_sum
    # table, then the item rows are read through the (quiz, stores, …) index.
    return select(QuizSum.stores).where(
        QuizSum.quiz_id == quiz.id,
        or_(false(), *(QuizSum.stores.contains(f",{store_id},") for store_id in scope.store_ids)),
    )


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
    """Facility, discrimination and option counts per question of ``quiz`` (three queries).

    Read from the running sums (trainer.reports.itemsums), a few hundred rows per quiz and
    store, so the time does not grow with the number of attempts.
    """
    keys = _store_keys(quiz, scope)
    quiz_filter = [QuizSum.quiz_id == quiz.id, QuizSum.stores.in_(keys)]
    item_filter = [ItemSum.quiz_id == quiz.id, ItemSum.stores.in_(keys), ItemSum.n > 0]
    if first_only:
        quiz_filter.append(QuizSum.first.is_(True))
        item_filter.append(ItemSum.first.is_(True))
    totals = session.execute(
        select(
            func.sum(QuizSum.n), func.sum(QuizSum.n_percent), func.sum(QuizSum.sum_percent)
        ).where(*quiz_filter)
    ).one()
    groups = session.execute(
        select(
            ItemSum.question_id,
            ItemSum.option,
            func.sum(ItemSum.n),
            func.max(ItemSum.max_score),
            *(func.sum(getattr(ItemSum, name)) for name in itemsums.ITEM_SUMS[1:]),
        )
        .where(*item_filter)
        .group_by(ItemSum.question_id, ItemSum.option)
    ).all()
    sums: dict[int, list[float]] = defaultdict(lambda: [0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])
    picked: dict[int, list[tuple[object, int]]] = defaultdict(list)
    for question_id, option, n, max_score, sx, sxx, sy, syy, sxy in groups:
        acc = sums[question_id]
        acc[0] += n
        acc[1] = max(acc[1], float(max_score or 0))
        for i, value in enumerate((sx, sxx, sy, syy, sxy), start=2):
            acc[i] += float(value or 0)
        if option:
            picked[question_id].append((option, int(n)))
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
    counted, with_percent, percent_total = totals
    mean = float(percent_total) / with_percent if with_percent else None
    return ItemReport(quiz, first_only, int(counted or 0), mean, rows)
