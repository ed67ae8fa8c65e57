"""Assignments: who may assign what to whom, making, changing and cancelling them, and scope.

Scope is the same everywhere in tracking: compliance officers and admins see every store; a
supervisor sees the stores they look after and the cashiers working there; a cashier sees
only themselves. Anything out of scope is treated as if it did not exist (the views answer 404).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Select, exists, or_, select
from sqlalchemy.orm import Session

from trainer import audit
from trainer.certificates.service import local_day
from trainer.db import utcnow
from trainer.domain.messages import N_, Message
from trainer.models import (
    Assignment,
    AssignmentSource,
    Course,
    CourseVersion,
    Drill,
    NoticeKind,
    OnboardingRule,
    Quiz,
    Role,
    Store,
    TargetKind,
    User,
    user_stores,
)
from trainer.tracking import notices


class TrackingError(ValueError):
    """A request that cannot be carried out, with a message for the person who made it."""

    def __init__(self, msgid: str, **params) -> None:
        self.message = Message(msgid, params)
        super().__init__(str(self.message))

    def translated(self, gettext) -> str:
        """The message in the reader's language."""
        return self.message.translated(gettext)


def today() -> date:
    """Today in the stores' time zone: due days are calendar days there."""
    return local_day(utcnow())


# --- scope ----------------------------------------------------------------------------------


def scope_store_ids(viewer: User | None) -> set[int] | None:
    """The stores ``viewer`` oversees; None means every store (also for the system: no viewer)."""
    if viewer is None or viewer.sees_all_stores():
        return None
    if viewer.role is Role.SUPERVISOR:
        return viewer.store_ids
    return set()


def staff_query(viewer: User | None, store_id: int | None = None) -> Select:
    """Active cashiers in ``viewer``'s scope (optionally one store): ids only, for subqueries.

    Never correlated: it is used inside queries that select from ``user`` themselves.
    """
    query = select(User.id).where(User.active, User.role == Role.CASHIER).correlate(None)
    scope = scope_store_ids(viewer)
    stores = scope if store_id is None else ({store_id} if scope is None else scope & {store_id})
    if stores is not None:
        in_stores = select(user_stores.c.user_id).where(user_stores.c.store_id.in_(stores))
        query = query.where(User.id.in_(in_stores))
    return query


def person_in_scope(session: Session, viewer: User, user_id: int) -> User | None:
    """The person ``user_id`` when ``viewer`` may see them, else None."""
    if user_id == viewer.id:
        return viewer
    if viewer.role is Role.CASHIER:
        return None
    person = session.get(User, user_id)
    if person is None:
        return None
    if viewer.sees_all_stores():
        return person
    if person.role is Role.CASHIER and person.store_ids & viewer.store_ids:
        return person
    return None


def visible_stores(session: Session, viewer: User) -> list[Store]:
    """Active stores ``viewer`` oversees, by code."""
    query = select(Store).where(Store.active).order_by(Store.code)
    scope = scope_store_ids(viewer)
    if scope is not None:
        query = query.where(Store.id.in_(scope))
    return list(session.scalars(query))


def assignments_query(viewer: User | None, store_id: int | None = None) -> Select:
    """Open (not cancelled) assignments in ``viewer``'s scope, optionally for one store."""
    query = select(Assignment).where(Assignment.cancelled_at.is_(None))
    scope = scope_store_ids(viewer)
    if scope is None and store_id is None:
        return query
    stores = {store_id} if store_id is not None else set()
    if scope is not None:
        stores = (stores & scope) if store_id is not None else scope
    return query.where(
        or_(
            Assignment.store_id.in_(stores),
            Assignment.user_id.in_(staff_query(viewer, store_id)),
        )
    )


def assignment_in_scope(session: Session, viewer: User, assignment_id: int) -> Assignment | None:
    """An open assignment ``viewer`` may change, else None."""
    return session.scalar(assignments_query(viewer).where(Assignment.id == assignment_id))


# --- items ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """Something that can be assigned: a course, a quiz or a drill."""

    kind: str
    ref: str
    title: dict

    @property
    def key(self) -> str:
        """``kind:ref``, the value of a form choice and of a matrix column."""
        return f"{self.kind}:{self.ref}"


def assignable_items(session: Session) -> list[Item]:
    """Active courses (current version's title), quizzes, then drills, in catalogue order."""
    courses = session.execute(
        select(Course.code, CourseVersion.title)
        .join(CourseVersion, (CourseVersion.course_id == Course.id) & CourseVersion.current)
        .where(Course.active)
        .order_by(Course.position, Course.code)
    )
    quizzes = session.execute(select(Quiz.slug, Quiz.title).where(Quiz.active).order_by(Quiz.slug))
    drills = session.execute(
        select(Drill.slug, Drill.title).where(Drill.active).order_by(Drill.slug)
    )
    return (
        [Item(TargetKind.COURSE.value, code, title) for code, title in courses]
        + [Item(TargetKind.QUIZ.value, slug, title) for slug, title in quizzes]
        + [Item(TargetKind.DRILL.value, slug, title) for slug, title in drills]
    )


def parse_item(session: Session, key: str) -> Item:
    """The assignable item named ``kind:ref``; TrackingError when there is none."""
    for item in assignable_items(session):
        if item.key == key:
            return item
    raise TrackingError(N_("there is no course or quiz %(item)s to assign"), item=repr(key))


# --- making and changing assignments ---------------------------------------------------------


def _check_due(due_on: date, *, allow_past: bool = False) -> None:
    if not allow_past and due_on < today():
        raise TrackingError(N_("the due date %(day)s has already passed"), day=due_on.isoformat())


