"""Sale, void (撤销), history, reprint, screens and the JSON of the terminal's state."""

from __future__ import annotations

import json

import pytest

from tests.domain.terminal.kit import SALE_85, VOID_318, actions, last, past, press, scenario, txn
from trainer.domain.terminal import (
    Action,
    Scenario,
    TerminalState,
    apply,
    customer_slips,
    render,
    replay,
    screen_of,
    start,
)
from trainer.domain.terminal.rules import mask


def test_start_numbers_past_transactions_and_shows_the_main_menu() -> None:
    sc = scenario()
    state = start(sc)
    wrong = state.txn(318)
    assert wrong is not None
    assert (wrong.type, wrong.amount, wrong.status, wrong.batch) == (
        "sale",
        85000,
        "approved",
        "000101",
    )
    assert wrong.time == "2026-12-07 14:10:00"
    assert len(wrong.ref) == 12 and len(wrong.auth) == 6
    assert state.next_trace == 319
    screen = render(screen_of(sc, state), "zh")
    assert screen["kind"] == "menu"
    assert [item["label"] for item in screen["menu"]] == [
        "消费",
        "撤销",
        "退货",
        "预授权类",
        "交易查询",
        "重打印",
        "结算",
        "签到",
    ]
    english = render(screen_of(sc, state), "en")
    assert [item["label"] for item in english["menu"]][:3] == ["Sale", "Void", "Refund"]


def test_sale_keys_the_amount_in_fen_and_prints_a_masked_slip() -> None:
    steps = press(scenario(), SALE_85)
    shown = [render(step.screen, "zh")["input"] for step in steps[1:5]]
    assert shown == ["¥0.08", "¥0.85", "¥8.50", "¥85.00"]
    final = steps[-1]
    assert final.event.outcome == "approved"
    assert final.event.txn == "000319"
    sale = txn(final, 319)
    assert (sale.type, sale.amount, sale.card, sale.status) == ("sale", 8500, "a", "approved")
    printed = [line.text["zh"] for line in final.printed]
    assert "卡号：622848******1234" in printed
    assert "金额：RMB 85.00" in printed
    assert not any("6228480000001234" in line for line in printed)
    assert final.printed[-1].style == "cut"


def test_void_needs_the_supervisor_password_and_the_original_voucher() -> None:
    steps = press(scenario(), VOID_318)
    assert render(steps[0].screen, "zh")["lines"] == ["请输入主管密码"]
    assert render(steps[6].screen, "zh")["input"] == "******"
    assert render(steps[7].screen, "zh")["lines"] == ["请输入原凭证号"]
    confirm = render(steps[11].screen, "zh")
    assert "¥850.00" in confirm["lines"] and "622848******1234" in confirm["lines"]
    assert render(steps[12].screen, "zh")["lines"] == ["请刷原交易卡"]
    final = steps[-1]
    assert final.event.outcome == "approved"
    assert txn(final, 318).status == "voided"
    void = txn(final, 319)
    assert (void.type, void.amount, void.original) == ("void", 85000, 318)
    assert "原凭证号：000318" in [line.text["zh"] for line in final.printed]


def test_void_then_the_right_amount() -> None:
    final = last(scenario(), f"{VOID_318} enter {SALE_85}")
    assert [(t.type, t.amount, t.status) for t in final.state.txns] == [
        ("sale", 85000, "voided"),
        ("void", 85000, "approved"),
        ("sale", 8500, "approved"),
    ]


def test_wrong_supervisor_password_is_refused() -> None:
    final = last(scenario(), "2 654321 enter")
    assert final.event.outcome == "refused"
    assert final.event.rule == "SUPERVISOR_PASSWORD"
    assert final.screen.kind == "error"
    assert render(final.screen, "zh")["lines"] == ["主管密码错"]
    assert final.state.txn(318).status == "approved"  # type: ignore[union-attr]
    back = last(scenario(), "2 654321 enter enter")
    assert back.state.mode == "main"


def test_void_of_an_unknown_voucher_is_refused() -> None:
    assert last(scenario(), "2 123456 enter 999 enter").event.rule == "ORIGINAL_NOT_FOUND"


def test_void_with_another_card_is_refused() -> None:
    final = last(scenario(), "2 123456 enter 318 enter enter card:b")
    assert final.event.rule == "CARD_MISMATCH"
    assert final.state.txn(318).status == "approved"  # type: ignore[union-attr]


