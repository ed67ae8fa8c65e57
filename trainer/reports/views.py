"""Reports for supervisors and compliance: weak topics, trends, item analysis, gap report.

Every page runs a fixed number of SQL statements whatever the amount of data: the figures are
aggregated in SQL (see service.py and items.py) and the pages never load rows per person.
"""

from __future__ import annotations

import dataclasses
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    abort,
    current_app,
    render_template,
    request,
)
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from trainer import audit, spreadsheets
from trainer.certificates.service import local_day
from trainer.courses.service import manual_links
from trainer.db import get_session, utcnow
from trainer.domain import charts, itemstats, topics, weakspots
from trainer.domain.tracking import OnTime
from trainer.i18n import current_language
from trainer.models import Course, Quiz, Role
from trainer.reports import gaps, service
from trainer.reports.cache import cached
from trainer.reports.items import item_analysis
from trainer.reports.scope import OutOfScope, Scope, report_scope
from trainer.security import roles
from trainer.tracking import kept
from trainer.tracking.ontime import OnTimeReport

bp = Blueprint("reports", __name__, url_prefix="/reports")

OVERSIGHT = (Role.SUPERVISOR, Role.COMPLIANCE, Role.ADMIN)


def scope_or_404() -> Scope:
    """The viewer's stores and the ``store`` filter of the request; another store's: 404."""
    try:
        return report_scope(get_session(), current_user, request.args.get("store", "")[:40])
    except OutOfScope:
        abort(404)


def topic_label(tag: str) -> str:
    """A topic's name in the reader's language."""
    return topics.label(tag, _)


#: Periods the weak-topics page offers, in days.
PERIODS = (90, 180, 365)
#: Stores per page of the heat map.
HEAT_PAGE = 25
#: Above this many stores the trends page lists stores in a table instead of a chart each.
CHARTS_UP_TO = 12


