"""What a quiz may draw, and the draw for a new attempt (split out of service.py).

A quiz's pools name banks (with tags, types and levels) and fixed questions. ``drawable``
reads the candidates in one query and caches them per content revision; ``draw_questions``
picks an attempt's questions from them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from flask import current_app, has_app_context
from sqlalchemy import and_, bindparam, null, or_, select
from sqlalchemy.orm import Session

from trainer.models import Question, QuestionBank, Quiz


def _candidates_statement(with_tags: bool):
    question, bank = Question.__table__, QuestionBank.__table__
    return (
        select(
            question.c.id,
            question.c.qid,
            bank.c.slug,
            bank.c.origin,
            question.c.type,
            question.c.difficulty,
            question.c.tags if with_tags else null().label("tags"),
            question.c.content_hash,
        )
        .select_from(question.join(bank, bank.c.id == question.c.bank_id))
        .where(
            question.c.active,
            or_(
                bank.c.slug.in_(bindparam("banks", expanding=True)),
                # Fixed questions are named by id: ids are unique among the shipped banks
                # only (a GIFT bank may reuse one), so they come from those.
                and_(
                    bank.c.origin == "content",
                    question.c.qid.in_(bindparam("qids", expanding=True)),
                ),
            ),
        )
        .order_by(bank.c.slug, question.c.position)
    )


# Tags are JSON: they are decoded only when a pool filters by them.
_CANDIDATES = {with_tags: _candidates_statement(with_tags) for with_tags in (False, True)}


@dataclass(frozen=True)
class Drawable:
    """What a quiz may draw: its fixed questions, and each pool's eligible questions.

    Both as (question id, version hash), pools in the order of the quiz's definition.
    """

    fixed: dict[str, tuple[int, str]]
    pools: list[list[tuple[int, str]]]


_DRAWABLE_LIMIT = 256  # (quiz, content revision) pairs kept per app


def drawable(session: Session, quiz: Quiz, revision: int | None = None) -> Drawable:
    """The quiz's drawable questions: one query, or the app's cache for this content revision.

    Every content import bumps the revision (models.content.CONTENT_REVISION), so a cached
    entry never outlives the content it was read from. Without a revision or an app context
    (scripts, tests) the query always runs.
    """
    cache = None
    if revision is not None and has_app_context():
        cache = current_app.extensions.setdefault("trainer.drawable", {})
        found = cache.get((quiz.id, revision))
        if found is not None:
            return found
    pools = quiz.definition.get("pools", [])
    fixed_qids = {qid for pool in pools for qid in pool.get("questions") or []}
    banks = {pool["bank"] for pool in pools if pool.get("bank") and pool.get("count")}
    rows = []
    if fixed_qids or banks:
        statement = _CANDIDATES[any(pool.get("tags") for pool in pools)]
        rows = (
            session.connection()
            .execute(statement, {"banks": sorted(banks), "qids": sorted(fixed_qids)})
            .all()
        )
    by_bank: dict[str, list] = {}
    for row in rows:
        by_bank.setdefault(row.slug, []).append(row)
    eligible = []
    for pool in pools:
        types, levels = pool.get("types"), pool.get("difficulty")
        wanted = set(pool.get("tags") or [])
        from_bank = by_bank.get(pool.get("bank"), []) if pool.get("count") else []
        eligible.append(
            [
                (row.id, row.content_hash)
                for row in from_bank
                if (not types or row.type in types)
                and (not levels or row.difficulty in levels)
                and (not wanted or wanted & set(row.tags or []))
            ]
        )
    result = Drawable(
        fixed={
            row.qid: (row.id, row.content_hash)
            for row in rows
            if row.qid in fixed_qids and row.origin == "content"
        },
        pools=eligible,
    )
    if cache is not None:
        if len(cache) >= _DRAWABLE_LIMIT:
            cache.clear()
        cache[(quiz.id, revision)] = result
    return result


def draw_questions(
    session: Session, quiz: Quiz, rng: random.Random, revision: int | None = None
) -> list[tuple[int, str]]:
    """(question id, version hash) for a new attempt: fixed questions, then draws from each pool.

    The candidates come from drawable() (one query, or none when cached); the chosen
    questions' data then comes from the version cache.
    """
    table = drawable(session, quiz, revision)
    chosen: dict[int, str] = {}  # insertion-ordered: the draw order
    for pool, eligible in zip(quiz.definition.get("pools", []), table.pools, strict=True):
        for qid in pool.get("questions") or []:
            if qid in table.fixed:
                chosen.setdefault(*table.fixed[qid])
        if pool.get("bank") and pool.get("count"):
            candidates = [entry for entry in eligible if entry[0] not in chosen]
            for question_id, digest in rng.sample(candidates, min(pool["count"], len(candidates))):
                chosen[question_id] = digest
    drawn = list(chosen.items())
    if quiz.definition.get("shuffle_questions", True):
        rng.shuffle(drawn)
    return drawn
