"""Certificate rules: when one is issued, serials, verification, revocation and re-issue."""

from __future__ import annotations

import calendar
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from trainer import audit
from trainer.db import utcnow
from trainer.drills.service import passed_drills
from trainer.models import (
    Acknowledgement,
    Attempt,
    AttemptStatus,
    Certificate,
    Counter,
    Course,
    CourseVersion,
    Quiz,
    RevocationReason,
    User,
)


class CertificateError(ValueError):
    """A certificate action that cannot be done, with the reason."""


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` plus ``months`` calendar months (31 Jan + 1 month = 28/29 Feb)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def next_serial(session: Session, when: datetime) -> str:
    """A human-readable serial such as TR-2026-000042, unique under concurrency.

    The year's counter row is incremented atomically (Counter.increment).
    """
    value = Counter.increment(session, f"certificate-{when.year}")
    return f"TR-{when.year}-{value:06d}"


def new_verify_code() -> str:
    """An unguessable public verification code: 192 random bits, URL-safe."""
    return secrets.token_urlsafe(24)


def status_of(certificate: Certificate, now: datetime | None = None) -> str:
    """valid | expired | revoked."""
    now = now or utcnow()
    if certificate.revoked_at is not None:
        return "revoked"
    if certificate.expires_at is not None and certificate.expires_at <= now:
        return "expired"
    return "valid"


def local_zone():
    """The stores' time zone (TRAINER_TIMEZONE); resolve it once where many days are taken."""
    from zoneinfo import ZoneInfo

    from flask import current_app, has_app_context

    return ZoneInfo(current_app.config.get("TIMEZONE", "UTC") if has_app_context() else "UTC")


def local_day(moment: datetime | None, zone=None):
    """The calendar day of a stored UTC moment in the stores' time zone (TRAINER_TIMEZONE).

    Certificates, the public check page and exports all print this day, so they agree.
    ``zone``: local_zone() resolved once by a caller that takes thousands of days (looking the
    zone up in the app's config each time was a third of the team matrix's Python time).
    """
    if moment is None:
        return None
    return moment.astimezone(zone or local_zone()).date()


def local_time(moment: datetime) -> datetime:
    """A stored UTC moment in the stores' time zone (TRAINER_TIMEZONE)."""
    return moment.astimezone(local_zone())


def day_start(day) -> datetime:
    """The first moment of a calendar day in the stores' time zone, for date filters."""
    from datetime import time

    return datetime.combine(day, time.min, tzinfo=local_zone())


@dataclass
class Requirements:
    """What a learner still has to do for a course's certificate."""

    acknowledged: bool
    quizzes: dict[str, float | None]  # quiz slug -> counted percent when passed, else None
    drills_missing: list[str]

    @property
    def met(self) -> bool:
        """Everything required is done."""
        return (
            self.acknowledged
            and all(p is not None for p in self.quizzes.values())
            and not self.drills_missing
        )

    @property
    def score(self) -> float | None:
        """The certificate's score: the mean of the counted quiz results."""
        scores = [p for p in self.quizzes.values() if p is not None]
        return round(sum(scores) / len(scores), 1) if scores else None


def counted_percent(attempts: list[Attempt], grading: str) -> float | None:
    """The result a quiz counts under its grading policy: highest, or latest, graded attempt."""
    graded = [a for a in attempts if a.status is AttemptStatus.GRADED and a.percent is not None]
    if not graded:
        return None
    if grading == "latest":
        return max(graded, key=lambda a: (a.submitted_at, a.id)).percent
    return max(a.percent for a in graded)


def requirements(
    session: Session, user: User, version: CourseVersion, since: datetime | None = None
) -> Requirements:
    """Check acknowledgement, quizzes and drills for ``version``; evidence must postdate since."""
    ack_query = select(Acknowledgement.id).where(
        Acknowledgement.user_id == user.id,
        Acknowledgement.course_id == version.course_id,
        Acknowledgement.major == version.major,
    )
    acknowledged = session.scalar(ack_query.limit(1)) is not None
    quizzes: dict[str, float | None] = {}
    for slug in version.required_quizzes:
        quiz = session.scalar(select(Quiz).where(Quiz.slug == slug))
        if quiz is None:
            quizzes[slug] = None
            continue
        query = select(Attempt).where(Attempt.quiz_id == quiz.id, Attempt.user_id == user.id)
        if since is not None:
            query = query.where(Attempt.submitted_at > since)
        attempts = list(session.scalars(query))
        percent = counted_percent(attempts, quiz.definition.get("grading", "highest"))
        passed = percent is not None and percent >= quiz.definition.get("pass_mark", 80)
        quizzes[slug] = percent if passed else None
    passed = passed_drills(session, user.id, version.required_drills, since)
    missing = [slug for slug in version.required_drills if slug not in passed]
    return Requirements(acknowledged, quizzes, missing)


def course_titles(session: Session) -> list[tuple[str, dict]]:
    """Every course's code and current title, in catalogue order: filters name courses by title."""
    return [
        (code, title)
        for code, title in session.execute(
            select(Course.code, CourseVersion.title)
            .join(CourseVersion, (CourseVersion.course_id == Course.id) & CourseVersion.current)
            .order_by(Course.position, Course.code)
        )
    ]


def latest_certificate(session: Session, user: User, course: Course) -> Certificate | None:
    """The user's most recent certificate for ``course``."""
    return session.scalar(
        select(Certificate)
        .where(Certificate.user_id == user.id, Certificate.course_id == course.id)
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        .limit(1)
    )


def check_and_issue(session: Session, user: User, *, course_code: str) -> Certificate | None:
    """Issue a certificate when ``user`` has met the course's requirements; commit it.

    A new certificate needs fresh evidence: after an expiry or a revocation the quiz must be
    passed again, so revoking cannot be undone by the same old attempt. A valid certificate
    can be renewed once its course's ``recertify_days`` before expiry have begun (the course is
    assigned again then), with a quiz passed since.
    """
    course = session.scalar(select(Course).where(Course.code == course_code))
    if course is None or course.current_version is None:
        return None
    version = course.current_version
    previous = latest_certificate(session, user, course)
    since = None
    if previous is not None:
        state = status_of(previous)
        if state == "valid":
            renewal = renewal_opens(previous, version)
            if renewal is None or utcnow() < renewal:
                return None
            since = renewal
        else:
            since = previous.revoked_at if state == "revoked" else previous.expires_at
    needs = requirements(session, user, version, since=since)
    if not needs.met:
        return None
    try:
        if previous is not None and previous.in_force and status_of(previous) == "valid":
            # A renewal: the new certificate is the one in force from now on; the old one stays
            # valid until it expires. Two racing renewals still meet the one-in-force index.
            session.execute(
                update(Certificate)
                .where(Certificate.id == previous.id)
                .values(in_force=False)
                .execution_options(synchronize_session=False)
            )
        certificate = issue(session, user, course, version, score=needs.score)
        session.commit()
    except IntegrityError:
        # A parallel request (a double click, a second tab) issued it first: the database's
        # one-in-force index refused this one, and theirs is the certificate.
        session.rollback()
        return None
    return certificate


def renewal_opens(certificate: Certificate, version: CourseVersion) -> datetime | None:
    """When a certificate may be renewed: ``recertify_days`` before it expires (None: never)."""
    from datetime import timedelta

    if certificate.expires_at is None:
        return None
    return certificate.expires_at - timedelta(days=version.recertify_days)


def issue(
    session: Session,
    user: User,
    course: Course,
    version: CourseVersion,
    *,
    score: float | None,
    actor: User | None = None,
    replaces: Certificate | None = None,
    issued_at: datetime | None = None,
) -> Certificate:
    """Create a certificate (serial, code, dates) and audit it, in the caller's transaction.

    An expired certificate of the same course and major version stops being the one in force.
    A second certificate in force (a valid one exists, or a parallel request issued one) is
    refused by the database: IntegrityError at the flush, which the caller turns into an answer.
    """
    now = issued_at or utcnow()
    session.execute(
        update(Certificate)
        .where(
            Certificate.user_id == user.id,
            Certificate.course_id == course.id,
            Certificate.course_major == version.major,
            Certificate.in_force.is_(True),
            Certificate.expires_at <= utcnow(),
        )
        .values(in_force=False)
        .execution_options(synchronize_session=False)
    )
    certificate = Certificate(
        serial=next_serial(session, now),
        verify_code=new_verify_code(),
        user_id=user.id,
        course_id=course.id,
        course_version=version.version,
        course_major=version.major,
        in_force=True,
        holder_name=user.name,
        store_id=user.stores[0].id if user.stores else None,
        score_percent=score,
        issued_at=now,
        expires_at=add_months(now, version.certificate_validity_months),
        replaces_id=replaces.id if replaces else None,
        updated_at=now,
    )
    session.add(certificate)
    session.flush()
    audit.record(
        session,
        "certificate.reissued" if replaces else "certificate.issued",
        actor=actor or user,
        target=certificate,
        details={
            "course": course.code,
            "version": version.version,
            "score": score,
            "replaces": replaces.serial if replaces else None,
        },
    )
    return certificate


def revoke(
    session: Session,
    certificate: Certificate,
    *,
    reason: RevocationReason,
    note: str,
    actor: User,
) -> None:
    """Revoke a certificate with a reason category (shown publicly) and a private note."""
    if certificate.revoked_at is not None:
        raise CertificateError("this certificate is already revoked")
    certificate.revoked_at = utcnow()
    certificate.in_force = False
    certificate.revoked_reason = reason
    certificate.revoked_note = note.strip()[:500] or None
    certificate.revoked_by_id = actor.id
    certificate.updated_at = certificate.revoked_at
    audit.record(
        session,
        "certificate.revoked",
        actor=actor,
        target=certificate,
        details={"reason": reason.value},
    )


def replacement_of(session: Session, certificate: Certificate) -> Certificate | None:
    """The certificate issued to replace ``certificate``, if it was re-issued."""
    return session.scalar(
        select(Certificate).where(Certificate.replaces_id == certificate.id).limit(1)
    )


def reissue(session: Session, certificate: Certificate, *, actor: User) -> Certificate:
    """Replace a certificate (e.g. a corrected name): the old one is revoked as superseded.

    Idempotent: a certificate already re-issued answers with its replacement. Two re-issues
    racing each other: the database lets one replacement be in force (IntegrityError for
    the other, see issue), and the caller answers with replacement_of.
    """
    existing = replacement_of(session, certificate)
    if existing is not None:
        return existing
    user = session.get(User, certificate.user_id)
    course = session.get(Course, certificate.course_id)
    version = session.scalar(
        select(CourseVersion).where(
            CourseVersion.course_id == course.id,
            CourseVersion.version == certificate.course_version,
        )
    )
    if status_of(certificate) == "expired":
        raise CertificateError("an expired certificate cannot be re-issued; the course is due")
    if certificate.revoked_at is None:
        revoke(
            session, certificate, reason=RevocationReason.SUPERSEDED, note="re-issued", actor=actor
        )
    new = issue(
        session,
        user,
        course,
        version,
        score=certificate.score_percent,
        actor=actor,
        replaces=certificate,
    )
    new.expires_at = certificate.expires_at  # a re-issue does not extend validity
    return new


def mask_name(name: str) -> str:
    """A holder's name partly masked for the public page: 王*喆, S*** T*****."""
    parts = name.split()
    if len(parts) > 1:
        return " ".join(p[0] + "*" * (len(p) - 1) for p in parts)
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def certificate_by_serial(session: Session, serial: str) -> Certificate | None:
    """The certificate with this serial, or None."""
    return session.scalar(select(Certificate).where(Certificate.serial == serial))


def with_status(query: Select, status: str, now: datetime | None = None) -> Select:
    """Keep certificates of one status (valid | expired | revoked) in SQL, as status_of does."""
    now = now or utcnow()
    if status == "revoked":
        return query.where(Certificate.revoked_at.is_not(None))
    if status == "expired":
        return query.where(
            Certificate.revoked_at.is_(None),
            Certificate.expires_at.is_not(None),
            Certificate.expires_at <= now,
        )
    if status == "valid":
        return query.where(
            Certificate.revoked_at.is_(None),
            or_(Certificate.expires_at.is_(None), Certificate.expires_at > now),
        )
    return query


#: Largest "expiring within N days" window the filters accept.
MAX_EXPIRING_DAYS = 366


def expiring_within(query: Select, days: int | None, now: datetime | None = None) -> Select:
    """Keep certificates valid now that expire within ``days`` days (None or 0: no filter)."""
    if not days:
        return query
    from datetime import timedelta

    now = now or utcnow()
    return query.where(
        Certificate.revoked_at.is_(None),
        Certificate.expires_at > now,
        Certificate.expires_at <= now + timedelta(days=days),
    )


def verify_url(base_url: str, certificate: Certificate) -> str:
    """The public verification address printed (and QR-encoded) on the certificate."""
    return f"{base_url.rstrip('/')}/verify/{certificate.verify_code}"


def pdf_data(session: Session, certificate: Certificate, *, base_url: str, lang: str):
    """What the PDF shows for ``certificate`` (trainer.pdf.CertificateData)."""
    from trainer.models import Organisation, Store
    from trainer.pdf import CertificateData

    organisation = session.scalar(select(Organisation.name)) or "Trainer"
    course = session.get(Course, certificate.course_id)
    version = session.scalar(
        select(CourseVersion).where(
            CourseVersion.course_id == course.id,
            CourseVersion.version == certificate.course_version,
        )
    )
    title = version.title if version else {"zh": course.code, "en": course.code}
    user = session.get(User, certificate.user_id)
    store = session.get(Store, certificate.store_id) if certificate.store_id else None
    status = status_of(certificate)
    ended = {"revoked": certificate.revoked_at, "expired": certificate.expires_at}.get(status)
    return CertificateData(
        organisation=organisation,
        holder_name=certificate.holder_name,
        employee_no=user.employee_no or "",
        store_name=store.name if store else "",
        course_code=course.code,
        course_version=certificate.course_version,
        course_title_zh=title.get("zh", ""),
        course_title_en=title.get("en", ""),
        score_percent=certificate.score_percent,
        issued_on=local_day(certificate.issued_at),
        expires_on=local_day(certificate.expires_at),
        serial=certificate.serial,
        verify_url=verify_url(base_url, certificate),
        language="zh" if lang == "zh" else "en",
        status=status,
        status_on=local_day(ended),
        revocation_reason=(
            certificate.revoked_reason.value
            if status == "revoked" and certificate.revoked_reason
            else None
        ),
    )


def in_scope(viewer: User, certificate: Certificate, holder: User | None = None) -> bool:
    """Who may download a certificate: its holder, compliance/admin, the holder's supervisors."""
    if certificate.user_id == viewer.id or viewer.sees_all_stores():
        return True
    from trainer.models import Role

    if viewer.role is Role.SUPERVISOR:
        store_ids = {certificate.store_id} | (holder.store_ids if holder else set())
        return bool(store_ids & viewer.store_ids)
    return False
