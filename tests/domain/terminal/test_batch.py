"""Settlement, the daily cut-off, sign-on and power, paper, reprints, pre-authorization."""

from __future__ import annotations

from tests.domain.terminal.kit import (
    SALE_85,
    VOID_318,
    actions,
    card,
    last,
    past,
    press,
    scenario,
    txn,
)
from trainer.domain.terminal import render, replay

SETTLE = "7 enter"


def test_settlement_shows_and_prints_the_totals_and_opens_the_next_batch() -> None:
    sc = scenario()
    steps = press(
        sc,
        f"{VOID_318} enter {SALE_85} enter 3 123456 enter card:a 141000000318 "
        f"enter 1207 enter 100 enter enter {SETTLE}",
    )
    confirm = render(steps[-2].screen, "zh")["lines"]
    # the voided ¥850.00 and its void cancel out; the refund of the voided sale was refused
    assert confirm[:2] == ["消费 1 笔 ¥85.00", "退货 0 笔 ¥0.00"]
    final = steps[-1]
    assert final.event.outcome == "settled"
    assert render(final.screen, "zh")["lines"] == ["结算成功 对账平"]
    printed = [line.text["zh"] for line in final.printed]
    assert printed[0] == "结算总计单"
    assert "批次号：000101" in printed
    assert all(t.settled for t in final.state.txns)
    assert final.state.batch == "000102"
    assert final.state.settlements == 1


def test_after_settlement_the_terminal_signs_off_and_must_sign_on() -> None:
    sc = scenario()
    assert last(sc, f"{SETTLE} enter 1").event.rule == "SIGN_ON_REQUIRED"
    signed = last(sc, f"{SETTLE} enter 8 enter {SALE_85}")
    assert signed.event.outcome == "approved"
    assert txn(signed, 319).batch == "000102"
    stays = last(scenario({"sign_off_after_settlement": False}), f"{SETTLE} enter {SALE_85}")
    assert stays.event.outcome == "approved"


def test_totals_not_agreed() -> None:
    final = last(scenario({"settle_agrees": False}), SETTLE)
    assert final.event.rule == "TOTALS_NOT_AGREED"
    assert render(final.screen, "zh")["lines"] == ["结算完成 对账不平，请联系收单机构"]


def test_settling_after_the_cutoff_is_recorded() -> None:
    sc = scenario({"clock": "2026-12-07 22:50", "cutoff": "23:00"})
    on_time = replay(sc, actions(SETTLE))
    assert on_time[-1].event.facts == []
    late = replay(sc, actions(SETTLE, start=700))
    assert late[-1].event.facts == ["settled_after_cutoff"]


def test_settlement_uploads_offline_payments_and_sends_reversals_first() -> None:
    sc = scenario(
        {
            "transactions": [
                {"type": "sale", "card": "a", "amount": 100, "minutes_ago": 5, "status": "unknown"},
                {"type": "sale", "card": "b", "amount": 200, "minutes_ago": 4, "status": "offline"},
            ]
        }
    )
    final = last(sc, SETTLE)
    assert [t.status for t in final.state.txns] == ["reversed", "approved"]
    assert final.event.facts == ["reversal_sent", "offline_uploaded"]
    assert "消费 1 笔 ¥2.00" in [line.text["zh"] for line in final.printed]


def test_settlement_needs_the_line() -> None:
    final = last(scenario({"online": False}), SETTLE)
    assert final.event.rule == "NO_CONNECTION"
    assert final.state.batch == "000101"


def test_power_off_and_on_requires_sign_on() -> None:
    sc = scenario()
    off = last(sc, "power")
    assert off.screen.kind == "off" and off.event.outcome == "off"
    assert last(sc, "power 1").event.outcome == "ignored"
    on = last(sc, "power 1 power")
    assert on.state.mode == "main"
    assert "未签到，请先签到" in render(on.screen, "zh")["lines"]
    assert last(sc, "power power 1").event.rule == "SIGN_ON_REQUIRED"
    assert last(sc, "power power 8 enter 1").state.mode == "sale.amount"


def test_a_terminal_that_starts_off_with_a_lost_answer() -> None:
    sc = scenario(
        {
            "powered": False,
            "transactions": [
                {
                    "id": "lost",
                    "type": "sale",
                    "card": "a",
                    "amount": 8500,
                    "minutes_ago": 1,
                    "status": "unknown",
                },
            ],
        }
    )
    steps = press(sc, "1 power 5 enter wait 8")
    assert steps[0].event.outcome == "ignored"
    assert any("结果未知" in line for line in render(steps[2].screen, "zh")["lines"])
    assert steps[-2].event.outcome == "ok"  # no reversal goes out before the sign-on
    assert "冲正成功" in render(steps[-1].screen, "zh")["lines"]
    assert txn(steps[-1], 318).status == "reversed"
    assert steps[-1].state.signed_on


def test_history_and_reprint_work_before_sign_on() -> None:
    sc = scenario({"signed_on": False})
    assert last(sc, "5").state.mode == "history"
    assert last(sc, "6 1").event.outcome == "printed"


def test_out_of_paper_the_slip_waits_for_paper() -> None:
    sc = scenario({"paper": False})
    sale = last(sc, SALE_85)
    assert sale.event.outcome == "approved"
    assert sale.printed == []
    assert sale.event.rule == "PAPER_OUT"
    assert "打印机缺纸，请装纸" in render(sale.screen, "zh")["lines"]
    loaded = last(sc, f"{SALE_85} paper")
    assert loaded.event.outcome == "printed"
    assert "金额：RMB 85.00" in [line.text["zh"] for line in loaded.printed]
    assert last(sc, f"{SALE_85} paper paper").printed == []


