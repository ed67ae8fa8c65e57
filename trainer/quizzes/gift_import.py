"""Moodle GIFT files in and out of the question bank (the database side of questions.gift).

``import_gift`` reads one GIFT file into one question bank of origin ``gift``, in the caller's
transaction: every problem (Moodle's refusals, questions the bank format cannot hold, a content
bank as the target) raises ``GiftError`` before anything is written, each message
``file:line: message`` (a ``LocatedMessage``, which the upload page translates). Question ids
are unique within a bank, not across banks, so one file can be imported into several banks.
Importing into the same bank again replaces its questions: changed ones are updated, new ones
added, and ones no longer in the file are retired (they stop being drawn; attempts keep their
versions).  ``export_bank`` writes a bank back as GIFT.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from trainer import audit
from trainer.db import utcnow
from trainer.domain.messages import N_, LocatedMessage, Message
from trainer.domain.questions import max_points
from trainer.domain.questions.gift import (
    GiftError,
    GiftExport,
    by_type_counts,
    decode_gift,
    export_gift,
    parse_gift,
    to_bank_questions,
)
from trainer.models import Counter, Question, QuestionBank, User
from trainer.models.content import CONTENT_REVISION, question_hash, store_question_versions

__all__ = ["SLUG_RE", "GiftError", "GiftExport", "GiftReport", "export_bank", "import_gift"]

#: A bank slug: lowercase letters, digits and single hyphens (it also prefixes question ids).
SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_SLUG_MAX = 120  # QuestionBank.slug
_QID_MAX = 160  # Question.qid
#: Where the importer keeps a question's GIFT ``$CATEGORY:`` in its data, for the export.
CATEGORY_KEY = "category"


@dataclass
class GiftReport:
    """What a GIFT import did.

    ``imported`` is Moodle's "Importing N questions" count (descriptions count, ``$CATEGORY:``
    switches do not); ``by_type`` counts them per Moodle question type (all seven keys);
    ``warnings`` are ``file:line: message`` (``LocatedMessage``s).  ``added``/``updated``/
    ``unchanged``/``retired`` say what changed in the bank (not part of ``to_json``).
    """

    bank: str
    imported: int
    by_type: dict[str, int]
    categories: list[str]
    warnings: list[LocatedMessage]
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0
    new_bank: bool = False
    questions: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The report as printed by ``trainer content import-gift --json``."""
        return {
            "bank": self.bank,
            "imported": self.imported,
            "by_type": dict(self.by_type),
            "categories": list(self.categories),
            "warnings": list(self.warnings),
        }


def _title(slug: str, categories: list[str]) -> dict[str, str]:
    """The bank title: the last part of the first category path, else the slug."""
    text = slug
    if categories:
        # Moodle writes a '/' inside a category name as '//'.
        parts = [p.replace("//", "/").strip() for p in re.split(r"(?<!/)/(?!/)", categories[0])]
        named = [p for p in parts if p and not (p.startswith("$") and p.endswith("$"))]
        if named and named[-1] != "top":
            text = named[-1]
    return {"zh": text, "en": text}


