"""The terminal: its screens, what each key does on each screen, and the host it talks to.

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

from trainer.domain.terminal import receipts
from trainer.domain.terminal.messages import DECLINE_TEXTS, RULES, TYPE_NAMES, T, money, tx
from trainer.domain.terminal.model import (
    Action,
    Card,
    Event,
    LocalText,
    MenuItem,
    ReceiptLine,
    Scenario,
    Screen,
    Step,
    TerminalState,
    Txn,
)
from trainer.domain.terminal.rules import (
    TIME_FORMAT,
    charge_facts,
    duplicate_charge,
    last_cutoff,
    mask,
    offline_refusal,
    parse_clock,
    parse_time,
    preauth_refusal,
    refund_refusal,
    refunded,
    void_refusal,
    voidable,
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

#: The main menu: key, screen mode it opens, label, whether sign-on is needed first.
MAIN_MENU = (
    ("1", "sale.amount", "sale", True),
    ("2", "void.password", "void", True),
    ("3", "refund.password", "refund", True),
    ("4", "preauth.menu", "preauth_menu", True),
    ("5", "history", "history", False),
    ("6", "reprint.menu", "reprint", False),
    ("7", "settle.confirm", "settle", True),
    ("8", "sign_on", "sign_on", False),
)
PREAUTH_MENU = (
    ("1", "preauth.amount", "preauth"),
    ("2", "completion.card", "completion"),
    ("3", "preauth_void.password", "preauth_void"),
)
REPRINT_MENU = (("1", "reprint_last"), ("2", "reprint_any"))

#: Input screens: mode -> (prompt, kind of input, most digits, the flow's title).
INPUTS: dict[str, tuple[str, str, int, str]] = {
    "sale.amount": ("amount", "amount", 10, "sale"),
    "void.password": ("supervisor", "password", 8, "void"),
    "void.voucher": ("orig_voucher", "digits", 6, "void"),
    "refund.password": ("supervisor", "password", 8, "refund"),
    "refund.ref": ("orig_ref", "digits", 12, "refund"),
    "refund.date": ("orig_date", "date", 4, "refund"),
    "refund.amount": ("refund_amount", "amount", 10, "refund"),
    "preauth.amount": ("amount", "amount", 10, "preauth"),
    "completion.auth": ("orig_auth", "digits", 6, "completion"),
    "completion.date": ("orig_date", "date", 4, "completion"),
    "completion.amount": ("completion_amount", "amount", 10, "completion"),
    "preauth_void.password": ("supervisor", "password", 8, "preauth_void"),
    "preauth_void.auth": ("orig_auth", "digits", 6, "preauth_void"),
    "preauth_void.date": ("orig_date", "date", 4, "preauth_void"),
}
#: Screens waiting for a card: mode -> (prompt, the flow's title).
CARD_WAITS = {
    "sale.card": ("present_card", "sale"),
    "void.card": ("present_original_card", "void"),
    "refund.card": ("present_original_card", "refund"),
    "preauth.card": ("present_card", "preauth"),
    "completion.card": ("present_original_card", "completion"),
    "preauth_void.card": ("present_original_card", "preauth_void"),
}


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

    def result(self, title: LocalText, lines: list[LocalText], outcome: str = "ok") -> None:
        """A result screen; any key then returns to the main menu."""
        self.goto("result", title=title, lines=lines)
        self.outcome = outcome

    def fail(self, rule: str, *, title: LocalText | None = None) -> None:
        """The terminal refuses: its error screen with the rule code; any key returns."""
        lines = [RULES[rule].screen]
        self.state.mode = "error"
        self.state.ctx = {"title": title or T["main"], "lines": lines, "rule": rule}
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
                card = self.start.card(txn.card)
                answer = self.issuer(card) if card else "approve"
                txn.status = "approved" if answer == "approve" else "declined"
                if txn.status == "declined":
                    txn.code = answer.partition(":")[2] or "05"
                self.facts.append("offline_uploaded")
        return True

    def issuer(self, card: Card) -> str:
        """The issuer's answer to this card's next online request."""
        attempt = self.state.attempts.get(card.id, 0)
        self.state.attempts[card.id] = attempt + 1
        return card.outcome(attempt)

    def new_txn(self, kind: str, card: str, amount: int, **fields: object) -> Txn:
        trace = self.state.next_trace
        self.state.next_trace += 1
        time = self.now.strftime(TIME_FORMAT)
        txn = Txn(
            trace=trace,
            type=kind,
            amount=amount,
            card=card,
            status="approved",
            batch=self.state.batch,
            time=time,
            ref=receipts.reference_no(time, trace),
            auth=receipts.auth_code(self.scenario.id, trace),
            **fields,  # type: ignore[arg-type]
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
            run.fail("REFUND_NOT_ENABLED", title=T["refund"])
        elif mode == "sign_on":
            _sign_on(run)
        else:
            run.goto(mode, index=0)
        return
    if run.key.startswith(CARD_PREFIX):
        run.beep("NO_CARD_HERE")
    else:
        run.beep()


def _sign_on(run: _Run) -> None:
    if not run.exchange():
        run.fail("NO_CONNECTION", title=T["sign_on"])
        return
    run.state.signed_on = True
    lines = [T["signed_on"], tx(f"批次号 {run.state.batch}", f"Batch no. {run.state.batch}")]
    if "reversal_sent" in run.facts:
        lines.append(T["reversal_sent"])
    run.result(T["sign_on"], lines)


def _menu(items: tuple[tuple[str, str, str], ...]) -> Handler:
    def handler(run: _Run) -> None:
        for key, mode, _label in items:
            if run.key == key:
                run.goto(mode, flow=_label)
                return
        run.beep()

    return handler


def _reprint_menu(run: _Run) -> None:
    if run.key == "1":
        original = run.state.txn(run.state.last_printed)
        if original is None:
            run.fail("NO_TRANSACTION", title=T["reprint"])
            return
        _reprint(run, original)
    elif run.key == "2":
        run.goto("reprint.voucher")
    else:
        run.beep()


def _reprint(run: _Run, original: Txn) -> None:
    run.state.reprints += 1
    run.txn = original.voucher
    run.print_slip(receipts.slip(run.scenario, original, reprint=True))
    run.result(T["reprint"], [T["printing"]], "printed")


def _reprint_voucher(run: _Run) -> None:
    if not _digits(run, 6):
        return
    original = run.state.txn(int(run.state.input))
    if original is None or original.status == "declined":
        run.fail("ORIGINAL_NOT_FOUND", title=T["reprint"])
    elif original.settled or original.batch != run.state.batch:
        run.fail("REPRINT_NOT_AVAILABLE", title=T["reprint"])
    else:
        _reprint(run, original)


def _history(run: _Run) -> None:
    shown = history(run.state)
    index = int(run.state.ctx.get("index", 0))
    if run.key == "down" and index + 1 < len(shown):
        run.state.ctx = {**run.state.ctx, "index": index + 1}
    elif run.key == "up" and index > 0:
        run.state.ctx = {**run.state.ctx, "index": index - 1}
    elif run.key in ("enter", "cancel"):
        run.goto("main")
    else:
        run.beep()


def history(state: TerminalState) -> list[Txn]:
    """What 交易查询 lists: the current batch, newest first (declined requests are not kept)."""
    return [
        t
        for t in reversed(state.txns)
        if t.batch == state.batch and not t.settled and t.status != "declined"
    ]


# -- input screens -----------------------------------------------------------------------------


def _digits(run: _Run, most: int, *, exact: bool = False) -> bool:
    """Edit the input with digit/back keys; True when enter was pressed on a complete input."""
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
    if not current or (exact and len(current) != most):
        run.beep("INPUT_INCOMPLETE")
        return False
    return True


def _amount(run: _Run) -> int | None:
    """The keyed amount in fen when enter is pressed on a non-zero amount."""
    if not _digits(run, 10):
        return None
    amount = int(run.state.input)
    if amount == 0:
        run.beep("AMOUNT_ZERO")
        return None
    return amount


def _password(run: _Run, then: str) -> None:
    if _digits(run, 8):
        if run.state.input == run.start.supervisor_password:
            run.goto(then)
        else:
            run.fail("SUPERVISOR_PASSWORD", title=_title(run.state))


def _card_wait(run: _Run, then: Callable[[_Run, Card], None]) -> None:
    if not run.key.startswith(CARD_PREFIX):
        run.beep()
        return
    card = run.card()
    if card is None:
        run.beep("UNKNOWN_CARD")
        return
    then(run, card)


def _title(state: TerminalState) -> LocalText:
    mode = state.mode
    if mode in INPUTS:
        return T[INPUTS[mode][3]]
    if mode in CARD_WAITS:
        return T[CARD_WAITS[mode][1]]
    return T.get(mode.split(".")[0], T["main"])


# -- sale and pre-auth: money from the card ----------------------------------------------------


def _charge(run: _Run, kind: str, card: Card, amount: int) -> None:
    """Send a sale or a pre-auth to the issuer (or offer to take a sale offline)."""
    run.facts.extend(charge_facts(run.state, card.id, amount))
    if not run.exchange():
        if kind == "sale" and run.start.offline_enabled:
            run.goto("offline.confirm", card=card.id, amount=amount)
        else:
            run.fail("NO_CONNECTION", title=T[kind])
        return
    answer = run.issuer(card)
    if answer == "timeout":
        txn = run.new_txn(kind, card.id, amount, code="98")
        txn.status, txn.auth, txn.ref = "unknown", "", ""
        run.result(T[kind], [T["timeout"], T["timeout_hint"]], "unknown")
        run.rule = "TIMEOUT"
        return
    if answer != "approve":
        code = "01" if answer == "referral" else answer.partition(":")[2]
        txn = run.new_txn(kind, card.id, amount, code=code)
        txn.status, txn.auth = "declined", ""
        text = DECLINE_TEXTS.get(code, tx(f"{code} 交易失败", f"{code} Declined"))
        run.state.mode = "error"
        run.state.ctx = {"title": T[kind], "lines": [text], "rule": f"DECLINED_{code}"}
        run.outcome, run.rule = "declined", f"DECLINED_{code}"
        return
    txn = run.new_txn(kind, card.id, amount)
    if duplicate_charge(run.state, txn):
        run.facts.append("charged_twice")
    run.result(T[kind], [T["approved"], tx(money(amount), money(amount))], "approved")
    run.print_slip(receipts.slip(run.scenario, txn), txn)


def _offline_confirm(run: _Run) -> None:
    if run.key == "cancel":
        run.goto("main")
        return
    if run.key != "enter":
        run.beep()
        return
    card = run.start.card(str(run.state.ctx.get("card")))
    amount = int(run.state.ctx.get("amount", 0))
    if card is None:  # the flow always stores a scenario card; keep apply total anyway
        run.fail("UNKNOWN_CARD", title=T["sale"])
        return
    refusal = offline_refusal(run.state, run.start, card.chip, amount)
    if refusal:
        run.fail(refusal, title=T["sale"])
        return
    if any(t.card == card.id and t.status == "declined" for t in run.state.txns):
        run.facts.append("offline_after_decline")
    txn = run.new_txn("sale", card.id, amount, offline=True)
    txn.status, txn.ref, txn.auth = "offline", "", ""
    if duplicate_charge(run.state, txn):
        run.facts.append("charged_twice")
    run.result(T["sale"], [T["offline_approved"], tx(money(amount), money(amount))], "approved")
    run.print_slip(receipts.slip(run.scenario, txn), txn)


# -- void --------------------------------------------------------------------------------------


def _void_voucher(run: _Run) -> None:
    if not _digits(run, 6):
        return
    original = run.state.txn(int(run.state.input))
    if original is None or original.status == "declined":
        run.fail("ORIGINAL_NOT_FOUND", title=T["void"])
        return
    refusal = void_refusal(run.state, original, run.now, run.start)
    run.txn = original.voucher
    if refusal:
        if refusal == "VOID_SETTLED":
            run.facts.append("void_attempt_after_settlement")
        run.fail(refusal, title=T["void"])
        return
    run.goto("void.confirm", original=original.trace)


def _void_confirm(run: _Run) -> None:
    if run.key == "enter":
        if run.start.void_needs_card:
            run.goto("void.card")
        else:
            _void(run, None)
    elif run.key == "cancel":
        run.goto("main")
    else:
        run.beep()


def _void(run: _Run, card: Card | None) -> None:
    original = run.state.txn(run.state.ctx.get("original"))  # type: ignore[arg-type]
    if original is None:
        run.fail("ORIGINAL_NOT_FOUND", title=T["void"])
        return
    run.txn = original.voucher
    if card is not None and card.id != original.card:
        run.fail("CARD_MISMATCH", title=T["void"])
        return
    # The state may have changed since the voucher was checked (a power cut cannot happen in
    # between, but the clock can pass the cut-off): check again at the host.
    refusal = void_refusal(run.state, original, run.now, run.start)
    if refusal:
        run.fail(refusal, title=T["void"])
        return
    if not run.exchange():
        run.fail("NO_CONNECTION", title=T["void"])
        return
    original.status = "voided"
    void = run.new_txn("void", original.card, original.amount, original=original.trace)
    run.result(T["void"], [T["approved"], tx(money(original.amount), money(original.amount))])
    run.outcome = "approved"
    run.print_slip(receipts.slip(run.scenario, void), void)


# -- refund ------------------------------------------------------------------------------------


def _refund_amount(run: _Run) -> None:
    amount = _amount(run)
    if amount is None:
        return
    card = str(run.state.ctx.get("card"))
    ref = str(run.state.ctx.get("ref"))
    date = str(run.state.ctx.get("date"))
    original = next(
        (t for t in run.state.txns if t.ref and t.ref == ref and t.status != "declined"), None
    )
    if original is None:
        run.fail("ORIGINAL_NOT_FOUND", title=T["refund"])
        return
    run.txn = original.voucher
    if card != original.card:
        run.facts.append("refund_other_card")
    if parse_time(original.time).strftime("%m%d") != date:
        run.fail("DATE_MISMATCH", title=T["refund"])
        return
    refusal = refund_refusal(run.state, original, card, amount, run.now, run.start)
    if refusal:
        if refusal == "REFUND_OVER_ORIGINAL":
            run.facts.append("refund_over_original")
        run.fail(refusal, title=T["refund"])
        return
    if not run.exchange():
        run.fail("NO_CONNECTION", title=T["refund"])
        return
    if voidable(run.state, original, run.now, run.start):
        run.facts.append("refund_instead_of_void")
    refund = run.new_txn("refund", card, amount, original=original.trace)
    run.result(T["refund"], [T["approved"], tx(money(amount), money(amount))], "approved")
    run.print_slip(receipts.slip(run.scenario, refund), refund)


# -- pre-authorisation completion and cancellation --------------------------------------------


def _find_preauth(run: _Run) -> Txn | None:
    auth = str(run.state.ctx.get("auth", "")).zfill(6)
    return next(
        (t for t in reversed(run.state.txns) if t.type == "preauth" and t.auth == auth), None
    )


def _preauth_checked(run: _Run, amount: int | None) -> Txn | None:
    kind = "completion" if amount is not None else "preauth_void"
    preauth = _find_preauth(run)
    if preauth is None:
        run.fail("ORIGINAL_NOT_FOUND", title=T[kind])
        return None
    run.txn = preauth.voucher
    if parse_time(preauth.time).strftime("%m%d") != run.state.ctx.get("date"):
        run.fail("DATE_MISMATCH", title=T[kind])
        return None
    card = str(run.state.ctx.get("card"))
    refusal = preauth_refusal(preauth, card, run.now, run.start, amount)
    if refusal:
        run.fail(refusal, title=T[kind])
        return None
    if not run.exchange():
        run.fail("NO_CONNECTION", title=T[kind])
        return None
    return preauth


def _completion_amount(run: _Run) -> None:
    amount = _amount(run)
    if amount is None:
        return
    preauth = _preauth_checked(run, amount)
    if preauth is None:
        return
    preauth.status = "completed"
    done = run.new_txn("completion", preauth.card, amount, original=preauth.trace)
    done.auth = preauth.auth
    run.result(T["completion"], [T["approved"], tx(money(amount), money(amount))], "approved")
    run.print_slip(receipts.slip(run.scenario, done), done)


def _preauth_void_date(run: _Run) -> None:
    if not _digits(run, 4, exact=True):
        return
    run.state.ctx = {**run.state.ctx, "date": run.state.input}
    preauth = _preauth_checked(run, None)
    if preauth is None:
        return
    preauth.status = "cancelled"
    cancel = run.new_txn("preauth_void", preauth.card, preauth.amount, original=preauth.trace)
    lines = [T["approved"], tx(money(preauth.amount), money(preauth.amount))]
    run.result(T["preauth_void"], lines, "approved")
    run.print_slip(receipts.slip(run.scenario, cancel), cancel)


# -- settlement --------------------------------------------------------------------------------


def _settle_confirm(run: _Run) -> None:
    if run.key == "cancel":
        run.goto("main")
        return
    if run.key != "enter":
        run.beep()
        return
    if not run.exchange():
        run.fail("NO_CONNECTION", title=T["settle"])
        return
    batch = [t for t in run.state.txns if t.batch == run.state.batch and not t.settled]
    cutoff = last_cutoff(run.now, run.start.cutoff)
    if any(parse_time(t.time) < cutoff for t in batch):
        run.facts.append("settled_after_cutoff")
    totals = receipts.totals(batch)
    run.print_slip(receipts.settlement(run.scenario, run.state, totals, run.now))
    for txn in batch:
        txn.settled = True
    run.state.settlements += 1
    run.state.batch = f"{int(run.state.batch) + 1:06d}"
    run.state.last_printed = None
    if run.start.sign_off_after_settlement:
        run.state.signed_on = False
    agreed = run.start.settle_agrees
    run.result(T["settle"], [T["settled_ok" if agreed else "settled_mismatch"]], "settled")
    if not agreed:
        run.rule = "TOTALS_NOT_AGREED"


# -- flows: which screen follows which ---------------------------------------------------------


def _then(mode: str, key: str, *, most: int, exact: bool = False) -> Handler:
    """An input screen that stores its digits in ``ctx[key]`` and moves on to ``mode``."""

    def handler(run: _Run) -> None:
        if _digits(run, most, exact=exact):
            value = run.state.input
            if key == "ref":
                value = value.zfill(12)
            run.goto(mode, **{key: value})

    return handler


def _with_card(mode: str) -> Handler:
    def handler(run: _Run) -> None:
        _card_wait(run, lambda r, card: r.goto(mode, card=card.id))

    return handler


def _amount_then(mode: str) -> Handler:
    def handler(run: _Run) -> None:
        amount = _amount(run)
        if amount is not None:
            run.goto(mode, amount=amount)

    return handler


def _charge_card(kind: str) -> Handler:
    def handler(run: _Run) -> None:
        _card_wait(run, lambda r, card: _charge(r, kind, card, int(r.state.ctx["amount"])))

    return handler


def _back_to_main(run: _Run) -> None:
    run.goto("main")


HANDLERS: dict[str, Handler] = {
    "main": _main,
    "result": _back_to_main,
    "error": _back_to_main,
    "history": _history,
    "reprint.menu": _reprint_menu,
    "reprint.voucher": _reprint_voucher,
    "preauth.menu": _menu(PREAUTH_MENU),
    "sale.amount": _amount_then("sale.card"),
    "sale.card": _charge_card("sale"),
    "offline.confirm": _offline_confirm,
    "void.password": lambda run: _password(run, "void.voucher"),
    "void.voucher": _void_voucher,
    "void.confirm": _void_confirm,
    "void.card": lambda run: _card_wait(run, _void),
    "refund.password": lambda run: _password(run, "refund.card"),
    "refund.card": _with_card("refund.ref"),
    "refund.ref": _then("refund.date", "ref", most=12),
    "refund.date": _then("refund.amount", "date", most=4, exact=True),
    "refund.amount": _refund_amount,
    "preauth.amount": _amount_then("preauth.card"),
    "preauth.card": _charge_card("preauth"),
    "completion.card": _with_card("completion.auth"),
    "completion.auth": _then("completion.date", "auth", most=6),
    "completion.date": _then("completion.amount", "date", most=4, exact=True),
    "completion.amount": _completion_amount,
    "preauth_void.password": lambda run: _password(run, "preauth_void.card"),
    "preauth_void.card": _with_card("preauth_void.auth"),
    "preauth_void.auth": _then("preauth_void.date", "auth", most=6),
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
        time = (clock - timedelta(minutes=past.minutes_ago)).strftime(TIME_FORMAT)
        approved = past.status not in ("declined", "unknown")
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
            settled=not s.batch_open,
            id=past.id,
        )
        _apply_past_effect(state, txn)
        state.txns.append(txn)
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
    elif key == "menu" or (key == "cancel" and state.mode != "history"):
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
    """Time passes; a pending reversal or stored offline payments go out if the line is up."""
    if not run.exchange():
        return
    if "reversal_sent" in run.facts:
        run.note(T["reversal_sent"])
        run.outcome = "reversed"
    elif "offline_uploaded" in run.facts:
        run.note(T["uploaded"])
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


# -- screens -----------------------------------------------------------------------------------


def screen_of(scenario: Scenario, state: TerminalState) -> Screen:
    """What the terminal shows in ``state`` (texts in both languages)."""
    ctx = state.ctx
    screen = _screen(scenario, state)
    lines = list(screen.lines)
    beep = "notice" in ctx
    if ctx.get("notice"):
        lines.append(RULES[ctx["notice"]].screen)
    if ctx.get("note"):
        lines.append(ctx["note"])
    return Screen(
        kind=screen.kind,
        title=screen.title,
        lines=lines,
        input=screen.input,
        menu=screen.menu,
        softkeys=screen.softkeys,
        beep=beep or screen.beep,
        rule=screen.rule or (ctx.get("notice") or None),
    )


def _screen(scenario: Scenario, state: TerminalState) -> Screen:
    mode, ctx = state.mode, state.ctx
    if not state.powered:
        return Screen("off", T["off"], [T["power_hint"]])
    if mode == "main":
        menu = [MenuItem(key, T[label]) for key, _mode, label, _sign in MAIN_MENU]
        lines = [] if state.signed_on else [T["not_signed"]]
        if any(t.status == "unknown" for t in state.txns):
            lines.append(T["reversal_pending"])
        return Screen("menu", T["main"], lines, menu=menu)
    if mode in ("result", "error"):
        return Screen(
            mode,
            ctx.get("title", T["main"]),
            list(ctx.get("lines", [])),
            beep=mode == "error",
            rule=ctx.get("rule"),
        )
    if mode == "preauth.menu":
        menu = [MenuItem(key, T[label]) for key, _mode, label in PREAUTH_MENU]
        return Screen("menu", T["preauth_menu"], menu=menu)
    if mode == "reprint.menu":
        return Screen("menu", T["reprint"], menu=[MenuItem(k, T[v]) for k, v in REPRINT_MENU])
    if mode == "reprint.voucher":
        return Screen("input", T["reprint"], [T["orig_voucher"]], input=state.input)
    if mode == "history":
        return _history_screen(scenario, state)
    if mode in INPUTS:
        prompt, kind, _most, title = INPUTS[mode]
        lines = [T[prompt]]
        if kind == "amount":
            shown = money(int(state.input or "0"))
        elif kind == "password":
            shown = "*" * len(state.input)
        else:
            shown = state.input
        if mode == "refund.amount" or mode == "completion.amount":
            lines.insert(0, tx(f"参考号 {ctx.get('ref', '')}", f"Ref. no. {ctx.get('ref', '')}"))
        return Screen("input", T[title], lines, input=shown)
    if mode in CARD_WAITS:
        prompt, title = CARD_WAITS[mode]
        lines = [T[prompt]]
        if "amount" in ctx:
            lines.insert(0, tx(money(int(ctx["amount"])), money(int(ctx["amount"]))))
        return Screen("prompt", T[title], lines)
    if mode == "void.confirm":
        original = state.txn(ctx.get("original"))
        lines = _txn_lines(scenario, original) if original else []
        return Screen("prompt", T["void"], [*lines, T["confirm"]])
    if mode == "offline.confirm":
        amount = money(int(ctx.get("amount", 0)))
        return Screen("prompt", T["sale"], [T["offline_prompt"], tx(amount, amount), T["confirm"]])
    if mode == "settle.confirm":
        batch = [t for t in state.txns if t.batch == state.batch and not t.settled]
        return Screen(
            "prompt", T["settle"], [*receipts.totals_lines(receipts.totals(batch)), T["confirm"]]
        )
    return Screen("processing", T["main"], [T["processing"]])


def _txn_lines(scenario: Scenario, txn: Txn) -> list[LocalText]:
    card = scenario.start.card(txn.card)
    pan = mask(card.pan) if card else ""
    name = TYPE_NAMES.get(txn.type, T["sale"])
    status = T.get(f"status_{txn.status}", T["status_approved"])
    return [
        tx(f"{name['zh']} {txn.voucher}", f"{name['en']} {txn.voucher}"),
        tx(money(txn.amount), money(txn.amount)),
        tx(pan, pan),
        tx(f"{txn.time[5:16]} {status['zh']}", f"{txn.time[5:16]} {status['en']}"),
    ]


def _history_screen(scenario: Scenario, state: TerminalState) -> Screen:
    shown = history(state)
    if not shown:
        return Screen("result", T["history"], [T["no_records"], T["history_hint"]])
    index = min(int(state.ctx.get("index", 0)), len(shown) - 1)
    lines = _txn_lines(scenario, shown[index])
    back = refunded(state, shown[index])
    if back:
        lines.append(tx(f"已退货 {money(back)}", f"Refunded {money(back)}"))
    lines.append(tx(f"{index + 1}/{len(shown)}", f"{index + 1}/{len(shown)}"))
    lines.append(T["history_hint"])
    return Screen("result", T["history"], lines)


def render(screen: Screen, lang: str) -> dict[str, object]:
    """The screen as the browser draws it, its texts in ``lang`` (zh or en)."""
    lang = lang if lang in ("zh", "en") else "zh"
    return {
        "kind": screen.kind,
        "title": screen.title.get(lang, ""),
        "lines": [line.get(lang, "") for line in screen.lines],
        "input": screen.input,
        "menu": [{"key": item.key, "label": item.label.get(lang, "")} for item in screen.menu],
        "softkeys": [
            {"key": item.key, "label": item.label.get(lang, "")} for item in screen.softkeys
        ],
        "beep": screen.beep,
        "rule": screen.rule,
    }
