"""Every registered question type is complete: its module, partial, tests and documentation."""

from __future__ import annotations

from pathlib import Path

import pytest

from trainer.domain.questions import QUESTION_TYPES, TYPES, QuestionType

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("name", QUESTION_TYPES)
def test_type_has_its_partial_tests_and_docs(name: str) -> None:
    qtype = TYPES[name]
    assert isinstance(qtype, QuestionType) and qtype.name == name
    assert (ROOT / "templates" / "quizzes" / "types" / f"{name}.html").is_file()
    assert (ROOT / "tests" / "domain" / "questions" / f"test_{name}.py").is_file()
    assert f"- `{name}` —" in (ROOT / "docs" / "content-format.md").read_text(encoding="utf-8")


def test_every_partial_belongs_to_a_type() -> None:
    partials = {p.stem for p in (ROOT / "templates" / "quizzes" / "types").glob("*.html")}
    assert partials == set(QUESTION_TYPES)
