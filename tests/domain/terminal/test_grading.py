"""Grading a run from its action log, on the shipped C1 scenario (overcharge-void)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.domain.terminal.kit import actions, scenario
from trainer.domain.content import load_content
from trainer.domain.terminal import Action, Scenario, grade

SHIPPED = Path(__file__).parents[3]

VOID = "2 123456 enter 318 enter enter card:a enter"
SALE = "1 8500 enter card:a enter"


@pytest.fixture(scope="module")
def c1() -> Scenario:
    return load_content(SHIPPED).simulator["overcharge-void"]


def test_the_right_way_passes_with_full_marks(c1: Scenario) -> None:
    result = grade(c1, actions(f"{VOID} {SALE}"))
    assert result.passed
    assert result.score == 1.0
    assert (result.critical, result.unmet, result.mistakes) == ([], [], [])
    assert result.actions_used == 23
    assert result.seconds_used == 23.0
    json.dumps(result.to_dict(), ensure_ascii=False)


def test_a_wrong_password_on_the_way_is_a_mistake_not_a_failure(c1: Scenario) -> None:
    result = grade(c1, actions(f"2 111111 enter enter {VOID} {SALE}"))
    assert result.passed
    assert result.score == 0.9
    [mistake] = result.mistakes
    assert mistake["index"] == 7  # the enter that submitted the wrong password
    assert mistake["rule"] == "SUPERVISOR_PASSWORD"
    assert mistake["message"]["zh"].startswith("主管密码输错了")
    assert mistake["manual"] == "payment-errors/02-void-refund-reversal#c20-chexiao-vs-tuihuo"


def test_refunding_the_difference_instead_of_voiding_fails_with_an_explanation(
    c1: Scenario,
) -> None:
    refund = "3 123456 enter card:a 141000000318 enter 1207 enter 76500 enter"
    result = grade(c1, actions(refund))
    assert not result.passed
    assert result.critical == []
    assert [u["message"]["en"] for u in result.unmet] == [
        "The ¥850.00 sale should be voided in full.",
        "One new ¥85.00 sale on the customer's card should be approved.",
    ]
    assert result.unmet[0]["expect"] == {"txn": "wrong", "status": "voided"}
    [mistake] = result.mistakes
    assert mistake["rule"] == "refund_instead_of_void"
    assert mistake["manual"] == "payment-errors/01-confirm-and-correct#c1-overcharge-open-batch"
    assert result.score == 0.0


def test_charging_the_right_amount_twice_is_critical(c1: Scenario) -> None:
    result = grade(c1, actions(f"{VOID} {SALE} {SALE}"))
    assert not result.passed
    [critical] = result.critical
    assert critical["fact"] == "charged_twice"
    assert critical["index"] == 29  # the third card:a
    assert critical["why"]["zh"] == "同一金额又收了一次，顾客被扣了两次钱。"
    assert [u["expect"]["count"] for u in result.unmet] == [1]


def test_charging_before_voiding_still_passes_if_the_end_state_is_right(c1: Scenario) -> None:
    result = grade(c1, actions(f"{SALE} {VOID}"))
    assert result.passed


def test_trying_to_void_twice_is_a_mistake(c1: Scenario) -> None:
    result = grade(c1, actions(f"{VOID} 2 123456 enter 318 enter enter {SALE}"))
    assert result.passed
    assert [m["rule"] for m in result.mistakes] == ["ALREADY_VOIDED"]


def test_over_the_step_and_time_budget_lowers_the_score_only(c1: Scenario) -> None:
    slow = [Action(a.key, a.t * 20) for a in actions(f"{VOID} {SALE}")]
    assert grade(c1, slow).passed
    assert grade(c1, slow).score == 0.8
    busy = actions(f"{'up ' * 45}{VOID} {SALE}")
    result = grade(c1, busy)
    assert result.passed and result.actions_used == 68
    assert result.score == 0.8


def test_no_actions_meets_nothing(c1: Scenario) -> None:
    result = grade(c1, [])
    assert not result.passed
    assert len(result.unmet) == 2
    assert result.seconds_used == 0.0


def test_a_forbidden_fact_is_critical_even_when_the_terminal_refused(c1: Scenario) -> None:
    refund_b = Scenario.from_dict(
        {
            **c1.to_dict(),
            "start": {
                **c1.to_dict()["start"],
                "cards": [
                    *c1.to_dict()["start"]["cards"],
                    {
                        "id": "b",
                        "label": {"zh": "另一张卡", "en": "another card"},
                        "pan": "6222020000005678",
                        "outcomes": ["approve"],
                        "chip": True,
                    },
                ],
            },
        }
    )
    result = grade(
        refund_b, actions("3 123456 enter card:b 141000000318 enter 1207 enter 100 enter")
    )
    assert [c["fact"] for c in result.critical] == ["refund_other_card"]
    assert [m["rule"] for m in result.mistakes] == ["CARD_MISMATCH", "refund_other_card"]


def test_state_expectations() -> None:
    sc = scenario(
        {"transactions": []},
        expect=[
            {"settled": True},
            {"signed_on": True},
            {"reprinted": False},
            {"pending_reversal": False},
        ],
    )
    settled = grade(sc, actions("7 enter enter 8 enter"))
    assert settled.passed, settled.unmet
    unsettled = grade(sc, actions("6 1"))
    assert [u["message"]["en"] for u in unsettled.unmet] == ["The batch should be settled"]


def test_expecting_a_transaction_reprinted_or_none_at_all() -> None:
    sc = scenario(
        expect=[
            {"txn": "wrong", "reprinted": True},
            {"type": "sale", "amount": 8500, "count": 0},
        ]
    )
    assert grade(sc, actions("6 2 318 enter")).passed
    assert grade(sc, actions("6 1")).passed  # the last slip is the same sale
    missed = grade(sc, actions("1 8500 enter card:a"))
    assert [u["expect"] for u in missed.unmet] == [
        {"txn": "wrong", "reprinted": True},
        {"type": "sale", "amount": 8500, "count": 0},
    ]


def test_an_expectation_without_a_message_is_described() -> None:
    sc = scenario(expect=[{"type": "refund", "amount": 2000, "card": "a", "status": "approved"}])
    [unmet] = grade(sc, []).unmet
    assert unmet["message"] == {
        "zh": "应有退货 ¥20.00（甲卡）：成功",
        "en": "Expected: refund ¥20.00 on card A (approved)",
    }