def test_void_without_the_card_when_the_acquirer_does_not_ask_for_it() -> None:
    final = last(scenario({"void_needs_card": False}), "2 123456 enter 318 enter enter")
    assert final.event.outcome == "approved"
    assert final.state.txn(318).status == "voided"  # type: ignore[union-attr]


def test_history_lists_the_batch_newest_first_and_scrolls() -> None:
    sc = scenario()
    steps = press(sc, f"{VOID_318} enter 5 down down up cancel")
    first = render(steps[-5].screen, "zh")["lines"]
    assert first[0] == "消费撤销 000319" and first[-2] == "1/2"
    second = render(steps[-4].screen, "zh")["lines"]
    assert second[0] == "消费 000318" and "已撤销" in second[3]
    assert steps[-3].event.outcome == "ignored"  # no third entry
    assert render(steps[-2].screen, "zh")["lines"][0] == "消费撤销 000319"
    assert steps[-1].state.mode == "main"


def test_the_history_labels_its_soft_keys_and_they_scroll_and_leave() -> None:
    steps = press(scenario(), f"{VOID_318} enter 5 f2 f2 f1 f4")
    shown = render(steps[-5].screen, "en")
    assert shown["softkeys"] == [
        {"key": "f1", "label": "Previous"},
        {"key": "f2", "label": "Next"},
        {"key": "f4", "label": "Back"},
    ]
    assert render(steps[-5].screen, "zh")["softkeys"][0]["label"] == "上一笔"
    assert render(steps[-4].screen, "zh")["lines"][0] == "消费 000318"  # F2: next
    assert steps[-3].event.outcome == "ignored"  # no third entry
    assert render(steps[-2].screen, "zh")["lines"][0] == "消费撤销 000319"  # F1: previous
    assert steps[-1].state.mode == "main"  # F4: back
    # An empty history labels them too.
    empty = last(scenario({"transactions": []}), "5")
    assert [soft.key for soft in empty.screen.softkeys] == ["f1", "f2", "f4"]


@pytest.mark.parametrize("soft", ["f1", "f2", "f3", "f4"])
def test_soft_keys_beep_where_the_screen_does_not_label_them(soft: str) -> None:
    main = last(scenario(), soft)
    assert (main.event.outcome, main.state.mode, main.screen.softkeys) == ("ignored", "main", [])
    amount = last(scenario(), f"1 85 {soft}")
    assert (amount.event.outcome, amount.state.input) == ("ignored", "85")
    assert amount.screen.softkeys == []
    # F3 has no label on the history either.
    assert last(scenario(), "5 f3").event.outcome == "ignored"


def test_reprint_last_and_by_voucher() -> None:
    sc = scenario()
    last_copy = last(sc, "6 1")
    assert last_copy.event.outcome == "printed"
    titles = [line.text["zh"] for line in last_copy.printed if line.style == "title"]
    assert titles == ["POS签购单", "重打印凭证"]
    assert "凭证号：000318" in [line.text["zh"] for line in last_copy.printed]
    by_voucher = last(sc, "6 2 318 enter")
    assert by_voucher.event.txn == "000318"
    assert by_voucher.state.reprinted == [318]


def test_cancel_and_menu_leave_a_flow() -> None:
    assert last(scenario(), "1 85 cancel").state.mode == "main"
    assert last(scenario(), "2 12 menu").state.mode == "main"
    assert last(scenario(), "1 85 back back").state.input == ""


def test_replaying_twice_gives_identical_json() -> None:
    sc = scenario()
    log = actions(f"{VOID_318} enter {SALE_85} enter 5 down 6 1 7 enter")
    first = [step.to_dict() for step in replay(sc, log)]
    second = [step.to_dict() for step in replay(Scenario.from_dict(sc.to_dict()), log)]
    assert json.dumps(first, ensure_ascii=False) == json.dumps(second, ensure_ascii=False)


def test_state_and_scenario_round_trip_through_json() -> None:
    sc = scenario()
    assert Scenario.from_dict(json.loads(json.dumps(sc.to_dict()))) == sc
    state = last(sc, VOID_318).state
    again = TerminalState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert again == state
    step = apply(sc, again, Action("enter", 30))
    assert step.state.mode == "main"


def test_apply_does_not_change_the_state_it_is_given() -> None:
    sc = scenario()
    state = start(sc)
    before = state.to_dict()
    apply(sc, state, Action("1", 1))
    assert state.to_dict() == before


