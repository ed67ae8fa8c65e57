"""Free practice on the terminal simulator: the list, a run, its key presses, debrief, replay.

Only a run's owner presses keys or reads its debrief (another person's run id answers 404);
the owner's supervisors, compliance and admins may replay it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from trainer.courses.importer import content_root
from trainer.courses.service import manual_links
from trainer.db import get_session
from trainer.domain.questions.terminal import SCENARIO_KEY, brief, text
from trainer.drills import service as drills
from trainer.extensions import limiter
from trainer.forms import EmptyForm
from trainer.i18n import current_language
from trainer.models import SimRun
from trainer.quizzes import service as quizzes
from trainer.security import signed_in
from trainer.simulator import service
from trainer.simulator.keys import key_label, keypad

bp = Blueprint("simulator", __name__, url_prefix="/practice/terminal")


def _key_limit() -> str:
    return current_app.config["SIMULATOR_KEY_RATE_LIMIT"]


def _per_user() -> str:
    return f"simulator-key:{current_user.id}"


def _scenarios() -> dict[str, dict]:
    return service.scenarios(content_root(current_app))


def _own_run_or_404(run_id: int):
    run = service.own_practice_run(get_session(), run_id, current_user)
    if run is None:
        abort(404)  # another person's run: nothing to probe for
    return run


@bp.get("/")
@signed_in
def index():
    """The scenarios in the reader's language, with the learner's best result for each."""
    lang = current_language()
    best = service.best_results(get_session(), current_user.id)
    items = [
        {"id": sid, "brief": brief(s, lang), "best": best.get(sid)}
        for sid, s in sorted(_scenarios().items(), key=lambda kv: text(kv[1]["title"], lang))
    ]
    return render_template("simulator/index.html", items=items, form=EmptyForm())


@bp.post("/<scenario_id>/start")
@signed_in
def start(scenario_id: str):
    """Start a practice run of a scenario."""
    scenario = _scenarios().get(scenario_id)
    if scenario is None:
        abort(404)
    session = get_session()
    run = service.start_run(session, current_user, scenario)
    session.commit()
    return redirect(url_for("simulator.run", run_id=run.id))


@bp.get("/runs/<int:run_id>")
@signed_in
def run(run_id: int):
    """The terminal, as the learner left it (the log replayed)."""
    session = get_session()
    sim_run = _own_run_or_404(run_id)
    now = service.clock()
    if service.close_if_over(session, sim_run, now):
        session.commit()
    if sim_run.finished_at is not None:
        return redirect(url_for("simulator.debrief", run_id=sim_run.id))
    lang = current_language()
    return render_template(
        "simulator/run.html",
        run=sim_run,
        brief=brief(sim_run.scenario, lang),
        view=service.current_view(sim_run, lang),
        keypad=keypad(),
        seconds_left=max(
            0, int(sim_run.scenario["time_limit_seconds"] - service.elapsed(sim_run, now))
        ),
        form=EmptyForm(),
    )


@bp.post("/runs/<int:run_id>/key")
@signed_in
@limiter.limit(_key_limit, key_func=_per_user)
def key(run_id: int):
    """One key press: the screen after it, the lines it printed, and whether the run is over."""
    sim_run = _own_run_or_404(run_id)
    pressed = request.form.get("key", "")
    if not pressed:
        return jsonify(ok=False, error="no key"), 400
    done_url = url_for("simulator.debrief", run_id=sim_run.id)
    return _press(sim_run, pressed, service.clock(), done_url, leave_when_done=True)


def _press(
    sim_run: SimRun,
    pressed: str,
    now: datetime,
    done_url: str,
    *,
    leave_when_done: bool,
    keep: Callable[[], None] | None = None,
):
    """Apply one key press and answer the page's script: the screen and the lines printed, or
    409 with where to go when the run (or the quiz around it) takes no more keys.

    ``keep`` saves the log where the run belongs (a quiz attempt's answer). A practice run that
    the press closes sends the page to its debrief at once (``leave_when_done``); a quiz's or a
    drill's terminal stays on its page until the next press is refused.
    """
    session = get_session()
    try:
        result = service.press(sim_run, pressed, current_language(), now)
        if keep is not None:
            keep()
        session.commit()
    except service.RunClosed:
        session.commit()  # the grade of a run its time or action budget closed
        return jsonify(ok=False, done=True, next=done_url), 409
    except quizzes.QuizError:
        session.rollback()  # submitted or past its deadline: the attempt page says so
        return jsonify(ok=False, done=True, next=done_url), 409
    except StaleDataError:
        # Another press of the same run won the race: the learner's next press continues.
        session.rollback()
        return jsonify(ok=False, error="busy"), 409
    done = result.done and leave_when_done
    return jsonify(ok=True, screen=result.screen, printed=result.printed, done=done, next=done_url)


@bp.post("/attempts/<int:attempt_id>/<int:position>/key")
@signed_in
@limiter.limit(_key_limit, key_func=_per_user)
def quiz_key(attempt_id: int, position: int):
    """One key press on a terminal question of a quiz attempt; the log is the item's answer."""
    session = get_session()
    attempt = quizzes.load_attempt(session, attempt_id, position=position)
    if attempt is None or attempt.user_id != current_user.id or not attempt.items:
        abort(404)
    item = attempt.items[0]
    if item.question.get("type") != "terminal" or not item.question.get(SCENARIO_KEY):
        abort(404)
    pressed = request.form.get("key", "")
    if not pressed:
        return jsonify(ok=False, error="no key"), 400
    now = service.clock()
    done_url = url_for("quizzes.attempt", attempt_id=attempt.id)
    sim_run = service.quiz_run(session, current_user, attempt.id, item.question)
    return _press(
        sim_run,
        pressed,
        now,
        done_url,
        leave_when_done=False,
        keep=lambda: quizzes.save_terminal(session, attempt, position, sim_run.actions, now),
    )


@bp.post("/drills/<int:participant_id>/<step_id>/key")
@signed_in
@limiter.limit(_key_limit, key_func=_per_user)
def drill_key(participant_id: int, step_id: str):
    """One key press on a drill's terminal step (the participant's current step only)."""
    session = get_session()
    found = drills.own_participant(session, participant_id, current_user)
    if found is None:
        abort(404)
    drill_run, participant = found
    now = service.clock()
    done_url = url_for("drills.play", participant_id=participant.id)
    where = drills.position(drill_run, participant)
    step = where.step
    if step is None or step.id != step_id or step.kind != "terminal" or not step.scenario:
        return jsonify(ok=False, done=True, next=done_url), 409  # the drill has moved on
    if now > where.deadline_at + drills.GRACE:
        return jsonify(ok=False, done=True, next=done_url), 409
    pressed = request.form.get("key", "")
    if not pressed:
        return jsonify(ok=False, error="no key"), 400
    sim_run = service.drill_run(session, current_user, participant.id, step, create=True)
    return _press(sim_run, pressed, now, done_url, leave_when_done=False)


@bp.post("/runs/<int:run_id>/finish")
@signed_in
def finish(run_id: int):
    """The learner is done: grade the run and show the debrief."""
    session = get_session()
    sim_run = _own_run_or_404(run_id)
    service.finish(sim_run, service.clock())
    session.commit()
    return redirect(url_for("simulator.debrief", run_id=sim_run.id))


@bp.get("/runs/<int:run_id>/debrief")
@signed_in
def debrief(run_id: int):
    """The grade, each mistake at its action with the manual link, critical errors named."""
    sim_run = _own_run_or_404(run_id)
    if sim_run.finished_at is None:
        return redirect(url_for("simulator.run", run_id=sim_run.id))
    return _result_page("simulator/debrief.html", sim_run)


@bp.get("/runs/<int:run_id>/replay")
@signed_in
def replay(run_id: int):
    """Step through a run action by action (its owner, their supervisors, compliance)."""
    session = get_session()
    sim_run = service.visible_run(session, run_id, current_user)
    if sim_run is not None and service.close_if_over(session, sim_run, service.clock()):
        session.commit()
    if sim_run is None or not service.replayable(session, sim_run):
        abort(404)  # under way: its owner is still working it
    lang = current_language()
    return _result_page("simulator/replay.html", sim_run, steps=service.replay_steps(sim_run, lang))


def _result_page(template: str, sim_run, **extra):
    lang = current_language()
    grade = sim_run.grade or {}
    links = [sim_run.scenario.get("manual")] + [
        m.get("manual") for m in grade.get("mistakes") or []
    ]
    return render_template(
        template,
        run=sim_run,
        brief=brief(sim_run.scenario, lang),
        grade=grade,
        actions=[
            {"number": i + 1, "label": key_label(a["key"], sim_run.scenario, lang), "t": a["t"]}
            for i, a in enumerate(sim_run.actions)
        ],
        links=manual_links(get_session(), [link for link in links if link], lang),
        **extra,
    )
