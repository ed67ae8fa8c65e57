"""What the printer prints: sales slips (签购单), reprints and the settlement total slip.

The card number is printed masked only (first 6 + last 4, as Chinese slips do). Reference
numbers and authorization codes are derived from the scenario, the time and the voucher no.,
so that the same run always prints the same slips.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from trainer.domain.terminal.messages import TYPE_NAMES, T, money, tx
from trainer.domain.terminal.model import LocalText, ReceiptLine, Scenario, TerminalState, Txn
from trainer.domain.terminal.rules import mask

TERMINAL_NO = "10260001"
MERCHANT_NO = "898310058120001"


def reference_no(time: str, trace: int) -> str:
    """A twelve-digit reference no. (参考号): the time of day and the voucher no."""
    return f"{time[11:13]}{time[14:16]}{time[17:19]}{trace % 1_000_000:06d}"


def auth_code(scenario_id: str, trace: int) -> str:
    """A six-digit authorization code (授权码), stable for a scenario and a voucher no."""
    digest = hashlib.sha256(f"{scenario_id}:{trace}".encode()).hexdigest()
    return f"{int(digest[:8], 16) % 1_000_000:06d}"


def _pair(label: str, value: str) -> LocalText:
    return tx(f"{T[label]['zh']}：{value}", f"{T[label]['en']}: {value}")


def slip(
    scenario: Scenario, txn: Txn, *, reprint: bool = False, cardholder: bool = False
) -> list[ReceiptLine]:
    """The slip of one transaction (a reprint says so in its title).

    The terminal prints the merchant copy (商户存根), which the cardholder signs and the store
    keeps; ``cardholder`` gives the copy the customer takes away (持卡人存根), unsigned."""
    card = scenario.start.card(txn.card)
    name = TYPE_NAMES.get(txn.type, T["sale"])
    merchant = scenario.start.merchant
    lines = [ReceiptLine(T["slip_title"], "title")]
    if reprint:
        lines.append(ReceiptLine(T["reprint_title"], "title"))
    lines += [
        ReceiptLine(T["cardholder_copy" if cardholder else "merchant_copy"]),
        ReceiptLine(
            tx(f"{T['merchant_label']['zh']}：{merchant['zh']}", f"Merchant: {merchant['en']}")
        ),
        ReceiptLine(_pair("terminal_label", TERMINAL_NO)),
        ReceiptLine(_pair("card_label", mask(card.pan) if card else "")),
        ReceiptLine(tx(f"交易类型：{name['zh']}", f"Transaction: {name['en']}")),
        ReceiptLine(_pair("batch_label", txn.batch)),
        ReceiptLine(_pair("voucher_label", txn.voucher)),
    ]
    if txn.auth:
        lines.append(ReceiptLine(_pair("auth_label", txn.auth)))
    if txn.ref:
        lines.append(ReceiptLine(_pair("ref_label", txn.ref)))
    lines.append(ReceiptLine(_pair("date_label", txn.time.replace("-", "/"))))
    if txn.original is not None:
        lines.append(ReceiptLine(_pair("orig_label", f"{txn.original:06d}")))
    if txn.offline:
        lines.append(ReceiptLine(T["offline_note"]))
    amount = money(txn.amount)
    lines.append(ReceiptLine(tx(f"金额：RMB {amount[1:]}", f"Amount: RMB {amount[1:]}"), "total"))
    if txn.type in ("sale", "preauth", "completion") and not cardholder:
        lines.append(ReceiptLine(T["signature"]))
    lines.append(ReceiptLine(tx("", ""), "cut"))
    return lines


def totals(batch: list[Txn]) -> dict[str, tuple[int, int]]:
    """Count and amount per side of a batch: charges (sales and completions that stand,
    offline ones included) and refunds. Voided sales and their voids cancel out."""
    charges = [
        t for t in batch if t.type in ("sale", "completion") and t.status in ("approved", "offline")
    ]
    refunds = [t for t in batch if t.type == "refund" and t.status == "approved"]
    return {
        "charges": (len(charges), sum(t.amount for t in charges)),
        "refunds": (len(refunds), sum(t.amount for t in refunds)),
    }


def totals_lines(sums: dict[str, tuple[int, int]]) -> list[LocalText]:
    """The totals as the settlement screen and slip show them."""
    (charges, charged), (refunds, refunded) = sums["charges"], sums["refunds"]
    return [
        tx(f"消费 {charges} 笔 {money(charged)}", f"Sales {charges}: {money(charged)}"),
        tx(f"退货 {refunds} 笔 {money(refunded)}", f"Refunds {refunds}: {money(refunded)}"),
    ]


def settlement(
    scenario: Scenario, state: TerminalState, sums: dict[str, tuple[int, int]], now: datetime
) -> list[ReceiptLine]:
    """The settlement total slip (结算总计单)."""
    merchant = scenario.start.merchant
    lines = [
        ReceiptLine(T["settle_slip"], "title"),
        ReceiptLine(
            tx(f"{T['merchant_label']['zh']}：{merchant['zh']}", f"Merchant: {merchant['en']}")
        ),
        ReceiptLine(_pair("terminal_label", TERMINAL_NO)),
        ReceiptLine(_pair("batch_label", state.batch)),
        ReceiptLine(_pair("date_label", now.strftime("%Y/%m/%d %H:%M:%S"))),
    ]
    lines += [ReceiptLine(line, "total") for line in totals_lines(sums)]
    agreed = "settled_ok" if scenario.start.settle_agrees else "settled_mismatch"
    lines += [ReceiptLine(T[agreed]), ReceiptLine(tx("", ""), "cut")]
    return lines
