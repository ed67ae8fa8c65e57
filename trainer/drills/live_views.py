"""Live store drills for supervisors: open a lobby, show the join code, lead it, the board.

The board polls ``board.json``; every request reads the drill from the database, so the page
works through a plain reverse proxy and with several app servers.
"""

from __future__ import annotations

import segno
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import undefer
from sqlalchemy.orm.exc import StaleDataError

from trainer.db import get_session
from trainer.drills import live, service
from trainer.drills.views import sync
from trainer.forms import EmptyForm
from trainer.models import DrillRun, Role
from trainer.security import roles

bp = Blueprint("live_drills", __name__)

LEADERS = (Role.SUPERVISOR, Role.ADMIN)


def _run_or_404(run_id: int) -> DrillRun:
    # The board lists the absentees: read the roster with the run rather than a query later.
    run = get_session().get(DrillRun, run_id, options=[undefer(DrillRun.roster)])
    # Another store's drill answers 404, like one that does not exist.
    if run is None or not live.can_manage(current_user, run):
        abort(404)
    return run


@bp.route("/drills/live/")
@roles(*LEADERS)
def live_index():
    """Open a live drill for one of the user's stores; recent live drills."""
    session = get_session()
    stores = live.manageable_stores(session, current_user)
    ids = [store.id for store in stores]
    runs = session.scalars(
        select(DrillRun)
        .where(DrillRun.mode == "live", DrillRun.store_id.in_(ids))
        .order_by(DrillRun.created_at.desc())
        .limit(20)
    ).all()
    return render_template(
        "drills/live_index.html",
        drills=service.active_drills(session),
        stores=stores,
        runs=runs,
        form=EmptyForm(),
    )


@bp.post("/drills/live/new")
@roles(*LEADERS)
def live_new():
    """Open the lobby of a live drill for a store the user leads."""
    session = get_session()
    drill = service.drill_by_slug(session, request.form.get("drill", ""))
    store_id = request.form.get("store", type=int)
    store = next(
        (s for s in live.manageable_stores(session, current_user) if s.id == store_id), None
    )
    if drill is None or store is None:
        flash(_("Choose a drill and one of your stores."), "error")
        return redirect(url_for("live_drills.live_index"))
    run = live.create_live(session, current_user, drill, store)
    session.commit()
    return redirect(url_for("live_drills.board", run_id=run.id))


def _qr_data_uri(url: str) -> str:
    # make_qr, not make: segno would pick a Micro QR for short data, which phones cannot read.
    return segno.make_qr(url, error="m").svg_data_uri(scale=6, border=2)


@bp.route("/drills/live/<int:run_id>")
@roles(*LEADERS)
def board(run_id: int):
    """The join code and QR code, the controls and the live board (the record once ended)."""
    session = get_session()
    run = _run_or_404(run_id)
    sync(session, run)
    # The public address (TRAINER_BASE_URL), as on certificates: behind a proxy the request's
    # own host may be an internal one that phones cannot reach.
    join_url = current_app.config["BASE_URL"].rstrip("/") + url_for(
        "drills.join_form", code=run.join_code
    )
    return render_template(
        "drills/board.html",
        run=run,
        drill=service.definition(run),
        board=live.board(session, run),
        join_url=join_url,
        qr=_qr_data_uri(join_url) if run.status == "lobby" else None,
        form=EmptyForm(),
    )


@bp.get("/drills/live/<int:run_id>/board.json")
@roles(*LEADERS)
def board_json(run_id: int):
    """The board as JSON, for the page's polling."""
    session = get_session()
    run = _run_or_404(run_id)
    sync(session, run)
    data = live.board(session, run)
    response = jsonify(
        {
            "status": data.status,
            "round": data.round,
            "seconds_left": data.steps_seconds_left,
            "rows": [row.__dict__ for row in data.rows],
            "absentees": data.absentees,
            "joined": len(data.rows),
            "finished": sum(1 for row in data.rows if row.state == "finished"),
        }
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _control(run_id: int, action) -> object:
    session = get_session()
    run = _run_or_404(run_id)
    try:
        if action(session, run):
            session.commit()
    except (StaleDataError, IntegrityError):
        session.rollback()  # a participant's request moved it on at the same moment
    return redirect(url_for("live_drills.board", run_id=run_id))


@bp.post("/drills/live/<int:run_id>/start")
@roles(*LEADERS)
def live_start(run_id: int):
    """Start the drill: everyone who joined gets the first step now."""
    return _control(run_id, lambda session, run: live.start(session, run))


@bp.post("/drills/live/<int:run_id>/next")
@roles(*LEADERS)
def live_next(run_id: int):
    """End the current step for everyone now (who has not answered has missed it)."""
    return _control(
        run_id, lambda session, run: run.status == "running" and live.advance(session, run)
    )


def _end(session, run) -> bool:
    if run.status == "finished":
        return False
    live.finish(session, run)
    return True


@bp.post("/drills/live/<int:run_id>/end")
@roles(*LEADERS)
def live_end(run_id: int):
    """End the drill now; the board becomes the drill record."""
    return _control(run_id, _end)
