"""Runs on the terminal simulator: start, one key press, finish, replay; and who may see a run.

The engine (trainer.domain.terminal) is pure and deterministic: the state of a run is its
scenario replayed over its action log, so the log is all the server keeps. The server takes
each key's time from its own clock, so a learner cannot choose how long a run took.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from trainer.domain import terminal as engine
from trainer.domain.content import simulator as scenario_files
from trainer.domain.content.core import Checker
from trainer.domain.questions.terminal import SCENARIO_KEY, text
from trainer.models import Attempt, AttemptStatus, DrillParticipant, SimRun, User
from trainer.tracking.service import person_in_scope

#: Keys and events a browser may send; anything longer is refused before the engine sees it.
MAX_KEY_LENGTH = 40


class RunClosed(Exception):
    """The run is finished (by the learner, the time limit or the action budget)."""


def clock() -> datetime:
    """Now, in UTC (one place, so tests can move time on)."""
    return datetime.now(UTC)


# --- scenarios ------------------------------------------------------------------------------


def scenarios(root: Path) -> dict[str, dict]:
    """The scenarios under ``root``/quizzes/simulator, by id, as JSON-ready dicts.

    Read with the content checker's own simulator kind (a broken file is left out, as
    ``trainer content check`` reports it) and kept until a file changes.
    """
    folder = root.joinpath(*scenario_files.FOLDER)
    files = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    return _read_scenarios(str(root), tuple((p.name, p.stat().st_mtime_ns) for p in files))


@functools.lru_cache(maxsize=4)
def _read_scenarios(root: str, _stamp: tuple) -> dict[str, dict]:
    _problems, content = Checker(Path(root), None).run([scenario_files])
    return {sid: scenario.to_dict() for sid, scenario in content.simulator.items()}


# --- runs -----------------------------------------------------------------------------------


def start_run(
    session: Session, user: User, scenario: dict, *, context: str = "practice", **where: Any
) -> SimRun:
    """A new run of ``scenario`` for ``user`` (its copy of the scenario, an empty log)."""
    run = SimRun(
        user_id=user.id,
        store_id=min(user.store_ids, default=None),
        scenario_id=scenario["id"],
        scenario=scenario,
        actions=[],
        started_at=clock(),
        context=context,
        **where,
    )
    session.add(run)
    session.flush()
    return run


def elapsed(run: SimRun, now: datetime) -> float:
    """Seconds since the run started, by the server's clock."""
    return round(max(0.0, (now - run.started_at).total_seconds()), 2)


def _actions(run: SimRun) -> list[engine.Action]:
    return [engine.Action(key=a["key"], t=a["t"]) for a in run.actions]


def out_of_budget(run: SimRun, now: datetime) -> bool:
    """True when the run has used its time or its actions: it takes no more keys."""
    scenario = run.scenario
    return (
        elapsed(run, now) > scenario["time_limit_seconds"]
        or len(run.actions) >= (scenario["max_actions"])
    )


def receipt_line(line: Any, lang: str) -> dict:
    """A printed line ({text, style}) in ``lang``."""
    data = line if isinstance(line, dict) else dataclasses.asdict(line)
    return {"text": text(data.get("text"), lang), "style": data.get("style") or "line"}


@dataclass
class View:
    """What the terminal page draws: the screen and the receipt printed so far."""

    screen: dict
    receipt: list[dict]
    actions_used: int


def current_view(run: SimRun, lang: str) -> View:
    """The run as the learner left it (the log replayed): for the page and after a reload."""
    return view_of(run.scenario, run.actions, lang)


def view_of(scenario: dict, actions: list[dict], lang: str) -> View:
    """The terminal after ``actions`` (none: the scenario's first screen)."""
    sim = engine.Scenario.from_dict(scenario)
    steps = engine.replay(sim, [engine.Action(key=a["key"], t=a["t"]) for a in actions])
    receipt = [receipt_line(line, lang) for step in steps for line in step.printed]
    screen = steps[-1].screen if steps else engine.screen_of(sim, engine.start(sim))
    return View(engine.render(screen, lang), receipt, len(steps))


@dataclass
class Press:
    """The answer to one key press."""

    screen: dict
    printed: list[dict]
    done: bool


