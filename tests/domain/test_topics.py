"""Review topics (domain/topics.py): every case and emergency has a name, never its code."""

from __future__ import annotations

import pytest

from trainer.domain import topics

CODES = [f"C{n}" for n in range(1, 21)] + [f"D{n}" for n in range(1, 8)]


@pytest.mark.parametrize("code", CODES)
def test_each_case_is_named_by_its_situation(code: str) -> None:
    assert topics.is_case(code) and topics.is_known(code)
    name = topics.label(code, lambda msgid: msgid)
    assert name == topics.CASES[code]
    assert code not in name  # learners never see a case code


def test_only_case_codes_are_cases() -> None:
    assert set(topics.CASES) == set(CODES)
    for tag in ("C0", "C21", "D8", "timing", "c1"):
        assert not topics.is_case(tag)
