"""Essay answers graded by a supervisor: the queue, who may grade what, and the new total.

The rest of the attempt engine is in service.py; a reviewer's grade is stored the same way
(``stored_grade``), and the outcome kept at submit (the feedback parts) stays as it is: a
reviewer changes the score, status and comment, which are stored on their own.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from trainer import audit
from trainer.db import utcnow
from trainer.domain import questions
from trainer.models import Attempt, AttemptItem, AttemptStatus, User
from trainer.models.content import question_snapshots
from trainer.quizzes.service import QuizError, item_grade, stored_grade
from trainer.reports import itemsums


def regrade_attempt(attempt: Attempt) -> None:
    """Total an attempt again after a supervisor graded an essay."""
    grades = [item_grade(item, texts=False) for item in attempt.items]  # totals only
    maximum = sum(g.max_score for g in grades)
    score = sum(g.score for g in grades)
    needs_review = any(g.status == questions.NEEDS_REVIEW for g in grades)
    percent = round(score * 100 / maximum, 1) if maximum else 100.0
    attempt.score, attempt.max_score, attempt.percent = round(score, 2), maximum, percent
    attempt.passed = None if needs_review else percent >= attempt.pass_mark
    attempt.status = AttemptStatus.AWAITING_REVIEW if needs_review else AttemptStatus.GRADED
    # Points lost on a graded essay belong in "what to review" too.
    attempt.weak_topics = questions.weak_topics(grades)


def review_queue(session: Session, reviewer: User) -> list[AttemptItem]:
    """Essay answers waiting for a grade from this reviewer (their stores, or all)."""
    from trainer.models import user_stores

    query = (
        select(AttemptItem)
        .join(Attempt)
        .where(
            Attempt.status == AttemptStatus.AWAITING_REVIEW,
            AttemptItem.status == questions.NEEDS_REVIEW,
        )
        .order_by(Attempt.submitted_at, AttemptItem.position)
    )
    if not reviewer.sees_all_stores():
        query = query.where(
            Attempt.user_id.in_(
                select(user_stores.c.user_id).where(user_stores.c.store_id.in_(reviewer.store_ids))
            )
        )
    items = list(session.scalars(query.options(selectinload(AttemptItem.attempt))))
    question_snapshots(session, [item.question_hash for item in items])
    return items


def can_review(session: Session, reviewer: User, attempt: Attempt) -> bool:
    """A supervisor reviews only their stores' staff; admins everyone; nobody their own work."""
    if attempt.user_id == reviewer.id:
        return False
    if reviewer.sees_all_stores():
        return True
    learner = session.get(User, attempt.user_id)
    return bool(learner.store_ids & reviewer.store_ids)


def grade_essay(
    session: Session, item: AttemptItem, score: float, comment: str | None, reviewer: User
) -> None:
    """A supervisor's grade for one essay answer; the attempt is totalled again."""
    try:
        graded = questions.manual_grade(item_grade(item), score, comment)
    except ValueError as exc:
        raise QuizError(str(exc)) from exc
    attempt = item.attempt
    if attempt.status is AttemptStatus.GRADED:  # a re-mark: its old grades leave the sums
        itemsums.remove_attempt(session, attempt.id)
    item.grade, item.score, item.status = stored_grade(graded), graded.score, graded.status
    item.reviewed_by_id, item.reviewed_at = reviewer.id, utcnow()
    regrade_attempt(attempt)
    if attempt.status is AttemptStatus.GRADED:
        itemsums.add_attempt(session, attempt.id)
    audit.record(
        session,
        "attempt.essay_graded",
        actor=reviewer,
        target=item.attempt,
        details={"item": item.position, "score": graded.score},
    )
