"""The terminal: what each key does on each screen, and the host it talks to.

``apply(scenario, state, action)`` is a pure function: it copies the state, runs the handler of
the current screen (``state.mode``) for the key, and returns the new state, its screen, what the
printer printed and the event (the action log's evidence). Refusals are the terminal's own error
screens with a rule code; no key string makes it raise.

Flows, as on Chinese countertop terminals (amounts are keyed in fen):

- 消费 sale: amount → card → host;
- 撤销 void: supervisor password → original voucher no. → confirm → original card → host;
- 退货 refund: supervisor password → card → original reference no. → original date → amount;
- 预授权 pre-auth: amount → card; 预授权完成: card → auth code → date → amount;
  预授权撤销: supervisor password → card → auth code → date;
- 交易查询 history (current batch), 重打印 reprint (last, or by voucher no.), 结算 settlement,
  签到 sign-on. ``power`` switches the terminal off and on (it must sign on again), ``paper``
  reloads the printer, ``wait`` lets time pass (a pending reversal goes out when online).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from trainer.domain.terminal import receipts
from trainer.domain.terminal.messages import DECLINE_TEXTS, RULES, T, money, tx
from trainer.domain.terminal.model import (
    Action,
    Card,
    Event,
    LocalText,
    ReceiptLine,
    Scenario,
    Step,
    TerminalState,
    Txn,
)
from trainer.domain.terminal.rules import (
    TIME_FORMAT,
    charge_facts,
    duplicate_charge,
    last_cutoff,
    offline_refusal,
    parse_clock,
    parse_time,
    preauth_refusal,
    refund_refusal,
    void_refusal,
    voidable,
)
from trainer.domain.terminal.screens import (
    HISTORY_SOFTKEYS,
    INPUTS,
    MAIN_MENU,
    PREAUTH_MENU,
    history,
    screen_of,
    title,
)

DIGITS = tuple(str(d) for d in range(10))
#: Every key the keypad sends; ``card:<id>`` (a scenario card presented) is accepted too.
KEYS = (
    *DIGITS,
    "00",
    "enter",
    "cancel",
    "back",
    "menu",
    "up",
    "down",
    "f1",
    "f2",
    "f3",
    "f4",
    "power",
    "paper",
    "wait",
)
CARD_PREFIX = "card:"
#: The longest time an action may carry (ten years): later times are treated as this.
MAX_SECONDS = 10 * 365 * 24 * 3600


class _Run:
    """One action being applied: the scenario, the state being changed and the event's parts."""

    def __init__(self, scenario: Scenario, state: TerminalState, action: Action) -> None:
        self.scenario = scenario
        self.start = scenario.start
        self.state = state
        self.key = action.key
        self.printed: list[ReceiptLine] = []
        self.outcome = "ok"
        self.rule: str | None = None
        self.txn: str | None = None
        self.facts: list[str] = []
        self.upload_declined = False  # a stored offline payment was declined on this upload

    @property
    def now(self) -> datetime:
        return parse_clock(self.start.clock) + timedelta(seconds=self.state.t)

    def card(self) -> Card | None:
        return self.start.card(self.key[len(CARD_PREFIX) :])

    # -- screens -------------------------------------------------------------------------------

    def goto(self, mode: str, **ctx: object) -> None:
        """Show screen ``mode``; ``ctx`` keeps what the flow collected so far."""
        self.state.mode = mode
        self.state.ctx = {**self.state.ctx, **ctx} if mode != "main" else {}
        self.state.input = ""

    def result(self, lines: list[LocalText], outcome: str = "ok") -> None:
        """A result screen under the flow's title; any key then returns to the main menu."""
        self.goto("result", title=title(self.state.mode), lines=lines)
        self.outcome = outcome

    def approved(self, txn: Txn, lines: list[LocalText] | None = None) -> None:
        """The host approved ``txn``: say so with its amount, and print its slip."""
        amount = money(txn.amount)
        self.result([*(lines or [T["approved"]]), tx(amount, amount)], "approved")
        self.print_slip(receipts.slip(self.scenario, txn), txn)

    def fail(self, rule: str, *, lines: list[LocalText] | None = None) -> None:
        """The terminal refuses: its error screen with the rule code; any key returns."""
        self.state.ctx = {
            "title": title(self.state.mode),
            "lines": lines or [RULES[rule].screen],
            "rule": rule,
        }
        self.state.mode = "error"
        self.state.input = ""
        self.outcome, self.rule = "refused", rule

    def beep(self, rule: str | None = None) -> None:
        """Refuse a key but stay on the screen (a beep, and the reason on the bottom line)."""
        self.state.ctx = {**self.state.ctx, "notice": rule or ""}
        self.outcome = "refused" if rule else "ignored"
        self.rule = rule

    def note(self, text: LocalText) -> None:
        """A one-line notice on the current screen (e.g. a reversal that went out)."""
        self.state.ctx = {**self.state.ctx, "note": text}

    # -- the host ------------------------------------------------------------------------------

    def exchange(self) -> bool:
        """Talk to the host if the line is up: first the pending reversals (冲正) and the stored
        offline payments, as real terminals do before anything else. False when offline."""
        if not self.state.online:
            return False
        for txn in self.state.txns:
            if txn.status == "unknown":
                txn.status = "reversed"
                self.facts.append("reversal_sent")
            elif txn.status == "offline":
                # Stored offline payments go to the issuer now, and may be declined now: the
                # merchant carries that risk. A timeout leaves one stored for the next exchange.
                card = self.start.card(txn.card)
                answer = self.issuer(card) if card else "approve"
                if answer == "approve":
                    txn.status = "approved"
                    txn.ref = receipts.reference_no(txn.time, txn.trace)
                elif answer != "timeout":
                    txn.status, txn.code = "declined", decline_code(answer)
                    self.refused("split_after_decline", txn.card, txn.amount)
                    self.upload_declined = True
                self.facts.append("offline_uploaded")
        return True

    def refused(self, fact: str, card: str, amount: int) -> None:
        """Remember a refused charge from now on, to notice a split of it (rules.split_facts)."""
        self.state.refused.append([fact, card, amount, len(self.state.txns)])

    def uploaded_text(self) -> LocalText:
        """What the screen says after stored offline payments went out."""
        return T["upload_declined" if self.upload_declined else "uploaded"]

    def issuer(self, card: Card) -> str:
        """The issuer's answer to this card's next online request."""
        attempt = self.state.attempts.get(card.id, 0)
        self.state.attempts[card.id] = attempt + 1
        return card.outcome(attempt)

    def new_txn(self, kind: str, card: str, amount: int, **fields: Any) -> Txn:
        """Journal a new transaction under the next voucher no. (approved unless ``fields``
        say otherwise)."""
        trace = self.state.next_trace
        self.state.next_trace += 1
        time = self.now.strftime(TIME_FORMAT)
        values: dict[str, Any] = {
            "status": "approved",
            "ref": receipts.reference_no(time, trace),
            "auth": receipts.auth_code(self.scenario.id, trace),
            **fields,
        }
        txn = Txn(
            trace=trace,
            type=kind,
            amount=amount,
            card=card,
            batch=self.state.batch,
            time=time,
            **values,
        )
        self.state.txns.append(txn)
        self.txn = txn.voucher
        return txn

    def print_slip(self, lines: list[ReceiptLine], txn: Txn | None = None) -> None:
        """Print, or keep the lines until paper is loaded."""
        if txn is not None:
            self.state.last_printed = txn.trace
        if not self.state.paper:
            self.state.unprinted.extend({"text": line.text, "style": line.style} for line in lines)
            self.note(RULES["PAPER_OUT"].screen)
            self.rule = self.rule or "PAPER_OUT"
            return
        self.printed.extend(lines)


