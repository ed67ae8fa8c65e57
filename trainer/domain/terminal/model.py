"""What the simulator is made of: a scenario, the terminal's state, actions, screens and steps.

Everything here is a plain dataclass with ``to_dict`` / ``from_dict`` giving JSON-ready data: a
run stores its scenario's JSON and its action log, and the web layer replays them. Amounts are
whole fen (``8500`` is ¥85.00) so that no float ever touches money.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

LocalText = dict[str, str]

#: What a card does when it is presented (per attempt: a list is used in order, its last
#: item repeats). ``decline:NN`` is any two-digit issuer response code.
CARD_OUTCOMES = ("approve", "timeout", "referral")
PICK_UP_CODES = ("04", "07", "41", "43")
DECLINE_CODES = ("05", "51", *PICK_UP_CODES)

#: The kinds of transaction the engine records.
TXN_TYPES = ("sale", "void", "refund", "preauth", "completion", "preauth_void")
#: approved; declined; unknown (timed out, a reversal is pending); reversed (by 冲正); voided
#: (by a later void); offline (approved by the terminal alone, not yet uploaded); completed /
#: cancelled (a pre-authorization that was completed or cancelled).
TXN_STATUSES = (
    "approved",
    "declined",
    "unknown",
    "reversed",
    "voided",
    "offline",
    "completed",
    "cancelled",
)


def _text(value: Any) -> LocalText:
    return {"zh": str(value.get("zh", "")), "en": str(value.get("en", ""))}


@dataclass(frozen=True)
class Card:
    """A card the customer can present (``card:<id>``): what the issuer answers, per attempt."""

    id: str
    label: LocalText
    pan: str
    outcomes: list[str] = field(default_factory=lambda: ["approve"])
    chip: bool = True  # False: a magnetic-stripe-only card (never accepted offline)

    def outcome(self, attempt: int) -> str:
        """The issuer's answer to the ``attempt``-th (0-based) online request with this card."""
        return self.outcomes[min(attempt, len(self.outcomes) - 1)]


@dataclass(frozen=True)
class PastTxn:
    """A transaction that happened before the run started (newest last in the scenario)."""

    type: str
    card: str
    amount: int
    minutes_ago: int = 0  # how long before the start clock, in whole minutes …
    seconds_ago: int | None = None  # … or in seconds, when the seconds matter (it wins)
    id: str | None = None  # lets ``expect`` and ``forbid`` name it
    status: str = "approved"
    trace: str | None = None  # voucher no.; numbered from ``Start.first_trace`` when absent
    ref: str | None = None
    auth: str | None = None
    original: str | None = None  # id of the sale a past void/refund/completion refers to
    slip: bool = False  # the customer holds this slip (shown beside the terminal)

    @property
    def age_seconds(self) -> int:
        """How many seconds before the scenario's start clock it happened."""
        return self.seconds_ago if self.seconds_ago is not None else self.minutes_ago * 60


@dataclass(frozen=True)
class Start:
    """The terminal as the scenario finds it, and the acquirer's settings that vary."""

    clock: str  # "2026-12-07 14:20": the run's time 0
    cards: list[Card]
    transactions: list[PastTxn] = field(default_factory=list)
    online: bool = True
    # Seconds after the start at which the network goes up or down: [(seconds, online)].
    network: list[tuple[int, bool]] = field(default_factory=list)
    offline_enabled: bool = False
    offline_per_payment: int = 0
    offline_total: int = 0
    cutoff: str = "23:00"  # the acquirer's daily cut-off (日切)
    # A training terminal's password, shown to the learner in the scenario's brief.
    supervisor_password: str = "123456"  # noqa: S105
    batch: str = "000001"
    batch_open: bool = True  # False: the past transactions were settled
    first_trace: int = 1
    powered: bool = True
    signed_on: bool = True
    paper: bool = True
    void_needs_card: bool = True  # many Chinese terminals ask for the original card
    refund_checks_card: bool = True  # the host refuses a refund to another card
    refund_enabled: bool = True  # refunds may need the acquirer to enable them
    refund_days: int = 30
    preauth_days: int = 30
    completion_percent: int = 100  # completion ≤ this % of the pre-auth: ask the acquirer
    settle_agrees: bool = True  # False: the host's totals differ ("totals not agreed")
    sign_off_after_settlement: bool = True
    merchant: LocalText = field(default_factory=lambda: {"zh": "培训门店", "en": "Training store"})

    def card(self, card_id: str) -> Card | None:
        """The card with ``card_id``, if the scenario has it."""
        return next((card for card in self.cards if card.id == card_id), None)


@dataclass(frozen=True)
class Expectation:
    """One fact about the end state that ``grade`` requires.

    Either a transaction match (``type``, ``amount``, ``card``, ``status``, ``txn``: a past
    transaction's id, ``original``: the id of the transaction it refers to, ``reprinted``: its
    slip was reprinted, ``count``: exactly that many match, 0 for "none") or one state check
    (``settled``, ``signed_on``, ``reprinted``: any slip, ``pending_reversal``).
    """

    type: str | None = None
    amount: int | None = None
    card: str | None = None
    status: str | None = None
    txn: str | None = None
    original: str | None = None
    count: int | None = None
    settled: bool | None = None
    signed_on: bool | None = None
    reprinted: bool | None = None
    pending_reversal: bool | None = None
    message: LocalText | None = None


@dataclass(frozen=True)
class Forbid:
    """A critical error: the fact fails the run whatever the score."""

    fact: str
    why: LocalText


