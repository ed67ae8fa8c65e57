"""The acquirer's and the schemes' rules, as pure checks: each returns the rule code that refuses
an operation (see messages.RULES), or None when it may go ahead.

Where the domain brief says "check with your acquirer" (refund time limit, completion limit,
whether a void needs the card, the daily cut-off), the value is a scenario setting on ``Start``,
not a constant here.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from trainer.domain.terminal.model import PICK_UP_CODES, Start, TerminalState, Txn

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
CLOCK_FORMAT = "%Y-%m-%d %H:%M"

#: Transactions that take money from the card, and so can be voided or refunded.
CHARGES = ("sale", "completion")


def parse_clock(clock: str) -> datetime:
    """A scenario's start clock ("2026-12-07 14:20")."""
    return datetime.strptime(clock, CLOCK_FORMAT)


def parse_time(text: str) -> datetime:
    return datetime.strptime(text, TIME_FORMAT)


def mask(pan: str) -> str:
    """The card number as Chinese slips print it: first 6 and last 4 digits."""
    return pan[:6] + "*" * (len(pan) - 10) + pan[-4:]


def last_cutoff(now: datetime, cutoff: str) -> datetime:
    """The most recent daily cut-off (日切) at or before ``now``: a business day starts there."""
    hour, minute = (int(part) for part in cutoff.split(":"))
    today = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return today if now >= today else today - timedelta(days=1)


def refunded(state: TerminalState, original: Txn) -> int:
    """What approved refunds of ``original`` add up to."""
    return sum(
        t.amount
        for t in state.txns
        if t.type == "refund" and t.original == original.trace and t.status == "approved"
    )


def status_refusal(original: Txn) -> str | None:
    """Why a voided, reversed or unapproved transaction cannot be voided or refunded."""
    if original.status == "voided":
        return "ALREADY_VOIDED"
    if original.status == "reversed":
        return "ALREADY_REVERSED"
    if original.status not in ("approved", "offline"):
        return "NOT_APPROVED"
    return None


def void_refusal(state: TerminalState, original: Txn, now: datetime, start: Start) -> str | None:
    """A void (撤销): a sale of the open batch, same business day, never refunded before."""
    if original.type not in ("sale",):
        return "NOT_VOIDABLE"
    if original.settled or original.batch != state.batch:
        return "VOID_SETTLED"
    refusal = status_refusal(original)
    if refusal:
        return refusal
    if parse_time(original.time) < last_cutoff(now, start.cutoff):
        return "VOID_AFTER_CUTOFF"
    if refunded(state, original):
        return "VOID_HAS_REFUND"
    return None


def refund_refusal(
    state: TerminalState, original: Txn, card: str, amount: int, now: datetime, start: Start
) -> str | None:
    """A referenced refund (退货): of an approved charge, to its card, within the time limit and
    never above what is left of the original."""
    if original.type not in CHARGES:
        return "NOT_REFUNDABLE"
    refusal = status_refusal(original)
    if refusal:
        return refusal
    if card != original.card and start.refund_checks_card:
        return "CARD_MISMATCH"
    if now - parse_time(original.time) > timedelta(days=start.refund_days):
        return "REFUND_TOO_OLD"
    if amount > original.amount - refunded(state, original):
        return "REFUND_OVER_ORIGINAL"
    return None


def preauth_refusal(
    preauth: Txn, card: str, now: datetime, start: Start, amount: int | None = None
) -> str | None:
    """A completion (预授权完成, with ``amount``) or a cancellation (预授权撤销) of a pre-auth."""
    if preauth.status in ("completed", "cancelled"):
        return "PREAUTH_CLOSED"
    if preauth.status != "approved":
        return status_refusal(preauth) or "NOT_APPROVED"
    if card != preauth.card:
        return "CARD_MISMATCH"
    if now - parse_time(preauth.time) > timedelta(days=start.preauth_days):
        return "PREAUTH_EXPIRED"
    if amount is not None and amount * 100 > preauth.amount * start.completion_percent:
        return "COMPLETION_OVER_LIMIT"
    return None


