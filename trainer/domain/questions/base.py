"""What every question type shares: the QuestionType interface and small helpers for texts.

A question is a plain dict, normalised by the content loader (docs/content-format.md) or made
by the GIFT importer. Each type module (single.py, numeric.py, …) defines one QuestionType
subclass; questions/__init__.py registers one instance of each. The engine (layout.py,
grading.py), the content checker (trainer/domain/content/banks.py), GIFT (questions/gift/) and
the attempt page (templates/quizzes/types/<name>.html) reach a type only through the registry.

Pure Python: no Flask, no SQLAlchemy.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from trainer.domain.messages import Message

if TYPE_CHECKING:
    from trainer.domain.content.core import Checker
    from trainer.domain.questions.gift.model import GiftQuestion
    from trainer.domain.questions.gift.writer import GiftWriter
    from trainer.domain.yamlsource import YamlDict

LANGS = ("zh", "en")
DEFAULT_FORMAT = "markdown"

CORRECT = "correct"
PARTIAL = "partial"
INCORRECT = "incorrect"
UNANSWERED = "unanswered"
NEEDS_REVIEW = "needs_review"
STATUSES = (CORRECT, PARTIAL, INCORRECT, UNANSWERED, NEEDS_REVIEW)

LIST_JOIN = {"zh": "；", "en": "; "}
ALT_JOIN = " / "
ARROW = " → "

Question = Mapping[str, Any]
LocalText = dict[str, str]


@dataclass
class Outcome:
    """What a type's grade() found; grading.grade() turns it into a Grade."""

    fraction: float = 0.0
    status: str | None = None
    # One dict per part (option, step, pair, value); each type documents its own parts.
    feedback: list[dict[str, Any]] = field(default_factory=list)
    path: list[dict[str, Any]] = field(default_factory=list)
    critical: list[dict[str, Any]] = field(default_factory=list)
    note: str | None = None


def unanswered(feedback: list[dict[str, Any]] | None = None) -> Outcome:
    return Outcome(status=UNANSWERED, feedback=feedback or [])


def invalid(reason: str, feedback: list[dict[str, Any]] | None = None) -> Outcome:
    return Outcome(fraction=0.0, feedback=feedback or [], note=f"invalid response: {reason}")


class QuestionType:
    """One type of question. Override what the type has; the defaults suit a type with no parts.

    Class attributes:

    - ``name``: the ``type:`` written in a bank (and the template partial's file name);
    - ``required`` / ``optional``: its YAML keys besides the common ones (id, type, stem, tags…);
    - ``needs_stem``: False when the stem lives elsewhere (a scenario's steps have stems);
    - ``scored``: False for a type worth no points (a description);
    - ``answerable``: False when there is nothing to answer (a description): any response,
      even junk, leaves it correct, and the page does not count it as a question;
    - ``graded_by_hand``: True when a supervisor grades it against its rubric (an essay);
    - ``gift_qtype``: the Moodle GIFT type it maps to, None when GIFT cannot express it;
    - ``gift_drops``: (key, label) of data GIFT has no place for, warned about on export.
    """

    name: ClassVar[str]
    required: ClassVar[tuple[str, ...]] = ()
    optional: ClassVar[tuple[str, ...]] = ()
    needs_stem: ClassVar[bool] = True
    scored: ClassVar[bool] = True
    answerable: ClassVar[bool] = True
    graded_by_hand: ClassVar[bool] = False
    gift_qtype: ClassVar[str | None] = None
    gift_drops: ClassVar[tuple[tuple[str, str], ...]] = ()

    # -- content (YAML) -----------------------------------------------------------------------

    def check(
        self, c: Checker, node: YamlDict, file: str, who: str, md: bool, question: dict[str, Any]
    ) -> None:
        """Read this type's keys from ``node`` into ``question``, reporting problems on ``c``.

        ``md`` is True when the question is Markdown (texts are checked for glossary terms).
        """

    # -- one attempt --------------------------------------------------------------------------

    def make_layout(
        self, question: Question, rng: random.Random, shuffle_options: bool
    ) -> dict[str, Any]:
        """The presentation order for one attempt, JSON-serialisable (stored with the attempt)."""
        return {}

    def normalise_layout(self, question: Question, layout: dict[str, Any]) -> dict[str, Any]:
        """A stored layout fitted to the question as it is now (it may have been edited)."""
        return {}

    def present(
        self, question: Question, layout: dict[str, Any], lang: str, path: Any
    ) -> dict[str, Any]:
        """The type's part of the pre-submission view: never anything that gives the answer."""
        return {}

    def grade(
        self, question: Question, response: Mapping[str, Any], layout: dict[str, Any]
    ) -> Outcome:
        """Grade one response (a dict, maybe malformed: never raise on bad input)."""
        raise NotImplementedError

    def correct_answer(self, question: Question) -> LocalText | None:
        """The right answer as {zh, en} text for the result page (None when there is none)."""
        return None

    # -- the attempt page's form ---------------------------------------------------------------

    def read_form(
        self, question: Question, layout: Mapping[str, Any], form: Any, name: str
    ) -> dict[str, Any] | None:
        """The response from the attempt page's fields named ``name`` (None: not answered).

        ``form`` is a werkzeug MultiDict (get, getlist); only its methods are used here.
        """
        return None

    def form_values(
        self, question: Question, layout: Mapping[str, Any], response: Mapping[str, Any]
    ) -> Mapping[str, Any]:
        """The saved response in the page's terms, to fill the form in again after a reload."""
        return response

    # -- Moodle GIFT ----------------------------------------------------------------------------

    def takes_gift(self, imported: GiftQuestion) -> bool:
        """True when an imported GIFT question becomes a question of this type."""
        return self.gift_qtype is not None and imported.qtype == self.gift_qtype

    def from_gift(self, imported: GiftQuestion, question: dict[str, Any]) -> None:
        """Fill in this type's keys of a bank question from an imported GIFT question."""

    def to_gift(self, question: Question, w: GiftWriter) -> str:
        """The question as GIFT after its comment lines (``w`` knows the title and feedback)."""
        raise NotImplementedError


