"""Everything about one person: assignments, reading per course version, attempts, drill runs,
certificates."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from trainer.certificates.service import status_of
from trainer.courses.service import CourseStatus, current_courses, statuses
from trainer.drills.service import PersonResult, person_results
from trainer.models import (
    Acknowledgement,
    Attempt,
    Certificate,
    Course,
    CourseVersion,
    DrillParticipant,
    DrillRun,
    Quiz,
    SimRun,
    User,
)
from trainer.simulator.service import runs_of
from trainer.tracking import matrix
from trainer.tracking.standing import Standing, learner


@dataclass
class Overview:
    """What the person page shows."""

    person: User
    row: matrix.Row | None
    columns: list[matrix.Column]
    assignments: dict
    courses: list[CourseStatus]
    standing: Standing  # the state per course, as the person's own pages show it
    acknowledgements: list[tuple[Acknowledgement, str]]  # with the course code
    attempts: list[tuple[Attempt, str, dict]]  # with the quiz slug and title
    certificates: list[tuple[Certificate, str, str]]  # with the course code and status
    drills: list[PersonResult]  # every finished drill run, newest first
    sim_runs: list[SimRun]  # terminal simulator runs, newest first


def overview(session: Session, viewer: User, person: User) -> Overview:
    """Gather the person page's data (a fixed number of queries)."""
    built = matrix.build(session, viewer, person_id=person.id)
    courses = statuses(session, person, current_courses(session))
    acknowledgements = session.execute(
        select(Acknowledgement, Course.code)
        .join(Course, Course.id == Acknowledgement.course_id)
        .where(Acknowledgement.user_id == person.id)
        .order_by(Acknowledgement.acknowledged_at.desc())
    ).all()
    attempts = session.execute(
        select(Attempt, Quiz.slug, Quiz.title)
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .where(Attempt.user_id == person.id)
        .order_by(Attempt.started_at.desc(), Attempt.id.desc())
    ).all()
    certificates = session.execute(
        select(Certificate, Course.code)
        .join(Course, Course.id == Certificate.course_id)
        .where(Certificate.user_id == person.id)
        .order_by(Certificate.issued_at.desc())
    ).all()
    return Overview(
        person=person,
        row=built.rows[0] if built.rows else None,
        columns=built.columns,
        assignments=built.assignments,
        courses=courses,
        standing=learner(session, person),
        acknowledgements=[(a, code) for a, code in acknowledgements],
        attempts=[(a, slug, title) for a, slug, title in attempts],
        certificates=[(c, code, status_of(c)) for c, code in certificates],
        drills=person_results(session, person.id, limit=None),
        sim_runs=runs_of(session, person.id),
    )


def version_titles(session: Session, codes: set[str]) -> dict[tuple[str, str], dict]:
    """Course titles per (code, version), for acknowledgements of older versions."""
    rows = session.execute(
        select(Course.code, CourseVersion.version, CourseVersion.title)
        .join(CourseVersion, CourseVersion.course_id == Course.id)
        .where(Course.code.in_(codes))
    )
    return {(code, version): title for code, version, title in rows}


def start_panel(session: Session, user: User) -> dict | None:
    """The start page's block: a cashier's open assignments and anyone's latest notices."""
    from trainer.models import Role
    from trainer.tracking.notices import recent

    cells = []
    if user.role is Role.CASHIER:
        built = matrix.build(session, user, person_id=user.id)
        row = built.rows[0] if built.rows else None
        if row is not None:
            cells = [
                (column.item.title, row.cells[column.item.key])
                for column in built.columns
                if column.item.key in row.cells
            ]
            cells.sort(key=lambda pair: (pair[1].done, pair[1].due))
    notices = recent(session, user)
    if not cells and not notices:
        return None
    return {"cells": cells, "notices": notices}


def drill_run(session: Session, person: User, participant_id: int):
    """(run, participant) of one of ``person``'s finished drill runs, else None."""
    found = session.execute(
        select(DrillParticipant, DrillRun)
        .join(DrillRun, DrillRun.id == DrillParticipant.run_id)
        .where(
            DrillParticipant.id == participant_id,
            DrillParticipant.user_id == person.id,
            DrillParticipant.finished_at.is_not(None),
        )
    ).first()
    return None if found is None else (found[1], found[0])
