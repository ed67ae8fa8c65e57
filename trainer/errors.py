"""Error pages in the user's language; no traceback ever reaches a browser."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from werkzeug.exceptions import HTTPException, InternalServerError

#: The last resort when even the error page fails: no template, no database.
BARE_PAGE = (
    '<!doctype html><html lang="en"><meta charset="utf-8"><title>{status}</title>'
    "<h1>{status} {name}</h1><p>Please try again in a moment.</p></html>"
)


def _wants_json() -> bool:
    # The attempt page's autosave sends X-Requested-With: fetch and reads JSON back.
    return (
        request.path.startswith("/api/")
        or request.headers.get("X-Requested-With") == "fetch"
        or request.accept_mimetypes.best == "application/json"
    )


def _render(status: int, name: str, description: object = None):
    # str(): a description may be any object (a lazy string, a dict …); the answer must not fail.
    name, description = str(name), (str(description) if description else None)
    if _wants_json():
        return {"error": name, "status": status, "message": description or name}, status
    try:
        return render_template("errors/error.html", status=status, description=description), status
    except Exception:  # the page itself failed (its database session is broken …)
        from flask import current_app

        current_app.logger.exception("the error page failed on %s", request.path)
        return BARE_PAGE.format(status=status, name=escape(name)), status


def handle_http(exc: HTTPException):
    """403, 404, 405, 413, 429 … as a page (or JSON under /api/)."""
    return _render(exc.code or 500, exc.name, exc.description)


def handle_csrf(exc: CSRFError):
    """A missing or stale CSRF token: say so and let the user reload."""
    from flask_babel import gettext as _

    if _wants_json():
        return {
            "ok": False,
            "error": "csrf",
            "status": 400,
            "message": _("This form has expired. Reload the page; your saved answers stay."),
        }, 400
    return _render(400, "CSRF", "csrf")


def handle_unexpected(exc: Exception):
    """Anything unexpected: log it, show a plain 500 page.

    The request's database session is rolled back first: after a failed statement
    (PendingRollbackError) the page's own queries (the signed-in user …) would fail again.
    """
    from flask import current_app, g

    current_app.logger.exception("unhandled error on %s", request.path)
    session = g.get("db_session")
    if session is not None:
        try:
            session.rollback()
        except Exception:
            current_app.logger.exception("rollback after an error failed")
    return _render(500, InternalServerError.name)


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(Exception, handle_unexpected)
