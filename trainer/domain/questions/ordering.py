"""Ordering: put the steps in order; points for the longest run already in the right order."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from trainer.domain.questions.base import (
    ARROW,
    LocalText,
    Outcome,
    Question,
    QuestionType,
    by_id,
    checked_ids,
    clamp,
    fallback_permutation,
    ids,
    in_lang,
    invalid,
    items,
    join,
    localised,
    non_identity_permutation,
    unanswered,
)

if TYPE_CHECKING:
    from trainer.domain.content.core import Checker
    from trainer.domain.yamlsource import YamlDict


def longest_increasing(values: list[int]) -> set[int]:
    """Positions of one longest strictly increasing subsequence (n is small: O(n²) is fine)."""
    if not values:
        return set()
    length = [1] * len(values)
    previous = [-1] * len(values)
    for i, value in enumerate(values):
        for j in range(i):
            if values[j] < value and length[j] + 1 > length[i]:
                length[i] = length[j] + 1
                previous[i] = j
    end = max(range(len(values)), key=lambda i: length[i])
    members: set[int] = set()
    while end != -1:
        members.add(end)
        end = previous[end]
    return members


def opaque_ids(layout: Mapping[str, Any]) -> list[str]:
    """Ids for the steps as the page shows them (s0, s1 … in shown order).

    The authored step ids can hint at the answer ("step1"), so the page never shows them.
    """
    return [f"s{i}" for i in range(len(layout.get("steps", [])))]


class Ordering(QuestionType):
    """Response ``{"order": [step_id, …]}`` (the page may save ``{"ranks": …}`` until complete)."""

    name = "ordering"
    required = ("steps",)

    def check(
        self, c: Checker, node: YamlDict, file: str, who: str, md: bool, question: dict[str, Any]
    ) -> None:
        steps: list[dict[str, Any]] = []
        for item, label, _line in c.items(node, "steps", file, who, "step"):
            owner = f"{who}: {label}"
            c.keys(item, file, owner, ("id", "text"))
            steps.append(
                {
                    "id": item.get("id") if isinstance(item.get("id"), str) else "",
                    "text": c.text(item, "text", file, owner, markdown=md),
                }
            )
        if isinstance(node.get("steps"), list) and len(steps) < 3:
            c.add(
                file,
                node.key_line("steps"),
                f"{who}: an ordering question needs at least 3 steps (found {len(steps)})",
            )
        question["steps"] = steps

    def make_layout(
        self, question: Question, rng: random.Random, shuffle_options: bool
    ) -> dict[str, Any]:
        # Always shuffled, whatever the quiz says: the authored order is the answer.
        found = ids(items(question, "steps"))
        return {"steps": [found[i] for i in non_identity_permutation(len(found), rng)]}

    def normalise_layout(self, question: Question, layout: dict[str, Any]) -> dict[str, Any]:
        steps = ids(items(question, "steps"))
        order = checked_ids(layout.get("steps"), steps)
        if len(order) >= 2 and order == steps:
            order = [steps[i] for i in fallback_permutation(len(steps))]
        return {"steps": order}

    def present(
        self, question: Question, layout: dict[str, Any], lang: str, path: Any
    ) -> dict[str, Any]:
        found = {s["id"]: s for s in items(question, "steps") if isinstance(s.get("id"), str)}
        return {
            "steps": [
                {"id": sid, "text": in_lang(found[sid].get("text"), lang)}
                for sid in layout["steps"]
            ]
        }

    def grade(
        self, question: Question, response: Mapping[str, Any], layout: dict[str, Any]
    ) -> Outcome:
        steps = by_id(items(question, "steps"))
        correct_index = {sid: i for i, sid in enumerate(steps)}
        order = response.get("order")
        if order is None or order == []:
            return unanswered()
        if not isinstance(order, list) or not all(isinstance(s, str) for s in order):
            return invalid("order must be a list of step ids")
        if len(set(order)) != len(order):
            return invalid("a step appears twice")
        if set(order) != set(steps):
            return invalid("order must contain every step exactly once")
        positions = [correct_index[sid] for sid in order]
        in_sequence = longest_increasing(positions)
        n = len(order)
        fraction = (len(in_sequence) - 1) / (n - 1) if n > 1 else 1.0
        parts = [
            {
                "id": sid,
                "text": localised(steps[sid].get("text")),
                "position": pos + 1,
                "expected_position": correct_index[sid] + 1,
                "correct": pos == correct_index[sid],
                "in_sequence": pos in in_sequence,
            }
            for pos, sid in enumerate(order)
        ]
        return Outcome(fraction=clamp(fraction), feedback=parts)

    def correct_answer(self, question: Question) -> LocalText | None:
        return join(
            [localised(s.get("text")) for s in by_id(items(question, "steps")).values()], ARROW
        )

    def read_form(
        self, question: Question, layout: Mapping[str, Any], form: Any, name: str
    ) -> dict[str, Any] | None:
        real = layout.get("steps", [])
        ranks = {}
        for opaque, step_id in zip(opaque_ids(layout), real, strict=True):
            rank = form.get(f"{name}-{opaque}", type=int)
            if rank is not None:
                ranks[step_id] = rank
        if not ranks:
            return None
        if sorted(ranks.values()) != list(range(1, len(real) + 1)):
            # Steps left out or a number used twice: not an order yet (it grades as not
            # answered), but kept so the page shows what was chosen.
            return {"ranks": ranks}
        return {"order": sorted(ranks, key=ranks.__getitem__)}

    def form_values(
        self, question: Question, layout: Mapping[str, Any], response: Mapping[str, Any]
    ) -> Mapping[str, Any]:
        if not (response.get("order") or response.get("ranks")):
            return response
        if response.get("order"):
            rank = {step_id: i + 1 for i, step_id in enumerate(response["order"])}
        else:
            rank = response["ranks"]
        shown = {
            opaque: rank.get(step_id)
            for opaque, step_id in zip(opaque_ids(layout), layout.get("steps", []), strict=True)
        }
        # "incomplete" cannot clash with the opaque ids (s0, s1 …).
        return {**shown, "incomplete": not response.get("order")}
