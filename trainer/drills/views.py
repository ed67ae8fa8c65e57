"""Drills for every signed-in person: the list, solo practice, joining a live drill, the steps.

The step page and its JSON state serve both modes; a participant id that is not the
signed-in person's own answers 404, so nobody can look at or answer for someone else.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from trainer.certificates.service import check_and_issue
from trainer.courses.service import manual_links
from trainer.db import get_session
from trainer.domain.questions.terminal import brief
from trainer.drills import live, service
from trainer.forms import EmptyForm
from trainer.i18n import current_language
from trainer.security import signed_in
from trainer.simulator import service as simulator

bp = Blueprint("drills", __name__)

MESSAGES = {  # lazy: shown in the reader's language
    "stale": _l("That step is over; here is where the drill is now."),
    "invalid": _l("Choose an answer (for an ordering, give each action a different place)."),
    "unknown": _l("No drill with that code is open in your store. Check the code on the screen."),
    "started": _l("This drill has already started; ask your supervisor to start another."),
    "busy": _l("Your answer arrived at the same time as another; here is where the drill is now."),
}


def _own_or_404(participant_id: int):
    found = service.own_participant(get_session(), participant_id, current_user)
    if found is None:
        abort(404)
    return found


def _current(participant_id: int):
    """(session, run, participant, position) of the signed-in person's own participation."""
    session = get_session()
    run, participant = _own_or_404(participant_id)
    sync(session, run, participant)
    return session, run, participant, service.position(run, participant)


def sync(session, run, participant=None) -> None:
    """Apply deadlines that passed (solo steps, live rounds) and commit; safe to repeat."""
    now = service.clock()
    try:
        changed = participant is not None and service.catch_up(run, participant, now)
        if run.mode == "live" and live.due(run, now):
            if live.advance(session, run, now):
                changed = True
            else:
                # Another request moved it on: end our attempt (on SQLite it holds the write
                # lock) and read where the drill is now. Live runs have no catch-up changes.
                session.rollback()
                session.refresh(run)
        if changed:
            session.commit()
    except (StaleDataError, IntegrityError):
        # Another request moved the same drill on first: read what it wrote.
        session.rollback()
        session.refresh(run)
        if participant is not None:
            session.refresh(participant)


def _state(run, participant, where) -> dict:
    return {
        "status": where.status,
        "number": where.number,
        "round": run.round,
        "run_status": run.status,
        "seconds_left": where.seconds_left(service.clock()),
        "key": f"{run.status}:{run.round}:{where.status}:{where.number}",
    }


@bp.route("/drills/")
@signed_in
def index():
    """Drills to practise, the user's recent results, and the join form."""
    session = get_session()
    return render_template(
        "drills/index.html",
        drills=service.active_drills(session),
        results=service.person_results(session, current_user.id, limit=20),
        form=EmptyForm(),
    )


@bp.post("/drills/<slug>/practice")
@signed_in
def practice(slug: str):
    """Start a solo practice run of a drill."""
    session = get_session()
    drill = service.drill_by_slug(session, slug)
    if drill is None:
        abort(404)
    participant = service.start_solo(session, current_user, drill)
    session.commit()
    return redirect(url_for("drills.play", participant_id=participant.id))


@bp.get("/drills/join")
@signed_in
def join_form():
    """The join form (a QR code opens it with the code filled in)."""
    code = request.args.get("code", "")[:20]
    return render_template("drills/join.html", code=code, form=EmptyForm())


@bp.post("/drills/join")
@signed_in
def join():
    """Join a live drill of one's own store by its code."""
    session = get_session()
    try:
        participant = live.join(session, current_user, request.form.get("code", "")[:20])
        session.commit()
    except live.JoinRefused as exc:
        session.rollback()
        flash(str(MESSAGES[str(exc)]), "error")
        return redirect(url_for("drills.join_form"))
    except IntegrityError:  # the same person joining twice at once: the other request won
        session.rollback()
        participant = live.join(session, current_user, request.form.get("code", "")[:20])
    return redirect(url_for("drills.play", participant_id=participant.id))


