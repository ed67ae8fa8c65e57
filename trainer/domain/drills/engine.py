"""Running a drill: opaque choices for the browser, where each answer leads, and the score.

The browser never sees an option id, an item id or the authored order. Each attempt has a
random ``nonce``; an option is shown under ``token = HMAC(nonce, step:option)`` and options are
listed in token order, so neither the value nor the position says which one is right, and
the same option has another token (and place) in the next attempt.

Scoring counts correctness and time. A step answered within the first half of its time limit
earns its full points; later answers earn less, down to half the points at the deadline; an
answer after the deadline (plus a short network grace) counts as missed and earns nothing. The
percentage is out of the best path through the drill. A critical error (an action that causes
real harm, marked ``critical`` in the drill file) fails the drill whatever the percentage.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache

from trainer.domain.drills.model import END, Drill, DrillStep

#: Seconds after a deadline in which an answer still counts (the request was on its way).
GRACE_SECONDS = 2.0
#: What a correct answer given right at the deadline still earns.
SLOWEST_FACTOR = 0.5

#: An option id, item ids in the order given, a terminal run's result ({"score", "passed",
#: "critical", "run"}: see trainer.simulator), or None (missed).
Choice = str | list[str] | dict | None


def _token(nonce: str, step_id: str, value_id: str) -> str:
    digest = hmac.new(nonce.encode(), f"{step_id}\0{value_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:16]


def option_tokens(nonce: str, step: DrillStep) -> list[tuple[str, str]]:
    """(token, option id) pairs of a choice step, in the order to show them."""
    return sorted((_token(nonce, step.id, o.id), o.id) for o in step.options)


def order_tokens(nonce: str, step: DrillStep) -> list[tuple[str, str]]:
    """(token, item id) pairs of an ordering step, in the (shuffled) order to show them."""
    return sorted((_token(nonce, step.id, i.id), i.id) for i in step.items)


def resolve_choice(nonce: str, step: DrillStep, token: str) -> str | None:
    """The option id behind ``token``, or None when it is not one of this attempt's tokens."""
    return dict(option_tokens(nonce, step)).get(token)


def resolve_order(nonce: str, step: DrillStep, tokens: Sequence[str]) -> list[str] | None:
    """Item ids in the order of ``tokens``; None unless the tokens are exactly the step's."""
    known = dict(order_tokens(nonce, step))
    if len(tokens) != len(known) or set(tokens) != set(known):
        return None
    return [known[token] for token in tokens]


def time_factor(elapsed: float, limit: float) -> float:
    """Share of a step's points a correct answer after ``elapsed`` seconds earns (0 if late)."""
    if elapsed > limit + GRACE_SECONDS:
        return 0.0
    half = limit / 2
    if elapsed <= half:
        return 1.0
    late = min(elapsed, limit) - half
    return 1.0 - (1.0 - SLOWEST_FACTOR) * late / half


def _in_order(order: Sequence[str], correct: Sequence[str]) -> float:
    """Share of items in the longest run kept in the right relative order."""
    rank = {item: i for i, item in enumerate(correct)}
    positions = [rank[item] for item in order if item in rank]
    longest: list[int] = []  # patience sorting: longest increasing subsequence
    for p in positions:
        lo, hi = 0, len(longest)
        while lo < hi:
            mid = (lo + hi) // 2
            if longest[mid] < p:
                lo = mid + 1
            else:
                hi = mid
        if lo == len(longest):
            longest.append(p)
        else:
            longest[lo] = p
    return len(longest) / len(correct) if correct else 0.0


@dataclass(frozen=True)
class StepOutcome:
    """What one answer earned and where it leads."""

    step_id: str
    choice: Choice
    elapsed: float
    points: float
    max_points: float
    correct: bool
    missed: bool
    critical: bool
    next: str | None


def next_after(drill: Drill, step: DrillStep, choice: Choice) -> str | None:
    """The step an answer leads to (None: the drill ends)."""
    if isinstance(choice, str):
        option = step.option(choice)
        if option is not None and option.next:
            return None if option.next == END else option.next
    return drill.default_next(step)


def step_outcome(drill: Drill, step: DrillStep, choice: Choice, elapsed: float) -> StepOutcome:
    """Grade one answer (``choice`` None, or given after the deadline, counts as missed)."""
    factor = time_factor(elapsed, step.time_limit_seconds)
    if choice is None or factor == 0.0:
        return StepOutcome(
            step.id, None, elapsed, 0.0, step.max_points, False, True, False,
            drill.default_next(step),
        )  # fmt: skip
    if step.kind == "ordering":
        share = _in_order(list(choice), [i.id for i in step.items])
        return StepOutcome(
            step.id, list(choice), elapsed, round(step.points * share * factor, 3),
            step.max_points, share == 1.0, False, False, next_after(drill, step, choice),
        )  # fmt: skip
    if step.kind == "terminal":
        # The scenario's own grade: a pass earns the step's points by its score, a fail nothing.
        result = choice if isinstance(choice, dict) else {}
        passed = bool(result.get("passed"))
        score = float(result.get("score") or 0.0) if passed else 0.0
        return StepOutcome(
            step.id, dict(result), elapsed, round(step.points * score * factor, 3),
            step.max_points, passed, False, bool(result.get("critical")),
            drill.default_next(step),
        )  # fmt: skip
    option = step.option(str(choice))
    if option is None:
        raise ValueError(f"step {step.id} has no option {choice}")
    correct = option.points > 0 and option.points == step.max_points
    return StepOutcome(
        step.id, option.id, elapsed, round(option.points * factor, 3), step.max_points,
        correct, False, option.critical is not None, next_after(drill, step, option.id),
    )  # fmt: skip


def best_points(drill: Drill) -> float:
    """Points of the best path through the drill, every answer fast and right."""

    @cache
    def best(step_id: str | None) -> float:
        step = drill.step(step_id)
        if step is None:
            return 0.0
        if step.kind in ("ordering", "terminal"):
            return step.points + best(drill.default_next(step))
        return max(o.points + best(next_after(drill, step, o.id)) for o in step.options)

    return best(drill.start)


@dataclass(frozen=True)
class CriticalError:
    """A critical error: at which step (1-based, along the path taken) and which action."""

    position: int
    step_id: str
    option_id: str


@dataclass
class DrillResult:
    """A finished drill: the path's outcomes, percent, pass/fail and why."""

    outcomes: list[StepOutcome]
    earned: float
    best: float
    percent: float
    passed: bool
    critical_errors: list[CriticalError] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        """Time spent answering, step by step."""
        return round(sum(o.elapsed for o in self.outcomes), 1)


def score_drill(drill: Drill, outcomes: Iterable[StepOutcome]) -> DrillResult:
    """Add up a path's outcomes; any critical error fails the drill."""
    outcomes = list(outcomes)
    best = best_points(drill)
    earned = round(sum(o.points for o in outcomes), 3)
    percent = round(min(100.0, 100.0 * earned / best), 1) if best else 0.0
    critical = [
        CriticalError(position, o.step_id, str(o.choice))
        for position, o in enumerate(outcomes, start=1)
        if o.critical
    ]
    passed = percent >= drill.pass_mark and not critical
    return DrillResult(outcomes, earned, best, percent, passed, critical)
