"""Reading the audit log: filters by person, action, date and target, and CSV rows."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from trainer.certificates.service import day_start
from trainer.domain.messages import N_, Message
from trainer.models import AuditEvent, User
from trainer.spreadsheets import safe_cell

#: The dates a filter accepts (day starts become UTC moments, the end day gets a day added).
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9998, 12, 31)
CSV_COLUMNS = (
    "id",
    "at_utc",
    "actor_username",
    "actor_name",
    "action",
    "target_type",
    "target_id",
    "details",
    "ip",
    "hash",
)
Actor = aliased(User)


class FilterError(ValueError):
    """A filter value that cannot be used; ``field`` names it, ``message`` says why."""

    def __init__(self, field: str, message: Message) -> None:
        super().__init__(str(message))
        self.field, self.message = field, message


@dataclass(frozen=True)
class AuditFilters:
    """What to show: every field optional."""

    person: str = ""  # a username, or part of a name: events by or about that person
    action: str = ""  # an action ("user.login") or its prefix ("certificate.")
    target: str = ""  # a target type ("certificate"), or type:id ("certificate:TR-2026-000001")
    day_from: date | None = None
    day_to: date | None = None  # inclusive

    @classmethod
    def from_args(cls, args) -> AuditFilters:
        """Read the filters from query arguments; FilterError for a bad date."""
        days = {}
        for field in ("from", "to"):
            text = (args.get(field) or "").strip()
            if not text:
                days[field] = None
                continue
            try:
                days[field] = date.fromisoformat(text)
            except ValueError:
                raise FilterError(field, Message(N_("Not a date (YYYY-MM-DD)."))) from None
            if not FIRST_DAY <= days[field] <= LAST_DAY:
                raise FilterError(
                    field,
                    Message(
                        N_("Dates run from %(first)s to %(last)s."),
                        {"first": FIRST_DAY, "last": LAST_DAY},
                    ),
                )
        return cls(
            person=(args.get("person") or "").strip()[:100],
            action=(args.get("action") or "").strip()[:60],
            target=(args.get("target") or "").strip()[:130],
            day_from=days["from"],
            day_to=days["to"],
        )

    def to_args(self) -> dict[str, str]:
        """The filters as query arguments (for the pager and the CSV link)."""
        args = {
            "person": self.person,
            "action": self.action,
            "target": self.target,
            "from": self.day_from.isoformat() if self.day_from else "",
            "to": self.day_to.isoformat() if self.day_to else "",
        }
        return {k: v for k, v in args.items() if v}


def events_query(session: Session, filters: AuditFilters) -> Select:
    """Events, newest first, as the filters say."""
    query = select(AuditEvent)
    if filters.person:
        text = filters.person.lower()
        people = select(User.id).where(
            or_(func.lower(User.username) == text, func.lower(User.name).contains(text))
        )
        ids = [str(i) for i in session.scalars(people)]
        query = query.where(
            or_(
                AuditEvent.actor_id.in_(people),
                and_(AuditEvent.target_type == "user", AuditEvent.target_id.in_(ids)),
            )
        )
    if filters.action:
        if filters.action.endswith("."):
            query = query.where(AuditEvent.action.startswith(filters.action, autoescape=True))
        else:
            query = query.where(AuditEvent.action == filters.action)
    if filters.target:
        kind, _, ident = filters.target.partition(":")
        query = query.where(AuditEvent.target_type == kind.strip().lower())
        if ident.strip():
            query = query.where(AuditEvent.target_id == ident.strip())
    if filters.day_from:
        query = query.where(AuditEvent.at >= day_start(filters.day_from))
    if filters.day_to:
        query = query.where(AuditEvent.at < day_start(filters.day_to + timedelta(days=1)))
    return query.order_by(AuditEvent.id.desc())


def actions(session: Session) -> list[str]:
    """Every action the log holds, for the filter's choices."""
    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def _cell(value: object) -> str:
    # Never run a formula from the log in a spreadsheet.
    return safe_cell("" if value is None else str(value))


def actors_of(session: Session, events: list[AuditEvent]) -> dict[int, User]:
    """The people who did ``events``, by id (one query)."""
    ids = {e.actor_id for e in events if e.actor_id is not None}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}


def csv_rows(session: Session, query: Select) -> Iterator[list[str]]:
    """The header, then one row per event of ``query`` (streamed in batches)."""
    yield list(CSV_COLUMNS)
    with_actors = query.add_columns(Actor).outerjoin(Actor, AuditEvent.actor_id == Actor.id)
    for event, actor in session.execute(with_actors.execution_options(yield_per=500)):
        yield [
            _cell(v)
            for v in (
                event.id,
                event.at.isoformat(),
                actor.username if actor else "",
                actor.name if actor else "",
                event.action,
                event.target_type,
                event.target_id,
                json.dumps(event.details, ensure_ascii=False, sort_keys=True, default=str),
                event.ip,
                event.hash,
            )
        ]
