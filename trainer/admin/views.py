"""Administration: accounts, stores and the staff roster import."""

from __future__ import annotations

import base64
import binascii
import csv
import io
from dataclasses import asdict

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
from flask_login import current_user
from sqlalchemy import func, or_, select

from trainer import audit
from trainer.admin import handouts
from trainer.admin.forms import RosterConfirmForm, RosterUploadForm, StoreForm, UserForm
from trainer.admin.service import (
    AccountError,
    apply_roster,
    check_stores_for_role,
    create_user,
    plan_roster,
    reset_password,
    roster_conflicts,
    set_active,
    username_taken,
)
from trainer.db import get_session, paginate
from trainer.domain.messages import N_
from trainer.domain.roster import parse_roster
from trainer.forms import EmptyForm, choices
from trainer.i18n import current_language
from trainer.models import Role, Store, User
from trainer.security import roles
from trainer.spreadsheets import safe_cell

bp = Blueprint("admin", __name__, url_prefix="/admin")
PAGE_SIZE = 50


def _user_or_404(user_id: int) -> User:
    user = get_session().get(User, user_id)
    if user is None:
        abort(404)
    return user


def _store_choices():
    stores = get_session().scalars(select(Store).order_by(Store.code))
    return choices((str(s.id), f"{s.code} — {s.name}") for s in stores)


@bp.route("/users")
@roles(Role.ADMIN)
def users():
    """All accounts, searchable, with filters for role, store and status."""
    session = get_session()
    query = select(User).order_by(User.active.desc(), User.username)
    q = request.args.get("q", "").strip()
    if q:
        like = f"%{q.lower()}%"
        query = query.where(
            or_(
                func.lower(User.username).like(like),
                func.lower(User.name).like(like),
                func.lower(User.employee_no).like(like),
            )
        )
    role = request.args.get("role")
    if role in {r.value for r in Role}:
        query = query.where(User.role == Role(role))
    found = paginate(session, query, request.args.get("page", 1, type=int), PAGE_SIZE)
    return render_template(
        "admin/users.html",
        users=found.items,
        q=q,
        role=role,
        page=found.page,
        total=found.total,
        pages=found.pages,
        form=EmptyForm(),
    )


@bp.route("/users/new", methods=["GET", "POST"])
@roles(Role.ADMIN)
def new_user():
    """Create an account with a one-time password to hand over."""
    form = UserForm()
    form.stores.choices = _store_choices()
    if form.validate_on_submit():
        session = get_session()
        stores = [session.get(Store, sid) for sid in form.stores.data]
        try:
            new = create_user(
                session,
                username=form.username.data.strip(),
                name=form.name.data.strip(),
                role=Role(form.role.data),
                stores=[s for s in stores if s is not None],
                language=form.language.data or None,
                employee_no=(form.employee_no.data or "").strip() or None,
                actor=current_user,
            )
        except AccountError as exc:
            form.username.errors.append(exc.translated(_))
        else:
            new.user.email = (form.email.data or "").strip() or None
            session.commit()
            return render_template(
                "admin/password_issued.html", user=new.user, password=new.password, created=True
            )
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def edit_user(user_id: int):
    """Change an account's name, role, stores and language."""
    session = get_session()
    user = _user_or_404(user_id)
    form = UserForm(obj=user)
    form.stores.choices = _store_choices()
    if request.method == "GET":
        form.stores.data = [s.id for s in user.stores]
        form.role.data = user.role.value
        form.language.data = user.language or ""
    if form.validate_on_submit():
        stores = [s for s in (session.get(Store, sid) for sid in form.stores.data) if s]
        role = Role(form.role.data)
        try:
            if username_taken(session, form.username.data.strip(), except_id=user.id):
                raise AccountError(
                    N_("the username %(name)s is taken"), name=repr(form.username.data.strip())
                )
            check_stores_for_role(role, stores)
            if user.id == current_user.id and role is not Role.ADMIN:
                raise AccountError(N_("you cannot remove your own administrator role"))
        except AccountError as exc:
            form.role.errors.append(exc.translated(_))
        else:
            before = {"role": user.role.value, "stores": sorted(s.code for s in user.stores)}
            user.username = form.username.data.strip()
            user.name = form.name.data.strip()
            user.employee_no = (form.employee_no.data or "").strip() or None
            user.email = (form.email.data or "").strip() or None
            user.role, user.stores = role, stores
            user.language = form.language.data or None
            audit.record(
                session,
                "user.updated",
                actor=current_user,
                target=user,
                details={
                    "before": before,
                    "role": role.value,
                    "stores": sorted(s.code for s in stores),
                },
            )
            session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user, actions=EmptyForm())


