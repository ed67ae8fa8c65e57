"""Running sums for the item analysis, kept as attempts are graded.

Scanning every answer of a quiz took 53 s at 200,000 attempts on SQLite; the sums the
statistics need (see trainer.domain.itemstats) are plain sums, so they can be kept as attempts
are graded and added up per report instead. Every figure the report shows is a sum:

* facility: n and Σx per question (and the largest item maximum, kept as part of the key so
  that it stays exact when an attempt is taken back);
* discrimination: our index is the correlation of the item score with the rest of the test
  (Moodle's "discrimination index"), which needs only n, Σx, Σx², Σy, Σy², Σxy, so it is exact
  from running sums: no score groups (upper/lower 27 %) are involved;
* option frequencies: the same sums split by the option chosen;
* attempts counted and mean percent: QuizSum.

Rows are split by what a report filters on: the quiz, first attempts or later ones, and the
learner's stores (``store_key``; a learner in two stores counts once, as in the SQL scope).
Every attempt is also counted under the key ``EVERYONE``, so a report over all stores reads a
few hundred rows instead of adding up every store's.

When the sums change:

* an attempt becomes graded (submit, the last essay graded): :func:`add_attempt`;
* a graded attempt is graded again (an essay re-marked): :func:`remove_attempt` before the
  change, :func:`add_attempt` after (trainer.quizzes.review does both);
* a learner's stores change: their attempts move to the new store key (a ``before_flush``
  listener, :func:`_follow_store_changes`);
* bulk loads (the migrations 0008 and 0009, ``trainer bench-data``): :func:`rebuild`.

The same moments keep two smaller tables for the weak-topics and trends pages (migration
0009), keyed by single store and local month ('YYYY-MM' in TRAINER_TIMEZONE) because those
reports count a learner in each of their stores and show whole months:

* TopicSum: first-attempt answers worth marks and how many were wrong (less than full
  marks), per store, month and question;
* MonthSum: graded attempts, passes and the percent total per store and month.

Months are those of TRAINER_TIMEZONE when the attempt was graded: after changing it, run
``trainer db rebuild-sums``.

Attempts are never deleted in this application; if that is ever added, call remove_attempt
first.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable
from typing import NamedTuple
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from sqlalchemy import Select, bindparam, case, delete, event, func, inspect, select
from sqlalchemy.orm import Session

from trainer.db import utcnow
from trainer.models import (
    Attempt,
    AttemptItem,
    AttemptStatus,
    ItemSum,
    MonthSum,
    Question,
    QuizSum,
    TopicSum,
    User,
    user_stores,
)

ITEM_KEY = ("quiz_id", "question_id", "stores", "first", "option", "max_score")
ITEM_SUMS = ("n", "sum_x", "sum_xx", "sum_y", "sum_yy", "sum_xy")
QUIZ_KEY = ("quiz_id", "stores", "first")
QUIZ_SUMS = ("n", "n_percent", "sum_percent")
TOPIC_KEY = ("month", "store_id", "question_id")
TOPIC_SUMS = ("answered", "wrong")
MONTH_KEY = ("month", "store_id")
MONTH_SUMS = ("attempts", "passed", "sum_percent")
NO_STORE = ","
EVERYONE = "*"


class Sums(NamedTuple):
    """Contributions to each table, by key (a tuple in the order of its *_KEY)."""

    items: dict[tuple, list[float]]
    quizzes: dict[tuple, list[float]]
    topics: dict[tuple, list[float]]
    months: dict[tuple, list[float]]


def sums_zone() -> ZoneInfo:
    """The stores' time zone, which decides an attempt's month."""
    name = current_app.config.get("TIMEZONE", "UTC") if has_app_context() else "UTC"
    return ZoneInfo(name)


def month_of(column, dialect: str, zone_name: str, offset_minutes: int):
    """'YYYY-MM' of a stored UTC moment in the stores' time zone, in SQL.

    PostgreSQL converts with the zone itself. SQLite knows no zones, so there the zone's
    offset now is added as minutes: exact for zones without daylight saving time such as
    Asia/Shanghai, and at most an hour out near a change elsewhere.
    """
    if dialect == "postgresql":
        return func.to_char(func.timezone(zone_name, column), "YYYY-MM")
    return func.strftime("%Y-%m", column, f"{offset_minutes:+d} minutes")


def _month_setting(session: Session) -> tuple[str, str, int]:
    """What month_of needs: the dialect, the stores' zone and its offset now in minutes."""
    zone = sums_zone()
    offset = int(utcnow().astimezone(zone).utcoffset().total_seconds() // 60)
    return session.connection().dialect.name, str(zone), offset


def key_stores(key: str) -> list[int]:
    """The store ids of a store key (",3,7," -> [3, 7])."""
    return [int(part) for part in key.strip(",").split(",") if part]


def store_key(store_ids: Iterable[int]) -> str:
    """ ",3,7," for a learner in stores 3 and 7 ("," for none): a scope matches ",3,"."""
    ids = sorted(set(store_ids))
    return "," + "".join(f"{i}," for i in ids)


def option_key():
    """The option a stored response names (single, multiple, true/false), else NULL."""
    response = AttemptItem.response
    return case(
        (Question.type == "single", response["choice"].as_string()),
        (Question.type == "multiple", response["choices"].as_string()),
        (Question.type == "truefalse", response["value"].as_string()),
        else_=None,
    )


def _store_keys(session: Session, user_ids: set[int] | None) -> dict[int, str]:
    query = select(user_stores.c.user_id, user_stores.c.store_id)
    if user_ids is not None:
        query = query.where(user_stores.c.user_id.in_(user_ids))
    stores: dict[int, list[int]] = defaultdict(list)
    for user_id, store_id in session.execute(query):
        stores[user_id].append(store_id)
    return {user_id: store_key(ids) for user_id, ids in stores.items()}


#: The attempts _contributions may select: by attempt, by quiz or by learner.
_SELECT_BY = {"attempt": Attempt.id, "quiz": Attempt.quiz_id, "user": Attempt.user_id}


@functools.cache
def _contribution_queries(by: str, dialect: str, zone: str, offset: int) -> tuple[Select, Select]:
    """The two queries of _contributions, built once per setting (every submit runs them)."""
    conditions = (Attempt.status == AttemptStatus.GRADED, _SELECT_BY[by] == bindparam("selected"))
    first = (Attempt.number == 1).label("first")
    option = option_key().label("option")
    month = month_of(Attempt.submitted_at, dialect, zone, offset).label("month")
    x, y = AttemptItem.score, Attempt.score
    item_key = (
        Attempt.user_id,
        Attempt.quiz_id,
        AttemptItem.question_id,
        first,
        option,
        AttemptItem.max_score,
        month,
    )
    items = (
        select(
            *item_key,
            func.count(),
            func.sum(x),
            func.sum(x * x),
            func.sum(y),
            func.sum(y * y),
            func.sum(x * y),
            func.sum(case((x < AttemptItem.max_score, 1), else_=0)),
        )
        .select_from(Attempt)
        .join(AttemptItem, AttemptItem.attempt_id == Attempt.id)
        .join(Question, Question.id == AttemptItem.question_id)
        .where(*conditions, AttemptItem.score.is_not(None))
        .group_by(*item_key)
    )
    quiz_key = (Attempt.user_id, Attempt.quiz_id, first, month)
    quizzes = (
        select(
            *quiz_key,
            func.count(),
            func.count(Attempt.percent),
            func.sum(Attempt.percent),
            func.sum(case((Attempt.passed, 1), else_=0)),
        )
        .where(*conditions)
        .group_by(*quiz_key)
    )
    return items, quizzes


def _contributions(
    session: Session, by: str, selected: int, keys: dict[int, str] | None = None
) -> Sums:
    """The sums of the graded attempts whose ``by`` (see _SELECT_BY) is ``selected``, by key.

    ``keys`` maps a learner to the store key to file their attempts under (default: their
    stores now). Both queries group by the local month too, so that the per-month tables
    come from the same rows (grading an attempt costs no extra query for them).
    """
    item_query, quiz_query = _contribution_queries(by, *_month_setting(session))
    item_rows = session.execute(item_query, {"selected": selected}).all()
    quiz_rows = session.execute(quiz_query, {"selected": selected}).all()
    if keys is None:
        users = {row[0] for row in quiz_rows}
        keys = _store_keys(session, users if len(users) < 500 else None)
    items: dict[tuple, list[float]] = defaultdict(lambda: [0, 0.0, 0.0, 0.0, 0.0, 0.0])
    # Weak topics: first-attempt answers worth marks, per store (a learner counts in each).
    topics: dict[tuple, list[float]] = defaultdict(lambda: [0, 0])
    for row in item_rows:
        user_id, quiz_id, question_id, is_first, chosen, maximum, in_month, *sums, wrong = row
        # SQLite hands a true/false choice over as 1/0, PostgreSQL as 'true'/'false';
        # itemstats.option_counts reads both, as it did when the report scanned the answers.
        chosen = "" if chosen is None else str(chosen)
        stores = keys.get(user_id, NO_STORE)
        key = (quiz_id, question_id, stores, bool(is_first), chosen, float(maximum))
        for acc in (items[key], items[(*key[:2], EVERYONE, *key[3:])]):
            for i, value in enumerate(sums):
                acc[i] += value or 0
        if is_first and maximum > 0:
            for store_id in key_stores(stores):
                acc = topics[(in_month, store_id, question_id)]
                acc[0] += sums[0]
                acc[1] += wrong or 0
    quizzes: dict[tuple, list[float]] = defaultdict(lambda: [0, 0, 0.0])
    # Trends: graded attempts, passes and percent total per store (a learner counts in each).
    months: dict[tuple, list[float]] = defaultdict(lambda: [0, 0, 0.0])
    for user_id, quiz_id, is_first, in_month, count, n_percent, sum_percent, passed in quiz_rows:
        stores = keys.get(user_id, NO_STORE)
        for key in ((quiz_id, stores, bool(is_first)), (quiz_id, EVERYONE, bool(is_first))):
            acc = quizzes[key]
            acc[0] += count
            acc[1] += n_percent
            acc[2] += sum_percent or 0
        for store_id in key_stores(stores):
            acc = months[(in_month, store_id)]
            acc[0] += count
            acc[1] += passed or 0
            acc[2] += sum_percent or 0
    return Sums(items, quizzes, topics, months)


@functools.cache
def _upsert_statement(dialect: str, model, key: tuple[str, ...], sums: tuple[str, ...]):
    """INSERT … ON CONFLICT DO UPDATE adding ``sums`` to the row of ``key`` (built once)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    table = model.__table__
    statement = insert(table)
    return statement.on_conflict_do_update(
        index_elements=[table.c[name] for name in key],
        set_={name: table.c[name] + statement.excluded[name] for name in sums},
    )


#: Each table with its key and summed columns, in the order of Sums.
TABLES = (
    (ItemSum, ITEM_KEY, ITEM_SUMS),
    (QuizSum, QUIZ_KEY, QUIZ_SUMS),
    (TopicSum, TOPIC_KEY, TOPIC_SUMS),
    (MonthSum, MONTH_KEY, MONTH_SUMS),
)


def _store(session: Session, sums: Sums, sign: int, models: tuple = ()) -> None:
    """Add (sign 1) or take away (sign -1) the sums: one INSERT … ON CONFLICT per table.

    ``models``: only these tables (default: all).
    """
    conn = session.connection()
    for (model, key_names, sum_names), by_key in zip(TABLES, sums, strict=True):
        if models and model not in models:
            continue
        if by_key:
            conn.execute(
                _upsert_statement(conn.dialect.name, model, key_names, sum_names),
                [
                    {
                        **dict(zip(key_names, key, strict=True)),
                        **_signed(sum_names, acc, sign),
                    }
                    # In key order: submits of the same quiz at the same store update the
                    # same rows, each in its own question order; on PostgreSQL two of them
                    # could each lock a row the other then waits for (a deadlock, one submit
                    # failing). In one order, the second simply waits for the first.
                    for key, acc in sorted(by_key.items(), key=_lock_order)
                ],
            )
        if sign < 0:  # rows nobody counts any more would only slow the reports down
            conn.execute(delete(model).where(getattr(model, sum_names[0]) <= 0))


def _lock_order(entry: tuple[tuple, list[float]]) -> tuple:
    """A sum row's key as a sort key (a missing option, None, after every other)."""
    return tuple((value is None, "" if value is None else value) for value in entry[0])


def _signed(names: tuple[str, ...], values: list[float], sign: int) -> dict:
    return {name: sign * value for name, value in zip(names, values, strict=True)}


def add_attempt(session: Session, attempt_id: int) -> None:
    """Count a graded attempt in the sums (call once, when it becomes graded)."""
    session.flush()
    _store(session, _contributions(session, "attempt", attempt_id), 1)


def remove_attempt(session: Session, attempt_id: int) -> None:
    """Take a graded attempt out of the sums (before its grades change); no-op otherwise."""
    _store(session, _contributions(session, "attempt", attempt_id), -1)


def rebuild(session: Session, models: tuple = ()) -> None:
    """Compute the sums again from the graded attempts (bulk loads and the migrations).

    ``models``: only these tables (default: all). A migration names the tables of its own
    revision, since later tables do not exist yet when it runs.
    """
    models = models or tuple(model for model, _key, _sums in TABLES)
    for model in models:
        session.execute(delete(model))
    keys = _store_keys(session, None)
    for quiz_id in session.scalars(select(Attempt.quiz_id).distinct()).all():
        _store(session, _contributions(session, "quiz", quiz_id, keys), 1, models)


@event.listens_for(Session, "before_flush")
def _follow_store_changes(session: Session, _context, _instances) -> None:
    """Move a learner's attempts to their new store key when their stores change."""
    for user in list(session.dirty):
        if not isinstance(user, User):
            continue
        history = inspect(user).attrs.stores.history
        if not history.has_changes():
            continue
        before = store_key(s.id for s in (*history.unchanged, *history.deleted))
        after = store_key(s.id for s in (*history.unchanged, *history.added))
        if before == after:
            continue
        with session.no_autoflush:
            _store(session, _contributions(session, "user", user.id, {user.id: before}), -1)
            _store(session, _contributions(session, "user", user.id, {user.id: after}), 1)
