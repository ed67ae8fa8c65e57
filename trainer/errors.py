"""Error pages in the user's language; no traceback ever reaches a browser."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError


def _wants_json() -> bool:
    # The attempt page's autosave sends X-Requested-With: fetch and reads JSON back.
    return (
        request.path.startswith("/api/")
        or request.headers.get("X-Requested-With") == "fetch"
        or request.accept_mimetypes.best == "application/json"
    )


def _render(status: int, name: str, description: str | None = None):
    if _wants_json():
        return {"error": name, "status": status, "message": description or name}, status
    return render_template("errors/error.html", status=status, description=description), status


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
    """Anything unexpected: log it, show a plain 500 page."""
    from flask import current_app

    current_app.logger.exception("unhandled error on %s", request.path)
    return _render(500, InternalServerError.name)


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(Exception, handle_unexpected)
