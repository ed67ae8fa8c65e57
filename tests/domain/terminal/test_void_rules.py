"""Voids (撤销): the open batch only, same business day, full amount, never twice."""

from __future__ import annotations

import pytest

from tests.domain.terminal.kit import VOID_318, actions, last, past, scenario, txn
from trainer.domain.terminal import render, replay


def void(voucher: int) -> str:
    return f"2 123456 enter {voucher} enter"


def test_a_settled_sale_cannot_be_voided() -> None:
    final = last(scenario({"batch_open": False}), void(318))
    assert (final.event.outcome, final.event.rule) == ("refused", "VOID_SETTLED")
    assert final.event.facts == ["void_attempt_after_settlement"]
    assert render(final.screen, "zh")["lines"] == ["原交易已结算，请做退货"]
    assert render(final.screen, "en")["lines"] == ["Already settled: use Refund"]


def test_after_settling_during_the_run_the_void_is_refused() -> None:
    final = last(scenario(), f"7 enter enter 8 enter {void(318)}")
    assert final.event.rule == "VOID_SETTLED"


def test_a_void_is_always_the_full_amount() -> None:
    final = last(scenario(), VOID_318)
    assert txn(final, 319).amount == txn(final, 318).amount == 85000


def test_a_voided_sale_cannot_be_voided_again() -> None:
    final = last(scenario(), f"{VOID_318} enter {void(318)}")
    assert final.event.rule == "ALREADY_VOIDED"


@pytest.mark.parametrize(
    ("status", "rule"),
    [
        ("reversed", "ALREADY_REVERSED"),
        ("unknown", "NOT_APPROVED"),
        ("declined", "ORIGINAL_NOT_FOUND"),  # a declined request is not in the journal
    ],
)
def test_a_sale_that_was_not_approved_cannot_be_voided(status: str, rule: str) -> None:
    sc = scenario({"transactions": [past(status=status)]})
    assert last(sc, void(318)).event.rule == rule


def test_only_a_sale_can_be_voided() -> None:
    final = last(scenario(), f"{VOID_318} enter {void(319)}")  # 319 is the void itself
    assert final.event.rule == "NOT_VOIDABLE"


def test_a_sale_with_a_refund_cannot_be_voided() -> None:
    refund = "3 123456 enter card:a 141000000318 enter 1207 enter 1000 enter"
    final = last(scenario(), f"{refund} enter {void(318)}")
    assert final.event.rule == "VOID_HAS_REFUND"


def test_after_the_daily_cutoff_a_void_is_refused() -> None:
    sc = scenario({"clock": "2026-12-07 22:55", "cutoff": "23:00"})
    steps_at = "2 123456 enter 318 enter"
    assert last(sc, steps_at).state.mode == "void.confirm"
    # the same keys ten minutes later: the sale at 22:45 belongs to the previous business day
    late = replay(sc, actions(steps_at, start=600))
    assert late[-1].event.rule == "VOID_AFTER_CUTOFF"


def test_a_sale_from_yesterday_in_an_open_batch_cannot_be_voided() -> None:
    sc = scenario(
        {
            "transactions": [
                {"type": "sale", "card": "a", "amount": 5000, "minutes_ago": 24 * 60},
            ]
        }
    )
    assert last(sc, void(318)).event.rule == "VOID_AFTER_CUTOFF"


def test_cancel_on_the_confirmation_keeps_the_sale() -> None:
    final = last(scenario(), "2 123456 enter 318 enter cancel")
    assert final.state.mode == "main"
    assert txn(final, 318).status == "approved"


def test_a_void_needs_the_line() -> None:
    final = last(scenario({"online": False}), VOID_318)
    assert final.event.rule == "NO_CONNECTION"
    assert txn(final, 318).status == "approved"
