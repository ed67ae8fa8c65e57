"""The drill log: every finished live drill, kept as a record a compliance officer can export.

Like a fire-drill log: date and time, store, who led it, who took part and who was absent,
each result, the duration and every critical error (at which step, which action).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased, undefer

from trainer.drills.service import definition
from trainer.models import Drill, DrillParticipant, DrillRun, Store, User
from trainer.spreadsheets import safe_cell

MAX_RUNS = 500  # one export; the page shows the newest first


@dataclass
class LogPerson:
    """A participant's result in the log."""

    name: str
    employee_no: str | None
    percent: float | None
    passed: bool
    seconds: float | None
    steps: int
    critical: list[tuple[int, dict]]  # (step number along the path, the action's text)


@dataclass
class LogEntry:
    """One drill in the log."""

    run_id: int
    started_at: datetime | None
    finished_at: datetime | None
    store_code: str
    store_name: str
    drill_title: dict
    leader: str
    people: list[LogPerson] = field(default_factory=list)
    absentees: list[dict] = field(default_factory=list)

    @property
    def seconds(self) -> int:
        """How long the drill ran."""
        if self.started_at is None or self.finished_at is None:
            return 0
        return int((self.finished_at - self.started_at).total_seconds())

    @property
    def critical_count(self) -> int:
        """Critical errors made in this drill, by everyone."""
        return sum(len(person.critical) for person in self.people)


def entries(
    session: Session,
    *,
    store_ids: set[int] | None,
    start: datetime | None = None,
    end: datetime | None = None,
    run_id: int | None = None,
) -> list[LogEntry]:
    """Finished live drills (of ``store_ids``; None: every store), newest first, two queries."""
    leader = aliased(User)
    query = (
        select(DrillRun, Store.code, Store.name, Drill.title, leader.name)
        .join(Store, Store.id == DrillRun.store_id)
        .join(Drill, Drill.id == DrillRun.drill_id)
        .outerjoin(leader, leader.id == DrillRun.supervisor_id)
        .where(DrillRun.mode == "live", DrillRun.status == "finished")
        .options(undefer(DrillRun.record))  # the absentees (a deferred column)
    )
    if store_ids is not None:
        query = query.where(DrillRun.store_id.in_(store_ids))
    if start is not None:
        query = query.where(DrillRun.started_at >= start)
    if end is not None:
        query = query.where(DrillRun.started_at < end)
    if run_id is not None:
        query = query.where(DrillRun.id == run_id)
    query = query.order_by(DrillRun.started_at.desc(), DrillRun.id.desc()).limit(MAX_RUNS)
    found: dict[int, LogEntry] = {}
    runs: dict[int, DrillRun] = {}
    for run, code, name, title, leader_name in session.execute(query):
        runs[run.id] = run
        found[run.id] = LogEntry(
            run.id, run.started_at, run.finished_at, code, name, title, leader_name or "",
            absentees=list((run.record or {}).get("absentees", [])),
        )  # fmt: skip
    if not found:
        return []
    for participant, name, employee_no in session.execute(
        select(DrillParticipant, User.name, User.employee_no)
        .join(User, User.id == DrillParticipant.user_id)
        .where(DrillParticipant.run_id.in_(found))
        .order_by(User.name)
    ):
        drill = definition(runs[participant.run_id])
        critical = []
        for number, answer in enumerate(participant.answers, start=1):
            if answer.get("critical"):
                option = drill.step(answer["step_id"]).option(answer["choice"])
                critical.append((number, option.text))
        found[participant.run_id].people.append(
            LogPerson(
                name,
                employee_no,
                participant.percent,
                bool(participant.passed),
                participant.seconds,
                participant.answered,
                critical,
            )
        )
    return list(found.values())


CSV_HEADER = [
    "drill_id",
    "started",
    "finished",
    "duration_seconds",
    "store",
    "drill",
    "led_by",
    "person",
    "employee_no",
    "attendance",
    "result",
    "percent",
    "answer_seconds",
    "critical_errors",
]


def to_csv(log: list[LogEntry], lang: str, when) -> str:
    """One row per person (participants and absentees); ``when`` formats a datetime."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for entry in log:
        common = [
            entry.run_id,
            when(entry.started_at),
            when(entry.finished_at),
            entry.seconds,
            safe_cell(f"{entry.store_code} {entry.store_name}"),
            entry.drill_title.get(lang) or entry.drill_title.get("en"),
            safe_cell(entry.leader),
        ]
        for person in entry.people:
            writer.writerow(
                [
                    *common,
                    safe_cell(person.name),
                    safe_cell(person.employee_no or ""),
                    "present",
                    "passed" if person.passed else "failed",
                    "" if person.percent is None else f"{person.percent:.1f}",
                    "" if person.seconds is None else f"{person.seconds:.1f}",
                    "; ".join(f"step {n}: {text[lang]}" for n, text in person.critical),
                ]
            )
        for absent in entry.absentees:
            writer.writerow(
                [
                    *common,
                    safe_cell(absent["name"]),
                    safe_cell(absent.get("employee_no") or ""),
                    "absent",
                ]
                + [""] * 4
            )
    return out.getvalue()