# -- the handlers of each screen ---------------------------------------------------------------

Handler = Callable[[_Run], None]


def _main(run: _Run) -> None:
    for key, mode, _label, needs_sign_on in MAIN_MENU:
        if run.key != key:
            continue
        if needs_sign_on and not run.state.signed_on:
            run.fail("SIGN_ON_REQUIRED")
        elif mode == "refund.password" and not run.start.refund_enabled:
            run.goto(mode)
            run.fail("REFUND_NOT_ENABLED")
        elif mode == "sign_on":
            run.goto(mode)
            _sign_on(run)
        else:
            run.goto(mode)
        return
    run.beep("NO_CARD_HERE" if run.key.startswith(CARD_PREFIX) else None)


def _sign_on(run: _Run) -> None:
    if not run.exchange():
        run.fail("NO_CONNECTION")
        return
    run.state.signed_on = True
    lines = [T["signed_on"], tx(f"批次号 {run.state.batch}", f"Batch no. {run.state.batch}")]
    if "reversal_sent" in run.facts:
        lines.append(T["reversal_sent"])
    if "offline_uploaded" in run.facts:
        lines.append(run.uploaded_text())
    run.result(lines)


def _preauth_menu(run: _Run) -> None:
    for key, mode, _label in PREAUTH_MENU:
        if run.key == key:
            run.goto(mode)
            return
    run.beep()


