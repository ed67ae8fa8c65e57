"""Read-only JSON API for other systems (HR, audit tools), with per-client bearer tokens."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, abort, current_app, g, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from trainer.certificates.service import (
    certificate_by_serial,
    pdf_data,
    status_of,
    verify_url,
    with_status,
)
from trainer.db import get_session, paginate
from trainer.models import Certificate, Course, Store, User
from trainer.security import api_token

bp = Blueprint("api", __name__, url_prefix="/api/v1")
MAX_PAGE_SIZE = 200


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.isoformat()


def _external(endpoint: str, **values) -> str:
    """An absolute link on the configured public address (TRAINER_BASE_URL), never built from
    the request's Host header, which the client chooses."""
    return current_app.config["BASE_URL"].rstrip("/") + url_for(endpoint, **values)


def _certificate_json(certificate: Certificate, users: dict, courses: dict) -> dict:
    user = users[certificate.user_id]
    return {
        "serial": certificate.serial,
        "status": status_of(certificate),
        "holder": {"name": certificate.holder_name, "employee_no": user.employee_no},
        "store": certificate.store.code if certificate.store else None,
        "course": {
            "code": courses[certificate.course_id].code,
            "version": certificate.course_version,
        },
        "score_percent": certificate.score_percent,
        "issued_at": _iso(certificate.issued_at),
        "expires_at": _iso(certificate.expires_at),
        "revoked_at": _iso(certificate.revoked_at),
        "revocation_reason": certificate.revoked_reason.value
        if certificate.revoked_reason
        else None,
        "updated_at": _iso(certificate.updated_at),
        "verify_url": verify_url(current_app.config["BASE_URL"], certificate),
        "pdf_url": _external("api.certificate_pdf", serial=certificate.serial),
    }


def _bad_request(message: str):
    return {"error": "bad_request", "message": message}, 400


@bp.route("/certificates")
@api_token
def certificates():
    """Certificates, newest change first; filters store, course, status, updated_since."""
    session = get_session()
    query = select(Certificate).options(selectinload(Certificate.store))
    if store := request.args.get("store"):
        query = query.join(Store, Certificate.store_id == Store.id).where(Store.code == store)
    if course := request.args.get("course"):
        query = query.join(Course, Certificate.course_id == Course.id).where(Course.code == course)
    if since := request.args.get("updated_since"):
        try:
            # An unencoded "+" in a query string arrives as a space.
            moment = datetime.fromisoformat(since.replace(" ", "+").replace("Z", "+00:00"))
        except ValueError:
            return _bad_request("updated_since must be an ISO 8601 date-time")
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        try:
            moment = moment.astimezone(UTC)  # 0001-01-01T00:00+14:00 is before year 1 in UTC
        except OverflowError:
            return _bad_request("updated_since is out of range")
        query = query.where(Certificate.updated_at > moment)
    status = request.args.get("status")
    if status and status not in ("valid", "expired", "revoked"):
        return _bad_request("status must be valid, expired or revoked")
    try:
        page = max(int(request.args.get("page", 1)), 1)
        size = min(max(int(request.args.get("per_page", 50)), 1), MAX_PAGE_SIZE)
    except ValueError:
        return _bad_request("page and per_page must be whole numbers")
    if status:
        query = with_status(query, status)
    found = paginate(session, query.order_by(Certificate.updated_at, Certificate.id), page, size)
    rows, total, page = found.items, found.total, found.page
    users = {
        u.id: u for u in session.scalars(select(User).where(User.id.in_({c.user_id for c in rows})))
    }
    courses = {c.id: c for c in session.scalars(select(Course))}
    return {
        "data": [_certificate_json(c, users, courses) for c in rows],
        "page": page,
        "per_page": size,
        "total": total,
        "next": _external("api.certificates", **{**request.args, "page": page + 1})
        if page * size < total
        else None,
    }


def _one(serial: str) -> Certificate:
    return certificate_by_serial(get_session(), serial) or abort(404)


@bp.route("/certificates/<serial>")
@api_token
def certificate(serial: str):
    """One certificate, with a link to its PDF."""
    session = get_session()
    item = _one(serial)
    users = {item.user_id: session.get(User, item.user_id)}
    courses = {item.course_id: session.get(Course, item.course_id)}
    return _certificate_json(item, users, courses)


@bp.route("/certificates/<serial>.pdf")
@api_token
def certificate_pdf(serial: str):
    """The certificate's PDF."""
    from trainer import audit, pdf

    session = get_session()
    item = _one(serial)
    body = pdf.render_certificate(
        pdf_data(session, item, base_url=current_app.config["BASE_URL"], lang="zh")
    )
    audit.record(
        session, "certificate.downloaded", target=item, details={"api_client": g.api_client.name}
    )
    session.commit()
    return Response(body, mimetype="application/pdf")