def import_gift(
    session: Session,
    data: bytes,
    *,
    filename: str,
    bank_slug: str,
    actor: User | None = None,
) -> GiftReport:
    """Import a GIFT file into the gift bank ``bank_slug`` (created when missing).

    Writes into ``session`` without committing; raises ``GiftError`` (nothing written) listing
    every problem as ``file:line: message``.
    """
    problems: list[LocatedMessage] = []

    def problem(line: int, msgid: str, /, **params: Any) -> None:
        problems.append(LocatedMessage(filename, line, Message(msgid, params)))

    slug_ok = bool(SLUG_RE.fullmatch(bank_slug)) and len(bank_slug) <= _SLUG_MAX
    if not slug_ok:
        problem(
            1,
            N_(
                "bank %(bank)s: a bank name is lowercase letters, digits and hyphens "
                "(at most %(max)d characters)"
            ),
            bank=repr(bank_slug),
            max=_SLUG_MAX,
        )
    bank = session.scalar(select(QuestionBank).where(QuestionBank.slug == bank_slug))
    if bank is not None and bank.origin != "gift":
        problem(
            1,
            N_(
                "bank %(bank)s holds %(origin)s questions (from quizzes/banks/%(slug)s.yaml); "
                "a GIFT file can only be imported into a GIFT bank: choose another bank name"
            ),
            bank=repr(bank_slug),
            origin=bank.origin,
            slug=bank_slug,
        )
    try:
        imp = parse_gift(decode_gift(data, filename), filename)
    except GiftError as exc:
        raise GiftError(problems + exc.problems) from None
    if not slug_ok:
        raise GiftError(problems)
    try:
        questions = to_bank_questions(imp, id_prefix=bank_slug)
    except GiftError as exc:
        raise GiftError(problems + exc.problems) from None
    for q, parsed in zip(questions, imp.questions, strict=True):
        if parsed.category is not None:
            q[CATEGORY_KEY] = parsed.category
        if len(q["id"]) > _QID_MAX:
            problem(
                parsed.line,
                N_("question id %(id)s is longer than %(max)d characters; use a shorter bank name"),
                id=repr(q["id"]),
                max=_QID_MAX,
            )

    ids = [q["id"] for q in questions]
    # Ids are unique within a bank, not across banks (Moodle's names need not be unique):
    # only this bank's questions are updated or retired.
    existing = (
        {
            row.qid: row
            for row in session.scalars(
                select(Question).where(Question.bank_id == bank.id, Question.qid.in_(ids))
            )
        }
        if ids and bank is not None
        else {}
    )
    if problems:
        raise GiftError(problems)

    report = GiftReport(
        bank=bank_slug,
        imported=len(imp.questions),
        by_type=by_type_counts(imp),
        categories=list(imp.categories),
        warnings=list(imp.warnings),
        questions=ids,
    )
    title = _title(bank_slug, imp.categories)
    if bank is None:
        bank = QuestionBank(slug=bank_slug, title=title, origin="gift")
        session.add(bank)
        session.flush()
        report.new_bank = True
    bank.title = title
    bank.imported_at = utcnow()

    touched = []
    for position, question in enumerate(questions):
        digest = question_hash(question)
        fields = dict(
            position=position,
            type=question["type"],
            tags=question.get("tags", []),
            difficulty=question.get("difficulty", 1),
            points=max_points(question),
            data=question,
            content_hash=digest,
            active=True,
        )
        row = existing.get(question["id"])
        if row is None:
            row = Question(bank_id=bank.id, qid=question["id"], **fields)
            session.add(row)
            report.added += 1
        else:
            if row.content_hash != digest or not row.active:
                report.updated += 1
            else:
                report.unchanged += 1
            for key, value in fields.items():
                setattr(row, key, value)
        touched.append(row)
    store_question_versions(session, touched)
    # Questions that are no longer in the file stop being drawn; attempts keep their versions.
    keep = set(ids)
    for row in session.scalars(
        select(Question).where(Question.bank_id == bank.id, Question.active)
    ):
        if row.qid not in keep:
            row.active = False
            report.retired += 1
    session.flush()
    Counter.increment(session, CONTENT_REVISION)
    audit.record(
        session,
        "gift.imported",
        actor=actor,
        target=bank,
        details={
            "bank": bank_slug,
            "file": filename,
            "imported": report.imported,
            "added": report.added,
            "updated": report.updated,
            "retired": report.retired,
        },
    )
    return report


def export_bank(session: Session, slug: str, lang: str = "en") -> GiftExport:
    """The active questions of bank ``slug`` as GIFT text in ``lang`` (LookupError if unknown).

    Questions imported from GIFT carry their ``$CATEGORY:``, which is written back.
    """
    bank = session.scalar(select(QuestionBank).where(QuestionBank.slug == slug))
    if bank is None:
        raise LookupError(f"there is no question bank {slug!r}")
    rows = session.scalars(
        select(Question)
        .where(Question.bank_id == bank.id, Question.active)
        .order_by(Question.position, Question.id)
    ).all()
    questions = [row.data for row in rows]
    categories = {
        row.qid: row.data[CATEGORY_KEY]
        for row in rows
        if isinstance(row.data.get(CATEGORY_KEY), str)
    }
    return export_gift(questions, lang=lang, categories=categories)