def test_the_customer_holds_the_slips_marked_in_the_scenario() -> None:
    sc = scenario(
        {
            "transactions": [
                {"type": "sale", "card": "a", "amount": 100, "minutes_ago": 20},
                {"type": "sale", "card": "a", "amount": 85000, "minutes_ago": 10, "slip": True},
            ]
        }
    )
    [slip] = customer_slips(sc)
    texts = [line.text["zh"] for line in slip]
    assert "凭证号：000319" in texts
    assert "参考号：141000000319" in texts
    assert "卡号：622848******1234" in texts
    # The customer's copy, not the one the store keeps (and signed on the merchant copy).
    assert "持卡人存根" in texts and "商户存根" not in texts
    assert "Cardholder copy" in [line.text["en"] for line in slip]
    assert not any("签名" in text for text in texts)


def test_the_terminal_prints_the_merchant_copy_for_signing() -> None:
    texts = [line.text["zh"] for line in last(scenario(), "1 8500 enter card:a").printed]
    assert "商户存根" in texts and "持卡人存根" not in texts
    assert "持卡人签名：" in texts


def test_starting_transactions_can_be_timed_to_the_second() -> None:
    # Two charges in one minute (a duplicate charge) must not show the same time.
    sc = scenario(
        {
            "transactions": [
                past(minutes_ago=18),
                {"type": "sale", "card": "a", "amount": 5000, "seconds_ago": 1075},
                {"type": "sale", "card": "a", "amount": 5000, "seconds_ago": 1049},
            ]
        }
    )
    times = [t.time for t in start(sc).txns]
    assert times == ["2026-12-07 14:02:00", "2026-12-07 14:02:05", "2026-12-07 14:02:31"]
    # The reference no. carries the time to the second, as on the slip.
    assert start(sc).txns[2].ref == "140231000320"
    # The history shows the seconds too, so the two charges can be told apart.
    shown = last(sc, "5 down").screen.lines
    assert {"zh": "12-07 14:02:05 成功", "en": "12-07 14:02:05 approved"} in shown


def test_a_zero_amount_beeps_and_stays() -> None:
    final = last(scenario(), "1 0 enter")
    assert (final.event.outcome, final.event.rule) == ("refused", "AMOUNT_ZERO")
    assert final.state.mode == "sale.amount"
    assert "金额不能为零" in render(final.screen, "zh")["lines"]
    assert last(scenario(), "1 enter").event.rule == "INPUT_INCOMPLETE"


def test_amounts_stop_at_ten_digits() -> None:
    final = last(scenario(), "1 12345678901")
    assert final.state.input == "1234567890"
    assert final.event.outcome == "ignored"


def test_the_card_is_checked_again_when_the_cutoff_passes_mid_void() -> None:
    sc = scenario({"clock": "2026-12-07 22:59", "transactions": [past(minutes_ago=1)]})
    log = actions("2 123456 enter 318 enter enter") + actions("card:a", start=120)
    final = replay(sc, log)[-1]
    assert final.event.rule == "VOID_AFTER_CUTOFF"


def test_history_shows_what_was_refunded() -> None:
    refund = "3 123456 enter card:a 141000000318 enter 1207 enter 2000 enter"
    final = last(scenario({"batch_open": False}), f"{refund} enter 5 down")
    # the settled sale is not in this batch's history: only the refund is
    assert render(final.screen, "zh")["lines"][0] == "退货 000319"
    sc = scenario(
        {"transactions": [past(amount=9000, minutes_ago=5, ref="142000000318")]},
    )
    partial = "3 123456 enter card:a 142000000318 enter 1207 enter 2000 enter"
    shown = last(sc, f"{partial} enter 5 down")
    assert "已退货 ¥20.00" in render(shown.screen, "zh")["lines"]


def test_refunds_and_completions_need_the_line() -> None:
    offline = scenario({"batch_open": False, "network": [(3, False)]})
    refund = "3 123456 enter card:a 141000000318 enter 1207 enter 2000 enter"
    assert last(offline, refund).event.rule == "NO_CONNECTION"
    pre = scenario({"transactions": [past("preauth", auth="123456")], "network": [(3, False)]})
    assert last(pre, "4 2 card:a 123456 enter 1207 enter 100 enter").event.rule == ("NO_CONNECTION")


def test_a_reversed_pre_auth_cannot_be_completed() -> None:
    sc = scenario({"transactions": [past("preauth", status="reversed", auth="123456")]})
    final = last(sc, "4 2 card:a 123456 enter 1207 enter 100 enter")
    assert final.event.rule == "ALREADY_REVERSED"


def test_masking_keeps_first_six_and_last_four() -> None:
    assert mask("6228480000001234") == "622848******1234"
    assert mask("6259650000000008841") == "625965*********8841"