def test_reprint_is_for_the_current_batch_only() -> None:
    sc = scenario()
    assert last(sc, f"{SETTLE} enter 6 1").event.rule == "NO_TRANSACTION"
    assert last(sc, f"{SETTLE} enter 6 2 318 enter").event.rule == "REPRINT_NOT_AVAILABLE"
    assert last(sc, "6 2 999 enter").event.rule == "ORIGINAL_NOT_FOUND"


def test_no_slip_to_reprint_for_an_unknown_result() -> None:
    sc = scenario(
        {
            "transactions": [
                {"type": "sale", "card": "a", "amount": 100, "minutes_ago": 5, "status": "unknown"},
            ]
        }
    )
    assert last(sc, "6 2 318 enter").event.rule == "NO_TRANSACTION"
    assert last(sc, "6 1").event.rule == "NO_TRANSACTION"


def test_reprint_last_prints_the_newest_slip() -> None:
    final = last(scenario(), f"{SALE_85} enter 6 1")
    assert "凭证号：000319" in [line.text["zh"] for line in final.printed]


PRE = {"transactions": [], "cards": [card("a", pan="6228480000001234"), card("b")]}
PREAUTH = "4 1 50000 enter card:a"


def auth_of(sc) -> str:
    return txn(last(sc, PREAUTH), 318).auth


def test_pre_auth_then_completion_by_auth_code() -> None:
    sc = scenario(PRE)
    auth = auth_of(sc)
    final = last(sc, f"{PREAUTH} enter 4 2 card:a {auth} enter 1207 enter 45000 enter")
    assert final.event.outcome == "approved"
    assert txn(final, 318).status == "completed"
    done = txn(final, 319)
    assert (done.type, done.amount, done.original, done.auth) == ("completion", 45000, 318, auth)


def test_completion_rules() -> None:
    sc = scenario(PRE)
    auth = auth_of(sc)
    complete = f"4 2 card:a {auth} enter 1207 enter"
    assert last(sc, f"{PREAUTH} enter {complete} 50001 enter").event.rule == (
        "COMPLETION_OVER_LIMIT"
    )
    roomy = scenario({**PRE, "completion_percent": 115})
    assert last(roomy, f"{PREAUTH} enter {complete} 57500 enter").event.outcome == "approved"
    twice = f"{PREAUTH} enter {complete} 100 enter enter {complete} 100 enter"
    assert last(sc, twice).event.rule == "PREAUTH_CLOSED"
    other = f"{PREAUTH} enter 4 2 card:b {auth} enter 1207 enter 100 enter"
    assert last(sc, other).event.rule == "CARD_MISMATCH"
    wrong_date = f"{PREAUTH} enter 4 2 card:a {auth} enter 1201 enter 100 enter"
    assert last(sc, wrong_date).event.rule == "DATE_MISMATCH"
    unknown = f"{PREAUTH} enter 4 2 card:a 1 enter 1207 enter 100 enter"
    assert last(sc, unknown).event.rule == "ORIGINAL_NOT_FOUND"


def test_an_expired_pre_auth_cannot_be_completed() -> None:
    sc = scenario(
        {
            "preauth_days": 30,
            "transactions": [
                {
                    "type": "preauth",
                    "card": "a",
                    "amount": 5000,
                    "minutes_ago": 31 * 24 * 60,
                    "auth": "123456",
                },
            ],
        }
    )
    final = last(sc, "4 2 card:a 123456 enter 1106 enter 100 enter")
    assert final.event.rule == "PREAUTH_EXPIRED"


def test_pre_auth_cancellation() -> None:
    sc = scenario(PRE)
    auth = auth_of(sc)
    cancel = f"4 3 123456 enter card:a {auth} enter 1207 enter"
    final = last(sc, f"{PREAUTH} enter {cancel}")
    assert final.event.outcome == "approved"
    assert txn(final, 318).status == "cancelled"
    assert txn(final, 319).type == "preauth_void"
    assert last(sc, f"{PREAUTH} enter {cancel} enter {cancel}").event.rule == "PREAUTH_CLOSED"
    assert last(sc, f"{PREAUTH} enter 4 3 1 enter").event.rule == "SUPERVISOR_PASSWORD"


def test_a_past_completion_closes_its_pre_auth() -> None:
    sc = scenario(
        {
            "transactions": [
                {
                    "id": "p",
                    "type": "preauth",
                    "card": "a",
                    "amount": 5000,
                    "minutes_ago": 60,
                    "auth": "123456",
                },
                {
                    "type": "completion",
                    "card": "a",
                    "amount": 5000,
                    "minutes_ago": 30,
                    "original": "p",
                },
            ]
        }
    )
    assert last(sc, "5").state.txns[0].status == "completed"
    assert last(sc, "4 2 card:a 123456 enter 1207 enter 100 enter").event.rule == "PREAUTH_CLOSED"


def test_the_completion_amount_screen_shows_the_auth_code() -> None:
    sc = scenario({"transactions": [past("preauth", auth="123456")]})
    screen = render(last(sc, "4 2 card:a 123456 enter 1207 enter").screen, "zh")
    assert screen["lines"] == ["授权码 123456", "请输入完成金额"]
    assert screen["title"] == "预授权完成"
