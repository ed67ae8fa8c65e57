"""What the host answers: declines, referrals, timeouts and reversals (冲正), offline mode."""

from __future__ import annotations

import pytest

from tests.domain.terminal.kit import SALE_85, actions, card, last, past, press, scenario, txn
from trainer.domain.terminal import history, render, replay, start

NO_PAST = {"transactions": []}


def with_card(*outcomes: str, chip: bool = True, **start: object):
    return scenario({**NO_PAST, "cards": [card("a", *outcomes, chip=chip)], **start})


@pytest.mark.parametrize(
    ("code", "text"),
    [
        ("05", "05 发卡行不予承兑"),
        ("51", "51 余额不足"),
        ("04", "04 没收卡，请联系收单机构"),
        ("07", "07 特殊条件下没收卡"),
        ("41", "41 挂失卡，请没收"),
        ("43", "43 被窃卡，请没收"),
    ],
)
def test_declines_show_the_code_and_keep_no_money(code: str, text: str) -> None:
    final = last(with_card(f"decline:{code}"), SALE_85)
    assert (final.event.outcome, final.event.rule) == ("declined", f"DECLINED_{code}")
    assert render(final.screen, "zh")["lines"] == [text]
    assert final.screen.kind == "error"
    assert final.printed == []
    declined = txn(final, 318)
    assert (declined.status, declined.code, declined.auth) == ("declined", code, "")


def test_a_referral_is_code_01() -> None:
    final = last(with_card("referral"), SALE_85)
    assert final.event.rule == "DECLINED_01"
    assert render(final.screen, "en")["lines"] == ["01 Refer to card issuer"]


def test_trying_a_declined_card_again_is_recorded() -> None:
    sc = with_card("decline:51", "approve")
    retry = last(sc, f"{SALE_85} enter {SALE_85}")
    assert retry.event.facts == ["retry_after_decline"]
    assert retry.event.outcome == "approved"  # 51 may be approved later by the issuer
    split = last(sc, f"{SALE_85} enter 1 4000 enter card:a")
    assert split.event.facts == ["split_after_decline"]


def test_a_pick_up_card_presented_again_is_recorded() -> None:
    final = last(with_card("decline:43"), f"{SALE_85} enter 1 100 enter card:a")
    assert final.event.facts == ["retry_pick_up_card"]


def test_a_timeout_leaves_the_result_unknown_and_prints_nothing() -> None:
    final = last(with_card("timeout"), SALE_85)
    assert (final.event.outcome, final.event.rule) == ("unknown", "TIMEOUT")
    assert render(final.screen, "zh")["lines"][0] == "交易超时 结果未知"
    assert final.printed == []
    assert txn(final, 318).status == "unknown"
    menu = last(with_card("timeout"), f"{SALE_85} enter")
    assert "冲正未上送" in render(menu.screen, "zh")["lines"]
    history = last(with_card("timeout"), f"{SALE_85} enter 5")
    assert any("结果未知" in line for line in render(history.screen, "zh")["lines"])


def test_waiting_online_sends_the_reversal() -> None:
    final = last(with_card("timeout"), f"{SALE_85} enter wait")
    assert final.event.outcome == "reversed"
    assert final.event.facts == ["reversal_sent"]
    assert txn(final, 318).status == "reversed"
    assert "冲正成功" in render(final.screen, "zh")["lines"]


def test_the_next_transaction_sends_the_reversal_first() -> None:
    final = last(with_card("timeout", "approve"), f"{SALE_85} enter {SALE_85}")
    assert final.event.facts == ["charged_while_unknown", "reversal_sent"]
    assert [t.status for t in final.state.txns] == ["reversed", "approved"]


def test_rerunning_after_the_reversal_is_fine() -> None:
    final = last(with_card("timeout", "approve"), f"{SALE_85} enter wait {SALE_85}")
    assert final.event.facts == []
    assert final.event.outcome == "approved"


def test_sign_on_sends_the_reversal() -> None:
    final = last(with_card("timeout"), f"{SALE_85} enter 8")
    assert "冲正成功" in render(final.screen, "zh")["lines"]
    assert txn(final, 318).status == "reversed"


def test_no_reversal_goes_out_while_the_line_is_down() -> None:
    sc = with_card("timeout", network=[(8, False)])  # down after the card (t=7)
    final = last(sc, f"{SALE_85} enter wait wait")
    assert txn(final, 318).status == "unknown"
    assert final.event.outcome == "ok"


def test_without_a_line_and_without_offline_mode_nothing_is_charged() -> None:
    final = last(with_card(online=False), SALE_85)
    assert final.event.rule == "NO_CONNECTION"
    assert final.state.txns == []


def test_sign_on_needs_the_line() -> None:
    assert last(with_card(online=False), "8").event.rule == "NO_CONNECTION"


OFFLINE = {
    "online": False,
    "offline_enabled": True,
    "offline_per_payment": 50000,
    "offline_total": 80000,
}