def offline_total(state: TerminalState) -> int:
    """What the stored, not yet uploaded offline payments add up to."""
    return sum(t.amount for t in state.txns if t.status == "offline")


def offline_refusal(state: TerminalState, start: Start, chip: bool, amount: int) -> str | None:
    """An offline sale: chip cards only, within the per-payment and total limits."""
    if not chip:
        return "OFFLINE_CHIP_ONLY"
    if amount > start.offline_per_payment:
        return "OFFLINE_PER_PAYMENT"
    if offline_total(state) + amount > start.offline_total:
        return "OFFLINE_TOTAL"
    return None


def charge_facts(state: TerminalState, kind: str, card: str, amount: int) -> list[str]:
    """Facts about presenting ``card`` for a new sale or pre-auth of ``amount``, before it is
    sent."""
    facts: list[str] = []
    earlier = [t for t in state.txns if t.card == card]
    if any(t.status == "unknown" for t in earlier):
        facts.append("charged_while_unknown")
    if kind == "sale" and any(t.type == "preauth" and t.status == "approved" for t in earlier):
        facts.append("sale_instead_of_completion")
    splits = split_facts(state, card, amount)
    declined = [t for t in earlier if t.status == "declined"]
    retry: list[str] = []
    if any(t.code in PICK_UP_CODES for t in declined):
        # Presenting a pick-up card at all is the fault, whatever the amount.
        splits.discard("split_after_decline")
        retry.append("retry_pick_up_card")
    elif declined and "split_after_decline" not in splits:
        retry.append("retry_after_decline")
    return facts + [fact for fact in SPLIT_FACTS if fact in splits] + retry


#: The facts of a split, for a declined charge and for one over an offline limit.
SPLIT_FACTS = ("split_to_dodge_limit", "split_after_decline")
#: How many of the smaller charges after a refusal are tried as parts of a split (a split at
#: the till has two to four parts; the cap keeps the search small in a long run).
SPLIT_PARTS = 10


def split_facts(state: TerminalState, card: str, amount: int) -> set[str]:
    """The split facts of presenting ``card`` for ``amount`` after refused charges.

    A refused amount stays unpaid until a charge of at least that amount stands (the customer
    paid it another way); while it is unpaid, a smaller charge is a split when it goes on the
    refused card, or when it and earlier smaller charges on any cards add up to exactly the
    refused amount, whatever the ratio (¥400.00 + ¥280.00 for a declined ¥680.00). One smaller
    charge on another card alone is not (the customer may buy less), nor are later customers'
    sales that do not add up to it.
    """
    facts: set[str] = set()
    for fact, refused_card, total, since in state.refused:
        later = [t for t in state.txns[since:] if t.type in ("sale", "preauth")]
        paid = any(t.amount >= total and t.status in ("approved", "offline") for t in later)
        if paid or amount >= total:
            continue
        parts = [t.amount for t in later if t.amount < total][-SPLIT_PARTS:]
        if card == refused_card or _adds_up(total - amount, parts):
            facts.add(fact)
    return facts


def _adds_up(target: int, parts: list[int]) -> bool:
    """Whether some of ``parts`` add up to exactly ``target`` (> 0)."""
    sums = {0}
    for part in parts:
        sums |= {total + part for total in sums if total + part <= target}
    return target in sums


def duplicate_charge(state: TerminalState, new: Txn) -> bool:
    """Another charge of the same card and amount still stands beside ``new``."""
    return any(
        t is not new
        and t.type in CHARGES
        and t.card == new.card
        and t.amount == new.amount
        and t.status in ("approved", "offline")
        for t in state.txns
    )


def voidable(state: TerminalState, original: Txn, now: datetime, start: Start) -> bool:
    """Whether a void would have worked: then a refund is the costlier, slower choice."""
    return void_refusal(state, original, now, start) is None
