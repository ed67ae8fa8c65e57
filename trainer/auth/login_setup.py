"""Flask-Login wiring: load the user from the session cookie's "id:version" identity."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select

from trainer.db import get_session
from trainer.extensions import login_manager
from trainer.models import User

# Built once: every signed-in request runs it, and Session.get builds its query each time.
_USER_BY_ID = select(User).where(User.id == bindparam("user_id"))


@login_manager.user_loader
def load_user(identity: str) -> User | None:
    """The active user whose id and session version match, else None (signed out)."""
    user_id, _, version = identity.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = get_session().scalar(_USER_BY_ID, {"user_id": int(user_id)})
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def init_app(app: Flask) -> None:
    """Bind Flask-Login; anonymous visitors are sent to the sign-in page."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to open this page.")
    # "basic", not "strong": a phone moving from Wi-Fi to mobile data must stay signed in.
    login_manager.session_protection = "basic"
