"""The audit log for compliance officers and administrators: filter, page, export CSV."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from trainer import audit
from trainer.auditlog.service import (
    AuditFilters,
    FilterError,
    actions,
    actors_of,
    csv_rows,
    events_query,
)
from trainer.db import get_session, paginate, utcnow
from trainer.models import Role
from trainer.security import roles

bp = Blueprint("auditlog", __name__, url_prefix="/audit")
PAGE_SIZE = 50


def _filters() -> tuple[AuditFilters, str | None]:
    try:
        return AuditFilters.from_args(request.args), None
    except FilterError as exc:
        field = _("From") if exc.field == "from" else _("To")
        return AuditFilters(), _(
            "%(field)s: %(problem)s", field=field, problem=exc.message.translated(_)
        )


@bp.route("/")
@roles(Role.COMPLIANCE, Role.ADMIN)
def index():
    """The log, newest first, filtered by person, action, target and dates."""
    session = get_session()
    filters, problem = _filters()
    found = paginate(
        session, events_query(session, filters), request.args.get("page", 1, type=int), PAGE_SIZE
    )
    return render_template(
        "auditlog/index.html",
        rows=found.items,
        actors=actors_of(session, found.items),
        page=found.page,
        pages=found.pages,
        total=found.total,
        filters=filters,
        args=filters.to_args(),
        problem=problem,
        actions=actions(session),
    ), (400 if problem else 200)


@bp.route("/export.csv")
@roles(Role.COMPLIANCE, Role.ADMIN)
def export_csv():
    """Every event the filters select, as CSV (UTF-8 with BOM, so Excel reads Chinese)."""
    session = get_session()
    filters, problem = _filters()
    if problem:
        return render_template(
            "auditlog/index.html",
            rows=[],
            actors={},
            page=1,
            pages=1,
            total=0,
            filters=filters,
            args={},
            problem=problem,
            actions=actions(session),
        ), 400
    # The export itself is evidence: who took a copy of the log, with which filters.
    audit.record(
        session, "audit.exported", actor=current_user, details={"filters": filters.to_args()}
    )
    session.commit()
    query = events_query(session, filters)
    maker = current_app.extensions["sessionmaker"]

    def lines():
        # A session of its own: the response streams after the request's session is closed.
        with maker() as own:
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            buffer.write("\ufeff")
            for row in csv_rows(own, query):
                writer.writerow(row)
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()

    name = f"audit-log-{utcnow():%Y%m%d-%H%M%S}.csv"
    return Response(
        lines(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