def _confirmed(run: _Run) -> bool:
    """On a confirmation screen: True for enter; cancel leaves, any other key beeps."""
    if run.key == "enter":
        return True
    run.beep()
    return False


# -- reprint and history -----------------------------------------------------------------------


def _reprint_menu(run: _Run) -> None:
    if run.key == "1":
        original = run.state.txn(run.state.last_printed)
        if original is None:
            run.fail("NO_TRANSACTION")
        else:
            _reprint(run, original)
    elif run.key == "2":
        run.goto("reprint.voucher")
    else:
        run.beep()


def _reprint_voucher(run: _Run) -> None:
    if not _digits(run):
        return
    original = run.state.txn(int(run.state.input))
    if original is None or original.status == "declined":
        run.fail("ORIGINAL_NOT_FOUND")
    elif original.settled or original.batch != run.state.batch:
        run.fail("REPRINT_NOT_AVAILABLE")
    elif original.status in ("unknown", "reversed"):
        run.fail("NO_TRANSACTION")  # no slip was ever printed for it
    else:
        _reprint(run, original)


def _reprint(run: _Run, original: Txn) -> None:
    run.state.reprinted.append(original.trace)
    run.txn = original.voucher
    run.result([T["printing"]], "printed")
    run.print_slip(receipts.slip(run.scenario, original, reprint=True))


def _history(run: _Run) -> None:
    shown = history(run.state)
    index = int(run.state.ctx.get("index", 0))
    # The soft keys are labeled on this screen: F1 previous, F2 next, F4 back.
    key = {soft: means for soft, means, _label in HISTORY_SOFTKEYS}.get(run.key, run.key)
    if key == "down" and index + 1 < len(shown):
        run.state.ctx = {**run.state.ctx, "index": index + 1}
    elif key == "up" and index > 0:
        run.state.ctx = {**run.state.ctx, "index": index - 1}
    elif key in ("enter", "cancel"):
        run.goto("main")
    else:
        run.beep()


# -- input screens -----------------------------------------------------------------------------


def _digits(run: _Run) -> bool:
    """Edit the input with digit/back keys; True when enter was pressed on a complete input."""
    _prompt, kind, most = INPUTS[run.state.mode]
    key, current = run.key, run.state.input
    if key in DIGITS or key == "00":
        if len(current) + len(key) > most:
            run.beep()
        else:
            run.state.input = current + key
        return False
    if key == "back":
        run.state.input = current[:-1]
        return False
    if key != "enter":
        run.beep("NO_CARD_HERE" if key.startswith(CARD_PREFIX) else None)
        return False
    if not current or (kind == "date" and len(current) != most):
        run.beep("INPUT_INCOMPLETE")
        return False
    return True


def _amount(run: _Run) -> int | None:
    """The keyed amount in fen when enter is pressed on a non-zero amount."""
    if not _digits(run):
        return None
    amount = int(run.state.input)
    if amount == 0:
        run.beep("AMOUNT_ZERO")
        return None
    return amount


def _password(then: str) -> Handler:
    """A supervisor password screen (主管密码) leading to ``then``."""

    def handler(run: _Run) -> None:
        if not _digits(run):
            return
        if run.state.input == run.start.supervisor_password:
            run.goto(then)
        else:
            run.fail("SUPERVISOR_PASSWORD")

    return handler