@bp.post("/users/<int:user_id>/reset-password")
@roles(Role.ADMIN)
def reset_user_password(user_id: int):
    """Issue a temporary password the user must change at next sign-in."""
    user = _user_or_404(user_id)
    password = reset_password(get_session(), user, actor=current_user)
    get_session().commit()
    return render_template(
        "admin/password_issued.html", user=user, password=password, created=False
    )


@bp.post("/users/<int:user_id>/active")
@roles(Role.ADMIN)
def toggle_active(user_id: int):
    """Deactivate or reactivate an account."""
    user = _user_or_404(user_id)
    try:
        set_active(get_session(), user, not user.active, actor=current_user)
    except AccountError as exc:
        flash(exc.translated(_), "error")
    else:
        get_session().commit()
        flash(_("Account activated.") if user.active else _("Account deactivated."), "success")
    return redirect(url_for("admin.users"))


@bp.route("/stores", methods=["GET", "POST"])
@roles(Role.ADMIN)
def stores():
    """List stores and add one."""
    session = get_session()
    form = StoreForm()
    if form.validate_on_submit():
        code = form.code.data.strip()
        if session.scalar(select(Store.id).where(Store.code == code)):
            form.code.errors.append(_("A store with this code exists."))
        else:
            store = Store(code=code, name=form.name.data.strip(), active=form.active.data)
            session.add(store)
            session.flush()
            audit.record(session, "store.created", actor=current_user, target=store)
            session.commit()
            flash(_("Store added."), "success")
            return redirect(url_for("admin.stores"))
    rows = session.scalars(select(Store).order_by(Store.code)).all()
    return render_template("admin/stores.html", stores=rows, form=form)


@bp.route("/stores/<int:store_id>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def edit_store(store_id: int):
    """Rename or (de)activate a store."""
    session = get_session()
    store = session.get(Store, store_id) or abort(404)
    form = StoreForm(obj=store)
    if form.validate_on_submit():
        code = form.code.data.strip()
        if session.scalar(select(Store.id).where(Store.code == code, Store.id != store.id)):
            form.code.errors.append(_("A store with this code exists."))
        else:
            store.code, store.name, store.active = code, form.name.data.strip(), form.active.data
            audit.record(session, "store.updated", actor=current_user, target=store)
            session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("admin.stores"))
    return render_template("admin/store_form.html", form=form, store=store)


def _check_roster(data: bytes):
    session = get_session()
    known = set(session.scalars(select(Store.code)))
    rows, problems = parse_roster(data, known_stores=known)
    messages = [p.translated(_) for p in problems]
    plan = plan_roster(session, rows) if not problems else []
    messages += [p.translated(_) for p in roster_conflicts(session, plan, actor=current_user)]
    return plan, messages


@bp.route("/roster", methods=["GET", "POST"])
@roles(Role.ADMIN)
def roster():
    """Upload a roster CSV: preview every row and every problem; nothing is imported yet."""
    form = RosterUploadForm()
    if form.validate_on_submit():
        data = form.file.data.read()
        plan, problems = _check_roster(data)
        confirm = RosterConfirmForm(roster=base64.b64encode(data).decode())
        return render_template(
            "admin/roster_preview.html",
            plan=plan,
            problems=problems,
            confirm=confirm,
            filename=form.file.data.filename,
        )
    return render_template("admin/roster.html", form=form)


@bp.post("/roster/import")
@roles(Role.ADMIN)
def roster_import():
    """Import a previewed roster: all rows, or none when any row is bad."""
    form = RosterConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        data = base64.b64decode(form.roster.data, validate=True)
    except (binascii.Error, ValueError):
        abort(400)
    plan, problems = _check_roster(data)
    if problems:  # the database changed since the preview
        return render_template(
            "admin/roster_preview.html", plan=[], problems=problems, confirm=None, filename=None
        ), 422
    session = get_session()
    try:
        results = apply_roster(session, plan, actor=current_user)
    except AccountError as exc:
        session.rollback()
        return render_template(
            "admin/roster_preview.html",
            plan=[],
            problems=[exc.translated(_)],
            confirm=None,
            filename=None,
        ), 422
    session.commit()
    token = _hand_out_passwords(session, results)
    return render_template(
        "admin/roster_done.html",
        results=results,
        handout=token,
        formats=handouts.available(current_app.instance_path, token, current_user.id)
        if token
        else [],
    )


