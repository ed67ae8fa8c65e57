"""Writing bank questions as GIFT, laid out like Moodle's own GIFT export.

What every question has (comment lines, title, stem, general feedback, dropped data) is
written here; the answer part is written by the question's type (``QuestionType.to_gift``),
through a ``GiftWriter`` that knows the question's language, format and warnings.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from trainer.domain.questions.base import Skip
from trainer.domain.questions.gift.model import FORMATS, GiftExport, _pct, _snap_grade
from trainer.domain.questions.gift.parser import _TAG_OK
from trainer.domain.questions.registry import TYPES


def _esc(text: str) -> str:
    """format.php repchar: escape \\ # = ~ { } : and write newlines as \\n."""
    out = text.replace("\\", "\\\\")
    for ch in "#=~{}:":
        out = out.replace(ch, "\\" + ch)
    return out.replace("\r", "").replace("\n", "\\n")


def _elem(text: str, fmt: str, default: str) -> str:
    """format.php write_questiontext: a ``[format]`` tag only when it differs from the default.

    A text starting with '[' or '%' always gets an explicit tag, or the importer would read
    its start as a format tag or an answer weight.
    """
    tag = ""
    if (text and fmt != default) or text.startswith(("[", "%")):
        tag = f"[{fmt}]"
    return tag + _esc(text)