def _keyed(then: str, name: str) -> Handler:
    """An input screen that keeps its digits as ``ctx[name]`` and moves on to ``then``."""

    def handler(run: _Run) -> None:
        if _digits(run):
            value = run.state.input
            run.goto(then, **{name: value.zfill(12) if name == "ref" else value})

    return handler


def _amount_then(then: str) -> Handler:
    def handler(run: _Run) -> None:
        amount = _amount(run)
        if amount is not None:
            run.goto(then, amount=amount)

    return handler


def _card(then: Callable[[_Run, Card], None]) -> Handler:
    """A screen waiting for a card (请插卡/刷卡/挥卡): other keys beep."""

    def handler(run: _Run) -> None:
        card = run.card() if run.key.startswith(CARD_PREFIX) else None
        if card is not None:
            then(run, card)
        else:
            run.beep()

    return handler


def _card_then(then: str) -> Handler:
    return _card(lambda run, card: run.goto(then, card=card.id))


# -- sale and pre-auth: money from the card ----------------------------------------------------


def _charge(run: _Run, card: Card) -> None:
    """Send a sale or a pre-auth to the issuer (or offer to take a sale offline)."""
    kind = run.state.mode.split(".")[0]
    amount = int(run.state.ctx.get("amount", 0))
    run.facts.extend(charge_facts(run.state, kind, card.id, amount))
    if not run.exchange():
        if kind == "sale" and run.start.offline_enabled:
            run.goto("offline.confirm", card=card.id)
        else:
            run.fail("NO_CONNECTION")
        return
    answer = run.issuer(card)
    if answer == "timeout":
        # The request went out and no answer came back: the issuer may have approved it. The
        # terminal cannot know, so it reverses it at its next exchange (see _Run.exchange).
        txn = run.new_txn(kind, card.id, amount, status="unknown", code="98", ref="", auth="")
        run.result([T["timeout"], T["timeout_hint"]], "unknown")
        run.rule = "TIMEOUT"
    elif answer != "approve":
        code = decline_code(answer)
        run.new_txn(kind, card.id, amount, status="declined", code=code, auth="")
        run.refused("split_after_decline", card.id, amount)
        text = DECLINE_TEXTS.get(code, tx(f"{code} 交易失败", f"{code} Declined"))
        run.fail(f"DECLINED_{code}", lines=[text])
        run.outcome = "declined"
    else:
        txn = run.new_txn(kind, card.id, amount)
        if duplicate_charge(run.state, txn):
            run.facts.append("charged_twice")
        run.approved(txn)


def decline_code(answer: str) -> str:
    """The response code of an issuer's refusal: ``decline:NN`` or ``referral`` (01)."""
    return "01" if answer == "referral" else answer.partition(":")[2] or "05"


def _offline_confirm(run: _Run) -> None:
    """网络不通，是否离线交易？ The terminal approves a chip card alone, within the limits."""
    card = run.start.card(str(run.state.ctx.get("card")))
    if not _confirmed(run) or card is None:
        return
    amount = int(run.state.ctx.get("amount", 0))
    refusal = offline_refusal(run.state, run.start, card.chip, amount)
    if refusal:
        if refusal != "OFFLINE_CHIP_ONLY":
            run.refused("split_to_dodge_limit", card.id, amount)
        run.fail(refusal)
        return
    if any(t.card == card.id and t.status == "declined" for t in run.state.txns):
        run.facts.append("offline_after_decline")
    txn = run.new_txn("sale", card.id, amount, status="offline", offline=True, ref="", auth="")
    if duplicate_charge(run.state, txn):
        run.facts.append("charged_twice")
    run.approved(txn, [T["offline_approved"]])


# -- void --------------------------------------------------------------------------------------


def _void_voucher(run: _Run) -> None:
    if not _digits(run):
        return
    original = run.state.txn(int(run.state.input))
    if original is None or original.status == "declined":
        run.fail("ORIGINAL_NOT_FOUND")
        return
    run.txn = original.voucher
    refusal = void_refusal(run.state, original, run.now, run.start)
    if refusal == "VOID_SETTLED":
        run.facts.append("void_attempt_after_settlement")
    if refusal:
        run.fail(refusal)
    else:
        run.goto("void.confirm", original=original.trace)


