"""Creating and changing accounts: shared by the admin pages, the roster import and the CLI."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trainer import audit
from trainer.auth.passwords import temporary_password
from trainer.domain.messages import N_, Message
from trainer.domain.roster import RosterProblem, RosterRow
from trainer.models import Role, Store, User


class AccountError(ValueError):
    """A request that cannot be carried out, with a message for the person who made it."""

    def __init__(self, msgid: str, **params) -> None:
        self.message = Message(msgid, params)
        super().__init__(str(self.message))

    def translated(self, gettext) -> str:
        """The message in the reader's language."""
        return self.message.translated(gettext)


@dataclass
class NewAccount:
    """A created account and its one-time password (shown once, never stored in clear)."""

    user: User
    password: str | None


def stores_by_code(session: Session, codes: list[str] | tuple[str, ...]) -> list[Store]:
    """The stores with these codes; AccountError naming any that does not exist."""
    if not codes:
        return []
    found = {s.code: s for s in session.scalars(select(Store).where(Store.code.in_(codes)))}
    missing = [c for c in codes if c not in found]
    if missing:
        raise AccountError(N_("unknown store: %(codes)s"), codes=", ".join(missing))
    return [found[c] for c in codes]


def check_stores_for_role(role: Role, stores: list[Store]) -> None:
    """Cashiers work in exactly one store; supervisors look after at least one."""
    if role is Role.CASHIER and len(stores) != 1:
        raise AccountError(N_("a cashier works in exactly one store"))
    if role is Role.SUPERVISOR and not stores:
        raise AccountError(N_("a supervisor needs at least one store"))


def username_taken(session: Session, username: str, *, except_id: int | None = None) -> bool:
    """Whether another user already has this username (case-insensitive)."""
    query = select(User.id).where(func.lower(User.username) == username.lower())
    if except_id is not None:
        query = query.where(User.id != except_id)
    return session.scalar(query) is not None


def create_user(
    session: Session,
    *,
    username: str,
    name: str,
    role: Role,
    stores: list[Store],
    language: str | None = None,
    employee_no: str | None = None,
    password: str | None = None,
    actor: User | None = None,
) -> NewAccount:
    """Create an account. Without ``password`` a temporary one is made and must be changed."""
    if username_taken(session, username):
        raise AccountError(N_("the username %(name)s is taken"), name=repr(username))
    if employee_no and session.scalar(select(User.id).where(User.employee_no == employee_no)):
        raise AccountError(N_("the employee number %(number)s is taken"), number=repr(employee_no))
    check_stores_for_role(role, stores)
    one_time = password is None
    password = password or temporary_password()
    user = User(
        username=username,
        name=name,
        role=role,
        language=language,
        employee_no=employee_no or None,
        must_change_password=one_time,
        stores=list(stores),
    )
    user.set_password(password)
    session.add(user)
    session.flush()
    audit.record(
        session,
        "user.created",
        actor=actor,
        target=user,
        details={"role": role.value, "stores": [s.code for s in stores]},
    )
    # A new cashier gets the onboarding path (hand-made, roster and CLI accounts alike).
    from trainer.tracking.service import apply_onboarding

    apply_onboarding(session, user, actor=actor)
    return NewAccount(user, password if one_time else None)


#: Why an account change is refused when it would leave no one to administer the site.
LAST_ADMIN = N_("the site needs at least one active administrator")


def active_admin_ids(session: Session) -> set[int]:
    """Ids of the active administrators."""
    return set(
        session.scalars(select(User.id).where(User.role == Role.ADMIN, User.active.is_(True)))
    )


def ensure_an_admin_remains(session: Session) -> None:
    """Refuse (AccountError) a change that leaves no active administrator; call it after the
    change, before the commit."""
    session.flush()
    if not active_admin_ids(session):
        raise AccountError(LAST_ADMIN)


def reset_password(session: Session, user: User, *, actor: User) -> str:
    """Give ``user`` a temporary password they must change; ends their other sessions."""
    password = temporary_password()
    user.set_password(password)
    user.must_change_password = True
    audit.record(session, "user.password_reset", actor=actor, target=user)
    return password


def set_active(session: Session, user: User, active: bool, *, actor: User) -> None:
    """Deactivate (never delete: history stays) or reactivate an account."""
    if user.id == actor.id and not active:
        raise AccountError(N_("you cannot deactivate your own account"))
    user.active = active
    user.session_version += 1
    ensure_an_admin_remains(session)
    audit.record(
        session, "user.activated" if active else "user.deactivated", actor=actor, target=user
    )


@dataclass
class RosterResult:
    """What the roster import did for one row."""

    row: RosterRow
    action: str  # "create" | "update"
    user: User | None = None
    password: str | None = None


def plan_roster(session: Session, rows: list[RosterRow]) -> list[RosterResult]:
    """Say for each row whether it creates a new account or updates an existing one."""
    numbers = [r.employee_no for r in rows]
    existing = {
        u.employee_no: u for u in session.scalars(select(User).where(User.employee_no.in_(numbers)))
    }
    return [
        RosterResult(
            row,
            "update" if row.employee_no in existing else "create",
            existing.get(row.employee_no),
        )
        for row in rows
    ]


def _admin_problem(line: int, msgid: str) -> RosterProblem:
    return RosterProblem(line, "role", Message(msgid))


def roster_conflicts(
    session: Session, plan: list[RosterResult], *, actor: User | None = None
) -> list[RosterProblem]:
    """Problems only the database can show: a new row's username taken by someone else, and
    rows that would take the administrator role from the importer or from the last admin."""
    problems = []
    demoted = {
        item.user.id: item.row.line
        for item in plan
        if item.action == "update"
        and item.user is not None
        and item.user.role is Role.ADMIN
        and item.row.role != Role.ADMIN.value
    }
    if demoted and not (active_admin_ids(session) - set(demoted)):
        problems.append(_admin_problem(min(demoted.values()), LAST_ADMIN))
    elif actor is not None and actor.id in demoted:
        problems.append(
            _admin_problem(demoted[actor.id], N_("you cannot remove your own administrator role"))
        )
    for item in plan:
        if item.action == "create" and username_taken(session, item.row.username):
            problems.append(
                RosterProblem(
                    item.row.line,
                    "username",
                    Message(
                        N_("the username %(name)s is taken"), {"name": repr(item.row.username)}
                    ),
                )
            )
    return problems


def apply_roster(session: Session, plan: list[RosterResult], *, actor: User) -> list[RosterResult]:
    """Create or update every planned row, in the caller's transaction."""
    for item in plan:
        row = item.row
        stores = stores_by_code(session, row.stores)
        role = Role(row.role)
        if item.action == "create":
            new = create_user(
                session,
                username=row.username,
                name=row.name,
                role=role,
                stores=stores,
                language=row.language,
                employee_no=row.employee_no,
                actor=actor,
            )
            item.user, item.password = new.user, new.password
        else:
            user = item.user
            assert user is not None
            check_stores_for_role(role, stores)
            before = {"role": user.role.value, "stores": sorted(s.code for s in user.stores)}
            user.name, user.role, user.language, user.stores = row.name, role, row.language, stores
            audit.record(
                session,
                "user.updated",
                actor=actor,
                target=user,
                details={
                    "source": "roster",
                    "row": row.line,
                    "before": before,
                    "role": role.value,
                    "stores": sorted(s.code for s in stores),
                },
            )
    ensure_an_admin_remains(session)  # roster_conflicts said so; the database has the last word
    audit.record(session, "roster.imported", actor=actor, details={"rows": len(plan)})
    return plan
