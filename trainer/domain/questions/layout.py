"""Per-attempt layout (shuffling), points and the pre-submission view of any question.

Each function looks the question's type up in the registry and asks it; what is common to
every type (points, stem, panel, format) is done here.
"""

from __future__ import annotations

import random
from typing import Any

from trainer.domain.questions.base import (
    DEFAULT_FORMAT,
    Question,
    QuestionType,
    in_lang,
    is_number,
)
from trainer.domain.questions.panel import present_panel
from trainer.domain.questions.registry import TYPES, get_type


def _known(question: Question) -> QuestionType | None:
    name = question.get("type")
    return TYPES.get(name) if isinstance(name, str) else None


def max_points(question: Question) -> float:
    """Points a question is worth: `points` (default 1); a description is worth 0."""
    qtype = get_type(question.get("type"))
    if not qtype.scored:
        return 0.0
    points = question.get("points", 1)
    if points is None:
        points = 1
    if not is_number(points) or points < 0:
        raise ValueError(f"question {question.get('id')!r}: points must be a number >= 0")
    return float(points)


def make_layout(question: Question, rng: random.Random, shuffle_options: bool) -> dict[str, Any]:
    """The presentation order for one attempt, JSON-serialisable, to be stored with the attempt."""
    qtype = _known(question)
    return {} if qtype is None else qtype.make_layout(question, rng, shuffle_options)


def normalise_layout(question: Question, layout: Any) -> dict[str, Any]:
    """The stored layout fitted to the question (unknown ids dropped, missing ones appended)."""
    layout = layout if isinstance(layout, dict) else {}
    qtype = _known(question)
    return {} if qtype is None else qtype.normalise_layout(question, layout)


def present(question: Question, layout: Any, lang: str, path: Any = None) -> dict[str, Any]:
    """JSON-safe view before submission; for a scenario, the step due after `path`."""
    points = max_points(question)
    qtype = get_type(question.get("type"))
    layout = normalise_layout(question, layout)
    view: dict[str, Any] = {
        "id": question.get("id"),
        "type": qtype.name,
        "format": question.get("format") or DEFAULT_FORMAT,
        "stem": in_lang(question.get("stem"), lang),
        "scenario": present_panel(question.get("scenario"), lang),
        "points": points,
    }
    view.update(qtype.present(question, layout, lang, path))
    return view