def test_offline_mode_asks_then_approves_a_chip_card_alone() -> None:
    steps = press(with_card(**OFFLINE), f"{SALE_85} enter")
    assert render(steps[-2].screen, "zh")["lines"][0] == "网络不通，是否离线交易？"
    final = steps[-1]
    assert final.event.outcome == "approved"
    sale = txn(final, 318)
    assert (sale.status, sale.offline, sale.ref) == ("offline", True, "")
    assert "离线交易" in [line.text["zh"] for line in final.printed]


def test_offline_is_chip_only() -> None:
    final = last(with_card(chip=False, **OFFLINE), f"{SALE_85} enter")
    assert final.event.rule == "OFFLINE_CHIP_ONLY"


def test_offline_per_payment_and_total_limits() -> None:
    sc = with_card(**OFFLINE)
    assert last(sc, "1 50001 enter card:a enter").event.rule == "OFFLINE_PER_PAYMENT"
    assert last(sc, "1 50000 enter card:a enter").event.outcome == "approved"
    total = last(sc, "1 50000 enter card:a enter enter 1 30001 enter card:a enter")
    assert total.event.rule == "OFFLINE_TOTAL"


def test_cancel_declines_the_offline_offer() -> None:
    final = last(with_card(**OFFLINE), f"{SALE_85} cancel")
    assert final.state.mode == "main" and final.state.txns == []


def test_offline_payments_upload_when_the_line_returns_and_may_be_declined() -> None:
    sc = with_card("decline:51", **{**OFFLINE, "network": [(30, True)]})
    steps = replay(sc, actions(f"{SALE_85} enter enter") + actions("wait", start=40))
    final = steps[-1]
    assert final.event.outcome == "uploaded"
    assert final.event.facts == ["offline_uploaded"]
    assert (txn(final, 318).status, txn(final, 318).code) == ("declined", "51")


def test_a_declined_card_taken_offline_is_recorded() -> None:
    sc = with_card("decline:05", **{**OFFLINE, "online": True, "network": [(10, False)]})
    steps = replay(sc, actions(f"{SALE_85} enter") + actions(f"{SALE_85} enter", start=20))
    assert "offline_after_decline" in steps[-1].event.facts


def test_charging_the_same_amount_twice_is_recorded() -> None:
    final = last(with_card(), f"{SALE_85} enter {SALE_85}")
    assert final.event.facts == ["charged_twice"]


def test_pre_auth_timeout_is_reversed_too() -> None:
    final = last(with_card("timeout"), "4 1 30000 enter card:a enter wait")
    assert txn(final, 318).type == "preauth"
    assert txn(final, 318).status == "reversed"


def test_splitting_under_the_offline_limit_is_recorded() -> None:
    sc = with_card(**OFFLINE)
    final = last(sc, "1 60000 enter card:a enter enter 1 30000 enter card:a")
    assert final.event.facts == ["split_to_dodge_limit"]
    two = scenario({**NO_PAST, **OFFLINE, "cards": [card("a"), card("b")]})
    other = last(two, "1 60000 enter card:a enter enter 1 30000 enter card:b")
    assert other.event.facts == []  # another payment method is what the cashier asks for


def test_a_sale_on_a_card_with_an_open_pre_auth_is_recorded() -> None:
    sc = with_card()
    final = last(sc, f"4 1 30000 enter card:a enter {SALE_85}")
    assert final.event.facts == ["sale_instead_of_completion"]


def test_two_offline_sales_of_the_same_amount_are_recorded() -> None:
    final = last(with_card(**OFFLINE), f"{SALE_85} enter enter {SALE_85} enter")
    assert final.event.facts == ["charged_twice"]


def three_cards(**start: object):
    """Card a is declined (05); the customer also has cards b and c, which are approved."""
    cards = [card("a", "decline:05"), card("b"), card("c")]
    return scenario({**NO_PAST, "cards": cards, **start})


def facts_of(sc, text: str) -> list[list[str]]:
    """The facts of every card presented in ``text``."""
    return [s.event.facts for s in press(sc, text) if s.event.key.startswith("card:")]


# ¥680.00 declined on card a, then what the cashier does next.
DECLINED_680 = "1 68000 enter card:a enter"


@pytest.mark.parametrize(
    "then",
    [
        "1 40000 enter card:b enter 1 28000 enter card:b",  # uneven, on another card
        "1 40000 enter card:b enter 1 28000 enter card:c",  # spread over two other cards
        "1 10000 enter card:b enter 1 8000 enter card:c enter 1 50000 enter card:b",  # 3 parts
        "1 34000 enter card:b enter 1 34000 enter card:b",  # even (and a double charge)
    ],
)
def test_a_declined_amount_split_over_other_cards_is_recorded(then: str) -> None:
    *before, split = facts_of(three_cards(), f"{DECLINED_680} {then}")
    assert before[1:] == [[]] * (len(before) - 1)  # no part alone is a split
    assert "split_after_decline" in split