@dataclass(frozen=True)
class Scenario:
    """A simulator scenario (one file in ``quizzes/simulator/``)."""

    id: str
    title: LocalText
    summary: LocalText
    goal: LocalText
    start: Start
    manual: str
    tags: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    time_limit_seconds: int = 300
    max_actions: int = 60
    dialogue: list[LocalText] = field(default_factory=list)
    expect: list[Expectation] = field(default_factory=list)
    forbid: list[Forbid] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready definition (what a run stores)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Scenario:
        """The scenario stored by ``to_dict``."""
        start = dict(data["start"])
        start["cards"] = [
            Card(**{**c, "label": _text(c["label"]), "outcomes": list(c["outcomes"])})
            for c in start["cards"]
        ]
        start["transactions"] = [PastTxn(**t) for t in start.get("transactions", [])]
        start["network"] = [(int(s), bool(o)) for s, o in start.get("network", [])]
        if "merchant" in start:
            start["merchant"] = _text(start["merchant"])
        return cls(
            **{
                **data,
                "title": _text(data["title"]),
                "summary": _text(data["summary"]),
                "goal": _text(data["goal"]),
                "start": Start(**start),
                "dialogue": [_text(d) for d in data.get("dialogue", [])],
                "expect": [
                    Expectation(
                        **{**e, "message": _text(e["message"]) if e.get("message") else None}
                    )
                    for e in data.get("expect", [])
                ],
                "forbid": [Forbid(f["fact"], _text(f["why"])) for f in data.get("forbid", [])],
            }
        )


@dataclass
class Txn:
    """A transaction in the terminal's journal (past ones and those made during the run)."""

    trace: int  # voucher no. (凭证号), printed as six digits
    type: str
    amount: int
    card: str
    status: str
    batch: str
    time: str  # "2026-12-07 14:10:00"
    ref: str  # reference no. (参考号), twelve digits
    auth: str  # authorization code (授权码), six characters; "" when declined
    code: str = "00"  # the issuer's response code
    original: int | None = None  # trace of the transaction a void/refund/completion refers to
    offline: bool = False
    settled: bool = False
    id: str | None = None  # the scenario's id of a past transaction

    @property
    def voucher(self) -> str:
        """The voucher no. as printed."""
        return f"{self.trace:06d}"


@dataclass
class TerminalState:
    """Everything the terminal knows: JSON-ready, so a run can keep it between key presses."""

    t: float = 0.0
    powered: bool = True
    signed_on: bool = True
    online: bool = True
    paper: bool = True
    batch: str = "000001"
    txns: list[Txn] = field(default_factory=list)
    next_trace: int = 1
    attempts: dict[str, int] = field(default_factory=dict)  # card id -> online requests so far
    last_printed: int | None = None  # trace of the last receipt printed in this batch
    unprinted: list[dict[str, Any]] = field(default_factory=list)  # waiting for paper
    reprinted: list[int] = field(default_factory=list)  # vouchers reprinted, in order
    # Charges refused (declined, or over an offline limit): [fact, card id, amount, since],
    # ``since`` being the journal's length when the refusal became known, and ``fact`` the one
    # a split of that amount raises (split_after_decline, split_to_dodge_limit): see
    # rules.split_facts.
    refused: list[list[Any]] = field(default_factory=list)
    settlements: int = 0
    mode: str = "main"  # the screen shown, e.g. "sale.amount"
    ctx: dict[str, Any] = field(default_factory=dict)  # what the current flow has collected
    input: str = ""  # digits keyed on the current input screen

    def txn(self, trace: int | None) -> Txn | None:
        """The journal entry with voucher no. ``trace``."""
        return next((t for t in self.txns if t.trace == trace), None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready state."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TerminalState:
        """The state stored by ``to_dict``."""
        return cls(**{**data, "txns": [Txn(**t) for t in data.get("txns", [])]})


@dataclass(frozen=True)
class Action:
    """One key press (or event) at ``t`` seconds after the run started."""

    key: str
    t: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "t": self.t}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Action:
        """An action from stored JSON; a missing or unusable time counts as 0."""
        t = data.get("t", 0.0)
        if isinstance(t, bool) or not isinstance(t, int | float) or not math.isfinite(t):
            t = 0.0
        return cls(str(data.get("key", "")), float(t))


@dataclass(frozen=True)
class ReceiptLine:
    """One printed line; ``style`` is title, line, total or cut."""

    text: LocalText
    style: str = "line"


@dataclass(frozen=True)
class MenuItem:
    key: str
    label: LocalText


@dataclass(frozen=True)
class Screen:
    """What the terminal shows, with texts in both languages (``render`` picks one)."""

    kind: str  # menu | input | prompt | result | error | processing | off
    title: LocalText
    lines: list[LocalText] = field(default_factory=list)
    input: str = ""  # as displayed: ¥85.00, ******, 000318
    menu: list[MenuItem] = field(default_factory=list)
    softkeys: list[MenuItem] = field(default_factory=list)
    beep: bool = False
    rule: str | None = None  # the rule code of an error screen


@dataclass(frozen=True)
class Event:
    """The evidence of one action: what the terminal did and the facts graders look for."""

    t: float
    key: str
    screen_before: str
    outcome: str  # ok | ignored | refused | approved | declined | unknown | reversed | printed …
    rule: str | None = None
    txn: str | None = None  # voucher no. of the transaction the action made or touched
    facts: list[str] = field(default_factory=list)


@dataclass
class Step:
    """The result of applying one action: the new state, its screen, what printed, the event."""

    state: TerminalState
    screen: Screen
    printed: list[ReceiptLine]
    event: Event

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready step."""
        return {
            "state": self.state.to_dict(),
            "screen": dataclasses.asdict(self.screen),
            "printed": [dataclasses.asdict(line) for line in self.printed],
            "event": dataclasses.asdict(self.event),
        }