@bp.get("/drills/play/<int:participant_id>")
@signed_in
def play(participant_id: int):
    """The current step (or the lobby, the wait for others, or the debrief)."""
    session, run, participant, where = _current(participant_id)
    drill = service.definition(run)
    if where.status == "finished":
        return _debrief(session, run, participant, drill)
    step = where.step
    options = service.shown_options(participant, step) if step else []
    terminal = None
    if step is not None and step.kind == "terminal":
        lang = current_language()
        sim_run = simulator.drill_run(session, current_user, participant.id, step, create=False)
        terminal = {
            "brief": brief(step.scenario, lang),
            "view": simulator.view_of(step.scenario, sim_run.actions if sim_run else [], lang),
        }
    links = manual_links(session, [where.step.manual], current_language()) if where.step else {}
    return render_template(
        "drills/play.html",
        run=run,
        drill=drill,
        participant=participant,
        where=where,
        options=options,
        terminal=terminal,
        links=links,
        state=_state(run, participant, where),
        seconds_left=where.seconds_left(service.clock()),
    )


def _debrief(session, run, participant, drill):
    if participant.passed and drill.course:
        certificate = check_and_issue(session, current_user, course_code=drill.course)
        if certificate is not None:
            flash(
                _(
                    "Congratulations! Your certificate %(serial)s has been issued.",
                    serial=certificate.serial,
                ),
                "success",
            )
    return render_debrief(session, run, participant)


def render_debrief(session, run, participant, **extra):
    """The debrief page of a finished run (also the read-only one of the tracking pages)."""
    steps = service.debrief(run, participant)
    links = manual_links(session, [s.step.manual for s in steps], current_language())
    return render_template(
        "drills/debrief.html",
        run=run,
        drill=service.definition(run),
        participant=participant,
        steps=steps,
        critical=[s for s in steps if s.harm],
        links=links,
        **extra,
    )


@bp.get("/drills/play/<int:participant_id>/state.json")
@signed_in
def state(participant_id: int):
    """Where the participant is; the page polls this and reloads when it changes."""
    _session, run, participant, where = _current(participant_id)
    data = _state(run, participant, where)
    if where.step is not None:
        # Opaque tokens in the order shown (no texts, nothing that says which is right).
        data["choices"] = [token for token, _text in service.shown_options(participant, where.step)]
        data["kind"] = where.step.kind
    response = jsonify(data)
    response.headers["Cache-Control"] = "no-store"
    return response


def _order_from_form() -> list[str] | None:
    ranks = {}
    for key, value in request.form.items():
        if key.startswith("rank-"):
            try:
                ranks[key.removeprefix("rank-")] = int(value)
            except ValueError:
                return None
    if sorted(ranks.values()) != list(range(1, len(ranks) + 1)):
        return None
    return sorted(ranks, key=ranks.__getitem__)


@bp.post("/drills/play/<int:participant_id>")
@signed_in
def answer(participant_id: int):
    """Record the answer to the current step (late answers count as missed)."""
    session = get_session()
    run, participant = _own_or_404(participant_id)
    sync(session, run, participant)
    number = request.form.get("number", type=int) or 0
    where = service.position(run, participant)
    terminal = None
    if where.step is not None and where.step.kind == "terminal" and where.number == number:
        terminal = simulator.drill_result(session, current_user, participant.id, where.step)
    try:
        service.submit_answer(
            run,
            participant,
            number=number,
            choice_token=request.form.get("choice"),
            order=_order_from_form(),
            now=service.clock(),
            terminal=terminal,
        )
        session.commit()
    except (service.AnswerRefused, StaleDataError) as exc:
        session.rollback()
        reason = str(exc) if isinstance(exc, service.AnswerRefused) else "busy"
        if request.headers.get("X-Requested-With") == "fetch":
            return jsonify({"ok": False, "reason": reason, "message": str(MESSAGES[reason])}), 409
        flash(str(MESSAGES[reason]), "error")
        return redirect(url_for("drills.play", participant_id=participant_id))
    if run.mode == "live":
        try:
            if live.advance_if_everyone_answered(session, run):
                session.commit()
            else:
                session.rollback()  # nothing to keep; ends a claim that lost to another
        except (StaleDataError, IntegrityError):
            session.rollback()  # someone else moved the round on; the next poll shows it
    if request.headers.get("X-Requested-With") == "fetch":
        return jsonify({"ok": True})
    return redirect(url_for("drills.play", participant_id=participant_id))