def _void_confirm(run: _Run) -> None:
    if not _confirmed(run):
        return
    if run.start.void_needs_card:
        run.goto("void.card")
    else:
        _void(run, None)


def _void(run: _Run, card: Card | None) -> None:
    original = run.state.txn(run.state.ctx.get("original"))
    if original is None:  # the flow always stores a voucher it found; stay total anyway
        run.fail("ORIGINAL_NOT_FOUND")
        return
    run.txn = original.voucher
    if card is not None and card.id != original.card:
        run.fail("CARD_MISMATCH")
        return
    # Checked again at the host: time has passed since the voucher was keyed (the daily
    # cut-off may have passed meanwhile).
    refusal = void_refusal(run.state, original, run.now, run.start)
    if refusal:
        run.fail(refusal)
    elif not run.exchange():
        run.fail("NO_CONNECTION")
    else:
        original.status = "voided"
        run.approved(run.new_txn("void", original.card, original.amount, original=original.trace))


# -- refund ------------------------------------------------------------------------------------


def _refund_amount(run: _Run) -> None:
    amount = _amount(run)
    if amount is None:
        return
    ctx = run.state.ctx
    card = str(ctx.get("card"))
    original = next(
        (t for t in run.state.txns if t.ref and t.ref == ctx.get("ref") and t.status != "declined"),
        None,
    )
    if original is None:
        run.fail("ORIGINAL_NOT_FOUND")
        return
    run.txn = original.voucher
    if card != original.card:
        run.facts.append("refund_other_card")
    refusal = None
    if parse_time(original.time).strftime("%m%d") != ctx.get("date"):
        refusal = "DATE_MISMATCH"
    refusal = refusal or refund_refusal(run.state, original, card, amount, run.now, run.start)
    if refusal == "REFUND_OVER_ORIGINAL":
        run.facts.append("refund_over_original")
    if refusal:
        run.fail(refusal)
    elif not run.exchange():
        run.fail("NO_CONNECTION")
    else:
        if voidable(run.state, original, run.now, run.start):
            run.facts.append("refund_instead_of_void")
        run.approved(run.new_txn("refund", card, amount, original=original.trace))


# -- pre-authorization completion and cancellation --------------------------------------------


def _preauth_checked(run: _Run, amount: int | None) -> Txn | None:
    """The pre-auth named by the keyed auth code and date, if the host accepts to complete
    (with ``amount``) or cancel it; otherwise the refusal is shown and None returned."""
    auth = str(run.state.ctx.get("auth", "")).zfill(6)
    preauth = next(
        (t for t in reversed(run.state.txns) if t.type == "preauth" and t.auth == auth), None
    )
    if preauth is None:
        run.fail("ORIGINAL_NOT_FOUND")
        return None
    run.txn = preauth.voucher
    refusal = None
    if parse_time(preauth.time).strftime("%m%d") != run.state.ctx.get("date"):
        refusal = "DATE_MISMATCH"
    card = str(run.state.ctx.get("card"))
    refusal = refusal or preauth_refusal(preauth, card, run.now, run.start, amount)
    if refusal:
        run.fail(refusal)
    elif not run.exchange():
        run.fail("NO_CONNECTION")
    else:
        return preauth
    return None


def _completion_amount(run: _Run) -> None:
    amount = _amount(run)
    preauth = _preauth_checked(run, amount) if amount is not None else None
    if amount is None or preauth is None:
        return
    preauth.status = "completed"
    run.approved(
        run.new_txn("completion", preauth.card, amount, original=preauth.trace, auth=preauth.auth)
    )


def _preauth_void_date(run: _Run) -> None:
    if not _digits(run):
        return
    run.state.ctx = {**run.state.ctx, "date": run.state.input}
    preauth = _preauth_checked(run, None)
    if preauth is None:
        return
    preauth.status = "cancelled"
    run.approved(run.new_txn("preauth_void", preauth.card, preauth.amount, original=preauth.trace))


# -- settlement --------------------------------------------------------------------------------


