"""Question dicts of every type for the question-type tests (pure Python, no Flask)."""

from __future__ import annotations

import random
from typing import Any

from trainer.domain.questions import (
    make_layout,
)


def L(name: str) -> dict[str, str]:
    """A localised text with distinct zh/en values."""
    return {"zh": f"{name}（中）", "en": f"{name} (en)"}


def S(name: str) -> dict[str, str]:
    """A localised secret: must never reach the browser before submission."""
    return {"zh": f"SECRET-{name}-zh", "en": f"SECRET-{name}-en"}


def single(**extra: Any) -> dict[str, Any]:
    q = {
        "id": "q-single",
        "type": "single",
        "tags": ["C1", "timing"],
        "manual": "payment-errors/01-confirm-and-correct#c1-overcharge-open-batch",
        "points": 2,
        "stem": L("stem"),
        "explanation": S("explanation"),
        "general_feedback": S("general"),
        "options": [
            {"id": "a", "text": L("A"), "correct": True, "feedback": S("fa")},
            {"id": "b", "text": L("B"), "feedback": S("fb")},
            {"id": "c", "text": L("C"), "feedback": S("fc")},
        ],
    }
    q.update(extra)
    return q


def multiple(**extra: Any) -> dict[str, Any]:
    q = {
        "id": "q-multiple",
        "type": "multiple",
        "tags": ["C2"],
        "points": 2,
        "stem": L("stem"),
        "options": [
            {"id": "a", "text": L("A"), "correct": True, "feedback": S("fa")},
            {"id": "b", "text": L("B"), "correct": True, "feedback": S("fb")},
            {"id": "c", "text": L("C"), "feedback": S("fc")},
            {"id": "d", "text": L("D"), "feedback": S("fd")},
        ],
    }
    q.update(extra)
    return q


def truefalse() -> dict[str, Any]:
    return {
        "id": "q-tf",
        "type": "truefalse",
        "tags": ["card-data-security"],
        "stem": L("stem"),
        "answer": False,
        "feedback_true": S("ft"),
        "feedback_false": S("ff"),
        "explanation": S("explanation"),
    }


def ordering(n: int = 4) -> dict[str, Any]:
    return {
        "id": "q-order",
        "type": "ordering",
        "tags": ["correction"],
        "points": 3,
        "stem": L("stem"),
        "steps": [{"id": f"s{i}", "text": L(f"step {i}")} for i in range(1, n + 1)],
    }


def numeric() -> dict[str, Any]:
    return {
        "id": "q-num",
        "type": "numeric",
        "tags": ["C8"],
        "stem": L("stem"),
        "unit": {"zh": "元", "en": "¥"},
        "answers": [
            {"value": 1152.00, "tolerance": 0.5, "feedback": S("exact")},
            {"min": 1100, "max": 1200, "fraction": 0.5, "feedback": S("close")},
        ],
    }


def matching() -> dict[str, Any]:
    return {
        "id": "q-match",
        "type": "matching",
        "tags": ["C20"],
        "points": 3,
        "stem": L("stem"),
        "pairs": [
            {"left": L("void"), "right": L("same day, unsettled")},
            {"left": L("refund"), "right": L("after settlement")},
            {"left": L("reversal"), "right": L("unknown result")},
        ],
    }


def short() -> dict[str, Any]:
    return {
        "id": "q-short",
        "type": "short",
        "tags": ["C20"],
        "stem": L("stem"),
        "answers": [
            {"text": "撤销", "feedback": S("zh-right")},
            {"text": "Void", "feedback": S("en-right")},
            {"text": "cancel", "fraction": 0.5, "feedback": S("half")},
        ],
    }


def essay() -> dict[str, Any]:
    return {
        "id": "q-essay",
        "type": "essay",
        "tags": ["escalation"],
        "points": 4,
        "stem": L("stem"),
        "rubric": S("rubric"),
    }


def description() -> dict[str, Any]:
    return {"id": "q-desc", "type": "description", "stem": L("read this")}