def press(run: SimRun, key: str, lang: str, now: datetime) -> Press:
    """Apply one key to the run, append it to the log; the run closes when over budget."""
    if run.finished_at is not None:
        raise RunClosed
    if out_of_budget(run, now):
        finish(run, now)
        raise RunClosed
    scenario = engine.Scenario.from_dict(run.scenario)
    actions = _actions(run)
    state = engine.replay(scenario, actions)[-1].state if actions else engine.start(scenario)
    action = engine.Action(key=key[:MAX_KEY_LENGTH], t=elapsed(run, now))
    step = engine.apply(scenario, state, action)
    # A new list: the JSON column only notices an assignment, not an append.
    run.actions = [*run.actions, {"key": action.key, "t": action.t}]
    done = len(run.actions) >= scenario_budget(run)
    if done:
        finish(run, now)
    return Press(
        engine.render(step.screen, lang), [receipt_line(line, lang) for line in step.printed], done
    )


def scenario_budget(run: SimRun) -> int:
    """The most actions the run may take."""
    return int(run.scenario["max_actions"])


def grade_of(scenario: dict, actions: Iterable[dict]) -> dict:
    """The engine's grade of a log, as JSON."""
    result = engine.grade(
        engine.Scenario.from_dict(scenario),
        [engine.Action(key=a["key"], t=a["t"]) for a in actions],
    )
    return result.to_dict()


def finish(run: SimRun, now: datetime) -> None:
    """Close the run and store its grade (repeating it changes nothing)."""
    if run.finished_at is not None:
        return
    run.finished_at = now
    run.grade = grade_of(run.scenario, run.actions)
    run.score = run.grade["score"]
    run.passed = run.grade["passed"]


def quiz_run(session: Session, user: User, attempt_id: int, question: dict) -> SimRun:
    """The run of a terminal question in an attempt, started at its first key press."""
    run = session.scalar(
        select(SimRun).where(SimRun.attempt_id == attempt_id, SimRun.question_key == question["id"])
    )
    if run is None:
        run = start_run(
            session,
            user,
            question[SCENARIO_KEY],
            context="quiz",
            attempt_id=attempt_id,
            question_key=question["id"],
        )
    return run


def close_quiz_runs(session: Session, attempt_id: int, now: datetime) -> None:
    """Grade the terminal runs of a submitted attempt, so they can be replayed."""
    for run in session.scalars(
        select(SimRun).where(SimRun.attempt_id == attempt_id, SimRun.finished_at.is_(None))
    ):
        finish(run, now)


def quiz_runs(session: Session, attempt_id: int) -> dict[str, SimRun]:
    """The terminal runs of an attempt, by question id (for the result page's replay links)."""
    return {
        run.question_key: run
        for run in session.scalars(select(SimRun).where(SimRun.attempt_id == attempt_id))
    }


def drill_run(
    session: Session, user: User, participant_id: int, step: Any, *, create: bool
) -> SimRun | None:
    """The run of a drill's terminal step for one participant (made at its first key press).

    The run's time is the shorter of the scenario's and the step's limits: the step's clock
    is the drill's, and the scenario must fit in it.
    """
    run = session.scalar(
        select(SimRun).where(
            SimRun.drill_participant_id == participant_id, SimRun.drill_step == step.id
        )
    )
    if run is None and create:
        scenario = dict(step.scenario)
        scenario["time_limit_seconds"] = min(
            int(scenario["time_limit_seconds"]), int(step.time_limit_seconds)
        )
        run = start_run(
            session,
            user,
            scenario,
            context="drill",
            drill_participant_id=participant_id,
            drill_step=step.id,
        )
    return run


def drill_result(session: Session, user: User, participant_id: int, step: Any) -> dict:
    """Close a drill step's run and give the drill engine its result (a Choice)."""
    run = drill_run(session, user, participant_id, step, create=False)
    if run is None:  # "done" without a key pressed
        return {"score": 0.0, "passed": False, "critical": False, "run": None}
    finish(run, clock())
    return {
        "score": run.score or 0.0,
        "passed": bool(run.passed),
        "critical": bool((run.grade or {}).get("critical")),
        "run": run.id,
    }


