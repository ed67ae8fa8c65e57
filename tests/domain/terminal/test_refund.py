"""Referenced refunds (退货): original reference no. and date, original card, ≤ the original."""

from __future__ import annotations

from tests.domain.terminal.kit import card, last, press, scenario, txn
from trainer.domain.terminal import render

REF = "141000000318"  # the reference no. of the starting sale (14:10:00, voucher 000318)
SETTLED = {"batch_open": False}


def refund(amount: int, card_id: str = "a", ref: str = REF, date: str = "1207") -> str:
    return f"3 123456 enter card:{card_id} {ref} enter {date} enter {amount} enter"


def test_the_refund_screens_ask_for_the_reference_no_and_date() -> None:
    steps = press(scenario(SETTLED), refund(2000))
    prompts = [render(step.screen, "zh")["lines"] for step in steps]
    assert ["请输入主管密码"] in prompts
    assert ["请刷原交易卡"] in prompts
    assert ["请输入原交易参考号"] in prompts
    assert ["请输入原交易日期(月月日日)"] in prompts
    assert [f"参考号 {REF}", "请输入退货金额"] in prompts


def test_partial_and_repeated_refunds_up_to_the_original() -> None:
    sc = scenario(SETTLED)
    first = last(sc, refund(2000))
    assert first.event.outcome == "approved"
    assert first.event.facts == []  # the batch is settled: a refund is the right tool
    made = txn(first, 319)
    assert (made.type, made.amount, made.original, made.card) == ("refund", 2000, 318, "a")
    assert "原凭证号：000318" in [line.text["zh"] for line in first.printed]
    again = last(sc, f"{refund(2000)} enter {refund(83000)}")
    assert again.event.outcome == "approved"
    assert txn(again, 318).status == "approved"  # a refunded sale stays approved


def test_refunds_above_what_is_left_are_refused() -> None:
    sc = scenario(SETTLED)
    over = last(sc, refund(85001))
    assert (over.event.outcome, over.event.rule) == ("refused", "REFUND_OVER_ORIGINAL")
    assert over.event.facts == ["refund_over_original"]
    second = last(sc, f"{refund(80000)} enter {refund(5001)}")
    assert second.event.rule == "REFUND_OVER_ORIGINAL"
    assert len(second.state.txns) == 2


def test_a_refund_to_another_card_is_refused_and_recorded() -> None:
    final = last(scenario(SETTLED), refund(2000, card_id="b"))
    assert final.event.rule == "CARD_MISMATCH"
    assert "refund_other_card" in final.event.facts


def test_a_host_that_does_not_check_the_card_lets_it_through() -> None:
    final = last(scenario({**SETTLED, "refund_checks_card": False}), refund(2000, card_id="b"))
    assert final.event.outcome == "approved"
    assert "refund_other_card" in final.event.facts


def test_a_wrong_reference_no_or_date_is_refused() -> None:
    sc = scenario(SETTLED)
    assert last(sc, refund(2000, ref="141000000999")).event.rule == "ORIGINAL_NOT_FOUND"
    assert last(sc, refund(2000, date="1206")).event.rule == "DATE_MISMATCH"


def test_the_date_must_have_four_digits() -> None:
    final = last(scenario(SETTLED), f"3 123456 enter card:a {REF} enter 127 enter")
    assert final.event.rule == "INPUT_INCOMPLETE"
    assert final.state.mode == "refund.date"
    assert final.screen.beep


def test_a_short_reference_no_is_padded_with_zeros() -> None:
    sc = scenario(
        {
            **SETTLED,
            "transactions": [
                {
                    "id": "s",
                    "type": "sale",
                    "card": "a",
                    "amount": 5000,
                    "minutes_ago": 5,
                    "ref": "000000000042",
                },
            ],
        }
    )
    final = last(sc, "3 123456 enter card:a 42 enter 1207 enter 5000 enter")
    assert final.event.outcome == "approved"


def test_a_refund_after_the_time_limit_is_refused() -> None:
    sc = scenario(
        {
            **SETTLED,
            "refund_days": 30,
            "transactions": [
                {
                    "id": "old",
                    "type": "sale",
                    "card": "a",
                    "amount": 5000,
                    "minutes_ago": 31 * 24 * 60,
                },
            ],
        }
    )
    # 31 days before 2026-12-07 14:20 is 2026-11-06 14:20: reference 142000000318, date 1106.
    assert last(sc, refund(1000, ref="142000000318", date="1106")).event.rule == "REFUND_TOO_OLD"


def test_refund_not_enabled_by_the_acquirer() -> None:
    final = last(scenario({"refund_enabled": False}), "3")
    assert final.event.rule == "REFUND_NOT_ENABLED"
    assert render(final.screen, "zh")["title"] == "退货"


def test_a_voided_or_reversed_sale_cannot_be_refunded() -> None:
    voided = scenario(
        {
            "transactions": [
                {"id": "s", "type": "sale", "card": "a", "amount": 5000, "minutes_ago": 10},
                {"type": "void", "card": "a", "amount": 5000, "minutes_ago": 9, "original": "s"},
            ]
        }
    )
    final = last(voided, refund(1000))
    assert final.event.rule == "ALREADY_VOIDED"
    reversed_ = scenario(
        {
            "transactions": [
                {
                    "id": "s",
                    "type": "sale",
                    "card": "a",
                    "amount": 5000,
                    "minutes_ago": 10,
                    "status": "reversed",
                    "ref": REF,
                },
            ]
        }
    )
    assert last(reversed_, refund(1000)).event.rule == "ALREADY_REVERSED"


def test_a_refund_cannot_be_refunded() -> None:
    sc = scenario(SETTLED)
    first = last(sc, refund(2000))
    again = f"{refund(2000)} enter {refund(1000, ref=txn(first, 319).ref)}"
    assert last(sc, again).event.rule == "NOT_REFUNDABLE"


def test_refunding_a_sale_that_could_be_voided_is_a_recorded_choice() -> None:
    final = last(scenario(), refund(2000))
    assert final.event.outcome == "approved"
    assert final.event.facts == ["refund_instead_of_void"]


def test_refunds_need_the_supervisor_password() -> None:
    assert last(scenario(), "3 000000 enter").event.rule == "SUPERVISOR_PASSWORD"


def test_a_magstripe_card_can_be_refunded_online() -> None:
    sc = scenario({**SETTLED, "cards": [card("a", chip=False, pan="6228480000001234")]})
    assert last(sc, refund(100)).event.outcome == "approved"
