"""The compliance gap report: who in scope lacks a valid certificate for a course.

In scope are the active cashiers of the chosen stores. For each, the certificates of the
course are folded in SQL into a few dates, and a CASE names the gap:

* ``never``: no certificate of this course, ever;
* ``revoked``: no valid one, and the latest loss was a revocation;
* ``expired``: no valid one, and the latest loss was an expiry;
* ``expiring``: valid, but every valid one expires within N days;
* ``ok``: valid beyond N days (only listed when asked for).

The same query feeds the page (a page of rows plus one count per gap) and the exports
(every row, streamed), so they always agree.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from trainer.db import utcnow
from trainer.domain.messages import N_
from trainer.models import Certificate, Course, Role, Store, User, user_stores
from trainer.reports.scope import Scope

GAPS = ("never", "expired", "revoked", "expiring")
REASONS = (*GAPS, "ok")
REASON_LABELS = {
    "never": N_("Never certified"),
    "expired": N_("Expired"),
    "revoked": N_("Revoked"),
    "expiring": N_("Expires soon"),
    "ok": N_("Valid"),
}
DEFAULT_DAYS = 30
MAX_DAYS = 366


@dataclass(frozen=True)
class GapRow:
    """One person of the report."""

    user_id: int
    name: str
    employee_no: str | None
    store: str | None  # the person's first store code
    reason: str
    valid_until: datetime | None
    last_revoked: datetime | None
    last_expired: datetime | None


def gap_query(
    course: Course,
    scope: Scope,
    *,
    days: int,
    reasons: tuple[str, ...],
    now: datetime | None = None,
) -> Select:
    """The report's rows (as GapRow's columns) ordered by store and name, filters in SQL."""
    now = now or utcnow()
    valid_now = and_(
        Certificate.revoked_at.is_(None),
        or_(Certificate.expires_at.is_(None), Certificate.expires_at > now),
    )
    held = (
        select(
            Certificate.user_id.label("user_id"),
            func.max(case((valid_now, Certificate.expires_at))).label("valid_until"),
            func.max(case((and_(valid_now, Certificate.expires_at.is_(None)), 1), else_=0)).label(
                "open_ended"
            ),
            func.max(Certificate.revoked_at).label("last_revoked"),
            func.max(
                case(
                    (
                        and_(Certificate.revoked_at.is_(None), Certificate.expires_at <= now),
                        Certificate.expires_at,
                    )
                )
            ).label("last_expired"),
        )
        .where(Certificate.course_id == course.id)
        .group_by(Certificate.user_id)
        .subquery()
    )
    first_store = (
        select(func.min(Store.code))
        .join(user_stores, user_stores.c.store_id == Store.id)
        .where(user_stores.c.user_id == User.id)
        .scalar_subquery()
    )
    reason = case(
        (held.c.user_id.is_(None), literal("never")),
        (held.c.open_ended == 1, literal("ok")),
        (held.c.valid_until > now + timedelta(days=days), literal("ok")),
        (held.c.valid_until.is_not(None), literal("expiring")),
        (
            and_(
                held.c.last_revoked.is_not(None),
                or_(held.c.last_expired.is_(None), held.c.last_revoked >= held.c.last_expired),
            ),
            literal("revoked"),
        ),
        else_=literal("expired"),
    ).label("reason")
    query = (
        select(
            User.id,
            User.name,
            User.employee_no,
            first_store.label("store"),
            reason,
            held.c.valid_until,
            held.c.last_revoked,
            held.c.last_expired,
        )
        .outerjoin(held, held.c.user_id == User.id)
        .where(User.role == Role.CASHIER, User.active)
    )
    members = scope.members(User.id)
    if members is not None:
        query = query.where(members)
    if set(reasons) != set(REASONS):
        query = query.where(reason.in_(reasons))
    return query.order_by(first_store, User.name, User.id)


def gap_counts(session: Session, query: Select) -> dict[str, int]:
    """How many people of ``query`` have each reason (one query)."""
    inner = query.order_by(None).subquery()
    rows = session.execute(select(inner.c.reason, func.count()).group_by(inner.c.reason))
    return {reason: int(n) for reason, n in rows}


def gap_page(session: Session, query: Select, page: int, per_page: int) -> list[GapRow]:
    """One page of rows."""
    rows = session.execute(query.limit(per_page).offset((max(page, 1) - 1) * per_page))
    return [GapRow(*row) for row in rows]


def gap_rows(session: Session, query: Select, batch: int = 1000) -> Iterator[GapRow]:
    """Every row, fetched ``batch`` at a time from the database (for the streamed exports)."""
    result = session.execute(query.execution_options(yield_per=batch))
    for row in result:
        yield GapRow(*row)
