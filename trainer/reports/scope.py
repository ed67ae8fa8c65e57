"""Who sees which stores in the reports: supervisors their own, compliance and admin all."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from trainer.models import Store, User, user_stores


class OutOfScope(LookupError):
    """A store (or person) the viewer may not see, or that does not exist: the view answers 404."""


@dataclass(frozen=True)
class Scope:
    """The stores a report covers.

    ``store_ids`` None means every store (and people in no store too); otherwise only people
    who belong to one of these stores count.
    """

    stores: list[Store]  # the stores the viewer may choose from, by code
    chosen: Store | None  # the store filter, when one was chosen
    store_ids: frozenset[int] | None

    def members(self, user_id: ColumnElement) -> ColumnElement | None:
        """A condition keeping ``user_id`` to people of the covered stores (None: no filter)."""
        if self.store_ids is None:
            return None
        return user_id.in_(
            select(user_stores.c.user_id).where(user_stores.c.store_id.in_(self.store_ids))
        )


def report_scope(session: Session, viewer: User, store_code: str = "") -> Scope:
    """The viewer's stores and the chosen one (one query); an unknown or foreign code raises."""
    stores = list(session.scalars(select(Store).order_by(Store.code)))
    if not viewer.sees_all_stores():
        mine = viewer.store_ids
        stores = [s for s in stores if s.id in mine]
    chosen = None
    if store_code:
        chosen = next((s for s in stores if s.code == store_code), None)
        if chosen is None:
            raise OutOfScope(store_code)
    if chosen is not None:
        ids: frozenset[int] | None = frozenset({chosen.id})
    elif viewer.sees_all_stores():
        ids = None
    else:
        ids = frozenset(s.id for s in stores)
    return Scope(stores, chosen, ids)
