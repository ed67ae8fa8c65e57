"""Tracking pages: the team matrix, a person's page, assignments, onboarding rules, notices."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from trainer import audit, spreadsheets
from trainer.db import get_session
from trainer.domain.tracking import State
from trainer.drills.views import render_debrief
from trainer.forms import EmptyForm, choices
from trainer.i18n import localised
from trainer.models import Assignment, OnboardingRule, Role, Store, User
from trainer.security import roles, signed_in
from trainer.tracking import export, kept, matrix, notices, service
from trainer.tracking.forms import AssignForm, DueForm, RuleForm
from trainer.tracking.labels import (
    SORT_LABELS,
    SOURCE_LABELS,
    STATE_BADGES,
    STATE_LABELS,
    cell_badge,
    state_label,
)
from trainer.tracking.person import drill_run, overview, version_titles

bp = Blueprint("tracking", __name__)
OVERSIGHT = (Role.SUPERVISOR, Role.COMPLIANCE, Role.ADMIN)
PAGE_SIZE = 100


# Template helpers as globals, so macros imported without context can use them too.
for _name, _helper in {
    "state_label": state_label,
    "state_badge": STATE_BADGES.get,
    "cell_badge": cell_badge,
    "notice_text": notices.text_of,
}.items():
    bp.add_app_template_global(_helper, _name)


def _filters(session) -> dict:
    """The team page's filters from the query string; a store out of scope answers 404."""
    stores = {s.code: s for s in service.visible_stores(session, current_user)}
    code = request.args.get("store", "")
    if code and code not in stores:
        abort(404)
    status = request.args.get("status", "")
    sort = request.args.get("sort", "name")
    return {
        "store": code,
        "store_id": stores[code].id if code else None,
        "item": request.args.get("item", ""),
        "status": status if status in {s.value for s in State} else "",
        "sort": sort if sort in matrix.SORTS else "name",
        "stores": list(stores.values()),
    }


def _matrix(session, f: dict) -> matrix.Matrix:
    """The matrix for the current user with the page's filters (the page and its export)."""
    return matrix.build(
        session,
        current_user,
        store_id=f["store_id"],
        item_key=f["item"] or None,
        state=f["status"] or None,
        sort=f["sort"],
    )


def _query_args(f: dict) -> dict:
    return {k: f[k] for k in ("store", "item", "status", "sort") if f[k]}


@bp.route("/team")
@roles(*OVERSIGHT)
def team():
    """The supervisor's main page: staff × assigned items, filtered, sorted, counted."""
    session = get_session()
    f = _filters(session)
    if kept.refresh(session):
        session.commit()
    page = max(request.args.get("page", 1, type=int), 1)
    built, total = kept.page(
        session,
        current_user,
        number=page,
        size=PAGE_SIZE,
        store_id=f["store_id"],
        item_key=f["item"] or None,
        state=f["status"] or None,
        sort=f["sort"],
    )
    items = service.assignable_items(session)
    return render_template(
        "tracking/team.html",
        matrix=built,
        rows=built.rows,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        filters=f,
        args=_query_args(f),
        items=items,
        states=[(s.value, STATE_LABELS[s]) for s in State],
        sorts=SORT_LABELS,
    )


@bp.route("/team/export.<fmt>")
@roles(*OVERSIGHT)
def export_team(fmt: str):
    """The team matrix as CSV or XLSX, with the page's filters."""
    session = get_session()
    f = _filters(session)
    built = _matrix(session, f)
    return spreadsheets.download(fmt, "team", *export.matrix_table(built))


@bp.route("/team/attempts.<fmt>")
@roles(*OVERSIGHT)
def export_attempts(fmt: str):
    """Every attempt of the staff in view (store and item filters), as CSV or XLSX, streamed."""
    session = get_session()
    f = _filters(session)
    headers, rows = export.attempt_rows(current_user, f["store_id"], f["item"] or None)
    return spreadsheets.download(fmt, "attempts", headers, rows)


def _person_or_404(user_id: int) -> User:
    person = service.person_in_scope(get_session(), current_user, user_id)
    if person is None:
        abort(404)  # another store's person: nothing to probe for
    return person


@bp.route("/people/<int:user_id>")
@signed_in
def person(user_id: int):
    """Everything about one person; a cashier may open only their own."""
    return _person_page(_person_or_404(user_id))


@bp.route("/progress")
@signed_in
def mine():
    """The signed-in person's own page."""
    return _person_page(current_user)


@bp.route("/people/<int:user_id>/drills/<int:participant_id>")
@signed_in
def drill_debrief(user_id: int, participant_id: int):
    """The debrief of one of a person's finished drill runs, read-only (same scope as the
    person page: another store's person or run answers 404)."""
    person = _person_or_404(user_id)
    session = get_session()
    found = drill_run(session, person, participant_id)
    if found is None:
        abort(404)
    return render_debrief(session, *found, person=person, own=person.id == current_user.id)


def _person_page(person: User):
    session = get_session()
    data = overview(session, current_user, person)
    codes = {code for _ack, code in data.acknowledgements}
    return render_template(
        "tracking/person.html",
        data=data,
        own=person.id == current_user.id,
        can_assign=current_user.role in OVERSIGHT,
        titles=version_titles(session, codes),
        sources=SOURCE_LABELS,
    )


# --- assignments ------------------------------------------------------------------------------


