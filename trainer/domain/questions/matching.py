"""Matching: pick the right text for each left text; a pair with no left is a distractor."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from trainer.domain.messages import N_
from trainer.domain.questions.base import (
    ARROW,
    LIST_JOIN,
    LocalText,
    Outcome,
    Question,
    QuestionType,
    Skip,
    both_langs,
    fallback_permutation,
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
    from trainer.domain.questions.gift.model import GiftQuestion
    from trainer.domain.questions.gift.writer import GiftWriter
    from trainer.domain.yamlsource import YamlDict


def is_distractor(pair: Mapping[str, Any]) -> bool:
    """A pair with an empty left (Moodle's extra answer) only adds a wrong right."""
    left = localised(pair.get("left"))
    return left is None or not any(text.strip() for text in left.values())


def real_pairs(question: Question) -> list[tuple[int, dict[str, Any]]]:
    """(index, pair) of the pairs that are asked, distractors left out."""
    return [(i, p) for i, p in enumerate(items(question, "pairs")) if not is_distractor(p)]


def right_ids(layout: Mapping[str, Any]) -> dict[str, int]:
    """Presented right id -> pair index (ids are positions, so they reveal nothing)."""
    return {f"r{pos}": pair for pos, pair in enumerate(layout.get("rights", []))}


class Matching(QuestionType):
    """Response ``{"pairs": {left_index: right_id}}``; lefts are pair indexes as text."""

    name = "matching"
    required = ("pairs",)
    gift_qtype = "matching"

    def check(
        self, c: Checker, node: YamlDict, file: str, who: str, md: bool, question: dict[str, Any]
    ) -> None:
        pairs: list[dict[str, Any]] = []
        seq = c.seq(node, "pairs", file, who)
        for i, raw in enumerate(seq or []):
            assert seq is not None
            owner = f"{who}: pair {i + 1}"
            item = c.mapping(raw, file, seq.item_line(i), owner)
            if item is None:
                continue
            c.keys(item, file, owner, ("left", "right"))
            pairs.append(
                {
                    "left": c.text(item, "left", file, owner, markdown=md),
                    "right": c.text(item, "right", file, owner, markdown=md),
                }
            )
        if seq is not None and len(pairs) < 3:
            c.add(
                file,
                node.key_line("pairs"),
                f"{who}: a matching question needs at least 3 pairs (found {len(pairs)})",
            )
        question["pairs"] = pairs

    def make_layout(
        self, question: Question, rng: random.Random, shuffle_options: bool
    ) -> dict[str, Any]:
        # Always shuffled: in the authored order every left would face its own right.
        n = len(items(question, "pairs"))
        if n == 2:
            # Never the authored order would always be the swapped one, which gives the answer
            # away (a GIFT import may have just 2 pairs): either order, at random.
            return {"rights": rng.sample(range(2), 2)}
        return {"rights": non_identity_permutation(n, rng)}

    def normalise_layout(self, question: Question, layout: dict[str, Any]) -> dict[str, Any]:
        n = len(items(question, "pairs"))
        rights = layout.get("rights")
        valid = (
            isinstance(rights, list)
            and all(isinstance(r, int) and not isinstance(r, bool) for r in rights)
            and sorted(rights) == list(range(n))
        )
        return {"rights": list(rights) if valid else fallback_permutation(n)}

    def present(
        self, question: Question, layout: dict[str, Any], lang: str, path: Any
    ) -> dict[str, Any]:
        pairs = items(question, "pairs")
        # Distractors are not asked; their rights are offered among the others.
        return {
            "lefts": [
                {"id": str(i), "text": in_lang(p.get("left"), lang)}
                for i, p in real_pairs(question)
            ],
            "rights": [
                {"id": rid, "text": in_lang(pairs[index].get("right"), lang)}
                for rid, index in right_ids(layout).items()
            ],
        }

    def grade(
        self, question: Question, response: Mapping[str, Any], layout: dict[str, Any]
    ) -> Outcome:
        pairs = items(question, "pairs")
        rights = right_ids(layout)
        answers = response.get("pairs")
        if answers is None or answers == {}:
            return unanswered()
        if not isinstance(answers, dict):
            return invalid("pairs must be an object")
        keys = {str(i) for i in range(len(pairs))}
        asked = real_pairs(question)  # a distractor (empty left) is not asked and not counted
        lefts = {str(i) for i, _pair in asked}
        chosen: dict[int, int] = {}
        for key, rid in answers.items():
            if not isinstance(key, str) or key not in keys:
                return invalid(f"unknown left item {key!r}")
            if rid is None or rid == "":
                continue
            if key not in lefts:
                return invalid(f"unknown left item {key!r}")
            if not isinstance(rid, str) or rid not in rights:
                return invalid(f"unknown right item {rid!r}")
            chosen[int(key)] = rights[rid]
        if not chosen:
            return unanswered()
        parts = []
        for i, pair in asked:
            picked = chosen.get(i)
            expected = localised(pair.get("right"))
            given = None if picked is None else localised(pairs[picked].get("right"))
            # Two lefts may share the same right text; either copy is then right.
            ok = picked is not None and (picked == i or given == expected)
            parts.append(
                {
                    "id": str(i),
                    "text": localised(pair.get("left")),
                    "response": given,
                    "expected": expected,
                    "correct": ok,
                }
            )
        n = len(asked)
        fraction = sum(1 for p in parts if p["correct"]) / n if n else 0.0
        return Outcome(fraction=fraction, feedback=parts)

    def correct_answer(self, question: Question) -> LocalText | None:
        texts = []
        for _i, pair in real_pairs(question):
            left = localised(pair.get("left")) or {"zh": "", "en": ""}
            right = localised(pair.get("right")) or {"zh": "", "en": ""}
            texts.append({lang: f"{left[lang]}{ARROW}{right[lang]}" for lang in ("zh", "en")})
        return join(texts, LIST_JOIN)

    def read_form(
        self, question: Question, layout: Mapping[str, Any], form: Any, name: str
    ) -> dict[str, Any] | None:
        lefts = len(question.get("pairs", []))
        pairs = {str(i): form.get(f"{name}-{i}", "") for i in range(lefts)}
        return {"pairs": pairs} if any(pairs.values()) else None

    def from_gift(self, imported: GiftQuestion, question: dict[str, Any]) -> None:
        # Moodle's import takes 2 pairs (only its editing form asks for 3), and so does this:
        # the parser already refused fewer (answers.py, read_matching).
        real = sum(1 for p in imported.pairs if p.left)
        if real < 2:
            raise Skip(
                N_("matching needs at least 2 pairs in trainer; this one has %(count)d"), count=real
            )
        # A distractor (Moodle: subquestion without text) is a pair with an empty left.
        question["pairs"] = [
            {"left": both_langs(p.left), "right": both_langs(p.right)} for p in imported.pairs
        ]

    def to_gift(self, question: Question, w: GiftWriter) -> str:
        pairs = question.get("pairs") or []
        if not pairs:
            raise Skip("a matching question needs pairs")
        lines = []
        for pair in pairs:
            left = w.text(pair.get("left"), "left")
            right = w.text(pair.get("right"), "right")
            if "->" in left:
                raise Skip(f"the left-hand text {left!r} contains '->', which GIFT cannot escape")
            if not left and not right:
                continue
            lines.append(f"\t={w.elem_text(left)} -> {w.esc(right)}")
        return w.block("{", lines)
