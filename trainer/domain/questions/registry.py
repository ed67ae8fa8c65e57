"""The question types, by name. Adding a type: write its module and list it here.

The order is the order types are listed to authors (docs/content-format.md) and checked in.
"""

from __future__ import annotations

from trainer.domain.questions.base import QuestionType
from trainer.domain.questions.description import Description
from trainer.domain.questions.essay import Essay
from trainer.domain.questions.matching import Matching
from trainer.domain.questions.multiple import Multiple
from trainer.domain.questions.numeric import Numeric
from trainer.domain.questions.ordering import Ordering
from trainer.domain.questions.scenario import Scenario
from trainer.domain.questions.short import Short
from trainer.domain.questions.single import Single
from trainer.domain.questions.terminal import Terminal
from trainer.domain.questions.truefalse import TrueFalse

TYPES: dict[str, QuestionType] = {
    qtype.name: qtype
    for qtype in (
        Single(),
        Multiple(),
        TrueFalse(),
        Ordering(),
        Numeric(),
        Matching(),
        Short(),
        Essay(),
        Scenario(),
        Terminal(),
        Description(),
    )
}

QUESTION_TYPES: tuple[str, ...] = tuple(TYPES)


def get_type(name: object) -> QuestionType:
    """The type called ``name``; ValueError for an unknown one."""
    qtype = TYPES.get(name) if isinstance(name, str) else None
    if qtype is None:
        raise ValueError(f"unknown question type {name!r}")
    return qtype