def _hand_out_passwords(session, results) -> str | None:
    """Keep the new accounts' one-time passwords for one download of each format."""
    new = [r for r in results if r.password]
    if not new:
        return None
    names = dict(session.execute(select(Store.code, Store.name)).all())
    slips = [
        handouts.Slip(
            name=r.row.name,
            stores=", ".join(names.get(code, code) for code in r.row.stores),
            username=r.row.username,
            password=r.password,
        )
        for r in new
    ]
    token = handouts.create(current_app.instance_path, current_user.id, slips)
    audit.record(
        session, "roster.passwords_kept", actor=current_user, details={"people": len(slips)}
    )
    session.commit()
    return token


@bp.get("/roster/handouts/<token>.<fmt>")
@roles(Role.ADMIN)
def roster_handout(token: str, fmt: str):
    """The one-time passwords of a roster import, once as CSV and once as printable slips."""
    slips = handouts.take(current_app.instance_path, token, current_user.id, fmt)
    if slips is None:
        flash(
            _(
                "One-time passwords can be downloaded once in each format, within an hour of "
                "the import. This file was downloaded already or has expired: reset the "
                "password of anyone who still needs one under Accounts."
            ),
            "error",
        )
        return redirect(url_for("admin.roster"))
    session = get_session()
    audit.record(
        session,
        "roster.passwords_downloaded",
        actor=current_user,
        details={"format": fmt, "people": len(slips)},
    )
    session.commit()
    sign_in = current_app.config["BASE_URL"].rstrip("/") + url_for("auth.login")
    if fmt == "csv":
        body = _slips_csv(slips, sign_in)
        mimetype, name = "text/csv", "one-time-passwords.csv"
    else:
        from trainer import pdf

        body = pdf.render_signin_slips(
            [asdict(s) for s in slips],
            lang=current_language(),
            site=current_app.config["SITE_NAME"],
            url=sign_in,
        )
        mimetype, name = "application/pdf", "sign-in-slips.pdf"
    return Response(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


def _slips_csv(slips: list[handouts.Slip], sign_in: str) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(
        [_("Name"), _("Stores"), _("Username"), _("One-time password"), _("Sign in at")]
    )
    for slip in slips:
        writer.writerow(
            [safe_cell(slip.name), safe_cell(slip.stores), slip.username, slip.password, sign_in]
        )
    # With a byte-order mark, Excel opens UTF-8 (Chinese names) correctly.
    return out.getvalue().encode("utf-8-sig")


@bp.route("/api-clients", methods=["GET", "POST"])
@roles(Role.ADMIN)
def api_clients():
    """API clients: create one (its token is shown once) or revoke one."""
    from trainer.api.tokens import create_client
    from trainer.models import ApiClient

    session = get_session()
    form = EmptyForm()
    token = None
    if request.method == "POST" and form.validate_on_submit():
        name = request.form.get("name", "").strip()
        if not name:
            flash(_("Give the client a name, e.g. the system that will use it."), "error")
        else:
            _client, token = create_client(session, name, actor=current_user)
            session.commit()
    clients = session.scalars(select(ApiClient).order_by(ApiClient.created_at.desc())).all()
    return render_template(
        "admin/api_clients.html",
        clients=clients,
        form=form,
        token=token,
        base_url=current_app.config["BASE_URL"],
    )


@bp.post("/api-clients/<int:client_id>/revoke")
@roles(Role.ADMIN)
def revoke_api_client(client_id: int):
    """Stop an API client's token from working."""
    from trainer.api.tokens import revoke_client
    from trainer.models import ApiClient

    session = get_session()
    client = session.get(ApiClient, client_id)
    if client is None:
        abort(404)
    revoke_client(session, client, actor=current_user)
    session.commit()
    flash(_("Token revoked."), "success")
    return redirect(url_for("admin.api_clients"))
