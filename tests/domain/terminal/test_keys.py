"""No key string, time or sequence makes the terminal raise; unknown keys beep."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from tests.domain.terminal.kit import card, last, scenario
from trainer.domain.content import load_content
from trainer.domain.terminal import (
    FACTS,
    KEYS,
    RULES,
    Action,
    TerminalState,
    apply,
    render,
    replay,
    start,
)
from trainer.domain.terminal.messages import DECLINE_TEXTS, TYPE_NAMES, T

SHIPPED = Path(__file__).parents[3]
ENGINE = Path(__file__).parents[3] / "trainer" / "domain" / "terminal"


def test_an_unknown_key_beeps_with_a_rule() -> None:
    final = last(scenario(), "1 F5")
    assert (final.event.outcome, final.event.rule) == ("refused", "UNKNOWN_KEY")
    assert final.screen.beep
    assert final.state.mode == "sale.amount"  # the screen stays
    assert "无效按键" in render(final.screen, "zh")["lines"]
    assert last(scenario(), "1 card:nobody").event.rule == "UNKNOWN_CARD"
    assert last(scenario(), "card:a").event.rule == "NO_CARD_HERE"


def test_a_key_with_no_meaning_here_is_ignored_with_a_beep() -> None:
    final = last(scenario(), "up")
    assert (final.event.outcome, final.event.rule) == ("ignored", None)
    assert final.screen.beep
    assert not last(scenario(), "up 1").screen.beep


@pytest.mark.parametrize("t", [float("nan"), float("inf"), -5.0, 1e300])
def test_odd_times_do_not_break_the_clock(t: float) -> None:
    sc = scenario()
    step = apply(sc, start(sc), Action("1", t))
    assert 0 <= step.state.t <= 10 * 365 * 24 * 3600


def test_action_from_stored_json() -> None:
    assert Action.from_dict({"key": "enter", "t": "soon"}) == Action("enter", 0.0)
    assert Action.from_dict({"t": True}) == Action("", 0.0)
    assert Action.from_dict(Action("1", 2.5).to_dict()) == Action("1", 2.5)


def _fuzz_keys(rng: random.Random) -> str:
    choice = rng.random()
    if choice < 0.75:
        return rng.choice(KEYS)
    if choice < 0.9:
        return f"card:{rng.choice(['a', 'b', 'c', 'x', ''])}"
    return rng.choice(["", " ", "ENTER", "card", "card:", "0" * 50, "\x00", "💳", "-1", "12"])


FUZZ_SCENARIOS = {
    "base": {},
    "offline": {
        "online": False,
        "offline_enabled": True,
        "offline_per_payment": 9000,
        "offline_total": 20000,
    },
    "flaky": {
        "cards": [
            card("a", "timeout", "decline:51", "approve", "decline:43"),
            card("b", "referral", "approve", chip=False),
            card("c", "timeout"),
        ],
        "network": [(20, False), (60, True), (90, False)],
        "paper": False,
    },
    "off": {
        "powered": False,
        "signed_on": False,
        "batch_open": False,
        "void_needs_card": False,
        "refund_checks_card": False,
    },
}


@pytest.mark.parametrize("name", sorted(FUZZ_SCENARIOS))
def test_random_key_presses_never_raise_and_replay_the_same(name: str) -> None:
    sc = scenario(FUZZ_SCENARIOS[name])
    # Key sequences that reach deep into the flows: menu picks and passwords are common.
    rng = random.Random(f"terminal-{name}")
    for _ in range(30):
        log: list[Action] = []
        t = 0.0
        for _ in range(rng.randint(1, 80)):
            t += rng.choice([0.0, 0.5, 1.0, 30.0, 4000.0])
            key = rng.choice(["123456", "8500", "318"]) if rng.random() < 0.1 else None
            keys = list(key) if key else [_fuzz_keys(rng)]
            log.extend(Action(k, t) for k in keys)
        steps = replay(sc, log)
        assert len(steps) == len(log)
        for step in steps:
            assert (
                step.event.rule is None
                or step.event.rule in RULES
                or re.match(r"^(DECLINED_\d\d|TIMEOUT|TOTALS_NOT_AGREED)$", step.event.rule)
            ), step.event.rule
            assert set(step.event.facts) <= {*FACTS, "reversal_sent", "offline_uploaded"}
            for lang in ("zh", "en"):
                json.dumps(render(step.screen, lang))
        again = replay(sc, log)
        assert [s.to_dict() for s in again] == [s.to_dict() for s in steps]
        final = steps[-1].state
        assert TerminalState.from_dict(json.loads(json.dumps(final.to_dict()))) == final


def test_every_rule_and_fact_has_both_languages_and_a_real_manual_link() -> None:
    content = load_content(SHIPPED)
    anchors = {
        f"{code}/{lesson.slug}#{section.anchor}"
        for code, course in content.courses.items()
        for lesson in course.lessons
        for section in lesson.sections["en"]
    }
    for code, rule in RULES.items():
        assert rule.screen["zh"] and rule.screen["en"], code
        if rule.explain is not None:
            assert rule.explain["zh"] and rule.explain["en"], code
            assert rule.manual in anchors, (code, rule.manual)
    for fact, (explain, manual) in FACTS.items():
        assert explain["zh"] and explain["en"], fact
        assert manual in anchors, (fact, manual)


def test_every_rule_code_the_engine_uses_is_in_the_table() -> None:
    modules = ("engine.py", "rules.py", "screens.py")
    source = "\n".join((ENGINE / name).read_text(encoding="utf-8") for name in modules)
    used = set(re.findall(r'"([A-Z][A-Z_]+[A-Z])"', source))
    assert used - {"TIMEOUT", "TOTALS_NOT_AGREED"} <= set(RULES)


def test_the_contract_names_every_rule_code_and_fact() -> None:
    contract = (SHIPPED / "docs" / "simulator.md").read_text(encoding="utf-8")
    assert [code for code in RULES if f"`{code}`" not in contract] == []
    assert [fact for fact in FACTS if f"`{fact}`" not in contract] == []


#: British spellings whose American form the courses use (authorization, Do not honor …): the
#: terminal's English must read like the manual it links to.
BRITISH = re.compile(
    r"authoris|honour|colour|favour|behaviour|practis|licence|cheque|catalogue", re.I
)


def test_the_terminal_english_spells_like_the_courses() -> None:
    courses = "\n".join(
        path.read_text(encoding="utf-8") for path in (SHIPPED / "courses").rglob("*.en.md")
    )
    assert "authorization" in courses and "Do not honor" in courses
    texts = [*T.values(), *DECLINE_TEXTS.values(), *TYPE_NAMES.values()]
    texts += [rule.screen for rule in RULES.values()]
    texts += [rule.explain for rule in RULES.values() if rule.explain]
    texts += [explain for explain, _manual in FACTS.values()]
    assert [text["en"] for text in texts if BRITISH.search(text["en"])] == []
    assert DECLINE_TEXTS["05"]["en"] == "05 Do not honor"