def scenario(points: int = 10) -> dict[str, Any]:
    # s1 -a(2)-> s2 -c(3)|-d(1)   ;   s1 -b(0, critical)-> s3 -e(1)   ; best path a, c = 5
    return {
        "id": "q-scen",
        "type": "scenario",
        "tags": ["C5", "escalation"],
        "manual": "payment-errors/03-unknown-results#c5-timeout-unknown",
        "points": points,
        "stem": L("intro"),
        "start": "s1",
        "steps": [
            {
                "id": "s1",
                "stem": L("terminal times out"),
                "scenario": {"kind": "terminal", "lines": [L("TIMEOUT")]},
                "options": [
                    {
                        "id": "a",
                        "text": L("check history"),
                        "consequence": S("ca"),
                        "points": 2,
                        "next": "s2",
                    },
                    {
                        "id": "b",
                        "text": L("run card again"),
                        "consequence": S("cb"),
                        "points": 0,
                        "critical": True,
                        "next": "s3",
                    },
                ],
            },
            {
                "id": "s2",
                "stem": L("history shows approval"),
                "options": [
                    {"id": "c", "text": L("print copy"), "consequence": S("cc"), "points": 3},
                    {
                        "id": "d",
                        "text": L("ask supervisor"),
                        "consequence": S("cd"),
                        "points": 1,
                        "next": None,
                    },
                ],
            },
            {
                "id": "s3",
                "stem": L("double charge"),
                "options": [
                    {"id": "e", "text": L("reverse"), "consequence": S("ce"), "points": 1},
                ],
            },
        ],
    }


def shipped_scenario(scenario_id: str = "overcharge-void") -> dict[str, Any]:
    """A shipped simulator scenario as the content checker copies it into a question."""
    from pathlib import Path

    from trainer.domain.content import simulator
    from trainer.domain.content.core import Checker

    _problems, content = Checker(Path(__file__).resolve().parents[3], None).run([simulator])
    return content.simulator[scenario_id].to_dict()


def terminal(**extra: Any) -> dict[str, Any]:
    """A terminal question on the void scenario; its expectations' messages are secrets."""
    scenario = shipped_scenario()
    for i, item in enumerate(scenario["expect"]):
        item["message"] = S(f"unmet{i}")
    for i, item in enumerate(scenario["forbid"]):
        item["why"] = S(f"why{i}")
    q = {
        "id": "q-terminal",
        "type": "terminal",
        "tags": ["C1"],
        "points": 3,
        "stem": L("stem"),
        "explanation": S("explanation"),
        "simulator": "overcharge-void",
        "simulator_scenario": scenario,
    }
    q.update(extra)
    return q


def all_questions() -> list[dict[str, Any]]:
    return [
        single(),
        multiple(),
        truefalse(),
        ordering(),
        numeric(),
        matching(),
        short(),
        essay(),
        scenario(),
        terminal(),
        description(),
    ]


def layout_of(question: dict[str, Any], seed: int = 7) -> dict[str, Any]:
    return make_layout(question, random.Random(seed), shuffle_options=True)


FORBIDDEN_KEYS = {
    "correct",
    "feedback",
    "feedback_true",
    "feedback_false",
    "general_feedback",
    "fraction",
    "answers",
    "answer",
    "explanation",
    "consequence",
    "points",
    "next",
    "critical",
    "rubric",
    "tolerance",
    "pairs",
    "start",
}


def walk(value: Any, path: str = "") -> list[tuple[str, Any]]:
    found = [(path, value)]
    if isinstance(value, dict):
        for key, item in value.items():
            found.append((f"{path}.{key}#key", key))
            found.extend(walk(item, f"{path}.{key}"))
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            found.extend(walk(item, f"{path}[{i}]"))
    return found


def assert_no_leak(view: dict[str, Any]) -> None:
    for where, value in walk(view):
        if where.endswith("#key") and where != ".points#key":
            assert value not in FORBIDDEN_KEYS, f"secret key {value!r} at {where}"
        if isinstance(value, str):
            assert "SECRET" not in value, f"secret text at {where}: {value}"
            # The short question's answers; a terminal's own menu shows 撤销 / Void.
            if not where.startswith(".screen."):
                assert value not in ("撤销", "Void", "cancel"), f"short answer at {where}"


def gift(text: str) -> list[dict[str, Any]]:
    """Bank questions from GIFT text, as the importer stores them."""
    from trainer.domain.questions.gift import parse_gift, to_bank_questions

    return to_bank_questions(parse_gift(text, "t.gift"), id_prefix="g")