def _assign_form(session) -> AssignForm:
    form = AssignForm()
    form.item.choices = choices(
        [(i.key, localised(i.title)) for i in service.assignable_items(session)]
    )
    people = session.execute(
        select(User.id, User.name, User.employee_no)
        .where(User.id.in_(service.staff_query(current_user)))
        .order_by(User.name)
    )
    form.people.choices = choices(
        [(uid, f"{name} ({number})" if number else name) for uid, name, number in people]
    )
    form.stores.choices = choices(
        [(s.id, f"{s.code} {s.name}") for s in service.visible_stores(session, current_user)]
    )
    return form


@bp.route("/assignments", methods=["GET", "POST"])
@roles(*OVERSIGHT)
def assignments():
    """Open assignments in scope, and the form to make new ones."""
    session = get_session()
    form = _assign_form(session)
    if request.method == "GET" and request.args.get("person", type=int):
        form.people.data = [request.args.get("person", type=int)]
    if form.validate_on_submit():
        try:
            people, stores = service.check_targets(
                session, current_user, form.people.data or [], form.stores.data or []
            )
            item = service.parse_item(session, form.item.data)
            made = service.assign(
                session, current_user, item, form.due_on.data, people=people, stores=stores
            )
        except service.TrackingError as exc:
            session.rollback()
            form.item.errors.append(exc.translated(_))
        else:
            session.commit()
            flash(_("Assigned (%(num)d).", num=len(made)), "success")
            return redirect(url_for("tracking.assignments"))
    query = service.assignments_query(current_user)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    rows = session.execute(
        query.add_columns(User.name, Store.code)
        .outerjoin(User, User.id == Assignment.user_id)
        .outerjoin(Store, Store.id == Assignment.store_id)
        .order_by(Assignment.due_on, Assignment.id)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    titles = {i.key: i.title for i in service.assignable_items(session)}
    return render_template(
        "tracking/assignments.html",
        form=form,
        rows=rows,
        page=page,
        pages=pages,
        total=total,
        titles=titles,
        sources=SOURCE_LABELS,
        actions=EmptyForm(),
    )


def _assignment_or_404(assignment_id: int) -> Assignment:
    found = service.assignment_in_scope(get_session(), current_user, assignment_id)
    if found is None:
        abort(404)
    return found


@bp.route("/assignments/<int:assignment_id>", methods=["GET", "POST"])
@roles(*OVERSIGHT)
def edit_assignment(assignment_id: int):
    """Move an assignment's due date."""
    session = get_session()
    assignment = _assignment_or_404(assignment_id)
    form = DueForm(obj=assignment)
    if form.validate_on_submit():
        try:
            service.change_due(session, current_user, assignment, form.due_on.data)
        except service.TrackingError as exc:
            form.due_on.errors.append(exc.translated(_))
        else:
            session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("tracking.assignments"))
    titles = {i.key: i.title for i in service.assignable_items(session)}
    return render_template(
        "tracking/assignment_form.html",
        form=form,
        assignment=assignment,
        title=titles.get(f"{assignment.kind}:{assignment.ref}", assignment.ref),
        person=session.get(User, assignment.user_id) if assignment.user_id else None,
        store=session.get(Store, assignment.store_id) if assignment.store_id else None,
    )


@bp.post("/assignments/<int:assignment_id>/cancel")
@roles(*OVERSIGHT)
def cancel_assignment(assignment_id: int):
    """Cancel an assignment."""
    session = get_session()
    service.cancel(session, current_user, _assignment_or_404(assignment_id))
    session.commit()
    flash(_("Assignment cancelled."), "success")
    return redirect(url_for("tracking.assignments"))


# --- onboarding rules -------------------------------------------------------------------------


@bp.route("/onboarding", methods=["GET", "POST"])
@roles(Role.ADMIN)
def onboarding():
    """Rules that assign a path to every new cashier."""
    session = get_session()
    form = RuleForm()
    items = service.assignable_items(session)
    form.items.choices = choices([(i.key, localised(i.title)) for i in items])
    stores = session.scalars(select(Store).order_by(Store.code)).all()
    form.store.choices = choices([(0, _("All stores"))] + [(s.id, s.code) for s in stores])
    if form.validate_on_submit():
        rule = OnboardingRule(
            name=form.name.data.strip(),
            items=[
                dict(zip(("kind", "ref"), key.split(":", 1), strict=True))
                for key in form.items.data
            ],
            due_days=form.due_days.data,
            store_id=form.store.data or None,
            created_by_id=current_user.id,
        )
        session.add(rule)
        session.flush()
        audit.record(
            session,
            "onboarding_rule.created",
            actor=current_user,
            target=rule,
            details={"items": form.items.data, "due_days": rule.due_days},
        )
        session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("tracking.onboarding"))
    rules = session.scalars(select(OnboardingRule).order_by(OnboardingRule.id)).all()
    return render_template(
        "tracking/onboarding.html",
        form=form,
        rules=rules,
        titles={i.key: i.title for i in items},
        store_codes={s.id: s.code for s in stores},
        actions=EmptyForm(),
    )


@bp.post("/onboarding/<int:rule_id>/toggle")
@roles(Role.ADMIN)
def toggle_rule(rule_id: int):
    """Switch an onboarding rule off (or on again); rules are kept for the record."""
    session = get_session()
    rule = session.get(OnboardingRule, rule_id) or abort(404)
    rule.active = not rule.active
    audit.record(
        session,
        "onboarding_rule.changed",
        actor=current_user,
        target=rule,
        details={"active": rule.active},
    )
    session.commit()
    return redirect(url_for("tracking.onboarding"))


# --- notices ----------------------------------------------------------------------------------


@bp.post("/notices/read")
@signed_in
def read_notices():
    """Mark every notice read (the header count goes back to zero)."""
    session = get_session()
    notices.mark_all_read(session, current_user)
    session.commit()
    return redirect(url_for("main.home"))
