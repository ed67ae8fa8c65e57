"""The terminal question type (trainer/domain/questions/terminal.py): the key log, replayed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.domain.content.tree import BANK
from tests.domain.questions.builders import terminal
from trainer.domain.content import check_content, load_content
from trainer.domain.questions import CORRECT, INCORRECT, UNANSWERED, grade, present

VOID = ["2", *"123456", "enter", *"318", "enter", "enter", "card:a", "enter"]
SALE_85 = [*"1", *"8500", "enter", "card:a"]


def log(keys: list[str]) -> dict[str, Any]:
    return {"actions": [{"key": key, "t": float(i)} for i, key in enumerate(keys)]}


def test_a_void_then_the_right_sale_is_correct() -> None:
    g = grade(terminal(), log(VOID + SALE_85), {})
    assert (g.score, g.max_score, g.status) == (3.0, 3.0, CORRECT)
    assert g.critical == []


def test_only_the_void_misses_the_goal_and_earns_nothing() -> None:
    g = grade(terminal(), log(VOID), {})
    assert (g.score, g.status) == (0.0, INCORRECT)
    assert {"zh": "SECRET-unmet1-zh", "en": "SECRET-unmet1-en"} in [
        part["feedback"] for part in g.feedback
    ]


def test_charging_twice_is_a_critical_error() -> None:
    g = grade(terminal(), log([*SALE_85, "enter", *SALE_85, "enter", *VOID]), {})
    assert g.status == INCORRECT and g.score == 0.0
    assert [c["id"] for c in g.critical] == ["charged_twice"]


@pytest.mark.parametrize(
    "response",
    [
        {"actions": "enter"},
        {"actions": [{"key": 5, "t": 1}]},
        {"actions": [{"key": "1", "t": True}]},
        {"actions": [["1", 0]]},
        {"actions": [{"key": "1", "t": 0}] * 1001},
    ],
)
def test_a_malformed_log_is_invalid_not_an_error(response: dict[str, Any]) -> None:
    g = grade(terminal(), response, {})
    assert (g.score, g.status) == (0.0, INCORRECT)


def test_an_empty_log_is_unanswered() -> None:
    assert grade(terminal(), {"actions": []}, {}).status == UNANSWERED


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_present_shows_the_terminal_where_the_log_left_it(lang: str) -> None:
    first = present(terminal(), {}, lang)
    assert first["screen"]["kind"] == "menu" and first["receipt"] == []
    label = {"zh": "顾客的借记卡", "en": "the customer's debit card"}[lang]
    # The first card of the tray, sent by position: no authored card id reaches the page.
    assert {"key": "present:0", "label": label} in first["brief"]["cards"]
    assert first["brief"]["slips"]  # the customer's slip with its voucher no.
    after = present(terminal(), {}, lang, path=log(VOID)["actions"])
    assert after["receipt"]  # the void slip printed
    assert "expect" not in str(after) and "forbid" not in str(after)


def test_an_unknown_scenario_is_reported_at_the_question(tree: Path) -> None:
    text = (tree / BANK).read_text(encoding="utf-8")
    text += (
        "  - id: b-terminal\n"
        "    type: terminal\n"
        "    tags: [C1]\n"
        "    simulator: no-such-scenario\n"
        "    stem: {zh: 在终端上撤销, en: Void it on the terminal}\n"
    )
    (tree / BANK).write_text(text, encoding="utf-8")
    messages = [str(p) for p in check_content(tree)]
    line = text.count("\n") - 4
    assert (
        f'{BANK}:{line}: question "b-terminal": unknown simulator scenario "no-such-scenario"'
        in messages
    )


def test_a_known_scenario_is_copied_into_the_question(tree: Path) -> None:
    shipped = Path(__file__).resolve().parents[3] / "quizzes" / "simulator"
    (tree / "quizzes" / "simulator").mkdir(exist_ok=True)
    # The fixture tree's own manual and sources stand in for the shipped courses'.
    text = (shipped / "overcharge-void.yaml").read_text("utf-8")
    text = re.sub(r"(?m)^manual: .*$", "manual: basics/01-void-or-refund#check-the-batch", text)
    text = re.sub(r"(?m)^sources: .*$", "sources: [1]", text)
    (tree / "quizzes" / "simulator" / "overcharge-void.yaml").write_text(text, "utf-8")
    text = (tree / BANK).read_text(encoding="utf-8")
    text += (
        "  - id: b-terminal\n"
        "    type: terminal\n"
        "    tags: [C1]\n"
        "    simulator: overcharge-void\n"
        "    stem: {zh: 在终端上撤销, en: Void it on the terminal}\n"
    )
    (tree / BANK).write_text(text, encoding="utf-8")
    question = load_content(tree).questions["b-terminal"]
    assert question["simulator_scenario"]["id"] == "overcharge-void"
    assert grade(question, log(VOID + SALE_85), {}).status == CORRECT


def test_the_tray_position_is_turned_into_the_engines_card_key() -> None:
    from trainer.domain.questions.terminal import engine_key

    scenario = {"start": {"cards": [{"id": "a"}, {"id": "wrong-card"}]}}
    assert engine_key(scenario, "present:0") == "card:a"
    assert engine_key(scenario, "present:1") == "card:wrong-card"
    # Anything else goes to the engine as it came, which answers it with its own error screen.
    for key in ("present:9", "present:-1", "present:x", "enter", "card:a"):
        assert engine_key(scenario, key) == key
