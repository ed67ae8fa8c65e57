"""Simulator scenarios (content/simulator.py): every problem of a scenario file at its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.domain.content.tree import SHIPPED, edit, line_of, reported, warned
from tests.domain.terminal.kit import actions
from trainer.domain.content import ContentError, load_content
from trainer.domain.terminal import grade

SCENARIO = "quizzes/simulator/void-it.yaml"

TEXT = """\
id: void-it
title: {zh: 撤销多收的钱, en: Void the overcharge}
summary: {zh: 多收了钱，批次未结算。, en: Overcharged; the batch is open.}
tags: [C1]
manual: basics/01-void-or-refund#check-the-batch
sources: [1, C1]
time_limit_seconds: 300
max_actions: 40
start:
  clock: "2026-12-07 14:20"
  cutoff: "23:00"
  supervisor_password: "123456"
  batch: {number: "000101", open: true}
  first_voucher: "000318"
  cards:
    - {id: a, label: {zh: 借记卡, en: debit card}, pan: "6228480000001234", outcome: approve}
  transactions:
    - {id: wrong, type: sale, card: a, amount: 85000, minutes_ago: 10}
dialogue:
  - {zh: 顾客说扣多了。, en: The customer says it is too much.}
goal: {zh: 撤销后重收 ¥85.00。, en: Void it and charge ¥85.00.}
expect:
  - {txn: wrong, status: voided}
  - {type: sale, amount: 8500, card: a, status: approved}
forbid:
  - {fact: charged_twice, why: {zh: 扣了两次。, en: Charged twice.}}