def context_open(session: Session, run: SimRun) -> bool:
    """True while the quiz attempt or the drill step a run belongs to is still under way.

    Until then its grade is the answer to a question not yet submitted: nobody sees it.
    """
    if run.context == "quiz":
        attempt = session.get(Attempt, run.attempt_id)
        return attempt is not None and attempt.status is AttemptStatus.IN_PROGRESS
    if run.context == "drill":
        participant = session.get(DrillParticipant, run.drill_participant_id)
        return participant is not None and participant.step_id == run.drill_step
    return False


def close_if_over(session: Session, run: SimRun, now: datetime) -> bool:
    """Grade a run whose time is over, or whose attempt or drill step has moved on; True if so.

    A quiz closed at its deadline or a drill step missed never says so to the run: the first
    replay of it grades it (safe to repeat, like the drills' own catching up).
    """
    if run.finished_at is not None:
        return False
    over = out_of_budget(run, now) if run.context == "practice" else not context_open(session, run)
    if over:
        finish(run, now)
    return over


def replayable(session: Session, run: SimRun) -> bool:
    """A finished run outside an attempt or a drill step still under way."""
    return run.finished_at is not None and not context_open(session, run)


# --- who may see what -----------------------------------------------------------------------


def own_practice_run(session: Session, run_id: int, user: User) -> SimRun | None:
    """The practice run when ``user`` owns it (only the owner presses keys or sees the debrief).

    A quiz's or a drill's run is worked on its own page and graded with it: not here.
    """
    run = session.get(SimRun, run_id)
    if run is None or run.user_id != user.id or run.context != "practice":
        return None
    return run


def visible_run(session: Session, run_id: int, viewer: User) -> SimRun | None:
    """The run when ``viewer`` may replay it: its owner, the owner's supervisors, compliance."""
    run = session.get(SimRun, run_id)
    if run is None:
        return None
    # The same people who may open the owner's person page (tracking.service.person_in_scope).
    return run if person_in_scope(session, viewer, run.user_id) is not None else None


def best_results(session: Session, user_id: int) -> dict[str, SimRun]:
    """Per scenario id, the user's best finished practice run (highest score, then latest)."""
    runs = session.scalars(
        select(SimRun)
        .where(SimRun.user_id == user_id, SimRun.finished_at.is_not(None))
        .order_by(SimRun.score.desc(), SimRun.finished_at.desc())
    )
    best: dict[str, SimRun] = {}
    for run in runs:
        best.setdefault(run.scenario_id, run)
    return best


def runs_of(session: Session, user_id: int, limit: int = 50) -> list[SimRun]:
    """A person's runs, newest first (for the person page)."""
    return list(
        session.scalars(
            select(SimRun)
            .where(SimRun.user_id == user_id)
            .order_by(SimRun.started_at.desc(), SimRun.id.desc())
            .limit(limit)
        )
    )


# --- replay ---------------------------------------------------------------------------------


@dataclass
class ReplayStep:
    """One action of a run as the replay page shows it."""

    number: int
    key: str
    t: float
    screen: dict
    receipt: list[dict]
    mistakes: list[dict]
    critical: list[dict]


def replay_steps(run: SimRun, lang: str) -> list[ReplayStep]:
    """Every action of the run with the screen after it, the receipt so far and its mistakes."""
    scenario = engine.Scenario.from_dict(run.scenario)
    grade = run.grade or grade_of(run.scenario, run.actions)
    mistakes: dict[int, list[dict]] = {}
    for m in grade.get("mistakes") or []:
        mistakes.setdefault(m["index"], []).append(m)
    critical: dict[int, list[dict]] = {}
    for c in grade.get("critical") or []:
        critical.setdefault(c["index"], []).append(c)
    receipt: list[dict] = []
    out = []
    for i, step in enumerate(engine.replay(scenario, _actions(run))):
        receipt = receipt + [receipt_line(line, lang) for line in step.printed]
        action = run.actions[i]
        out.append(
            ReplayStep(
                i + 1,
                action["key"],
                action["t"],
                engine.render(step.screen, lang),
                receipt,
                mistakes.get(i, []),
                critical.get(i, []),
            )
        )
    return out