def _pick(value: Any, lang: str, what: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        other = "zh" if lang == "en" else "en"
        text = value.get(lang) or value.get(other) or ""
        if not isinstance(text, str):
            raise Skip(f"{what} is not text")
        return text
    raise Skip(f"{what} is not a localised text")


def _weight_prefix(fraction: float, qid: str, warnings: list[str]) -> str:
    if _snap_grade(fraction) is None:
        warnings.append(
            f"{qid}: weight {_pct(fraction)}% is not one of Moodle's grades; Moodle will refuse it"
        )
    return f"%{_pct(fraction)}%"


def _num(x: Any) -> str:
    """A number as GIFT writes it, exactly (repr round-trips a float)."""
    if isinstance(x, bool) or not isinstance(x, int | float):
        raise Skip(f"{x!r} is not a number")
    value = float(x)
    if not math.isfinite(value):
        raise Skip(f"{x!r} is not a finite number")
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


class GiftWriter:
    """What a type's to_gift() needs to write one question: its texts, weights and layout."""

    def __init__(
        self,
        qid: str,
        lang: str,
        fmt: str,
        warnings: list[str],
        head: list[str],
        title: str,
        general_feedback: str,
    ) -> None:
        self.qid = qid
        self.lang = lang
        self.fmt = fmt
        self.warnings = warnings
        self.head = head
        self.title = title
        #: The general feedback's text ("" when there is none).
        self.general_feedback = general_feedback
        self._gf_out = f"####{_elem(general_feedback, fmt, fmt)}" if general_feedback else ""

    def warn(self, message: str) -> None:
        """A warning about this question (``id: message``)."""
        self.warnings.append(f"{self.qid}: {message}")

    def text(self, value: Any, what: str) -> str:
        """A localised text in the export's language (the other one when empty)."""
        return _pick(value, self.lang, what)

    def elem(self, value: Any, what: str) -> str:
        """A localised text written in the question's own format."""
        return _elem(self.text(value, what), self.fmt, self.fmt)

    def elem_text(self, text: str) -> str:
        """A plain text written in the question's own format."""
        return _elem(text, self.fmt, self.fmt)

    def esc(self, text: str) -> str:
        """A text with GIFT's special characters escaped."""
        return _esc(text)

    def weight(self, fraction: float) -> str:
        """An answer weight ``%50%`` (warned about when Moodle would refuse it)."""
        return _weight_prefix(fraction, self.qid, self.warnings)

    def number(self, x: Any) -> str:
        """A number exactly as GIFT writes it (Skip when it is not one)."""
        return _num(x)

    def bare(self) -> str:
        """The question with no answer part (a description)."""
        return "\n".join([*self.head, self.title]) + "\n"

    def inline(self, body: str) -> str:
        """The answer part on the title line: ``::id::stem{body####feedback}``."""
        return "\n".join([*self.head, f"{self.title}{{{body}{self._gf_out}}}"]) + "\n"

    def block(self, opener: str, lines: list[str]) -> str:
        """One answer per line between ``opener`` ("{" or "{#") and "}"."""
        out = [*self.head, self.title + opener, *lines]
        if self._gf_out:
            out.append("\t" + self._gf_out)
        out.append("}")
        return "\n".join(out) + "\n"


def export_gift(
    questions: Sequence[Mapping[str, Any]],
    *,
    lang: str = "en",
    categories: Mapping[str, str] | None = None,
) -> GiftExport:
    """Write bank questions as GIFT, laid out like Moodle's own GIFT export.

    ``lang`` picks the text of each localised field (falling back to the other language when
    empty).  ``categories`` maps question id -> category path; a ``$CATEGORY:`` line is written
    whenever it changes (see :func:`bank_categories`).  Question types GIFT cannot express
    (``ordering``, ``scenario``) and questions that cannot be written are skipped with a warning;
    data GIFT has no place for (units, rubrics, scenario panels) is dropped with a warning.
    Returns ``GiftExport(text, warnings)``.
    """
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")
    warnings: list[str] = []
    blocks: list[str] = []
    current: str | None = None
    for q in questions:
        qid = str(q.get("id", "?"))
        local: list[str] = []
        try:
            body = _write_question(q, qid, lang, local)
        except Skip as exc:
            warnings.append(f"{qid}: {exc}; skipped")
            continue
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            warnings.append(f"{qid}: not a well-formed question ({exc!r}); skipped")
            continue
        warnings.extend(local)
        category = (categories or {}).get(qid)
        if category is not None and category != current:
            if "\n" in category or "\r" in category:
                warnings.append(f"{qid}: category {category!r} has a line break; not written")
            else:
                blocks.append(
                    f"// question: 0  name: Switch category to {category}\n$CATEGORY: {category}\n"
                )
                current = category
        blocks.append(body)
    return GiftExport("\n".join(blocks), warnings)


def _write_question(q: Mapping[str, Any], qid: str, lang: str, warnings: list[str]) -> str:
    kind = q.get("type")
    qtype = TYPES.get(kind) if isinstance(kind, str) else None
    if qtype is not None and qtype.gift_qtype is None:
        raise Skip(f"GIFT has no {kind} questions")
    if qtype is None:
        raise Skip(f"unknown question type {kind!r}")
    fmt = q.get("format", "markdown")
    if fmt not in FORMATS:
        raise Skip(f"unknown format {fmt!r}")
    if q.get("scenario"):
        warnings.append(f"{qid}: the scenario panel is dropped (GIFT has no place for it)")
    for key, label in qtype.gift_drops:
        if q.get(key):
            warnings.append(f"{qid}: the {label} is dropped (GIFT has no place for it)")

    head = [f"// question: {qid}"]
    tags = [str(t) for t in q.get("tags") or []]
    good = [t for t in tags if _TAG_OK.fullmatch(t) and t == t.strip()]
    for bad in sorted(set(tags) - set(good)):
        warnings.append(f"{qid}: tag {bad!r} cannot be written in a GIFT comment; dropped")
    if good:  # Moodle's write_idnumber_and_tags layout; read back by the importer
        head.append("// " + " ".join(f"[tag:{t}]" for t in good))
    stem = _elem(_pick(q.get("stem"), lang, "stem"), fmt, "moodle")
    title = f"::{_esc(qid)}::{stem}"
    gf_value = q.get("general_feedback") or q.get("explanation")
    gf = _pick(gf_value, lang, "general feedback")
    return qtype.to_gift(q, GiftWriter(qid, lang, fmt, warnings, head, title, gf))
