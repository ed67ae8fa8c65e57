"""What a drill is: steps with time limits, options that branch, and critical errors.

Texts are ``{"zh": ..., "en": ...}`` mappings. A drill is stored in the database as the JSON of
``Drill.to_dict()`` and read back with ``Drill.from_dict()``, so a run keeps the definition it
started with even when the content is re-imported.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

LocalText = dict[str, str]

#: Step kinds: choices (a decision, a quick check, what to say to the customer), an ordering, or
#: a task on the terminal simulator (a scenario of quizzes/simulator/, graded by its engine).
CHOICE_KINDS = ("decision", "check", "customer")
STEP_KINDS = (*CHOICE_KINDS, "ordering", "terminal")
#: ``next: end`` ends the drill after a step or an option.
END = "end"


@dataclass(frozen=True)
class DrillOption:
    """One choice at a step: its points, why, where it leads, and the harm if it is critical."""

    id: str
    text: LocalText
    feedback: LocalText
    points: float = 0.0
    next: str | None = None  # None: the step's own next
    consequence: LocalText | None = None  # what happens right after, shown on the next step
    critical: LocalText | None = None  # the harm this action causes: fails the drill


@dataclass(frozen=True)
class OrderItem:
    """One action of an ordering step (listed in the correct order)."""

    id: str
    text: LocalText


@dataclass(frozen=True)
class DrillStep:
    """A moment of the drill: what happens, what the cashier must do, how long they have."""

    id: str
    kind: str
    prompt: LocalText
    rule: LocalText  # the key rule, named in the debrief
    manual: str  # course/lesson#anchor
    time_limit_seconds: int
    options: list[DrillOption] = field(default_factory=list)
    items: list[OrderItem] = field(default_factory=list)
    points: float = 0.0  # ordering and terminal steps: full marks for the right order / a pass
    next: str | None = None  # None: the following step in the file; "end": the drill ends
    simulator: str | None = None  # terminal steps: the scenario's id
    # Terminal steps: the scenario's JSON, copied in when the content is checked, so a run
    # keeps the scenario it started with (like the rest of the definition).
    scenario: dict[str, Any] | None = None

    def option(self, option_id: str) -> DrillOption | None:
        """The option with ``option_id``, if any."""
        return next((o for o in self.options if o.id == option_id), None)

    @property
    def max_points(self) -> float:
        """What a perfect, fast answer earns here."""
        if self.kind in ("ordering", "terminal"):
            return self.points
        return max((o.points for o in self.options), default=0.0)


@dataclass(frozen=True)
class Drill:
    """A drill definition (one file in quizzes/drills/)."""

    id: str
    title: LocalText
    summary: LocalText
    tags: list[str]
    course: str | None
    pass_mark: float
    time_limit_seconds: int
    steps: list[DrillStep]
    sources: list[str] = field(default_factory=list)

    def step(self, step_id: str | None) -> DrillStep | None:
        """The step with ``step_id``, if any."""
        return next((s for s in self.steps if s.id == step_id), None)

    @property
    def start(self) -> str:
        """The first step's id."""
        return self.steps[0].id

    def default_next(self, step: DrillStep) -> str | None:
        """Where a step leads when its option does not say (None: the drill ends)."""
        if step.next == END:
            return None
        if step.next:
            return step.next
        index = self.steps.index(step)
        return self.steps[index + 1].id if index + 1 < len(self.steps) else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready definition."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Drill:
        """The drill stored by ``to_dict``."""
        steps = [
            DrillStep(
                **{
                    **s,
                    "options": [DrillOption(**o) for o in s.get("options", [])],
                    "items": [OrderItem(**i) for i in s.get("items", [])],
                }
            )
            for s in data["steps"]
        ]
        return cls(**{**data, "steps": steps})
