"""Sign in, sign out, password change and the user's own profile."""

from __future__ import annotations

import functools
import secrets

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from trainer import audit
from trainer.auth.forms import ChangePasswordForm, LoginForm, ProfileForm
from trainer.auth.passwords import MIN_LENGTH, password_problem
from trainer.db import get_session, utcnow
from trainer.extensions import limiter
from trainer.models import Role, User, people
from trainer.security import public, roles, safe_next, signed_in

bp = Blueprint("auth", __name__)


@functools.cache
def _dummy_hash(method: str) -> str:
    """A hash checked when the username is unknown, made like real ones (same method and
    cost), so an unknown username takes as long to refuse as a wrong password."""
    return generate_password_hash(secrets.token_hex(16), method=method)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _username_key() -> str:
    return "login-user:" + (request.form.get("username") or "").strip().lower()


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_username_key)
@public
def login():
    """Sign in; the same message for a wrong password and an unknown or inactive user."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        session = get_session()
        username = form.username.data.strip()
        user = session.scalar(select(User).where(func.lower(User.username) == username.lower()))
        if user is None:
            check_password_hash(_dummy_hash(people.PASSWORD_METHOD), form.password.data)
        # The hash is checked for a deactivated account too: answering it sooner would tell
        # which usernames exist.
        elif user.check_password(form.password.data) and user.active:
            login_user(user)
            user.last_login_at = utcnow()
            audit.record(session, "user.login", actor=user, target=user)
            session.commit()
            if user.must_change_password:
                return redirect(url_for("auth.change_password"))
            # A supervisor's main page is their team (the start page stays in the menu).
            landing = "tracking.team" if user.role is Role.SUPERVISOR else "main.home"
            return redirect(safe_next(form.next.data, url_for(landing)))
        # Every failed sign-in is evidence (guessing, a locked-out cashier); the same write
        # whatever the reason, so it tells nothing by its timing either.
        audit.record(
            session,
            "user.login_failed",
            target=user,
            details={"username": username[:80], "known": user is not None},
        )
        session.commit()
        flash(_("Wrong username or password."), "error")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@roles(*Role, before_password_change=True)
def logout():
    """Sign out (a POST with a CSRF token, so no link can sign someone out).

    The session cookie is signed, not stored, so clearing it in this browser is not enough:
    the user's session version moves on, and a copy of the cookie taken before no longer
    signs anyone in. This ends the user's other sessions too (a shared till PC: the safe side).
    """
    session = get_session()
    user = current_user._get_current_object()
    user.session_version += 1
    audit.record(session, "user.logout", actor=user, target=user)
    session.commit()
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@roles(*Role, before_password_change=True)
def change_password():
    """Change one's password; required on first sign-in for accounts an admin created."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        problem = password_problem(form.new.data, user.username, [user.name])
        if not user.check_password(form.current.data):
            form.current.errors.append(_("This is not your current password."))
        elif form.new.data == form.current.data:
            form.new.errors.append(_("Choose a password different from the current one."))
        elif problem:
            form.new.errors.append(problem)
        else:
            session = get_session()
            user.set_password(form.new.data)
            user.must_change_password = False
            audit.record(session, "user.password_changed", actor=user, target=user)
            session.commit()
            login_user(user)  # the session version changed: keep this browser signed in
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("main.home"))
    return render_template("auth/change_password.html", form=form, min_length=MIN_LENGTH)


@bp.route("/profile", methods=["GET", "POST"])
@signed_in
def profile():
    """The user's own settings (language)."""
    user = current_user._get_current_object()
    form = ProfileForm(obj=user)
    if form.validate_on_submit():
        user.language = form.language.data
        get_session().commit()
        flash(_("Saved."), "success")
        return redirect(url_for("auth.profile"))
    from trainer.models import Certificate

    certificates = (
        get_session()
        .scalars(
            select(Certificate)
            .where(Certificate.user_id == user.id)
            .order_by(Certificate.issued_at.desc())
            .limit(5)
        )
        .all()
    )
    return render_template("auth/profile.html", form=form, user=user, certificates=certificates)
