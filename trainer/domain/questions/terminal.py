"""Terminal: do the task on the simulated POS terminal; graded by replaying the key log.

A bank names a simulator scenario (``simulator: overcharge-void``; the common key ``scenario``
is the question's panel). The content checker copies the scenario into the question (see
``resolve_scenarios``), so an attempt keeps the scenario it started with and grade() needs
nothing but the question and the response, like every type. The response is the action log,
``{"actions": [{"key": str, "t": seconds}, …]}``, written by the server as the learner presses
keys (trainer.simulator), never by a form field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from trainer.domain import terminal as engine
from trainer.domain.questions.base import (
    LocalText,
    Outcome,
    Question,
    QuestionType,
    invalid,
    unanswered,
)

if TYPE_CHECKING:
    from trainer.domain.content.core import Checker
    from trainer.domain.yamlsource import YamlDict

#: The key under which the checker stores the scenario's JSON in the question.
SCENARIO_KEY = "simulator_scenario"
#: A log longer than this is not one a person pressed (no scenario allows this many actions).
MAX_LOGGED_ACTIONS = 1000


def text(value: Any, lang: str) -> str:
    """A {zh, en} text in ``lang`` (the other language when missing); plain strings as they are."""
    if isinstance(value, dict):
        return value.get(lang) or value.get("zh" if lang == "en" else "en") or ""
    return "" if value is None else str(value)


def brief(scenario: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """What the learner sees beside the terminal: never the expected end state or the forbids."""
    start = scenario.get("start") or {}
    return {
        "title": text(scenario.get("title"), lang),
        "summary": text(scenario.get("summary"), lang),
        "goal": text(scenario.get("goal"), lang),
        "dialogue": [text(line, lang) for line in scenario.get("dialogue") or []],
        "cards": [
            {"id": card["id"], "label": text(card.get("label"), lang)}
            for card in start.get("cards") or []
        ],
        "password": start.get("supervisor_password"),
        "time_limit": scenario.get("time_limit_seconds"),
        "max_actions": scenario.get("max_actions"),
        # The slips the customer holds: the voucher and reference numbers a void or a refund
        # needs are printed on them, as at a real till.
        "slips": [
            [{"text": text(line.text, lang), "style": line.style} for line in slip]
            for slip in engine.customer_slips(engine.Scenario.from_dict(dict(scenario)))
        ],
    }


def actions_of(response: Mapping[str, Any] | None) -> list[engine.Action] | None:
    """The logged actions of a response; None when the log is malformed."""
    raw = (response or {}).get("actions")
    if not isinstance(raw, list) or len(raw) > MAX_LOGGED_ACTIONS:
        return None
    out = []
    for entry in raw:
        if not isinstance(entry, dict):
            return None
        key, t = entry.get("key"), entry.get("t")
        if not isinstance(key, str) or isinstance(t, bool) or not isinstance(t, int | float):
            return None
        out.append(engine.Action(key=key, t=float(t)))
    return out


def resolve_scenarios(questions: list[dict[str, Any]], scenarios: Mapping[str, Any]) -> list[str]:
    """Copy each terminal question's scenario into it; the ids that name no scenario."""
    missing = []
    for question in questions:
        if question.get("type") != Terminal.name or not question.get("simulator"):
            continue
        scenario = scenarios.get(question["simulator"])
        if scenario is None:
            missing.append(question["simulator"])
        else:
            question[SCENARIO_KEY] = scenario
    return missing


class Terminal(QuestionType):
    """Response ``{"actions": [{"key", "t"}, …]}``: the simulator's action log."""

    name = "terminal"
    required = ("simulator",)

    def check(
        self, c: Checker, node: YamlDict, file: str, who: str, md: bool, question: dict[str, Any]
    ) -> None:
        # The reference is checked (and the scenario copied in) once every kind is loaded:
        # trainer/domain/content/banks.py resolve().
        question["simulator"] = c.string(node, "simulator", file, who)
        question[SCENARIO_KEY] = None

    def present(
        self, question: Question, layout: dict[str, Any], lang: str, path: Any
    ) -> dict[str, Any]:
        # ``path`` is the saved action log: the page shows the terminal as the learner left it.
        scenario = question.get(SCENARIO_KEY) or {}
        if not scenario:
            return {"brief": None, "screen": None, "receipt": []}
        sim = engine.Scenario.from_dict(scenario)
        actions = actions_of({"actions": path or []}) or []
        steps = engine.replay(sim, actions)
        screen = steps[-1].screen if steps else engine.screen_of(sim, engine.start(sim))
        return {
            "brief": brief(scenario, lang),
            "screen": engine.render(screen, lang),
            "receipt": [
                {"text": text(line.text, lang), "style": line.style}
                for step in steps
                for line in step.printed
            ],
        }

    def grade(
        self, question: Question, response: Mapping[str, Any], layout: dict[str, Any]
    ) -> Outcome:
        actions = actions_of(response)
        if actions is None:
            return invalid("actions must be a list of {key, t}")
        if not actions:
            return unanswered()
        scenario = question.get(SCENARIO_KEY)
        if not scenario:
            return invalid("the question has no scenario")
        result = engine.grade(engine.Scenario.from_dict(scenario), actions)
        feedback = [
            {"id": f"mistake-{i}", "correct": False, "feedback": m.get("message")}
            for i, m in enumerate(_dicts(result.mistakes))
        ] + [
            {"id": f"unmet-{i}", "correct": False, "feedback": u.get("message")}
            for i, u in enumerate(_dicts(result.unmet))
        ]
        critical = [
            {"id": c.get("fact"), "index": c.get("index"), "harm": c.get("why")}
            for c in _dicts(result.critical)
        ]
        # A run that misses its goal earns no credit, whatever the keys on the way scored.
        return Outcome(
            fraction=float(result.score) if result.passed else 0.0,
            feedback=feedback,
            critical=critical,
        )

    def correct_answer(self, question: Question) -> LocalText | None:
        scenario = question.get(SCENARIO_KEY) or {}
        goal = scenario.get("goal")
        return goal if isinstance(goal, dict) else None


def _dicts(items: Any) -> list[dict[str, Any]]:
    return [i if isinstance(i, dict) else vars(i) for i in items or []]
