"""Reading answers from the attempt page's form (the same for autosave and plain posts).

Each question type reads its own fields (QuestionType.read_form / form_values).
"""

from __future__ import annotations

from collections.abc import Mapping

from werkzeug.datastructures import MultiDict

from trainer.domain.questions import TYPES
from trainer.domain.questions.ordering import opaque_ids
from trainer.domain.questions.scenario import Scenario
from trainer.quizzes.service import ItemState


def ordering_ids(item: ItemState) -> list[str]:
    """Opaque ids for an ordering question's steps (s0, s1 … in shown order).

    The authored step ids can hint at the answer ("step1"), so the page never shows them.
    """
    return opaque_ids(item.layout)


def response_from_form(item: ItemState, form: MultiDict) -> dict | None:
    """The response dict grading expects, from the fields named after the item's position."""
    qtype = TYPES.get(item.question.get("type"))
    if qtype is None:
        return None
    return qtype.read_form(item.question, item.layout, form, f"q{item.position}")


def present_response(item: ItemState) -> Mapping:
    """The saved response in the page's terms, to pre-fill the form after a reload."""
    response = item.response or {}
    qtype = TYPES.get(item.question.get("type"))
    if qtype is None:
        return response
    return qtype.form_values(item.question, item.layout, response)


def scenario_choice(item: ItemState, step_id: str, shown: str) -> str:
    """The authored option id behind a scenario button's value ("" when the page had none)."""
    qtype = TYPES.get(item.question.get("type"))
    if not isinstance(qtype, Scenario):
        return ""
    return qtype.chosen_option(item.question, item.layout, step_id, shown) or ""
