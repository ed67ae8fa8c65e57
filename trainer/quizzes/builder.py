"""Quizzes assembled on the web from any bank, and the second language of imported questions.

A quiz built here has the same definition as one read from quizzes/quizzes/<id>.yaml (the
content model's ``Quiz`` and ``Pool``), so the attempt engine draws from it the same way; its
``origin`` is ``web`` and content imports leave it alone. Saving it again is a new version
(``version`` in the definition, one audit event per version with the whole definition):
attempts already started keep their questions (versions by hash) and their pass mark.

GIFT text is monolingual: an imported question has the same text under zh and en. An admin
gives it its other language with ``translate_question``; that is a new version of the
question, drawn from the next attempt on.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from trainer import audit
from trainer.domain.content.model import Pool
from trainer.domain.content.model import Quiz as QuizSpec
from trainer.domain.messages import N_
from trainer.models import Counter, Question, QuestionBank, Quiz, User
from trainer.models.content import CONTENT_REVISION, question_hash, store_question_versions

MAX_TEXT = 4000  # characters in one translated text


@dataclass
class PoolInput:
    """One pool as the form gives it: a bank, tags (any of them), how many to draw."""

    bank: str
    tags: list[str]
    count: int


@dataclass
class QuizInput:
    """A quiz's settings as the form gives them (already checked for type and range)."""

    slug: str
    title: dict[str, str]
    pools: list[PoolInput]
    pass_mark: float
    time_limit_minutes: int | None
    max_attempts: int | None
    cooldown_minutes: int
    questions_per_page: int | None
    shuffle_questions: bool = True
    shuffle_options: bool = True


def available(session: Session, bank_slug: str, tags: list[str]) -> int:
    """Active questions of a bank a pool with ``tags`` may draw (descriptions are not drawn)."""
    rows = session.execute(
        select(Question.type, Question.tags)
        .join(QuestionBank, Question.bank_id == QuestionBank.id)
        .where(QuestionBank.slug == bank_slug, Question.active)
    ).all()
    wanted = set(tags)
    return sum(
        1
        for qtype, found in rows
        if qtype != "description" and (not wanted or wanted & set(found or []))
    )


def pool_problems(session: Session, pools: list[PoolInput]) -> dict[int, tuple[str, dict]]:
    """Pools that ask for more than their bank has: index -> (msgid, params) for the page."""
    problems = {}
    for i, pool in enumerate(pools):
        have = available(session, pool.bank, pool.tags)
        if pool.count > have:
            problems[i] = (
                N_("Bank %(bank)s has only %(have)d matching questions."),
                {"bank": pool.bank, "have": have},
            )
    return problems


def definition_of(data: QuizInput, version: int) -> dict[str, Any]:
    """The stored definition: the content model's shape (as an import writes it), versioned."""
    spec = QuizSpec(
        id=data.slug,
        title=data.title,
        description=None,
        course=None,
        pools=[Pool(p.bank, p.tags, [], [], p.count, []) for p in data.pools],
        shuffle_questions=data.shuffle_questions,
        shuffle_options=data.shuffle_options,
        time_limit_minutes=data.time_limit_minutes,
        pass_mark=data.pass_mark,
        max_attempts=data.max_attempts,
        cooldown_minutes=data.cooldown_minutes,
        grading="highest",
        review="after_submission",
        path=Path(),
        questions_per_page=data.questions_per_page,
    )
    definition = dataclasses.asdict(spec)
    definition.pop("path")
    definition["version"] = version
    return json.loads(json.dumps(definition, ensure_ascii=False))


def save_quiz(session: Session, data: QuizInput, actor: User, quiz: Quiz | None = None) -> Quiz:
    """Create a web quiz, or save a new version of one; the caller commits."""
    version = 1 if quiz is None else int(quiz.definition.get("version", 1)) + 1
    definition = definition_of(data, version)
    if quiz is None:
        quiz = Quiz(slug=data.slug, origin="web", course_code=None, active=True)
        session.add(quiz)
    quiz.title, quiz.definition = data.title, definition
    session.flush()
    # What quizzes may draw is cached per content revision (drawing.drawable).
    Counter.increment(session, CONTENT_REVISION)
    audit.record(
        session,
        "quiz.saved",
        actor=actor,
        target=quiz,
        details={"quiz": quiz.slug, "version": version, "definition": definition},
    )
    return quiz


# --- the second language of an imported question --------------------------------------------


def local_texts(value: Any, path: tuple = ()) -> Iterator[tuple[tuple, dict[str, str]]]:
    """Every {zh, en} text in a question's data, with its path (keys and list indexes)."""
    if isinstance(value, dict):
        if set(value) == {"zh", "en"} and all(isinstance(v, str) for v in value.values()):
            yield path, value
            return
        for key, item in value.items():
            yield from local_texts(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from local_texts(item, (*path, i))


def _with_text(value: Any, path: tuple, text: dict[str, str]) -> Any:
    """A copy of ``value`` with the text at ``path`` replaced."""
    if not path:
        return dict(text)
    head, rest = path[0], path[1:]
    if isinstance(value, list):
        return [_with_text(v, rest, text) if i == head else v for i, v in enumerate(value)]
    return {k: _with_text(v, rest, text) if k == head else v for k, v in value.items()}


def translate_question(
    session: Session, question: Question, texts: Mapping[tuple, dict[str, str]], actor: User
) -> bool:
    """Give an imported question's texts in both languages; False when nothing changed.

    ``texts`` maps a path from ``local_texts`` to its new {zh, en}; other paths are refused
    (ValueError), as are empty or too long texts.
    """
    known = dict(local_texts(question.data))
    data = question.data
    for path, text in texts.items():
        if path not in known:
            raise ValueError(f"no text at {path!r}")
        if any(not text.get(lang, "").strip() for lang in ("zh", "en")):
            raise ValueError("a text is empty")
        if any(len(text[lang]) > MAX_TEXT for lang in ("zh", "en")):
            raise ValueError("a text is too long")
        data = _with_text(data, path, {"zh": text["zh"].strip(), "en": text["en"].strip()})
    digest = question_hash(data)
    if digest == question.content_hash:
        return False
    question.data, question.content_hash = data, digest
    store_question_versions(session, [question])
    Counter.increment(session, CONTENT_REVISION)
    audit.record(
        session,
        "question.translated",
        actor=actor,
        target=question.bank,
        details={"question": question.qid, "version": digest[:12]},
    )
    return True
