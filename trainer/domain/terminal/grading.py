"""Grading a run from its action log: replay it, then read the end state and the events.

- ``unmet``: expectations (``expect``) the end state does not meet; any one fails the run;
- ``critical``: a forbidden fact (``forbid``) in some event; any one fails the run whatever the
  score, like a drill's critical error;
- ``mistakes``: every refusal the cashier caused and every fact the engine knows is wrong, each
  with its explanation and manual link; they lower the score but do not fail the run alone;
- over ``max_actions`` or ``time_limit_seconds`` lowers the score, it does not fail alone.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from trainer.domain.terminal.engine import replay, start
from trainer.domain.terminal.messages import FACT_OF_RULE, FACTS, RULES, TYPE_NAMES, T, money, tx
from trainer.domain.terminal.model import Action, Expectation, LocalText, Scenario, TerminalState

#: What each mistake takes off the score, and the most mistakes can take together.
MISTAKE_PENALTY = 0.1
MAX_MISTAKE_PENALTY = 0.5
#: The factor applied for going over the step budget, and again for going over time.
OVER_BUDGET_FACTOR = 0.8


@dataclass(frozen=True)
class SimGrade:
    """The grade of one run (see the module docstring)."""

    passed: bool
    score: float
    critical: list[dict[str, Any]]  # {index, fact, why}
    unmet: list[dict[str, Any]]  # {expect, message}
    mistakes: list[dict[str, Any]]  # {index, rule, message, manual}
    actions_used: int
    seconds_used: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready grade."""
        return dataclasses.asdict(self)


def grade(scenario: Scenario, actions: list[Action]) -> SimGrade:
    """Replay ``actions`` and grade the run against the scenario's expectations and rules."""
    steps = replay(scenario, actions)
    final = steps[-1].state if steps else start(scenario)
    forbidden = {f.fact: f.why for f in scenario.forbid}
    critical: list[dict[str, Any]] = []
    mistakes: list[dict[str, Any]] = []
    for index, step in enumerate(steps):
        event = step.event
        rule = RULES.get(event.rule or "")
        if rule is not None and rule.explain is not None:
            mistakes.append(
                {
                    "index": index,
                    "rule": event.rule,
                    "message": rule.explain,
                    "manual": rule.manual or scenario.manual,
                }
            )
        for fact in event.facts:
            if fact in forbidden:
                critical.append({"index": index, "fact": fact, "why": forbidden[fact]})
            if fact in FACTS and FACT_OF_RULE.get(event.rule or "") != fact:
                message, manual = FACTS[fact]
                mistakes.append(
                    {"index": index, "rule": fact, "message": message, "manual": manual}
                )
    unmet = [
        {"expect": _expect_dict(e), "message": e.message or describe(scenario, e)}
        for e in scenario.expect
        if not met(final, e)
    ]
    met_share = 1 - len(unmet) / len(scenario.expect) if scenario.expect else 1.0
    score = met_share * (1 - min(MAX_MISTAKE_PENALTY, MISTAKE_PENALTY * len(mistakes)))
    if len(actions) > scenario.max_actions:
        score *= OVER_BUDGET_FACTOR
    if final.t > scenario.time_limit_seconds:
        score *= OVER_BUDGET_FACTOR
    return SimGrade(
        passed=not unmet and not critical,
        score=round(max(0.0, min(1.0, score)), 4),
        critical=critical,
        unmet=unmet,
        mistakes=mistakes,
        actions_used=len(actions),
        seconds_used=final.t,
    )


def _expect_dict(expectation: Expectation) -> dict[str, Any]:
    return {
        k: v for k, v in dataclasses.asdict(expectation).items() if v is not None and k != "message"
    }


def met(state: TerminalState, e: Expectation) -> bool:
    """Whether the end state meets one expectation."""
    if e.settled is not None:
        return (state.settlements > 0) == e.settled
    if e.signed_on is not None:
        return state.signed_on == e.signed_on
    if e.reprinted is not None and not _txn_keys(e):
        return bool(state.reprinted) == e.reprinted
    if e.pending_reversal is not None:
        return any(t.status == "unknown" for t in state.txns) == e.pending_reversal
    ids = {t.id: t.trace for t in state.txns if t.id}
    matching = [
        t
        for t in state.txns
        if (e.type is None or t.type == e.type)
        and (e.amount is None or t.amount == e.amount)
        and (e.card is None or t.card == e.card)
        and (e.status is None or t.status == e.status)
        and (e.txn is None or t.id == e.txn)
        and (e.original is None or (t.original is not None and t.original == ids.get(e.original)))
        and (e.reprinted is None or (t.trace in state.reprinted) == e.reprinted)
    ]
    return len(matching) == e.count if e.count is not None else bool(matching)


def _txn_keys(e: Expectation) -> bool:
    return any(
        value is not None
        for value in (e.type, e.amount, e.card, e.status, e.txn, e.original, e.count)
    )


def describe(scenario: Scenario, e: Expectation) -> LocalText:
    """A sentence for an expectation the author gave no message for."""
    if e.settled is not None:
        return (
            tx("批次应当结算", "The batch should be settled")
            if e.settled
            else tx("批次不应结算", "The batch should not be settled")
        )
    if e.signed_on is not None:
        return tx("终端应当已签到", "The terminal should be signed on")
    if e.reprinted is not None and not _txn_keys(e):
        return tx("应当重打印签购单", "A slip should be reprinted")
    if e.pending_reversal is not None:
        return tx("不应留下未完成的冲正", "No reversal should be left pending")
    parts_zh: list[str] = []
    parts_en: list[str] = []
    if e.txn is not None:
        parts_zh.append(f"原交易 {e.txn}")
        parts_en.append(f"transaction {e.txn}")
    if e.type is not None:
        name = TYPE_NAMES.get(e.type, T["sale"])
        parts_zh.append(name["zh"])
        parts_en.append(name["en"].lower())
    if e.amount is not None:
        parts_zh.append(money(e.amount))
        parts_en.append(money(e.amount))
    card = scenario.start.card(e.card) if e.card else None
    if card is not None:
        parts_zh.append(f"（{card.label['zh']}）")
        parts_en.append(f"on {card.label['en']}")
    if e.status is not None:
        status = T.get(f"status_{e.status}", {"zh": e.status, "en": e.status})
        parts_zh.append(f"：{status['zh']}")
        parts_en.append(f"({status['en']})")
    count_zh = f"应有 {e.count} 笔" if e.count is not None else "应有"
    count_en = f"Expected exactly {e.count}" if e.count is not None else "Expected"
    zh = " ".join(parts_zh).replace(" （", "（").replace(" ：", "：")  # no space before ，（：
    return tx(f"{count_zh}{zh}", f"{count_en}: {' '.join(parts_en)}")
