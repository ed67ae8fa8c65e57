"""Certificates: the holder's list and PDFs, public verification, compliance management."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from trainer import audit
from trainer.certificates.service import (
    CertificateError,
    certificate_by_serial,
    course_titles,
    expiring_within,
    in_scope,
    local_day,
    mask_name,
    pdf_data,
    reissue,
    replacement_of,
    revoke,
    status_of,
    with_status,
)
from trainer.db import get_session, paginate
from trainer.extensions import limiter
from trainer.forms import EmptyForm
from trainer.i18n import current_language
from trainer.models import (
    AuditEvent,
    Certificate,
    Course,
    CourseVersion,
    RevocationReason,
    Role,
    Store,
    User,
    user_stores,
)
from trainer.security import public, roles, signed_in
from trainer.tracking.standing import learner

bp = Blueprint("certificates", __name__)

#: A certificate's history in the reader's language (the audit log's keys stay as recorded).
HISTORY_LABELS = {
    "certificate.issued": _l("Certificate issued"),
    "certificate.reissued": _l("Re-issued (replaces an earlier certificate)"),
    "certificate.revoked": _l("Revoked"),
    "certificate.downloaded": _l("PDF downloaded"),
}
PAGE_SIZE = 50
#: "Expiring within N days" filter of the list, in days.
EXPIRING_CHOICES = (7, 30, 60, 90)


def _verify_limit() -> str:
    return current_app.config["VERIFY_RATE_LIMIT"]


def _titles(session, certificates) -> dict[tuple[int, str], dict]:
    """Course titles per (course id, version) for a list of certificates, in one query."""
    ids = {c.course_id for c in certificates}
    rows = session.execute(
        select(CourseVersion.course_id, CourseVersion.version, CourseVersion.title).where(
            CourseVersion.course_id.in_(ids)
        )
    )
    return {(cid, version): title for cid, version, title in rows}


@bp.route("/certificates/")
@signed_in
def mine():
    """The signed-in person's certificates."""
    session = get_session()
    certificates = session.scalars(
        select(Certificate)
        .where(Certificate.user_id == current_user.id)
        .order_by(Certificate.issued_at.desc())
    ).all()
    standing = learner(session, current_user)
    return render_template(
        "certificates/mine.html",
        certificates=certificates,
        titles=_titles(session, certificates),
        status_of=status_of,
        # Per course id, where the holder stands: a lapsed certificate says how to renew it.
        courses={c.id: c for c in standing.courses.values()},
    )


def _certificate_or_404(serial: str) -> Certificate:
    return certificate_by_serial(get_session(), serial) or abort(404)


@bp.route("/certificates/<serial>.pdf")
@signed_in
def download(serial: str):
    """A certificate's PDF, for its holder and the people who oversee them."""
    from trainer import pdf

    session = get_session()
    certificate = _certificate_or_404(serial)
    holder = session.get(User, certificate.user_id)
    if not in_scope(current_user, certificate, holder):
        abort(404)  # not 403: serials of other stores are nothing to probe for
    lang = "zh" if request.args.get("lang", current_language()) == "zh" else "en"
    data = pdf_data(session, certificate, base_url=current_app.config["BASE_URL"], lang=lang)
    body = pdf.render_certificate(data)
    audit.record(session, "certificate.downloaded", actor=current_user, target=certificate)
    session.commit()
    return Response(
        body,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{certificate.serial}-{lang}.pdf"'},
    )


def _iso_day(moment) -> str | None:
    day = local_day(moment)
    return day.isoformat() if day else None


def verification(session, certificate: Certificate) -> dict:
    """The public facts about a certificate: no more than a checker needs."""
    course = session.get(Course, certificate.course_id)
    version = session.scalar(
        select(CourseVersion).where(
            CourseVersion.course_id == course.id,
            CourseVersion.version == certificate.course_version,
        )
    )
    state = status_of(certificate)
    return {
        "status": state,
        "serial": certificate.serial,
        "holder": mask_name(certificate.holder_name),
        "course": {
            "code": course.code,
            "version": certificate.course_version,
            "title": version.title if version else {"zh": course.code, "en": course.code},
        },
        "issued": local_day(certificate.issued_at).isoformat(),
        "expires": _iso_day(certificate.expires_at),
        "revoked": _iso_day(certificate.revoked_at),
        "revocation_reason": certificate.revoked_reason.value
        if certificate.revoked_reason
        else None,
    }


@bp.route("/verify/<code>")
@limiter.limit(_verify_limit)
@public
def verify(code: str):
    """Public page: is this certificate valid, expired or revoked?"""
    session = get_session()
    certificate = session.scalar(select(Certificate).where(Certificate.verify_code == code[:64]))
    if certificate is None:
        return render_template("certificates/verify.html", found=None), 404
    return render_template("certificates/verify.html", found=verification(session, certificate))


@bp.route("/verify", methods=["GET", "POST"])
@limiter.limit(_verify_limit, methods=["POST"])
@public
def verify_form():
    """Check a certificate by its serial and verification code (both printed on it)."""
    form = EmptyForm()
    not_found = False
    if request.method == "POST" and form.validate_on_submit():
        serial = request.form.get("serial", "").strip().upper()[:40]
        code = request.form.get("code", "").strip()[:64]
        certificate = get_session().scalar(
            select(Certificate).where(Certificate.serial == serial, Certificate.verify_code == code)
        )
        if certificate is not None:
            return redirect(url_for("certificates.verify", code=code))
        not_found = True
    return render_template("certificates/verify_form.html", form=form, not_found=not_found), (
        404 if not_found else 200
    )