def _settle_confirm(run: _Run) -> None:
    """结算: upload what is pending, print the totals, close the batch and open the next."""
    if not _confirmed(run):
        return
    if not run.exchange():
        run.fail("NO_CONNECTION")
        return
    batch = [t for t in run.state.txns if t.batch == run.state.batch and not t.settled]
    if any(parse_time(t.time) < last_cutoff(run.now, run.start.cutoff) for t in batch):
        run.facts.append("settled_after_cutoff")
    agreed = run.start.settle_agrees
    run.result([T["settled_ok" if agreed else "settled_mismatch"]], "settled")
    run.rule = None if agreed else "TOTALS_NOT_AGREED"
    run.print_slip(receipts.settlement(run.scenario, run.state, receipts.totals(batch), run.now))
    for txn in batch:
        txn.settled = True
    run.state.settlements += 1
    run.state.batch = f"{int(run.state.batch) + 1:06d}"
    run.state.last_printed = None
    if run.start.sign_off_after_settlement:
        run.state.signed_on = False


def _back_to_main(run: _Run) -> None:
    run.goto("main")


#: What each screen does with a key (power, paper, wait, menu and cancel are handled first).
HANDLERS: dict[str, Handler] = {
    "main": _main,
    "result": _back_to_main,
    "error": _back_to_main,
    "history": _history,
    "reprint.menu": _reprint_menu,
    "reprint.voucher": _reprint_voucher,
    "preauth.menu": _preauth_menu,
    "sale.amount": _amount_then("sale.card"),
    "sale.card": _card(_charge),
    "offline.confirm": _offline_confirm,
    "void.password": _password("void.voucher"),
    "void.voucher": _void_voucher,
    "void.confirm": _void_confirm,
    "void.card": _card(_void),
    "refund.password": _password("refund.card"),
    "refund.card": _card_then("refund.ref"),
    "refund.ref": _keyed("refund.date", "ref"),
    "refund.date": _keyed("refund.amount", "date"),
    "refund.amount": _refund_amount,
    "preauth.amount": _amount_then("preauth.card"),
    "preauth.card": _card(_charge),
    "completion.card": _card_then("completion.auth"),
    "completion.auth": _keyed("completion.date", "auth"),
    "completion.date": _keyed("completion.amount", "date"),
    "completion.amount": _completion_amount,
    "preauth_void.password": _password("preauth_void.card"),
    "preauth_void.card": _card_then("preauth_void.auth"),
    "preauth_void.auth": _keyed("preauth_void.date", "auth"),
    "preauth_void.date": _preauth_void_date,
    "settle.confirm": _settle_confirm,
}


# -- the public functions ----------------------------------------------------------------------


def start(scenario: Scenario) -> TerminalState:
    """The terminal as the scenario finds it."""
    s = scenario.start
    clock = parse_clock(s.clock)
    state = TerminalState(
        powered=s.powered,
        signed_on=s.signed_on and s.powered,
        online=_online_at(scenario, 0.0),
        paper=s.paper,
        batch=s.batch if s.batch_open else f"{int(s.batch) + 1:06d}",
        mode="main" if s.powered else "off",
    )
    ids: dict[str, int] = {}
    trace = s.first_trace
    for past in s.transactions:
        trace = int(past.trace) if past.trace else trace
        time = (clock - timedelta(seconds=past.age_seconds)).strftime(TIME_FORMAT)
        # A stored offline payment has no reference no. or auth code until it is uploaded.
        approved = past.status not in ("declined", "unknown", "offline")
        txn = Txn(
            trace=trace,
            type=past.type,
            amount=past.amount,
            card=past.card,
            status=past.status,
            batch=s.batch,
            time=time,
            ref=past.ref or (receipts.reference_no(time, trace) if approved else ""),
            auth=past.auth or (receipts.auth_code(scenario.id, trace) if approved else ""),
            code="00" if approved else ("98" if past.status == "unknown" else "05"),
            original=ids.get(past.original or ""),
            offline=past.status == "offline",
            settled=not s.batch_open,
            id=past.id,
        )
        _apply_past_effect(state, txn)
        state.txns.append(txn)
        if txn.status == "declined":
            state.refused.append(["split_after_decline", txn.card, txn.amount, len(state.txns)])
        if past.id:
            ids[past.id] = trace
        if txn.status in ("approved", "voided", "completed", "cancelled") and s.batch_open:
            state.last_printed = trace
        trace += 1
    state.next_trace = max([t.trace for t in state.txns] + [s.first_trace - 1]) + 1
    return state


