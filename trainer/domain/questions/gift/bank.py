"""Imported GIFT questions as bank questions (docs/content-format.md), through each type.

What every question gets (id, type, tags, points, format, stem, general feedback) is set
here; the type whose ``takes_gift`` accepts the imported question fills in the rest
(``QuestionType.from_gift``) or refuses it (``Skip``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from trainer.domain.messages import LocatedMessage
from trainer.domain.questions.base import Skip, both_langs
from trainer.domain.questions.gift.model import GiftError, GiftImport, GiftQuestion
from trainer.domain.questions.registry import TYPES

_ID_OK = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:60].rstrip("-")


def to_bank_questions(imp: GiftImport, *, id_prefix: str) -> list[dict[str, Any]]:
    """Convert imported questions to this project's question dicts (docs/content-format.md).

    Ids come from the slugified ``::title::``, else ``<id_prefix>-<n>`` (n counts questions
    from 1); a repeated id gets ``-2``, ``-3``….  GIFT text is monolingual, so every
    localised text has the same text under ``zh`` and ``en``.  Feedback is stored only where
    the GIFT gives some.  Raises ``GiftError`` for questions the bank format cannot hold.
    """
    prefix = id_prefix.rstrip("-")
    if not _ID_OK.fullmatch(prefix):
        raise ValueError(f"id_prefix {id_prefix!r} must be lowercase letters, digits, hyphens")
    used: set[str] = set()
    next_suffix: dict[str, int] = {}
    out: list[dict[str, Any]] = []
    problems: list[LocatedMessage] = []
    for n, q in enumerate(imp.questions, start=1):
        base = _slug(q.title) if q.title else ""
        base = base or f"{prefix}-{n}"
        qid, k = base, next_suffix.get(base, 2)
        while qid in used:
            qid, k = f"{base}-{k}", k + 1
        next_suffix[base] = k
        used.add(qid)
        try:
            out.append(_bank_question(q, qid))
        except Skip as exc:
            problems.append(LocatedMessage(imp.filename, q.line, exc.message))
    if problems:
        raise GiftError(problems)
    return out


def bank_categories(imp: GiftImport, questions: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Question id -> GIFT category, for ``export_gift(categories=...)``.

    ``questions`` is what ``to_bank_questions(imp, ...)`` returned (same order).
    """
    return {
        b["id"]: q.category
        for b, q in zip(questions, imp.questions, strict=True)
        if q.category is not None
    }


def _bank_question(q: GiftQuestion, qid: str) -> dict[str, Any]:
    qtype = next(t for t in TYPES.values() if t.takes_gift(q))
    d: dict[str, Any] = {"id": qid, "type": qtype.name, "tags": list(q.tags)}
    if qtype.scored:
        d["points"] = 1  # Moodle's defaultmark; a description has none
    d["format"] = q.format
    d["stem"] = both_langs(q.text)
    if q.general_feedback:
        d["general_feedback"] = both_langs(q.general_feedback)
    qtype.from_gift(q, d)
    return d
