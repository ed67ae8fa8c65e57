"""The organisation, its stores and the people who work there."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Column, Enum, ForeignKey, Index, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from trainer.db import Base, UTCDateTime, utcnow

#: Werkzeug hashing method. scrypt is memory-hard; the test suite swaps in a cheap method so
#: hundreds of sign-ins stay fast (tests/conftest.py), and a test pins this default.
PASSWORD_METHOD = "scrypt"  # noqa: S105 (a method name, not a password)


class Role(enum.StrEnum):
    """What a user may do; the role policy in trainer.security maps routes to roles."""

    CASHIER = "cashier"
    SUPERVISOR = "supervisor"
    COMPLIANCE = "compliance"
    ADMIN = "admin"


class Organisation(Base):
    """The one organisation the site serves (its name goes on certificates)."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


user_stores = Table(
    "user_store",
    Base.metadata,
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Column("store_id", ForeignKey("store.id", ondelete="CASCADE"), primary_key=True),
    # A supervisor's reports start from their stores' people: without it the database reads
    # every attempt and looks each person up (trends for three stores: 270 ms -> 3 ms).
    Index("ix_user_store_store_id", "store_id", "user_id"),
)


class Store(Base):
    """A shop with tills; cashiers work in one, supervisors look after one or more."""

    __tablename__ = "store"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)


class User(UserMixin, Base):
    """A person who signs in. Deactivated, never deleted, so their history stays."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    employee_no: Mapped[str | None] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
    )
    language: Mapped[str | None] = mapped_column(String(5))
    # Where reminders are e-mailed when TRAINER_SMTP_URL is set (optional).
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    must_change_password: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped on password change/reset/deactivation so other sessions of the user end (see
    # get_id): Flask-Login cookies carry it.
    session_version: Mapped[int] = mapped_column(default=1)
    # Unread notifications, kept next to the row every request loads anyway, so the header's
    # count costs no query (trainer.tracking.notices keeps it in step).
    unread_notices: Mapped[int] = mapped_column(default=0, server_default="0")

    stores: Mapped[list[Store]] = relationship(secondary=user_stores, order_by=Store.code)

    def set_password(self, password: str) -> None:
        """Hash and store a new password."""
        self.password_hash = generate_password_hash(password, method=PASSWORD_METHOD)
        self.session_version = (self.session_version or 0) + 1

    def check_password(self, password: str) -> bool:
        """Whether ``password`` matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        """Flask-Login identity: id plus session version, so a password change ends sessions."""
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def store_ids(self) -> set[int]:
        """Ids of the stores this user belongs to or supervises."""
        return {s.id for s in self.stores}

    def sees_all_stores(self) -> bool:
        """Compliance officers and admins see every store; others only their own."""
        return self.role in (Role.COMPLIANCE, Role.ADMIN)

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"
