"""Every shipped question grades, lays out, presents and exports exactly as recorded.

tests/fixtures/grading_corpus.json was recorded from the code before the question types moved
into trainer/domain/questions/ (see corpus.py): the questions themselves are stored in it, so a
later edit of the shipped banks does not change what is compared. Recorded again, on the same
stored questions, for two intended changes: "what to review" lists each lost question under
one topic (grading.review_topic), and a short answer's correct answer lists the accepted
variants in the page's language.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest

from tests.domain.questions.corpus import CORPUS, attempts, observe


@cache
def corpus() -> dict[str, Any]:
    return json.loads(CORPUS.read_text(encoding="utf-8"))


def _ids() -> list[str]:
    return [f"{q.get('bank')}:{q.get('id')}" for q in corpus()["questions"]]


@pytest.mark.parametrize("index", range(len(corpus()["questions"])), ids=_ids())
def test_question_behaves_as_recorded(index: int) -> None:
    question = corpus()["questions"][index]
    recorded = corpus()["observed"][index]
    # A JSON round trip, as recorded: tuples and lists compare the same way.
    assert json.loads(json.dumps(observe(question), ensure_ascii=False)) == recorded


def test_whole_attempts_total_as_recorded() -> None:
    observed = json.loads(json.dumps(attempts(corpus()["questions"]), ensure_ascii=False))
    assert observed == corpus()["attempts"]


def test_corpus_covers_every_question_type_and_kind_of_response() -> None:
    types = {q["type"] for q in corpus()["questions"]}
    assert types == {
        "single",
        "multiple",
        "truefalse",
        "ordering",
        "numeric",
        "matching",
        "short",
        "essay",
        "description",
        "scenario",
    }
    statuses = {
        g["grade"]["status"]
        for o in corpus()["observed"]
        for layout in o["layouts"]
        for g in layout["grades"]
    }
    assert statuses == {"correct", "partial", "incorrect", "unanswered", "needs_review"}
