"""Emergency drills: timed, branching procedure drills (pure logic, no Flask).

- ``model``: the drill definition as dataclasses (what ``quizzes/drills/*.yaml`` holds; read
  and checked by trainer.domain.content.drills, like every other content file);
- ``engine``: running a drill: opaque per-attempt option tokens, timing and scoring.
"""

from trainer.domain.drills.engine import (
    GRACE_SECONDS,
    CriticalError,
    DrillResult,
    StepOutcome,
    best_points,
    next_after,
    option_tokens,
    order_tokens,
    resolve_choice,
    resolve_order,
    score_drill,
    step_outcome,
    time_factor,
)
from trainer.domain.drills.model import Drill, DrillOption, DrillStep, OrderItem

__all__ = [
    "GRACE_SECONDS",
    "CriticalError",
    "Drill",
    "DrillOption",
    "DrillResult",
    "DrillStep",
    "OrderItem",
    "StepOutcome",
    "best_points",
    "next_after",
    "option_tokens",
    "order_tokens",
    "resolve_choice",
    "resolve_order",
    "score_drill",
    "step_outcome",
    "time_factor",
]