# --- helpers --------------------------------------------------------------------------------


def is_number(value: Any) -> bool:
    """True for a real int/float (bool excluded, NaN/inf excluded)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return value == value and value not in (float("inf"), float("-inf"))


def localised(value: Any) -> LocalText | None:
    """A {zh, en} dict for any text value (a missing language falls back to the other)."""
    if value is None:
        return None
    if isinstance(value, dict):
        zh = value.get("zh")
        en = value.get("en")
        zh_s = "" if zh is None else str(zh)
        en_s = "" if en is None else str(en)
        return {"zh": zh_s or en_s, "en": en_s or zh_s}
    text = str(value)
    return {"zh": text, "en": text}


def in_lang(value: Any, lang: str) -> str:
    """The text of a localised value in one language ("" for None).

    The same as ``localised(value)[lang]`` (Chinese for any other language), without building
    the dict: a page asks for about a hundred texts.
    """
    if value is None:
        return ""
    if not isinstance(value, dict):
        return str(value)
    zh, en = value.get("zh"), value.get("en")
    zh_s = "" if zh is None else str(zh)
    en_s = "" if en is None else str(en)
    return (en_s or zh_s) if lang == "en" else (zh_s or en_s)


def text_in(value: Any, lang: str | None) -> Any:
    """One language's text; lang None keeps both languages so the caller can localise later."""
    if lang is None:
        return localised(value)
    return in_lang(value, lang)


def items(container: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
    """The dict items of list ``key`` (anything else in the list is skipped)."""
    raw = container.get(key)
    if not isinstance(raw, list):
        return []
    return [item for item in raw if isinstance(item, dict)]


def ids(found: list[dict[str, Any]]) -> list[str]:
    """The string ids of some items, in order."""
    return [item["id"] for item in found if isinstance(item.get("id"), str)]


def by_id(found: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """Items by their string id."""
    return {i["id"]: i for i in found if isinstance(i.get("id"), str)}


def join(texts: list[LocalText | None], sep: Mapping[str, str] | str) -> LocalText:
    """{zh, en} texts joined per language (None texts left out)."""
    parts = [t for t in texts if t is not None]
    return {
        lang: (sep if isinstance(sep, str) else sep[lang]).join(t[lang] for t in parts)
        for lang in ("zh", "en")
    }


def fraction_of(item: Mapping[str, Any], default: float) -> float:
    """An item's ``fraction`` of the points, or ``default`` when it has none."""
    value = item.get("fraction")
    return float(value) if is_number(value) else default


def clamp(value: float) -> float:
    return min(1.0, max(0.0, value))


def non_identity_permutation(n: int, rng: random.Random) -> list[int]:
    """A shuffled order of range(n) that is never the authored order (for n >= 2)."""
    order = list(range(n))
    rng.shuffle(order)
    if n >= 2 and order == list(range(n)):
        # A rotation by 1..n-1 is never the identity, and stays deterministic for a seeded rng.
        shift = rng.randrange(1, n)
        order = order[shift:] + order[:shift]
    return order


def fallback_permutation(n: int) -> list[int]:
    """Used when a stored layout no longer fits the question; must not be the identity."""
    return [*range(1, n), 0] if n >= 2 else list(range(n))


def checked_ids(stored: Any, known_ids: list[str]) -> list[str]:
    """A stored order of ids fitted to the ids there are now."""
    if not isinstance(stored, list):
        return list(known_ids)
    known = set(known_ids)
    seen: set[str] = set()
    order: list[str] = []
    for item in stored:
        if isinstance(item, str) and item in known and item not in seen:
            seen.add(item)
            order.append(item)
    # Ids added to the question after the layout was made go last.
    return order + [i for i in known_ids if i not in seen]


class Skip(Exception):
    """A question that cannot be converted: not kept on GIFT import, not written on export.

    Import reasons are N_() msgids, shown translated on the upload page.  Export reasons are
    plain English texts: export warnings are read only at the command line.
    """

    def __init__(self, reason: str, **params: Any) -> None:
        self.message = Message(reason, params)
        super().__init__(str(self.message))


# --- GIFT import helpers (GIFT text is monolingual) -------------------------------------------


def both_langs(text: str) -> LocalText:
    """The same text as Chinese and English."""
    return {"zh": text, "en": text}


def with_feedback(item: dict[str, Any], feedback: str) -> dict[str, Any]:
    """``item`` with its feedback, kept only where the GIFT gives some."""
    if feedback:
        item["feedback"] = both_langs(feedback)
    return item


def letters(n: int) -> str:
    """Option ids: a, b, …, z, aa, ab, …"""
    out = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(ord("a") + r) + out
    return out
