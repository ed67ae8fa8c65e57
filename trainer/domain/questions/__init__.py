"""Question types: one module per type behind one interface, and the engine that uses them.

- ``base.py``: the ``QuestionType`` interface and helpers every type shares;
- one module per type: ``single``, ``multiple`` (both on ``choice``), ``truefalse``,
  ``ordering``, ``numeric``, ``matching``, ``short``, ``essay``, ``description``, ``scenario``
  (each: YAML check, layout, view, grading, correct answer, attempt-page form, GIFT mapping);
- ``registry.py``: the types by name (add a new type there);
- ``layout.py`` and ``grading.py``: what the quiz engine calls for any question;
- ``panel.py``: the scenario panel (terminal, receipt, history) any question may show;
- ``gift/``: Moodle GIFT import and export.

docs/adding-a-question-type.md walks through adding a type. Pure Python: no Flask.
"""

from trainer.domain.questions.base import (
    CORRECT,
    INCORRECT,
    NEEDS_REVIEW,
    PARTIAL,
    STATUSES,
    UNANSWERED,
    QuestionType,
    in_lang,
    localised,
)
from trainer.domain.questions.grading import (
    AttemptResult,
    Grade,
    grade,
    grade_attempt,
    kept_outcome,
    manual_grade,
    regraded,
    weak_topics,
)
from trainer.domain.questions.layout import make_layout, max_points, normalise_layout, present
from trainer.domain.questions.registry import QUESTION_TYPES, TYPES, get_type
from trainer.domain.questions.scenario import scenario_advance, scenario_state

__all__ = [
    "CORRECT",
    "INCORRECT",
    "NEEDS_REVIEW",
    "PARTIAL",
    "QUESTION_TYPES",
    "STATUSES",
    "TYPES",
    "UNANSWERED",
    "AttemptResult",
    "Grade",
    "QuestionType",
    "get_type",
    "grade",
    "grade_attempt",
    "in_lang",
    "kept_outcome",
    "localised",
    "make_layout",
    "manual_grade",
    "max_points",
    "normalise_layout",
    "present",
    "regraded",
    "scenario_advance",
    "scenario_state",
    "weak_topics",
]
