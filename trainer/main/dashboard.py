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


PROVIDERS = [_admin_panel]