def test_a_declined_amount_split_on_the_declined_card_is_recorded_at_once() -> None:
    assert facts_of(three_cards(), f"{DECLINED_680} 1 28000 enter card:a")[-1] == [
        "split_after_decline"
    ]


@pytest.mark.parametrize(
    "then",
    [
        "1 68000 enter card:b",  # the whole amount on another card: what the cashier should do
        "1 60000 enter card:b",  # the customer buys less
        # paid in full; the next customers' sales add up to ¥680.00 by chance
        "1 68000 enter card:b enter 1 40000 enter card:c enter 1 28000 enter card:b",
        # later sales that do not add up to the declined amount
        "1 2000 enter card:b enter 1 3500 enter card:c enter 1 12000 enter card:b",
    ],
)
def test_no_split_without_parts_that_add_up_to_an_unpaid_declined_amount(then: str) -> None:
    assert facts_of(three_cards(), f"{DECLINED_680} {then}")[1:] == [[]] * len(
        facts_of(three_cards(), then)
    )


def test_a_declined_starting_transaction_counts_too() -> None:
    declined = {
        "type": "sale",
        "card": "a",
        "amount": 68000,
        "minutes_ago": 0,
        "status": "declined",
    }
    sc = three_cards(transactions=[declined])
    assert facts_of(sc, "1 40000 enter card:b enter 1 28000 enter card:c")[-1] == [
        "split_after_decline"
    ]


def test_an_offline_payment_declined_on_upload_counts_from_then() -> None:
    # Stored offline ¥460.00 (card a) and ¥120.00 (card b, taken after it): the upload declines
    # a. The ¥120.00 taken before anyone knew is not a part; ¥340.00 + ¥120.00 after it is.
    stored = [
        {"type": "sale", "card": "a", "amount": 46000, "minutes_ago": 30, "status": "offline"},
        {"type": "sale", "card": "b", "amount": 12000, "minutes_ago": 20, "status": "offline"},
    ]
    sc = three_cards(transactions=stored)
    assert facts_of(sc, "wait 1 34000 enter card:c") == [[]]
    split = facts_of(sc, "wait 1 34000 enter card:c enter 1 12000 enter card:c")
    assert split[-1] == ["split_after_decline"]


def test_a_split_over_other_cards_after_the_offline_limit_is_recorded() -> None:
    sc = scenario({**NO_PAST, **OFFLINE, "cards": [card("a"), card("b"), card("c")]})
    text = "1 60000 enter card:a enter enter 1 30000 enter card:b enter enter 1 30000 enter card:c"
    assert facts_of(sc, text)[-1] == ["split_to_dodge_limit"]


def stored_offline(**start: object):
    """Two payments stored offline before the start; the upload declines card a's (51)."""
    stored = [
        {"type": "sale", "card": "a", "amount": 14850, "minutes_ago": 30, "status": "offline"},
        {"type": "sale", "card": "b", "amount": 8600, "minutes_ago": 20, "status": "offline"},
    ]
    cards = [card("a", "decline:51", "approve"), card("b")]
    return scenario({**NO_PAST, "cards": cards, "transactions": stored, **start})


def test_a_stored_offline_payment_has_no_reference_until_it_uploads() -> None:
    final = last(stored_offline(), "wait")
    before = start(stored_offline()).txns
    assert [(t.offline, t.ref, t.auth) for t in before] == [(True, "", "")] * 2
    assert txn(final, 319).status == "approved" and txn(final, 319).ref


def test_an_upload_with_a_decline_says_so_and_the_history_keeps_it() -> None:
    uploaded = last(stored_offline(), "wait")
    assert render(uploaded.screen, "en")["lines"][-1] == (
        "Offline payments uploaded, some declined: check"
    )
    assert (txn(uploaded, 318).status, txn(uploaded, 318).code) == ("declined", "51")
    steps = press(stored_offline(), "wait 5 down")
    assert render(steps[-1].screen, "zh")["lines"][0] == "消费 000318"
    assert render(steps[-1].screen, "zh")["lines"][3].endswith("上送被拒 51")
    assert render(steps[-1].screen, "en")["lines"][3].endswith("declined on upload 51")
    # A declined online request is still not listed.
    assert [t.trace for t in history(last(three_cards(), DECLINED_680).state)] == []


def test_sign_on_uploads_and_says_so() -> None:
    signed = last(stored_offline(), "8")
    assert "离线交易已上送，有交易被拒，请查询" in render(signed.screen, "zh")["lines"]
    clean = scenario({**NO_PAST, "transactions": [past(status="offline")]})
    assert "Offline payments uploaded" in render(last(clean, "8").screen, "en")["lines"]


def test_retrying_a_payment_declined_on_upload_is_recorded() -> None:
    retry = last(stored_offline(), "wait 1 14850 enter card:a")
    assert retry.event.facts == ["retry_after_decline"]
    assert retry.event.outcome == "approved"  # 51 may pass later: still not to be retried
