"""The drill log: finished live drills, a drill's record, and the CSV and PDF exports.

Supervisors see their own stores; compliance officers and admins see every store.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from trainer import pdf
from trainer.certificates.service import day_start
from trainer.db import get_session, utcnow
from trainer.drills import log
from trainer.i18n import current_language, datetime_filter, localised, percent
from trainer.models import Role, Store
from trainer.security import roles

bp = Blueprint("drill_log", __name__)

VIEWERS = (Role.SUPERVISOR, Role.COMPLIANCE, Role.ADMIN)


def _scope() -> set[int] | None:
    return None if current_user.sees_all_stores() else current_user.store_ids


def _day(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _filtered() -> tuple[list[log.LogEntry], dict]:
    start, end = _day("from"), _day("to")
    store = request.args.get("store", type=int)
    scope = _scope()
    if store is not None:
        scope = {store} if scope is None or store in scope else set()
    entries = log.entries(
        get_session(),
        store_ids=scope,
        start=day_start(start) if start else None,
        end=day_start(end + timedelta(days=1)) if end else None,
    )
    return entries, {"from": start, "to": end, "store": store}


@bp.route("/drills/log")
@roles(*VIEWERS)
def index():
    """The drill log, newest first, with date and store filters."""
    entries, filters = _filtered()
    query = select(Store).order_by(Store.code)
    if _scope() is not None:
        query = query.where(Store.id.in_(_scope()))
    stores = get_session().scalars(query).all()
    return render_template("drills/log.html", entries=entries, filters=filters, stores=stores)


@bp.route("/drills/log/<int:run_id>")
@roles(*VIEWERS)
def record(run_id: int):
    """One drill's record: who took part, results, critical errors, absentees."""
    found = log.entries(get_session(), store_ids=_scope(), run_id=run_id)
    if not found:
        abort(404)
    return render_template("drills/record.html", entry=found[0])


def _query_suffix(filters: dict) -> str:
    parts = [str(filters[k]) for k in ("from", "to") if filters.get(k)]
    return ("-" + "_".join(parts)) if parts else ""


@bp.route("/drills/log.csv")
@roles(*VIEWERS)
def log_csv():
    """The log as CSV: one row per participant or absentee."""
    entries, filters = _filtered()
    text = log.to_csv(entries, current_language(), lambda value: datetime_filter(value, "short"))
    return Response(
        "\ufeff" + text,  # a BOM, so spreadsheet programs read the Chinese names as UTF-8
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="drill-log{_query_suffix(filters)}.csv"'
        },
    )


def _minutes(seconds: float | None) -> str:
    if seconds is None:
        return ""
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


@bp.route("/drills/log.pdf")
@roles(*VIEWERS)
def log_pdf():
    """The log as a PDF an auditor can be handed, in the reader's language."""
    entries, filters = _filtered()
    lang = current_language()
    context = {
        "lang": lang,
        "labels": {
            "title": _("Emergency drill log"),
            "generated": _(
                "Generated %(when)s by %(name)s", when=datetime_filter(utcnow()),
                name=current_user.name,
            ),
            "columns": [
                _("Person"), _("Employee no."), _("Result"), _("Score"), _("Answer time"),
                _("Critical errors"),
            ],
            "absent": _("Absent"),
            "empty": _("No drills in this period."),
        },
        "entries": [
            {
                "title": f"{datetime_filter(e.started_at, 'short')} · {e.store_code} {e.store_name}"
                f" · {localised(e.drill_title, lang)}",
                "summary": _(
                    "Led by %(leader)s; duration %(duration)s; %(present)d present, %(absent)d"
                    " absent; %(critical)d critical errors.",
                    leader=e.leader, duration=_minutes(e.seconds), present=len(e.people),
                    absent=len(e.absentees), critical=e.critical_count,
                ),
                "people": [
                    {
                        "name": p.name,
                        "employee_no": p.employee_no or "",
                        "passed": p.passed,
                        "result": _("Passed") if p.passed else _("Failed"),
                        "percent": percent(p.percent),
                        "seconds": _minutes(p.seconds),
                        "critical": "; ".join(
                            _("step %(n)d: %(action)s", n=n, action=text[lang])
                            for n, text in p.critical
                        ),
                    }
                    for p in e.people
                ],
                "absentees": e.absentees,
            }
            for e in entries
        ],
    }  # fmt: skip
    return Response(
        pdf.render_drill_log(context),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="drill-log{_query_suffix(filters)}.pdf"'
        },
    )