@bp.route("/weak-topics")
@roles(*OVERSIGHT)
def weak_topics():
    """Share of first-attempt answers wrong per store and topic, and what to re-teach."""
    scope = scope_or_404()
    days = request.args.get("days", 365, type=int)
    if days not in PERIODS:
        days = 365
    session = get_session()
    report, computed_at = cached(
        ("weak-topics", scope.store_ids, days),
        lambda: service.weak_topics(session, scope, days=days),
    )
    table = report.table
    links = manual_links(session, list(table.manual.values()), current_language())
    columns = table.ordered_topics()
    stores = {s.id: s for s in scope.stores}
    # The heat map has a cell per store and topic (thousands at a large organisation): cells
    # are built here with plain string formatting, not a translated filter per cell.
    # A page of stores at a time: 25 rows of up to 35 topics stay readable and quick.
    pages = max(1, -(-len(report.store_ids) // HEAT_PAGE))
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    heat_rows = [
        (stores[store_id], [_heat_cell(table.cells.get((store_id, tag))) for tag in columns])
        for store_id in report.store_ids[(page - 1) * HEAT_PAGE : page * HEAT_PAGE]
    ]
    return render_template(
        "reports/weak_topics.html",
        scope=scope,
        report=report,
        ranked=table.ranked(),
        columns=columns,
        heat_rows=heat_rows,
        names={tag: topic_label(tag) for tag in columns},
        links={tag: links.get(link) for tag, link in table.manual.items()},
        topic_label=topic_label,
        days=days,
        periods=PERIODS,
        computed_at=computed_at,
        page=page,
        pages=pages,
        args={"store": scope.chosen.code if scope.chosen else "", "days": days},
    )


def _heat_cell(tally: weakspots.Tally | None) -> tuple[str, str, str] | None:
    """(colour class, share wrong as whole percent, wrong/answered) of a heat-map cell."""
    if tally is None or tally.rate is None:
        return None
    return (
        f"heat-{weakspots.heat_level(tally.rate)}",
        f"{tally.rate:.0f}%",
        f"{tally.wrong}/{tally.answered}",
    )


def _month_label(key: str) -> str:
    from datetime import date

    return format_date(date(int(key[:4]), int(key[5:]), 1), "MMM yyyy")


def _chart(
    chart_id: str,
    title: str,
    labels: list[str],
    months: list[str],
    by_month: dict,
    on_time: dict[str, OnTime],
) -> Markup:
    rates = [by_month[m].pass_rate if m in by_month else None for m in months]
    averages = [by_month[m].average if m in by_month else None for m in months]
    in_time = [on_time[m].percent if m in on_time else None for m in months]
    lines = [
        charts.Series(_("Pass rate"), rates),
        charts.Series(_("Average score"), averages),
        charts.Series(_("Completed on time"), in_time),
    ]
    described = [
        _(
            "%(month)s: pass rate %(rate)s, average score %(avg)s",
            month=label,
            rate=_pct(r),
            avg=_pct(a),
        )
        + (_(", completed on time %(share)s", share=_pct(t)) if t is not None else "")
        for label, r, a, t in zip(labels, rates, averages, in_time, strict=True)
        if r is not None or t is not None
    ]
    svg = charts.line_chart(
        chart_id,
        title,
        "; ".join(described) or _("No graded attempts in this period."),
        labels,
        lines,
    )
    return Markup(svg)  # noqa: S704 (every text in it is escaped by line_chart)


def _pct(value: float | None) -> str:
    """85.5% (one decimal at most), as trainer.i18n.percent writes it in both languages.

    Plain formatting: a chart's description and table hold hundreds of figures, and Babel's
    number formatting costs about a millisecond each.
    """
    if value is None:
        return "—"
    return f"{value:.1f}".removesuffix(".0") + "%"


@bp.route("/trends")
@roles(*OVERSIGHT)
def trends():
    """Pass rate, average score and completion on time per month, for the scope and each store."""
    scope = scope_or_404()
    zone = ZoneInfo(current_app.config.get("TIMEZONE", "UTC"))
    report, computed_at = cached(
        ("trends", scope.store_ids, str(zone)),
        lambda: _trend_figures(scope, zone),
    )
    figures, on_time = report
    labels = [_month_label(m) for m in figures.months]
    name = scope.chosen.name if scope.chosen else _("All stores in view")
    overall = _chart(
        "trend-all",
        _("%(name)s: pass rate, average score and completion on time by month", name=name),
        labels,
        figures.months,
        figures.total,
        on_time.total,
    )
    many = len(figures.stores) > CHARTS_UP_TO
    per_store = [
        (
            store,
            _chart(
                f"trend-{store.id}",
                _(
                    "%(name)s: pass rate, average score and completion on time by month",
                    name=f"{store.code} {store.name}",
                ),
                labels,
                figures.months,
                figures.stores.get(store.id, {}),
                on_time.stores.get(store.id, {}),
            ),
        )
        for store in scope.stores
        if (store.id in figures.stores or store.id in on_time.stores)
        and scope.chosen is None
        and not many
    ]
    if len(per_store) == 1:  # the same figures as the chart above
        per_store = []
    return render_template(
        "reports/trends.html",
        scope=scope,
        report=figures,
        labels=labels,
        overall=overall,
        per_store=per_store,
        on_time=on_time,
        computed_at=computed_at,
        store_table=_store_totals(scope, figures, on_time) if many else [],
        pct=_pct,
    )


def _trend_figures(scope: Scope, zone) -> tuple[service.Trends, OnTimeReport]:
    session = get_session()
    if kept.refresh(session):  # the on-time outcomes of people whose facts changed
        session.commit()
    figures = service.trends(session, scope, zone=zone)
    return figures, service.on_time_completion(session, scope, figures.months)


def _store_totals(scope: Scope, report: service.Trends, on_time: OnTimeReport) -> list[tuple]:
    """(store, attempts, pass rate, average, on time) over the period, per store."""
    rows = []
    for store in scope.stores:
        months = report.stores.get(store.id, {})
        due = list(on_time.stores.get(store.id, {}).values())
        if not months and not due:
            continue
        attempts = sum(m.attempts for m in months.values())
        passed = sum(m.passed for m in months.values())
        total = sum((m.average or 0) * m.attempts for m in months.values())
        in_time = OnTime(sum(t.due for t in due), sum(t.on_time for t in due))
        rows.append(
            (
                store,
                attempts,
                100.0 * passed / attempts if attempts else None,
                total / attempts if attempts else None,
                in_time.percent,
            )
        )
    return rows


def first_only() -> bool:
    """The ``attempts`` filter: first attempts (the default) or all of them."""
    return request.args.get("attempts", "first") != "all"


def _quiz_or_404(slug: str) -> Quiz:
    return get_session().scalar(select(Quiz).where(Quiz.slug == slug[:120])) or abort(404)


@bp.route("/items")
@roles(*OVERSIGHT)
def items_index():
    """Choose a quiz for its item analysis."""
    quizzes = get_session().scalars(select(Quiz).order_by(Quiz.slug)).all()
    return render_template("reports/items_index.html", quizzes=quizzes)


def _item_report(slug: str):
    """The scope and the item analysis the request's filters ask for (404 for a wrong slug)."""
    quiz = _quiz_or_404(slug)
    scope = scope_or_404()
    first = first_only()
    report, computed_at = cached(
        ("items", quiz.id, scope.store_ids, first),
        lambda: item_analysis(get_session(), quiz, scope, first_only=first),
    )
    return scope, dataclasses.replace(report, quiz=quiz), computed_at


@bp.route("/items/<slug>")
@roles(*OVERSIGHT)
def items(slug: str):
    """Facility, discrimination and option counts of each question of a quiz."""
    scope, report, computed_at = _item_report(slug)
    return render_template(
        "reports/items.html",
        report=report,
        scope=scope,
        filters=_filters(scope),
        flag_labels={key: _(label) for key, label in itemstats.FLAG_LABELS.items()},
        thresholds=(itemstats.TOO_EASY_ABOVE, itemstats.TOO_HARD_BELOW),
        computed_at=computed_at,
    )


def _plain(text) -> str:
    from trainer.i18n import localised

    return localised(text) if isinstance(text, dict) else str(text or "")


@bp.route("/items/<slug>/export")
@roles(*OVERSIGHT)
def items_export(slug: str):
    """The item analysis as CSV or XLSX, with the page's filters."""
    _scope, report, _computed_at = _item_report(slug)
    quiz = report.quiz
    flag_labels = {key: _(label) for key, label in itemstats.FLAG_LABELS.items()}
    headers = [
        _("Question ID"),
        _("Type"),
        _("Question"),
        _("Topics"),
        _("Answers"),
        _("Facility (%)"),
        _("Discrimination"),
        _("Standard deviation (%)"),
        _("Flags"),
        _("Options chosen"),
    ]

    def rows():
        for row in report.rows:
            f = row.figures
            yield [
                row.qid,
                row.type,
                _plain(row.stem),
                ", ".join(topic_label(t) for t in row.tags),
                f.n,
                None if f.facility is None else round(f.facility, 1),
                None if f.discrimination is None else round(f.discrimination, 1),
                None if f.sd is None else round(f.sd, 1),
                ", ".join(flag_labels[flag] for flag in f.flags),
                "; ".join(
                    f"{'✓ ' if o.correct else ''}{_plain(o.text)}: {o.count}" for o in row.options
                ),
            ]

    return spreadsheets.download(
        request.args.get("format", "csv"),
        f"item-analysis-{quiz.slug}",
        headers,
        rows(),
        _("Item analysis"),
    )


def _filters(scope: Scope) -> dict[str, str]:
    """The page's filters, for links (export, pager) that keep them."""
    return {
        "store": scope.chosen.code if scope.chosen else "",
        "attempts": "first" if first_only() else "all",
    }


GAP_PAGE_SIZE = 50


def _gap_filters(session) -> tuple[Course, list[Course], Scope, int, tuple[str, ...]]:
    """The gap report's course, the courses to choose from, scope, days and reasons."""
    courses = list(
        session.scalars(
            select(Course)
            .where(Course.active)
            .order_by(Course.position, Course.code)
            .options(selectinload(Course.current_version))
        )
    )
    code = request.args.get("course", "")
    course = next((c for c in courses if c.code == code), None) if code else None
    if code and course is None:
        abort(404)
    if course is None:
        course = courses[0] if courses else abort(404)
    scope = scope_or_404()
    days = request.args.get("within", gaps.DEFAULT_DAYS, type=int)
    days = min(max(days, 1), gaps.MAX_DAYS)
    chosen = tuple(r for r in request.args.getlist("reason") if r in gaps.REASONS)
    return course, courses, scope, days, chosen or gaps.GAPS


def _gap_args(course: Course, scope: Scope, days: int, reasons: tuple[str, ...]) -> dict:
    return {
        "course": course.code,
        "store": scope.chosen.code if scope.chosen else "",
        "within": days,
        "reason": list(reasons),
    }


@bp.route("/gaps")
@roles(*OVERSIGHT)
def gaps_report():
    """Who in scope lacks a valid certificate for a course (never, expired, revoked, soon)."""
    session = get_session()
    course, courses, scope, days, reasons = _gap_filters(session)
    query = gaps.gap_query(course, scope, days=days, reasons=gaps.REASONS)
    counts = gaps.gap_counts(session, query)
    shown = gaps.gap_query(course, scope, days=days, reasons=reasons)
    total = sum(counts.get(r, 0) for r in reasons)
    pages = max(1, -(-total // GAP_PAGE_SIZE))
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    return render_template(
        "reports/gaps.html",
        course=course,
        courses=courses,
        scope=scope,
        days=days,
        reasons=reasons,
        counts=counts,
        rows=gaps.gap_page(session, shown, page, GAP_PAGE_SIZE),
        total=total,
        page=page,
        pages=pages,
        args=_gap_args(course, scope, days, reasons),
        labels={key: _(label) for key, label in gaps.REASON_LABELS.items()},
    )


@bp.route("/gaps/export")
@roles(*OVERSIGHT)
def gaps_export():
    """The gap report as CSV or XLSX: every row of the page's filters, streamed."""
    session = get_session()
    course, _courses, scope, days, reasons = _gap_filters(session)
    fmt = request.args.get("format", "csv")
    if fmt not in spreadsheets.MIMETYPES:
        abort(404)
    audit.record(
        session,
        "reports.gaps_exported",
        actor=current_user,
        details={**_gap_args(course, scope, days, reasons), "format": fmt},
    )
    session.commit()
    labels = {key: _(label) for key, label in gaps.REASON_LABELS.items()}
    headers = [
        _("Name"),
        _("Employee number"),
        _("Store"),
        _("Course"),
        _("Gap"),
        _("Valid until"),
        _("Expired on"),
        _("Revoked on"),
    ]
    query = gaps.gap_query(course, scope, days=days, reasons=reasons)

    def rows():
        # Flask 3.1 closes the request's session before a streamed body is read: the rows come
        # from a session opened while streaming, which the context's teardown then closes.
        for r in gaps.gap_rows(get_session(), query):
            yield [
                r.name,
                r.employee_no,
                r.store,
                course.code,
                labels[r.reason],
                local_day(r.valid_until),
                local_day(r.last_expired),
                local_day(r.last_revoked),
            ]

    day = local_day(utcnow())
    return spreadsheets.download(
        fmt, f"certificate-gaps-{course.code}-{day}", headers, rows(), _("Certificate gaps")
    )
