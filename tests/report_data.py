"""Graded attempts written straight into the tables, for the report tests.

The reports read only stored results (scores, statuses, responses), so the tests write exactly
the results they reason about instead of playing every quiz through the pages.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from trainer.db import utcnow
from trainer.models import Attempt, AttemptItem, AttemptStatus, Question, Quiz, User
from trainer.reports import itemsums


def question_ids(session: Session) -> dict[str, tuple[int, str]]:
    """qid -> (question id, version hash) of every imported question."""
    rows = session.execute(select(Question.qid, Question.id, Question.content_hash))
    return {qid: (qid_id, digest) for qid, qid_id, digest in rows}


def record_attempt(
    session: Session,
    user: User,
    quiz: Quiz,
    items: list[tuple[str, float, float, dict | None]],
    *,
    number: int = 1,
    submitted_at: datetime | None = None,
    pass_mark: float = 80.0,
) -> int:
    """A graded attempt with ``items`` as (qid, score, max score, response); returns its id."""
    ids = question_ids(session)
    when = submitted_at or utcnow()
    score = sum(i[1] for i in items)
    maximum = sum(i[2] for i in items)
    percent = round(100.0 * score / maximum, 1) if maximum else 0.0
    conn = session.connection()
    attempt_id = conn.execute(
        insert(Attempt.__table__).returning(Attempt.__table__.c.id),
        {
            "quiz_id": quiz.id,
            "user_id": user.id,
            "number": number,
            "status": AttemptStatus.GRADED,
            "started_at": when - timedelta(minutes=12),
            "submitted_at": when,
            "score": score,
            "max_score": maximum,
            "percent": percent,
            "passed": percent >= pass_mark,
            "pass_mark": pass_mark,
            "review_policy": "after_submission",
        },
    ).scalar_one()
    conn.execute(
        insert(AttemptItem.__table__),
        [
            {
                "attempt_id": attempt_id,
                "position": position,
                "question_id": ids[qid][0],
                "question_hash": ids[qid][1],
                "layout": {},
                "response": response,
                "score": item_score,
                "max_score": item_max,
                "status": "correct" if item_score >= item_max else "incorrect",
                "created_at": when,
            }
            for position, (qid, item_score, item_max, response) in enumerate(items)
        ],
    )
    itemsums.add_attempt(session, attempt_id)  # what grading does (trainer.quizzes.service)
    session.commit()
    return attempt_id