def _apply_past_effect(state: TerminalState, txn: Txn) -> None:
    """A past void voids its sale; a past completion or cancellation closes its pre-auth."""
    original = state.txn(txn.original)
    if original is None or txn.status != "approved":
        return
    effects = {"void": "voided", "completion": "completed", "preauth_void": "cancelled"}
    if txn.type in effects:
        original.status = effects[txn.type]


def _online_at(scenario: Scenario, t: float) -> bool:
    online = scenario.start.online
    for seconds, up in sorted(scenario.start.network):
        if seconds <= t:
            online = up
    return online


def _time_of(action: Action, state: TerminalState) -> float:
    """The action's time, never before the previous action's and never absurdly late."""
    t = action.t
    if isinstance(t, bool) or not isinstance(t, int | float) or not math.isfinite(t):
        return state.t
    return min(max(float(t), state.t, 0.0), float(MAX_SECONDS))


def apply(scenario: Scenario, state: TerminalState, action: Action) -> Step:
    """Apply one action to a copy of ``state``: the new state, its screen, print-out, event."""
    new = copy.deepcopy(state)
    before = new.mode
    new.t = _time_of(action, new)
    new.online = _online_at(scenario, new.t)
    new.ctx = {k: v for k, v in new.ctx.items() if k not in ("notice", "note")}
    key = action.key if isinstance(action.key, str) else ""
    run = _Run(scenario, new, Action(key, new.t))
    _dispatch(run)
    event = Event(
        t=new.t,
        key=key,
        screen_before=before,
        outcome=run.outcome,
        rule=run.rule,
        txn=run.txn,
        facts=run.facts,
    )
    return Step(new, screen_of(scenario, new), run.printed, event)


def _dispatch(run: _Run) -> None:
    key, state = run.key, run.state
    known = key in KEYS or (key.startswith(CARD_PREFIX) and run.card() is not None)
    if not known:
        if not state.powered:
            run.outcome = "ignored"
        else:
            run.beep("UNKNOWN_CARD" if key.startswith(CARD_PREFIX) else "UNKNOWN_KEY")
        return
    if key == "power":
        _power(run)
    elif key == "paper":
        _paper(run)
    elif not state.powered:
        run.outcome = "ignored"
    elif key == "wait":
        _wait(run)
    elif key in ("menu", "cancel"):
        if state.mode == "main":
            run.beep()
        else:
            run.goto("main")
    else:
        HANDLERS.get(state.mode, _back_to_main)(run)


def _power(run: _Run) -> None:
    state = run.state
    if state.powered:
        state.powered, state.signed_on = False, False
        run.goto("main")
        state.mode = "off"
        run.outcome = "off"
    else:
        state.powered = True
        run.goto("main")
        run.outcome = "on"


def _paper(run: _Run) -> None:
    state = run.state
    state.paper = True
    if state.unprinted:
        run.printed.extend(ReceiptLine(line["text"], line["style"]) for line in state.unprinted)
        state.unprinted = []
        run.outcome = "printed"
    if state.powered:
        run.note(T["paper_loaded"])


def _wait(run: _Run) -> None:
    """Time passes; a pending reversal or stored offline payments go out if the line is up
    and the terminal is signed on (after a power cycle, nothing goes out before 签到)."""
    if not run.state.signed_on or not run.exchange():
        return
    if "reversal_sent" in run.facts:
        run.note(T["reversal_sent"])
        run.outcome = "reversed"
    elif "offline_uploaded" in run.facts:
        run.note(run.uploaded_text())
        run.outcome = "uploaded"


def replay(scenario: Scenario, actions: list[Action]) -> list[Step]:
    """Apply every action in order from the scenario's start: one step per action."""
    state = start(scenario)
    steps: list[Step] = []
    for action in actions:
        step = apply(scenario, state, action)
        steps.append(step)
        state = step.state
    return steps
