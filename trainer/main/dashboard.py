"""What the start page shows each role."""

from __future__ import annotations

from dataclasses import dataclass, field

from trainer.models import Role, User


@dataclass
class Panel:
    """A block on the start page: a template and what it needs."""

    template: str
    data: dict = field(default_factory=dict)


def home_context(user: User) -> dict:
    """Panels for the user's role (each area adds its own)."""
    panels: list[Panel] = []
    for provider in PROVIDERS:
        panel = provider(user)
        if panel is not None:
            panels.append(panel)
    return {"panels": panels}


def _admin_panel(user: User) -> Panel | None:
    if user.role is not Role.ADMIN:
        return None
    from sqlalchemy import func, select

    from trainer.db import get_session
    from trainer.models import Store

    session = get_session()
    return Panel(
        "main/panel_admin.html",
        {
            "users": session.scalar(select(func.count(User.id)).where(User.active)),
            "stores": session.scalar(select(func.count(Store.id)).where(Store.active)),
        },
    )


def _learner_panel(user: User) -> Panel | None:
    if user.role not in (Role.CASHIER, Role.SUPERVISOR):
        return None
    from trainer.db import get_session
    from trainer.tracking.standing import learner

    standing = learner(get_session(), user)
    return Panel("main/panel_learner.html", {"courses": list(standing.courses.values())})


def _oversight_panel(user: User) -> Panel | None:
    if user.role not in (Role.SUPERVISOR, Role.COMPLIANCE, Role.ADMIN):
        return None
    from datetime import timedelta

    from sqlalchemy import func, select

    from trainer.db import get_session, utcnow
    from trainer.models import Certificate
    from trainer.quizzes.review import review_queue

    session = get_session()
    now = utcnow()
    soon = now + timedelta(days=30)
    base = select(func.count(Certificate.id)).where(Certificate.revoked_at.is_(None))
    if not user.sees_all_stores():
        base = base.where(Certificate.store_id.in_(user.store_ids))
    return Panel(
        "main/panel_oversight.html",
        {
            "valid": session.scalar(base.where(Certificate.expires_at > now)),
            "expiring": session.scalar(
                base.where(Certificate.expires_at > now, Certificate.expires_at <= soon)
            ),
            "to_grade": len(review_queue(session, user))
            if user.role is not Role.COMPLIANCE
            else None,
        },
    )


def _tracking_panel(user: User) -> Panel | None:
    from trainer.db import get_session
    from trainer.tracking.person import start_panel

    data = start_panel(get_session(), user)
    return Panel("tracking/panel_notices.html", data) if data else None


PROVIDERS = [_tracking_panel, _learner_panel, _oversight_panel, _admin_panel]
