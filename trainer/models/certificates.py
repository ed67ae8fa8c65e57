"""Certificates, the counter their serials come from, and API clients."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, String, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from trainer.db import Base, UTCDateTime, utcnow
from trainer.models.people import Store, User


class RevocationReason(enum.StrEnum):
    """Why a certificate was revoked (shown publicly as a category only)."""

    ISSUED_IN_ERROR = "issued_in_error"
    MISCONDUCT = "misconduct"
    SUPERSEDED = "superseded"
    LEFT_ORGANISATION = "left_organisation"
    OTHER = "other"


class Certificate(Base):
    """Proof that a person met a course version's requirements.

    ``in_force`` marks the one certificate per person, course and major version that counts:
    it is cleared when the certificate is revoked or replaced (an expired one keeps it until a
    new one is issued). A partial unique index holds it, so two requests racing to issue or
    re-issue cannot both succeed, on SQLite as on PostgreSQL.
    """

    __tablename__ = "certificate"
    __table_args__ = (
        Index(
            "uq_certificate_in_force",
            "user_id",
            "course_id",
            "course_major",
            unique=True,
            sqlite_where=text("in_force"),
            postgresql_where=text("in_force"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(40), unique=True)
    verify_code: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), index=True)
    course_version: Mapped[str] = mapped_column(String(20))
    course_major: Mapped[int]
    in_force: Mapped[bool] = mapped_column(default=True)
    holder_name: Mapped[str] = mapped_column(String(200))
    store_id: Mapped[int | None] = mapped_column(ForeignKey("store.id"))
    score_percent: Mapped[float | None]
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[RevocationReason | None] = mapped_column(
        Enum(
            RevocationReason,
            native_enum=False,
            length=30,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    revoked_note: Mapped[str | None] = mapped_column(String(500))
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id"))
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, index=True
    )

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    store: Mapped[Store | None] = relationship()


class Counter(Base):
    """Named counters (certificate serials, the content revision), see increment()."""

    __tablename__ = "counter"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)

    @classmethod
    def increment(cls, session: Session, name: str) -> int:
        """Add one to counter ``name`` (created at 0) and return the new value.

        A single UPDATE … RETURNING, which PostgreSQL and SQLite both run atomically: two
        transactions can never get the same value.
        """
        upsert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
        session.execute(upsert(cls).values(name=name, value=0).on_conflict_do_nothing())
        return session.execute(
            update(cls).where(cls.name == name).values(value=cls.value + 1).returning(cls.value)
        ).scalar_one()


class ApiClient(Base):
    """A read-only API client; only a hash of its token is kept."""

    __tablename__ = "api_client"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_prefix: Mapped[str] = mapped_column(String(12))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