@bp.route("/api/v1/verify/<code>")
@limiter.limit(_verify_limit)
@public
def verify_json(code: str):
    """The same check as JSON, for other systems."""
    session = get_session()
    certificate = session.scalar(select(Certificate).where(Certificate.verify_code == code[:64]))
    if certificate is None:
        return {"status": "not_found"}, 404
    return verification(session, certificate)


def _scoped(query, viewer: User):
    if viewer.sees_all_stores():
        return query
    return query.where(
        or_(
            Certificate.store_id.in_(viewer.store_ids),
            Certificate.user_id.in_(
                select(user_stores.c.user_id).where(user_stores.c.store_id.in_(viewer.store_ids))
            ),
        )
    )


@bp.route("/certificates/manage")
@roles(Role.SUPERVISOR, Role.COMPLIANCE, Role.ADMIN)
def manage():
    """Certificates in the viewer's scope, filtered by store, course, status and name."""
    session = get_session()
    query = _scoped(select(Certificate), current_user)
    store = request.args.get("store", "")
    course = request.args.get("course", "")
    status = request.args.get("status", "")
    q = request.args.get("q", "").strip()[:100]
    if store:
        query = query.join(Store, Certificate.store_id == Store.id).where(Store.code == store)
    if course:
        query = query.join(Course, Certificate.course_id == Course.id).where(Course.code == course)
    query = with_status(query, status)
    expiring = request.args.get("expiring", 0, type=int)
    if expiring not in EXPIRING_CHOICES:
        expiring = 0
    query = expiring_within(query, expiring)
    if q:
        query = query.where(
            or_(Certificate.serial.ilike(f"%{q}%"), Certificate.holder_name.ilike(f"%{q}%"))
        )
    found = paginate(
        session,
        query.order_by(Certificate.issued_at.desc(), Certificate.id.desc()).options(
            selectinload(Certificate.store)
        ),
        request.args.get("page", 1, type=int),
        PAGE_SIZE,
    )
    rows = found.items
    stores = session.scalars(select(Store).order_by(Store.code)).all()
    if not current_user.sees_all_stores():
        stores = [s for s in stores if s.id in current_user.store_ids]
    return render_template(
        "certificates/manage.html",
        certificates=rows,
        titles=_titles(session, rows),
        status_of=status_of,
        total=found.total,
        page=found.page,
        pages=found.pages,
        stores=stores,
        courses=course_titles(session),
        expiring_choices=EXPIRING_CHOICES,
        filters={
            "store": store,
            "course": course,
            "status": status,
            "q": q,
            "expiring": expiring or "",
        },
    )


@bp.route("/certificates/manage/<serial>")
@roles(Role.SUPERVISOR, Role.COMPLIANCE, Role.ADMIN)
def detail(serial: str):
    """One certificate with its history; compliance officers revoke or re-issue here."""
    session = get_session()
    certificate = _certificate_or_404(serial)
    holder = session.get(User, certificate.user_id)
    if not in_scope(current_user, certificate, holder):
        abort(404)
    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.target_type == "certificate", AuditEvent.target_id == certificate.serial)
        .order_by(AuditEvent.at)
    ).all()
    actors = {
        u.id: u
        for u in session.scalars(
            select(User).where(User.id.in_({e.actor_id for e in events if e.actor_id}))
        )
    }
    replacement = session.scalar(
        select(Certificate).where(Certificate.replaces_id == certificate.id)
    )
    return render_template(
        "certificates/detail.html",
        certificate=certificate,
        holder=holder,
        info=verification(session, certificate),
        events=events,
        history_labels=HISTORY_LABELS,
        actors=actors,
        reasons=list(RevocationReason),
        form=EmptyForm(),
        replacement=replacement,
        can_manage=current_user.role in (Role.COMPLIANCE, Role.ADMIN),
    )


@bp.post("/certificates/manage/<serial>/revoke")
@roles(Role.COMPLIANCE, Role.ADMIN)
def revoke_certificate(serial: str):
    """Revoke with a reason category (public) and a note (internal)."""
    session = get_session()
    certificate = _certificate_or_404(serial)
    try:
        reason = RevocationReason(request.form.get("reason", ""))
    except ValueError:
        flash(_("Choose a reason for the revocation."), "error")
        return redirect(url_for("certificates.detail", serial=serial))
    try:
        revoke(
            session,
            certificate,
            reason=reason,
            note=request.form.get("note", ""),
            actor=current_user,
        )
    except CertificateError as exc:
        flash(str(exc), "error")
    else:
        session.commit()
        flash(_("Certificate %(serial)s revoked.", serial=serial), "success")
    return redirect(url_for("certificates.detail", serial=serial))


@bp.post("/certificates/manage/<serial>/reissue")
@roles(Role.COMPLIANCE, Role.ADMIN)
def reissue_certificate(serial: str):
    """Issue a replacement (e.g. after a name correction); the old one becomes superseded."""
    session = get_session()
    certificate = _certificate_or_404(serial)
    try:
        new = reissue(session, certificate, actor=current_user)
        session.commit()
    except CertificateError as exc:
        flash(str(exc), "error")
        return redirect(url_for("certificates.detail", serial=serial))
    except IntegrityError:  # a parallel re-issue won: answer with its replacement
        session.rollback()
        new = replacement_of(session, _certificate_or_404(serial))
        if new is None:
            raise
    flash(_("Re-issued as %(serial)s.", serial=new.serial), "success")
    return redirect(url_for("certificates.detail", serial=new.serial))
