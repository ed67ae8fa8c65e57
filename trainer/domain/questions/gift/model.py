"""GIFT data: what an import yields, the errors it raises, and Moodle's answer grades."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from trainer.domain.messages import N_, LocatedMessage

#: Text formats a GIFT ``[tag]`` can name (format.php ``format_name_to_const``).
FORMATS: tuple[str, ...] = ("moodle", "html", "plain", "markdown")

#: Question types ``parse_gift`` produces (Moodle's ``match`` is called ``matching`` here).
QTYPES: tuple[str, ...] = (
    "multichoice",
    "truefalse",
    "shortanswer",
    "numerical",
    "matching",
    "essay",
    "description",
)


# question_bank::fraction_options_full(): the only answer weights Moodle's import accepts
# (question/format.php importprocess -> match_grade_options(..., 'error'), tolerance 0.00001).
_RAW_FRACTIONS = (
    0.9,
    0.8333333,
    0.8,
    0.75,
    0.7,
    0.6666667,
    0.6,
    0.5,
    0.4,
    0.3333333,
    0.3,
    0.25,
    0.2,
    0.1666667,
    0.1428571,
    0.125,
    0.1111111,
    0.1,
    0.05,
)
_GRADES: tuple[float, ...] = (0.0, 1.0, *_RAW_FRACTIONS, *(-f for f in _RAW_FRACTIONS), -1.0)

# A warning given by two question types.
_NO_FULL_MARKS = N_("no answer is worth 100%, so no response gets full marks")
# A text whose format differs from its question's, by the kind of text (one whole sentence
# each, so that translators see it whole).
_MIXED_FORMAT = {
    "general feedback": N_(
        "the general feedback is [%(format)s] but the question is [%(question_format)s]; "
        "trainer renders the whole question as %(question_format)s"
    ),
    "answer": N_(
        "the answer is [%(format)s] but the question is [%(question_format)s]; "
        "trainer renders the whole question as %(question_format)s"
    ),
    "feedback": N_(
        "the feedback is [%(format)s] but the question is [%(question_format)s]; "
        "trainer renders the whole question as %(question_format)s"
    ),
    "subquestion": N_(
        "the subquestion is [%(format)s] but the question is [%(question_format)s]; "
        "trainer renders the whole question as %(question_format)s"
    ),
}


# --------------------------------------------------------------------------------------------
# Public data
# --------------------------------------------------------------------------------------------


class GiftError(ValueError):
    """Malformed GIFT: ``problems`` lists every problem found, each ``file:line: message``.

    The problems are ``LocatedMessage``s (plain English strings that can also be translated).
    """

    def __init__(self, problems: Sequence[LocatedMessage]) -> None:
        self.problems: list[LocatedMessage] = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass
class GiftAnswer:
    """One answer of a multichoice, short-answer or numerical question.

    ``fraction`` is Moodle's answer weight (-1.0…1.0, one of Moodle's grade values).  For
    numerical answers ``value``/``tolerance`` are what Moodle stores; a range ``{#min..max}``
    also keeps ``minimum``/``maximum``; ``any`` marks Moodle's ``*`` answer (matches every
    response), which ``~#feedback`` creates.
    """

    text: str
    fraction: float
    format: str = "moodle"
    feedback: str = ""
    feedback_format: str = "moodle"
    value: float | None = None
    tolerance: float | None = None
    minimum: float | None = None
    maximum: float | None = None
    any: bool = False
    line: int = 0


@dataclass
class GiftPair:
    """One matching pair; an empty ``left`` is a distractor (an extra right-hand answer)."""

    left: str
    right: str
    left_format: str = "moodle"
    line: int = 0


@dataclass
class GiftQuestion:
    """One imported question, as Moodle's ``readquestion`` would build it.

    ``name`` is Moodle's question name (the ``::title::``, else made from the text);
    ``title`` is the explicit title only (``None`` without one).  ``category`` is the
    ``$CATEGORY:`` in force (``None`` before any).  ``line`` is the first non-comment line.
    """

    qtype: str
    name: str
    text: str
    format: str = "moodle"
    title: str | None = None
    general_feedback: str = ""
    general_feedback_format: str = "moodle"
    answers: list[GiftAnswer] = field(default_factory=list)
    pairs: list[GiftPair] = field(default_factory=list)
    single: bool | None = None
    correct_answer: bool | None = None
    feedback_true: str = ""
    feedback_true_format: str = "moodle"
    feedback_false: str = ""
    feedback_false_format: str = "moodle"
    missing_word: bool = False
    category: str | None = None
    tags: list[str] = field(default_factory=list)
    idnumber: str | None = None
    line: int = 0


@dataclass
class GiftImport:
    """Result of :func:`parse_gift`.

    ``questions`` are what Moodle would import ("Importing N questions" is ``len(questions)``:
    descriptions count, ``$CATEGORY:`` switches do not); ``categories`` are the distinct
    categories in order of first appearance; ``warnings`` are ``file:line: message``
    (``LocatedMessage``s).
    """

    questions: list[GiftQuestion]
    categories: list[str]
    warnings: list[LocatedMessage]
    filename: str = "<gift>"


class GiftExport(NamedTuple):
    """Result of :func:`export_gift`: the GIFT text and ``id: message`` warnings."""

    text: str
    warnings: list[str]


def _snap_grade(fraction: float) -> float | None:
    """match_grade_options(..., 'error'): the canonical grade within 0.00001, else None."""
    for grade in _GRADES:
        if abs(fraction - grade) < 0.00001:
            return grade
    return None


def _nearest_grade(fraction: float) -> float:
    return min(_GRADES, key=lambda g: abs(fraction - g))


def _pct(fraction: float) -> str:
    """A weight as GIFT writes it: 0.3333333 -> '33.33333'."""
    text = f"{fraction * 100:.5f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
