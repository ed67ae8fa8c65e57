"""The POS terminal simulator's engine (pure Python, no Flask): see docs/simulator.md.

- ``model``: scenario, terminal state, actions, screens, steps (JSON-ready dataclasses);
- ``engine``: what each key does on each screen (``start``, ``apply``, ``replay``);
- ``screens``: what the terminal shows (``screen_of``, ``render``);
- ``rules``: the acquirer's rules as pure checks returning a rule code;
- ``receipts``: slips and the settlement slip;
- ``messages``: every terminal text, rule code and fact, in zh and en;
- ``grading``: ``grade(scenario, actions)`` from the action log.
"""

from trainer.domain.terminal.engine import KEYS, apply, replay, start
from trainer.domain.terminal.grading import SimGrade, grade
from trainer.domain.terminal.messages import FACTS, RULES
from trainer.domain.terminal.model import (
    Action,
    Card,
    Event,
    Expectation,
    Forbid,
    PastTxn,
    ReceiptLine,
    Scenario,
    Screen,
    Start,
    Step,
    TerminalState,
    Txn,
)
from trainer.domain.terminal.receipts import slip
from trainer.domain.terminal.screens import history, render, screen_of

__all__ = [
    "FACTS",
    "KEYS",
    "RULES",
    "Action",
    "Card",
    "Event",
    "Expectation",
    "Forbid",
    "PastTxn",
    "ReceiptLine",
    "Scenario",
    "Screen",
    "SimGrade",
    "Start",
    "Step",
    "TerminalState",
    "Txn",
    "apply",
    "customer_slips",
    "grade",
    "history",
    "render",
    "replay",
    "screen_of",
    "slip",
    "start",
]


def customer_slips(scenario: Scenario) -> list[list[ReceiptLine]]:
    """The slips the customer holds (past transactions marked ``slip: true``), to show beside
    the terminal: the reference no. and date a refund needs are printed on them. They are the
    cardholder's copies (持卡人存根), not the merchant copies the terminal prints."""
    state = start(scenario)
    pairs = zip(scenario.start.transactions, state.txns, strict=True)
    return [slip(scenario, txn, cardholder=True) for past, txn in pairs if past.slip]