"""


@pytest.fixture
def sim(tree: Path) -> Path:
    """The fixture tree with one valid scenario."""
    folder = tree / "quizzes" / "simulator"
    folder.mkdir()
    (folder / "void-it.yaml").write_text(TEXT, encoding="utf-8")
    return tree


def test_a_valid_scenario_loads_into_a_playable_scenario(sim: Path) -> None:
    assert reported(sim) == []
    scenario = load_content(sim).simulator["void-it"]
    assert scenario.start.first_trace == 318
    assert scenario.start.cards[0].outcomes == ["approve"]
    assert scenario.expect[0].txn == "wrong"
    assert scenario.dialogue == [
        {"zh": "顾客说扣多了。", "en": "The customer says it is too much."}
    ]
    log = actions("2 123456 enter 318 enter enter card:a enter 1 8500 enter card:a")
    result = grade(scenario, log)
    assert result.passed, result


def test_the_shipped_scenarios_are_valid() -> None:
    content = load_content(SHIPPED)
    assert "overcharge-void" in content.simulator


BROKEN = [
    (
        "manual anchor",
        "check-the-batch",
        "no-such",
        ("manual:", None),
        'scenario "void-it": manual link "basics/01-void-or-refund#no-such": lesson '
        '"basics/01-void-or-refund" has no anchor "no-such"',
    ),
    (
        "source",
        "sources: [1, C1]",
        "sources: [1, 99]",
        ("sources:", None),
        'scenario "void-it": unknown source "99" (not in courses/sources.yaml)',
    ),
    (
        "id",
        "id: void-it",
        "id: other",
        ("id:", None),
        'scenario "other": id does not match its file name "void-it.yaml"',
    ),
    (
        "clock",
        '"2026-12-07 14:20"',
        '"7 Dec 14:20"',
        ("clock:", None),
        'scenario "void-it": start: clock "7 Dec 14:20" must look like 2026-12-07 14:20',
    ),
    (
        "password",
        '"123456"',
        "123456",
        ("supervisor_password", None),
        'scenario "void-it": start: supervisor_password must be 4 to 8 digits in quotes '
        "(found number 123456)",
    ),
    (
        "outcome",
        "outcome: approve",
        "outcome: maybe",
        ("outcome:", None),
        'scenario "void-it": start: card "a": outcome text "maybe" must be approve, timeout, '
        "referral or decline:NN (e.g. 05, 51, 04, 07, 41, 43)",
    ),
    (
        "card of txn",
        "type: sale, card: a,",
        "type: sale, card: z,",
        ("minutes_ago: 10", None),
        'scenario "void-it": start: transaction "wrong": unknown card "z"',
    ),
    (
        "txn type",
        "type: sale, card: a,",
        "type: sell, card: a,",
        ("minutes_ago: 10", None),
        'scenario "void-it": start: transaction "wrong": "type" must be one of "sale", "void", '
        '"refund", "preauth", "completion", "preauth_void" (found "sell")',
    ),
    (
        "expect txn",
        "{txn: wrong,",
        "{txn: right,",
        ("txn: right", None),
        'scenario "void-it": expectation 1: txn "right" is not the id of a starting transaction',
    ),
    (
        "expect mixed",
        "{txn: wrong, status: voided}",
        "{txn: wrong, settled: true}",
        ("settled: true", None),
        'scenario "void-it": expectation 1: one expectation checks one of settled, signed_on, '
        "reprinted, pending_reversal, or a transaction",
    ),
    (
        "fact",
        "fact: charged_twice",
        "fact: being_rude",
        ("being_rude", None),
        'scenario "void-it": forbidden fact 1: unknown fact "being_rude" (known: ',
    ),
    (
        "missing goal",
        "goal: {zh: 撤销后重收 ¥85.00。, en: Void it and charge ¥85.00.}\n",
        "",
        1,
        'scenario "void-it": missing required key "goal"',
    ),
    (
        "english",
        "en: debit card}",
        "fr: debit card}",
        ("label:", None),
        'scenario "void-it": start: card "a" has no English label',
    ),
    (
        "offline limits",
        '  cutoff: "23:00"\n',
        '  cutoff: "23:00"\n  offline: {enabled: true}\n',
        ("offline:", None),
        'scenario "void-it": start: offline: an enabled offline mode needs per_payment and total '
        "limits (in fen)",
    ),
    (
        "order",
        "minutes_ago: 10}",
        "minutes_ago: 10}\n    - {type: sale, card: a, amount: 1, minutes_ago: 20}",
        ("minutes_ago: 20", None),
        'scenario "void-it": start: transaction 2: transactions are listed oldest first (newest '
        "last)",
    ),
    (
        "cutoff",
        'cutoff: "23:00"',
        'cutoff: "11pm"',
        ("cutoff:", None),
        'scenario "void-it": start: cutoff "11pm" must look like 23:00',
    ),
    (
        "pan",
        'pan: "6228480000001234"',
        "pan: 6228480000001234",
        ("pan:", None),
        'scenario "void-it": start: card "a": pan must be 13 to 19 digits in quotes '
        "(found number 6228480000001234)",
    ),
    (
        "no outcome",
        "outcome: approve",
        "outcome: []",
        ("outcome:", None),
        'scenario "void-it": start: card "a": outcome lists nothing',
    ),
    (
        "no cards",
        '  cards:\n    - {id: a, label: {zh: 借记卡, en: debit card}, pan: "6228480000001234", '
        "outcome: approve}\n",
        "  cards: []\n",
        ("cards:", None),
        'scenario "void-it": start: list at least one card',
    ),
    (
        "voucher twice",
        "amount: 85000, minutes_ago: 10}",
        'amount: 85000, minutes_ago: 10, voucher: "000001"}\n'
        '    - {type: sale, card: a, amount: 1, minutes_ago: 5, voucher: "000001"}',
        ("minutes_ago: 5", None),
        'scenario "void-it": start: transaction 2: voucher "000001" is used twice',
    ),
    (
        "network",
        '  cutoff: "23:00"\n',
        '  cutoff: "23:00"\n  network:\n    - {after_seconds: -1, online: yes}\n',
        ("after_seconds", None),
        'scenario "void-it": start: network change 1: "after_seconds" must be at least 0 '
        "(found -1)",
    ),
    (
        "empty expect",
        "expect:\n  - {txn: wrong, status: voided}\n  - {type: sale, amount: 8500, card: a, "
        "status: approved}\n",
        "expect: []\n",
        ("expect:", None),
        'scenario "void-it": list at least one expectation',
    ),
    (
        "empty expectation",
        "{txn: wrong, status: voided}",
        "{message: {zh: 空, en: empty}}",
        ("message:", None),
        'scenario "void-it": expectation 1: say what to expect',
    ),
    (
        "expect card",
        "card: a, status: approved}",
        "card: z, status: approved}",
        ("card: z", None),
        'scenario "void-it": expectation 2: unknown card "z"',
    ),
    (
        "original",
        "minutes_ago: 10}",
        "minutes_ago: 10}\n    - {type: void, card: a, amount: 85000, minutes_ago: 5, "
        "original: later}",
        ("original: later", None),
        'scenario "void-it": start: transaction 2: original "later" must be the id of an '
        "earlier transaction",
    ),
    (
        "no time",
        "amount: 85000, minutes_ago: 10}",
        "amount: 85000}",
        ("amount: 85000}", None),
        'scenario "void-it": start: transaction "wrong": say when it happened with minutes_ago '
        "or seconds_ago",
    ),
    (
        "two times",
        "amount: 85000, minutes_ago: 10}",
        "amount: 85000, minutes_ago: 10,\n       seconds_ago: 600}",
        ("seconds_ago: 600", None),
        'scenario "void-it": start: transaction "wrong": say when it happened with minutes_ago '
        "or seconds_ago (not both)",
    ),
    (
        "fractional minutes",
        "minutes_ago: 10}",
        "minutes_ago: 9.5}",
        ("minutes_ago: 9.5", None),
        'scenario "void-it": start: transaction "wrong": minutes_ago is whole minutes (found '
        "number 9.5); give seconds_ago instead when the seconds matter",
    ),
    (
        "negative seconds",
        "minutes_ago: 10}",
        "seconds_ago: -5}",
        ("seconds_ago: -5", None),
        'scenario "void-it": start: transaction "wrong": "seconds_ago" must be at least 0 '
        "(found -5)",
    ),
    (
        "order in seconds",
        "minutes_ago: 10}",
        "minutes_ago: 10}\n    - {type: sale, card: a, amount: 1, seconds_ago: 601}",
        ("seconds_ago: 601", None),
        'scenario "void-it": start: transaction 2: transactions are listed oldest first (newest '
        "last)",
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "where", "message"),
    [case[1:] for case in BROKEN],
    ids=[case[0] for case in BROKEN],
)
def test_a_broken_scenario_is_reported_at_its_line(
    sim: Path, old: str, new: str, where: int | tuple[str, str | None], message: str
) -> None:
    edit(sim, SCENARIO, old, new)
    line = where if isinstance(where, int) else line_of(sim, SCENARIO, *where)
    problems = reported(sim)
    assert any(p.startswith(f"{SCENARIO}:{line}: {message}") for p in problems), problems
    assert "void-it" not in load_content_or_none(sim)


def load_content_or_none(root: Path) -> dict:
    try:
        return load_content(root).simulator
    except ContentError:
        return {}


def test_seconds_ago_times_a_starting_transaction_to_the_second(sim: Path) -> None:
    edit(
        sim,
        SCENARIO,
        "minutes_ago: 10}",
        "minutes_ago: 10}\n    - {id: again, type: sale, card: a, amount: 1, seconds_ago: 575}",
    )
    assert reported(sim) == []
    scenario = load_content(sim).simulator["void-it"]
    assert [past.age_seconds for past in scenario.start.transactions] == [600, 575]
    # A run stores the scenario as JSON and replays it from there.
    assert scenario.from_dict(scenario.to_dict()) == scenario


def test_not_yaml_is_reported(sim: Path) -> None:
    (sim / SCENARIO).write_text("id: [unclosed\n", encoding="utf-8")
    assert any(p.startswith(SCENARIO) for p in reported(sim))


def test_a_goal_met_before_any_key_press_is_a_warning(sim: Path) -> None:
    edit(
        sim,
        SCENARIO,
        "  - {txn: wrong, status: voided}\n  - {type: sale, amount: 8500, "
        "card: a, status: approved}\n",
        "  - {txn: wrong, status: approved}\n",
    )
    assert reported(sim) == []
    assert (
        f'{SCENARIO}:1: scenario "void-it": every expectation is met before the first key '
        "press" in warned(sim)
    )


def test_reprinted_may_narrow_a_transaction_match(sim: Path) -> None:
    edit(sim, SCENARIO, "{txn: wrong, status: voided}", "{txn: wrong, reprinted: true}")
    assert reported(sim) == []
    assert load_content(sim).simulator["void-it"].expect[0].reprinted is True


def test_a_duplicate_key_is_reported_and_the_scenario_not_kept(sim: Path) -> None:
    edit(sim, SCENARIO, "max_actions: 40\n", "max_actions: 40\nmax_actions: 50\n")
    assert any(p.startswith(f"{SCENARIO}:") for p in reported(sim))
    assert load_content_or_none(sim) == {}
