"""Home page, language switcher and health check."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, session, url_for
from flask_login import current_user
from sqlalchemy import text

from trainer.auth.forms import LanguageForm
from trainer.db import get_session
from trainer.security import public, safe_next, signed_in

bp = Blueprint("main", __name__)


@bp.route("/")
@signed_in
def home():
    """A role-aware start page."""
    from trainer.main.dashboard import home_context

    return render_template("main/home.html", **home_context(current_user))


@bp.post("/language")
@public
def set_language():
    """Switch the interface language; saved in the profile when signed in."""
    form = LanguageForm()
    if form.validate_on_submit():
        session["lang"] = form.language.data
        if current_user.is_authenticated:
            current_user.language = form.language.data
            get_session().commit()
    return redirect(safe_next(form.next.data, url_for("main.home")))


@bp.route("/healthz")
@public
def health():
    """Liveness and database check for load balancers."""
    get_session().execute(text("SELECT 1"))
    return {"status": "ok"}
