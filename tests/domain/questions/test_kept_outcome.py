"""A grade rebuilt from the outcome kept at submit equals grading the answer again.

The result page reads each answer's kept outcome (grading.kept_outcome, stored as JSON with
the answer) instead of grading it on every view; this checks the two agree for every question
and response of the recorded corpus (every type, every kind of response, broken layouts).
"""

from __future__ import annotations

import json
import random

import pytest

from tests.domain.questions.corpus import _layouts, _responses
from tests.domain.questions.test_equivalence import _ids, corpus
from trainer.domain import questions as engine
from trainer.domain.questions import normalise_layout


@pytest.mark.parametrize("index", range(len(corpus()["questions"])), ids=_ids())
def test_regraded_from_kept_outcome_equals_grading_again(index: int) -> None:
    q = corpus()["questions"][index]
    rng = random.Random(f"responses:{q.get('id')}")
    for layout in _layouts(q):
        for response in _responses(q, normalise_layout(q, layout), rng):
            at_submit = engine.grade(q, response, layout, texts=False)
            # Through JSON, as the column stores it.
            kept = json.loads(json.dumps(engine.kept_outcome(at_submit), ensure_ascii=False))
            rebuilt = engine.regraded(q, kept, score=at_submit.score, status=at_submit.status)
            again = engine.grade(q, response, layout)
            # The note is stored on its own (service.stored_grade), as are score and status.
            assert rebuilt.to_dict() == {**again.to_dict(), "note": None}, response
