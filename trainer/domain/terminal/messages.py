"""Every text the terminal shows or prints, every rule code and every fact, in zh and en.

The Chinese texts are the ones cashiers read on Chinese countertop (UnionPay) terminals: 消费,
撤销, 退货, 预授权, 请输入主管密码, 请输入原凭证号, 原交易参考号 … The English ones are what an
English-language terminal shows. Texts live here, not in gettext catalogs, because a run's
screens and receipts are data (stored, replayed) in both languages at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from trainer.domain.terminal.model import LocalText


def tx(zh: str, en: str) -> LocalText:
    return {"zh": zh, "en": en}


#: Screen titles, prompts and labels.
T: dict[str, LocalText] = {
    "main": tx("中国银联 POS", "UnionPay POS"),
    "sale": tx("消费", "Sale"),
    "void": tx("撤销", "Void"),
    "refund": tx("退货", "Refund"),
    "preauth_menu": tx("预授权类", "Pre-authorization"),
    "preauth": tx("预授权", "Pre-auth"),
    "completion": tx("预授权完成", "Pre-auth completion"),
    "preauth_void": tx("预授权撤销", "Pre-auth cancellation"),
    "history": tx("交易查询", "Transaction history"),
    "reprint": tx("重打印", "Reprint"),
    "reprint_last": tx("重打印最后一笔", "Reprint last receipt"),
    "reprint_any": tx("重打印任意一笔", "Reprint by voucher no."),
    "settle": tx("结算", "Settlement"),
    "sign_on": tx("签到", "Sign on"),
    "amount": tx("请输入金额", "Enter amount"),
    "refund_amount": tx("请输入退货金额", "Enter refund amount"),
    "completion_amount": tx("请输入完成金额", "Enter completion amount"),
    "present_card": tx("请插卡/刷卡/挥卡", "Insert, swipe or tap card"),
    "present_original_card": tx("请刷原交易卡", "Present the original card"),
    "supervisor": tx("请输入主管密码", "Enter supervisor password"),
    "orig_voucher": tx("请输入原凭证号", "Enter original voucher no."),
    "orig_ref": tx("请输入原交易参考号", "Enter original reference no."),
    "orig_date": tx("请输入原交易日期(月月日日)", "Enter original date (MMDD)"),
    "orig_auth": tx("请输入原授权码", "Enter original authorization code"),
    "confirm": tx("确认请按[确认]，取消请按[取消]", "Press Enter to confirm, Cancel to stop"),
    "approved": tx("交易成功", "Approved"),
    "printing": tx("正在打印…", "Printing…"),
    "not_signed": tx("未签到，请先签到", "Not signed on: sign on first"),
    "signed_on": tx("签到成功", "Signed on"),
    "off": tx("终端已关机", "Terminal is off"),
    "power_hint": tx("按[电源]键开机", "Press Power to switch on"),
    "timeout": tx("交易超时 结果未知", "Timed out: result unknown"),
    # What a terminal says, no more: knowing not to re-run the card is what the learner practices.
    "timeout_hint": tx("接收超时，请查询交易结果", "No response: check the transaction result"),
    "reversal_sent": tx("冲正成功", "Reversal sent"),
    "reversal_pending": tx("冲正未上送", "Reversal not yet sent"),
    "offline_prompt": tx("网络不通，是否离线交易？", "No connection: take it offline?"),
    "offline_approved": tx("离线交易成功(待上送)", "Approved offline (to upload)"),
    "uploaded": tx("离线交易已上送", "Offline payments uploaded"),
    "upload_declined": tx(
        "离线交易已上送，有交易被拒，请查询", "Offline payments uploaded, some declined: check"
    ),
    "status_upload_declined": tx("上送被拒", "declined on upload"),
    "no_records": tx("无交易记录", "No transactions"),
    "settled_ok": tx("结算成功 对账平", "Settled: totals agreed"),
    "settled_mismatch": tx(
        "结算完成 对账不平，请联系收单机构",
        "Settled: totals not agreed. Call the acquirer",
    ),
    "paper_loaded": tx("已装纸", "Paper loaded"),
    "history_hint": tx("[↑][↓]翻页 [取消]返回", "Up/Down: scroll, Cancel: back"),
    "soft_previous": tx("上一笔", "Previous"),
    "soft_next": tx("下一笔", "Next"),
    "soft_back": tx("返回", "Back"),
    "status_approved": tx("成功", "approved"),
    "status_declined": tx("失败", "declined"),
    "status_unknown": tx("结果未知(待冲正)", "unknown (reversal pending)"),
    "status_reversed": tx("已冲正", "reversed"),
    "status_voided": tx("已撤销", "voided"),
    "status_offline": tx("离线(待上送)", "offline (to upload)"),
    "status_completed": tx("已完成", "completed"),
    "status_cancelled": tx("已撤销", "cancelled"),
    "card_label": tx("卡号", "Card no."),
    "voucher_label": tx("凭证号", "Voucher no."),
    "ref_label": tx("参考号", "Ref. no."),
    "auth_label": tx("授权码", "Auth. code"),
    "batch_label": tx("批次号", "Batch no."),
    "date_label": tx("日期/时间", "Date/time"),
    "orig_label": tx("原凭证号", "Original voucher no."),
    "merchant_label": tx("商户名称", "Merchant"),
    "terminal_label": tx("终端编号", "Terminal no."),
    "slip_title": tx("POS签购单", "POS sales slip"),
    "reprint_title": tx("重打印凭证", "REPRINT"),
    "settle_slip": tx("结算总计单", "Settlement total slip"),
    "signature": tx("持卡人签名：", "Cardholder signature:"),
    "offline_note": tx("离线交易", "Offline transaction"),
    "merchant_copy": tx("商户存根", "Merchant copy"),
    "cardholder_copy": tx("持卡人存根", "Cardholder copy"),
}

#: Names of the transaction types on screen and on slips.
TYPE_NAMES: dict[str, LocalText] = {
    "sale": T["sale"],
    "void": tx("消费撤销", "Void"),
    "refund": T["refund"],
    "preauth": T["preauth"],
    "completion": T["completion"],
    "preauth_void": T["preauth_void"],
}

#: What the issuer's response codes mean (the terminal prints the code and this text).
DECLINE_TEXTS: dict[str, LocalText] = {
    "01": tx("01 请持卡人与发卡行联系", "01 Refer to card issuer"),
    "04": tx("04 没收卡，请联系收单机构", "04 Pick up card"),
    "05": tx("05 发卡行不予承兑", "05 Do not honor"),
    "07": tx("07 特殊条件下没收卡", "07 Pick up card, special condition"),
    "41": tx("41 挂失卡，请没收", "41 Lost card: pick up"),
    "43": tx("43 被窃卡，请没收", "43 Stolen card: pick up"),
    "51": tx("51 余额不足", "51 Insufficient funds"),
}

_MANUAL_VOID = "payment-errors/02-void-refund-reversal#c20-chexiao-vs-tuihuo"
_MANUAL_REFUND = "payment-errors/02-void-refund-reversal#c8-partial-return"
_MANUAL_SETTLED = "payment-errors/02-void-refund-reversal#c17-void-rejected-settled"
_MANUAL_UNKNOWN = "payment-errors/03-unknown-results#c5-timeout-unknown"
_MANUAL_DECLINE = "payment-errors/04-declines-and-referrals#c10-declined"
_MANUAL_PICK_UP = "payment-errors/04-declines-and-referrals#c11-pick-up-card"
_MANUAL_OFFLINE = "emergency/01-network-outage#d1-offline-mode"
_MANUAL_RESTART = "emergency/02-power-loss#d2-after-restart"
_MANUAL_COPY = "payment-errors/03-unknown-results#c16-receipt-copy"
_MANUAL_PREAUTH = "payment-errors/02-void-refund-reversal#c18-pre-authorization"
_MANUAL_REFUND_RULES = "payment-errors/02-void-refund-reversal#c9-refund-rules"
_MANUAL_END_OF_DAY = "emergency/05-end-of-day#d5-reconciliation"


@dataclass(frozen=True)
class Rule:
    """A refusal: the terminal's error text, and (when it is the cashier's mistake) why, with
    the manual section that teaches the right way."""

    screen: LocalText
    explain: LocalText | None = None  # None: not the cashier's mistake (a beep, a decline)
    manual: str | None = None


RULES: dict[str, Rule] = {
    "UNKNOWN_KEY": Rule(tx("无效按键", "Invalid key")),
    "UNKNOWN_CARD": Rule(tx("读卡失败，请重试", "Card read error: try again")),
    "NO_CARD_HERE": Rule(tx("请先选择交易", "Choose a transaction first")),
    "AMOUNT_ZERO": Rule(tx("金额不能为零", "The amount cannot be zero")),
    "INPUT_INCOMPLETE": Rule(tx("输入位数不足", "Not enough digits")),
    "NO_CONNECTION": Rule(tx("通讯失败，交易未完成", "Communication failed: not completed")),
    "PAPER_OUT": Rule(tx("打印机缺纸，请装纸", "Printer out of paper: load paper")),
    "NO_TRANSACTION": Rule(tx("无交易记录", "No transaction")),
    "REFUND_NOT_ENABLED": Rule(
        tx("该交易未开通，请联系收单机构", "Not enabled: call the acquirer")
    ),
    "SIGN_ON_REQUIRED": Rule(
        T["not_signed"],
        tx(
            "终端重新开机或结算后要先签到，才能做交易。",
            "After a restart or a settlement the terminal must sign on before any transaction.",
        ),
        _MANUAL_RESTART,
    ),
    "SUPERVISOR_PASSWORD": Rule(
        tx("主管密码错", "Wrong supervisor password"),
        tx(
            "主管密码输错了。撤销和退货都要主管密码，输入时核对清楚。",
            "Wrong supervisor password. Voids and refunds need it: key it carefully.",
        ),
        _MANUAL_VOID,
    ),
    "ORIGINAL_NOT_FOUND": Rule(
        tx("原交易不存在", "Original transaction not found"),
        tx(
            "终端找不到这笔原交易。先在交易查询或顾客的签购单上核对凭证号、参考号。",
            "The terminal has no such original. Check the voucher or reference no. in the "
            "history or on the customer's slip first.",
        ),
        _MANUAL_VOID,
    ),
    "VOID_SETTLED": Rule(
        tx("原交易已结算，请做退货", "Already settled: use Refund"),
        tx(
            "这笔交易已经结算，不能再撤销，只能做退货。",
            "This transaction is already settled: it cannot be voided, only refunded.",
        ),
        _MANUAL_SETTLED,
    ),
    "VOID_AFTER_CUTOFF": Rule(
        tx("原交易已日切，请做退货", "Past the daily cut-off: use Refund"),
        tx(
            "撤销只能当日当批做；过了日切的交易要做退货。",
            "A void is same day, same batch only; after the daily cut-off, refund instead.",
        ),
        _MANUAL_VOID,
    ),
    "ALREADY_VOIDED": Rule(
        tx("原交易已撤销", "Original already voided"),
        tx(
            "这笔交易已经撤销过，不能再撤销或退货。",
            "This transaction was already voided: it cannot be voided or refunded again.",
        ),
        _MANUAL_VOID,
    ),
    "ALREADY_REVERSED": Rule(
        tx("原交易已冲正", "Original already reversed"),
        tx(
            "这笔交易已经冲正，顾客没有被扣款，不能撤销或退货。",
            "This transaction was reversed, so the customer was not charged: there is nothing "
            "to void or refund.",
        ),
        "payment-errors/03-unknown-results#reversal",
    ),
    "NOT_APPROVED": Rule(
        tx("原交易未成功", "Original was not approved"),
        tx(
            "原交易没有成功（失败或结果未知），不能撤销或退货。",
            "The original was not approved (declined or unknown): it cannot be voided or refunded.",
        ),
        _MANUAL_UNKNOWN,
    ),
    "NOT_VOIDABLE": Rule(
        tx("该交易不能撤销", "This transaction cannot be voided"),
        tx(
            "撤销只用于当批的消费。",
            "A void applies to a sale of the current batch only.",
        ),
        _MANUAL_VOID,
    ),
    "VOID_HAS_REFUND": Rule(
        tx("原交易已退货，不能撤销", "Original has a refund: cannot void"),
        tx(
            "这笔交易已经部分退货，不能再整笔撤销；剩余金额只能继续退货。",
            "This sale already has a refund: it cannot be voided; refund the rest instead.",
        ),
        _MANUAL_REFUND,
    ),
    "CARD_MISMATCH": Rule(
        tx("卡号与原交易不符", "Card does not match the original"),
        tx(
            "撤销、退货和预授权完成只能用原交易的卡。",
            "Voids, refunds and pre-auth completions go to the original card only.",
        ),
        _MANUAL_REFUND_RULES,
    ),
    "DATE_MISMATCH": Rule(
        tx("原交易日期不符", "Original date does not match"),
        tx(
            "原交易日期要和签购单上的一致（月月日日）。",
            "The original date must match the slip (MMDD).",
        ),
        _MANUAL_REFUND,
    ),
    "REFUND_OVER_ORIGINAL": Rule(
        tx("退货金额超限", "Refund exceeds the original"),
        tx(
            "退货总额不能超过原交易金额（已退的部分要算进去）。",
            "Refunds in total cannot exceed the original amount (count earlier refunds).",
        ),
        _MANUAL_REFUND,
    ),
    "REFUND_TOO_OLD": Rule(
        tx("超过退货期限，请联系收单机构", "Too old to refund: call the acquirer"),
        tx(
            "超过收单机构的退货期限，终端不能再退；请联系收单机构手工处理。",
            "Past the acquirer's refund time limit: the acquirer must adjust it manually.",
        ),
        _MANUAL_VOID,
    ),
    "NOT_REFUNDABLE": Rule(
        tx("该交易不能退货", "This transaction cannot be refunded"),
        tx(
            "只有成功的消费或预授权完成可以退货。",
            "Only an approved sale or pre-auth completion can be refunded.",
        ),
        _MANUAL_REFUND,
    ),
    "PREAUTH_CLOSED": Rule(
        tx("预授权已完成或已撤销", "Pre-auth already completed or cancelled"),
        tx(
            "这笔预授权已经完成或撤销过了。",
            "This pre-authorization was already completed or cancelled.",
        ),
        _MANUAL_PREAUTH,
    ),
    "PREAUTH_EXPIRED": Rule(
        tx("预授权已过期", "Pre-auth expired"),
        tx(
            "预授权超过了收单机构的期限，冻结已由发卡行释放。",
            "The pre-authorization is past the acquirer's limit: the issuer has released it.",
        ),
        _MANUAL_PREAUTH,
    ),
    "COMPLETION_OVER_LIMIT": Rule(
        tx("完成金额超限", "Completion amount over the limit"),
        tx(
            "完成金额超过了预授权允许的范围；超出部分要征得顾客同意另行收取。",
            "The completion is above what the pre-auth allows; charge any overage separately, "
            "with the guest's consent.",
        ),
        _MANUAL_PREAUTH,
    ),
    "OFFLINE_CHIP_ONLY": Rule(
        tx("离线交易仅限芯片卡", "Offline: chip cards only"),
        tx(
            "离线模式只接受芯片卡，不能刷磁条或手输卡号。",
            "Offline mode takes chip cards only: no swipe, no keyed entry.",
        ),
        _MANUAL_OFFLINE,
    ),
    "OFFLINE_PER_PAYMENT": Rule(
        tx("超过离线单笔限额", "Over the offline per-payment limit"),
        tx(
            "超过离线单笔限额，请顾客换其他支付方式，不能拆单。",
            "Over the offline per-payment limit: ask for another payment method; never split.",
        ),
        _MANUAL_OFFLINE,
    ),
    "OFFLINE_TOTAL": Rule(
        tx("超过离线累计限额", "Over the offline total limit"),
        tx(
            "离线交易累计已达上限，请顾客换其他支付方式。",
            "The offline total limit is reached: ask for another payment method.",
        ),
        _MANUAL_OFFLINE,
    ),
    "REPRINT_NOT_AVAILABLE": Rule(
        tx("原交易不在当前批次", "Not in the current batch"),
        tx(
            "重打印只限当前批次；结算后的交易请联系收单机构调取交易记录。",
            "Reprints cover the current batch only; after settlement ask the acquirer for a "
            "transaction record.",
        ),
        _MANUAL_COPY,
    ),
}

#: Facts a grader looks for, with why each is wrong and where the manual explains it.
FACTS: dict[str, tuple[LocalText, str]] = {
    "charged_while_unknown": (
        tx(
            "前一笔交易结果未知时又刷了同一张卡：冲正确认之前不能重新收款，否则可能重复扣款。",
            "The card was charged again while an earlier result was unknown: re-run only once "
            "the reversal is confirmed, or the customer may pay twice.",
        ),
        _MANUAL_UNKNOWN,
    ),
    "refund_other_card": (
        tx(
            "退货要退到原交易的卡，不能退到另一张卡。",
            "A refund goes back to the original card, never to another card.",
        ),
        _MANUAL_REFUND_RULES,
    ),
    "split_after_decline": (
        tx(
            "被拒后把金额拆成几笔小额再收（不论用哪张卡）：拆单是禁止的。",
            "After a decline the sale was split into smaller charges (on any card): splitting "
            "is prohibited.",
        ),
        _MANUAL_DECLINE,
    ),
    "retry_after_decline": (
        tx(
            "被拒的卡又刷了一次：应当请顾客换一种支付方式。",
            "A declined card was tried again: ask for another payment method instead.",
        ),
        _MANUAL_DECLINE,
    ),
    "retry_pick_up_card": (
        tx(
            "“没收卡”的卡绝不能再刷：在安全的前提下留下卡，致电授权中心。",
            "A pick-up card is never tried again: keep it if safe and call the authorization "
            "centre.",
        ),
        _MANUAL_PICK_UP,
    ),
    "void_attempt_after_settlement": (
        RULES["VOID_SETTLED"].explain or {},
        _MANUAL_SETTLED,
    ),
    "refund_over_original": (
        RULES["REFUND_OVER_ORIGINAL"].explain or {},
        _MANUAL_REFUND,
    ),
    "charged_twice": (
        tx(
            "同一张卡同一金额又收了一次，而第一笔仍然有效：顾客被扣了两次。",
            "The same card was charged the same amount again while the first charge stands: "
            "the customer paid twice.",
        ),
        "payment-errors/02-void-refund-reversal#c4-duplicate-charge",
    ),
    "refund_instead_of_void": (
        tx(
            "批次还没结算时应当撤销；退货也能退，但可能收费，钱要几天才到账。",
            "The batch was still open, so a void was the right tool; a refund works but may "
            "cost fees and takes days.",
        ),
        "payment-errors/01-confirm-and-correct#c1-overcharge-open-batch",
    ),
    "offline_after_decline": (
        tx(
            "被拒的交易不能转离线强行完成。",
            "A declined sale is never forced through offline.",
        ),
        _MANUAL_DECLINE,
    ),
    "sale_instead_of_completion": (
        tx(
            "这张卡有一笔预授权还没完成：应当做预授权完成，而不是另收一笔消费，否则顾客既被冻结又被扣款。",
            "This card has an open pre-authorization: complete it instead of charging a new "
            "sale, or the guest is both held and charged.",
        ),
        _MANUAL_PREAUTH,
    ),
    "split_to_dodge_limit": (
        tx(
            "超过离线限额被拒后拆成小额再收：拆单躲限额是禁止的。",
            "After the offline limit refused it, the sale was split into smaller amounts: "
            "splitting to dodge a limit is prohibited.",
        ),
        _MANUAL_OFFLINE,
    ),
    "settled_after_cutoff": (
        tx(
            "过了日切才结算：应在收单机构的日切之前结算。",
            "Settled after the daily cut-off: settle before the acquirer's cut-off.",
        ),
        _MANUAL_END_OF_DAY,
    ),
}

#: Facts that are refusals too: the refusal already counts as the mistake.
FACT_OF_RULE = {
    "VOID_SETTLED": "void_attempt_after_settlement",
    "REFUND_OVER_ORIGINAL": "refund_over_original",
}


def money(fen: int) -> str:
    """¥ and two decimals with thousands separators, as terminals and slips show it."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}¥{yuan:,}.{cents:02d}"