def assign(
    session: Session,
    actor: User | None,
    item: Item,
    due_on: date,
    *,
    people: list[User] = (),
    stores: list[Store] = (),
    source: str = AssignmentSource.MANUAL.value,
    rule_id: int | None = None,
    certificate_id: int | None = None,
) -> list[Assignment]:
    """Assign ``item`` to each person and each store, due on ``due_on``; notify who it covers.

    The caller has checked scope (see check_targets); this adds rows and notices in the
    caller's transaction.
    """
    if not people and not stores:
        raise TrackingError(N_("choose at least one person or store"))
    if source == AssignmentSource.MANUAL.value:
        _check_due(due_on)
    made = []
    for target in [*people, *stores]:
        row = Assignment(
            kind=item.kind,
            ref=item.ref,
            due_on=due_on,
            source=source,
            rule_id=rule_id,
            certificate_id=certificate_id,
            created_by_id=actor.id if actor else None,
            created_at=utcnow(),
            **({"user_id": target.id} if isinstance(target, User) else {"store_id": target.id}),
        )
        session.add(row)
        made.append(row)
    session.flush()
    for row in made:
        audit.record(
            session,
            "assignment.created",
            actor=actor,
            target=row,
            details={
                "item": item.key,
                "due": due_on.isoformat(),
                "user": row.user_id,
                "store": row.store_id,
                "source": source,
            },
        )
        kind = (
            NoticeKind.RECERTIFY
            if source == AssignmentSource.RECERTIFICATION
            else NoticeKind.ASSIGNED
        )
        for user_id in covered_people(session, row):
            notices.notify(
                session,
                user_id,
                kind.value,
                params=item_params(item, row.due_on),
                assignment_id=row.id,
                key=f"{kind.value}:{row.id}:{user_id}",
            )
    return made


def item_params(item: Item, due_on: date) -> dict:
    """What a notice about ``item`` needs to be written in either language."""
    return {"kind": item.kind, "ref": item.ref, "title": item.title, "due": due_on.isoformat()}


def covered_people(session: Session, assignment: Assignment) -> list[int]:
    """Ids of the active cashiers an assignment covers now."""
    if assignment.user_id is not None:
        return [assignment.user_id]
    return list(
        session.scalars(
            select(User.id)
            .join(user_stores, user_stores.c.user_id == User.id)
            .where(
                user_stores.c.store_id == assignment.store_id,
                User.active,
                User.role == Role.CASHIER,
            )
        )
    )


def check_targets(
    session: Session, viewer: User, person_ids: list[int], store_ids: list[int]
) -> tuple[list[User], list[Store]]:
    """The people and stores chosen, each checked to be in ``viewer``'s scope."""
    people = []
    for user_id in person_ids:
        person = person_in_scope(session, viewer, user_id)
        if person is None or person.role is not Role.CASHIER or not person.active:
            raise TrackingError(N_("you cannot assign work to this person"))
        people.append(person)
    scope = scope_store_ids(viewer)
    stores = []
    for store_id in store_ids:
        store = session.get(Store, store_id)
        if store is None or (scope is not None and store_id not in scope):
            raise TrackingError(N_("you cannot assign work to this store"))
        stores.append(store)
    return people, stores


def change_due(session: Session, actor: User, assignment: Assignment, due_on: date) -> None:
    """Move an assignment's due day (reminders already sent for it are not sent again)."""
    _check_due(due_on)
    before = assignment.due_on
    assignment.due_on = due_on
    audit.record(
        session,
        "assignment.changed",
        actor=actor,
        target=assignment,
        details={"due": due_on.isoformat(), "before": before.isoformat()},
    )


def cancel(session: Session, actor: User, assignment: Assignment) -> None:
    """Cancel an assignment: it leaves the matrix and no reminder goes out for it."""
    assignment.cancelled_at = utcnow()
    assignment.cancelled_by_id = actor.id
    audit.record(session, "assignment.cancelled", actor=actor, target=assignment)


# --- onboarding -----------------------------------------------------------------------------


def apply_onboarding(session: Session, user: User, *, actor: User | None = None) -> int:
    """Assign every active onboarding rule that fits a new cashier; returns how many items.

    Called where accounts are created (trainer.admin.service.create_user), so accounts made by
    hand, by the roster import and by the CLI all get the same path. Items no longer on offer
    (a course deactivated since the rule was written) are skipped.
    """
    if user.role is not Role.CASHIER:
        return 0
    store_ids = user.store_ids
    rules = session.scalars(
        select(OnboardingRule).where(
            OnboardingRule.active,
            or_(OnboardingRule.store_id.is_(None), OnboardingRule.store_id.in_(store_ids)),
        )
    ).all()
    if not rules:
        return 0
    items = {item.key: item for item in assignable_items(session)}
    count = 0
    start = today()
    for rule in rules:
        for spec in rule.items:
            item = items.get(f"{spec['kind']}:{spec['ref']}")
            if item is None:
                continue
            assign(
                session,
                actor,
                item,
                start + timedelta(days=rule.due_days),
                people=[user],
                source=AssignmentSource.ONBOARDING.value,
                rule_id=rule.id,
            )
            count += 1
    return count


def has_open_assignment(session: Session, user_id: int, kind: str, ref: str) -> bool:
    """Whether ``user_id`` already has an open personal assignment of this item."""
    return session.scalar(
        select(
            exists().where(
                Assignment.user_id == user_id,
                Assignment.kind == kind,
                Assignment.ref == ref,
                Assignment.cancelled_at.is_(None),
            )
        )
    )
