"""Per-attempt question layout (shuffling), the pre-submission view and scenario progress."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

LANGS = ("zh", "en")
DEFAULT_FORMAT = "markdown"
QUESTION_TYPES = (
    "single",
    "multiple",
    "truefalse",
    "ordering",
    "numeric",
    "matching",
    "short",
    "essay",
    "scenario",
    "description",
)

Question = Mapping[str, Any]


def is_number(value: Any) -> bool:
    """True for a real int/float (bool excluded, NaN/inf excluded)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return value == value and value not in (float("inf"), float("-inf"))


def max_points(question: Question) -> float:
    """Points a question is worth: `points` (default 1); a description is worth 0."""
    qtype = question.get("type")
    if qtype not in QUESTION_TYPES:
        raise ValueError(f"unknown question type {qtype!r}")
    if qtype == "description":
        return 0.0
    points = question.get("points", 1)
    if points is None:
        points = 1
    if not is_number(points) or points < 0:
        raise ValueError(f"question {question.get('id')!r}: points must be a number >= 0")
    return float(points)


def localised(value: Any) -> dict[str, str] | None:
    """A {zh, en} dict for any text value (a missing language falls back to the other)."""
    if value is None:
        return None
    if isinstance(value, dict):
        zh = value.get("zh")
        en = value.get("en")
        zh_s = "" if zh is None else str(zh)
        en_s = "" if en is None else str(en)
        return {"zh": zh_s or en_s, "en": en_s or zh_s}
    text = str(value)
    return {"zh": text, "en": text}


def in_lang(value: Any, lang: str) -> str:
    """The text of a localised value in one language ("" for None).

    The same as ``localised(value)[lang]`` (Chinese for any other language), without building
    the dict: a page asks for about a hundred texts.
    """
    if value is None:
        return ""
    if not isinstance(value, dict):
        return str(value)
    zh, en = value.get("zh"), value.get("en")
    zh_s = "" if zh is None else str(zh)
    en_s = "" if en is None else str(en)
    return (en_s or zh_s) if lang == "en" else (zh_s or en_s)


def _text(value: Any, lang: str | None) -> Any:
    # lang None keeps both languages so the caller can localise later.
    if lang is None:
        return localised(value)
    return in_lang(value, lang)


def _items(question: Question, key: str) -> list[dict[str, Any]]:
    raw = question.get(key)
    if not isinstance(raw, list):
        return []
    return [item for item in raw if isinstance(item, dict)]


def _ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["id"] for item in items if isinstance(item.get("id"), str)]


def _non_identity_permutation(n: int, rng: random.Random) -> list[int]:
    order = list(range(n))
    rng.shuffle(order)
    if n >= 2 and order == list(range(n)):
        # A rotation by 1..n-1 is never the identity, and stays deterministic for a seeded rng.
        shift = rng.randrange(1, n)
        order = order[shift:] + order[:shift]
    return order


def _fallback_permutation(n: int) -> list[int]:
    # Used when a stored layout no longer fits the question; must not be the identity.
    return [*range(1, n), 0] if n >= 2 else list(range(n))


def make_layout(question: Question, rng: random.Random, shuffle_options: bool) -> dict[str, Any]:
    """The presentation order for one attempt, JSON-serialisable, to be stored with the attempt."""
    qtype = question.get("type")
    if qtype in ("single", "multiple"):
        ids = _ids(_items(question, "options"))
        if shuffle_options:
            rng.shuffle(ids)
        return {"options": ids}
    if qtype == "ordering":
        ids = _ids(_items(question, "steps"))
        return {"steps": [ids[i] for i in _non_identity_permutation(len(ids), rng)]}
    if qtype == "matching":
        return {"rights": _non_identity_permutation(len(_items(question, "pairs")), rng)}
    return {}


def _checked_ids(stored: Any, ids: list[str]) -> list[str]:
    if not isinstance(stored, list):
        return list(ids)
    known = set(ids)
    seen: set[str] = set()
    order: list[str] = []
    for item in stored:
        if isinstance(item, str) and item in known and item not in seen:
            seen.add(item)
            order.append(item)
    # Ids added to the question after the layout was made go last.
    return order + [i for i in ids if i not in seen]


def normalise_layout(question: Question, layout: Any) -> dict[str, Any]:
    """The stored layout fitted to the question (unknown ids dropped, missing ones appended)."""
    layout = layout if isinstance(layout, dict) else {}
    qtype = question.get("type")
    if qtype in ("single", "multiple"):
        return {"options": _checked_ids(layout.get("options"), _ids(_items(question, "options")))}
    if qtype == "ordering":
        steps = _ids(_items(question, "steps"))
        order = _checked_ids(layout.get("steps"), steps)
        if len(order) >= 2 and order == steps:
            order = [steps[i] for i in _fallback_permutation(len(steps))]
        return {"steps": order}
    if qtype == "matching":
        n = len(_items(question, "pairs"))
        rights = layout.get("rights")
        valid = (
            isinstance(rights, list)
            and all(isinstance(r, int) and not isinstance(r, bool) for r in rights)
            and sorted(rights) == list(range(n))
        )
        return {"rights": list(rights) if valid else _fallback_permutation(n)}
    return {}


def is_distractor(pair: Mapping[str, Any]) -> bool:
    """Matching: a pair with an empty left (Moodle's extra answer) only adds a wrong right."""
    left = localised(pair.get("left"))
    return left is None or not any(text.strip() for text in left.values())


def real_pairs(question: Question) -> list[tuple[int, dict[str, Any]]]:
    """Matching: (index, pair) of the pairs that are asked, distractors left out."""
    return [(i, p) for i, p in enumerate(_items(question, "pairs")) if not is_distractor(p)]


def right_ids(layout: Mapping[str, Any]) -> dict[str, int]:
    """Matching: presented right id -> pair index (ids are positions, so they reveal nothing)."""
    return {f"r{pos}": pair for pos, pair in enumerate(layout.get("rights", []))}


def present_panel(panel: Any, lang: str | None) -> dict[str, Any] | None:
    """The scenario panel (terminal / receipt / history) with texts in one language."""
    if not isinstance(panel, dict):
        return None
    kind = panel.get("kind") or "terminal"
    title = panel.get("title")
    out: dict[str, Any] = {
        "kind": kind,
        "title": None if title is None else _text(title, lang),
    }
    if kind == "history":
        columns = panel.get("columns") if isinstance(panel.get("columns"), list) else []
        rows = panel.get("rows") if isinstance(panel.get("rows"), list) else []
        out["columns"] = [_text(c, lang) for c in columns]
        out["rows"] = [[_text(cell, lang) for cell in row] for row in rows if isinstance(row, list)]
    else:
        lines = panel.get("lines") if isinstance(panel.get("lines"), list) else []
        out["lines"] = [_text(line, lang) for line in lines]
    return out


# --- scenario graph -------------------------------------------------------------------------


def scenario_steps(question: Question) -> dict[str, dict[str, Any]]:
    """Scenario steps by id."""
    return {s["id"]: s for s in _items(question, "steps") if isinstance(s.get("id"), str)}


def step_options(step: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The options of one scenario step that have an id."""
    return [o for o in _items(step, "options") if isinstance(o.get("id"), str)]


def option_points(option: Mapping[str, Any]) -> float:
    """Points of a scenario option (0 when missing or not a number)."""
    points = option.get("points", 0)
    return float(points) if is_number(points) else 0.0


def next_step(option: Mapping[str, Any], steps: Mapping[str, Any]) -> str | None:
    """The step an option leads to, or None when the scenario ends there."""
    nxt = option.get("next")
    return nxt if isinstance(nxt, str) and nxt in steps else None


def walk_path(
    question: Question, path: Any
) -> tuple[list[tuple[dict[str, Any], dict[str, Any]]], str | None, str | None]:
    """Follow a path: (valid (step, option) prefix, id of the step now due or None, error)."""
    steps = scenario_steps(question)
    start = question.get("start")
    if not isinstance(start, str) or start not in steps:
        return [], None, "scenario has no valid start step"
    if not isinstance(path, list | tuple):
        return [], start, "path must be a list of [step_id, option_id] pairs"
    taken: list[tuple[dict[str, Any], dict[str, Any]]] = []
    visited: set[str] = set()
    due: str | None = start
    for number, item in enumerate(path, start=1):
        if due is None:
            return taken, None, f"choice {number}: the scenario had already finished"
        if (
            not isinstance(item, list | tuple)
            or len(item) != 2
            or not all(isinstance(part, str) for part in item)
        ):
            return taken, due, f"choice {number}: expected [step_id, option_id]"
        step_id, option_id = item
        if step_id != due:
            return taken, due, f"choice {number}: expected step {due!r}, got {step_id!r}"
        step = steps[step_id]
        option = next((o for o in step_options(step) if o["id"] == option_id), None)
        if option is None:
            return taken, due, f"choice {number}: step {step_id!r} has no option {option_id!r}"
        taken.append((step, option))
        visited.add(step_id)
        due = next_step(option, steps)
        if due in visited:
            # A cycle is a content error; ending here keeps every path finite.
            due = None
    return taken, due, None


def _present_step(step: Mapping[str, Any], lang: str | None) -> dict[str, Any]:
    return {
        "id": step["id"],
        "stem": _text(step.get("stem"), lang),
        "scenario": present_panel(step.get("scenario"), lang),
        "options": [
            {"id": o["id"], "text": _text(o.get("text"), lang)} for o in step_options(step)
        ],
    }


def scenario_state(question: Question, path: Any, lang: str | None = None) -> dict[str, Any]:
    """Step due now and consequences so far (lang None: {zh, en} texts); ValueError if invalid."""
    taken, due, error = walk_path(question, path)
    if error:
        raise ValueError(error)
    steps = scenario_steps(question)
    return {
        "finished": due is None,
        "step": None if due is None else _present_step(steps[due], lang),
        "taken": [
            {
                "step": step["id"],
                "stem": _text(step.get("stem"), lang),
                "option": option["id"],
                "text": _text(option.get("text"), lang),
                "consequence": _text(option.get("consequence"), lang),
            }
            for step, option in taken
        ],
    }


def scenario_advance(
    question: Question, path: Any, step_id: Any, option_id: Any
) -> list[list[str]]:
    """The path plus one choice; ValueError for a wrong step/option or a finished scenario."""
    taken, due, error = walk_path(question, path)
    if error:
        raise ValueError(f"invalid path so far: {error}")
    if due is None:
        raise ValueError("the scenario is already finished")
    if not isinstance(step_id, str) or not isinstance(option_id, str):
        raise ValueError("step_id and option_id must be strings")
    if step_id != due:
        raise ValueError(f"expected an answer for step {due!r}, not {step_id!r}")
    if all(o["id"] != option_id for o in step_options(scenario_steps(question)[due])):
        raise ValueError(f"step {step_id!r} has no option {option_id!r}")
    return [[step["id"], option["id"]] for step, option in taken] + [[step_id, option_id]]


# --- pre-submission view --------------------------------------------------------------------


def present(question: Question, layout: Any, lang: str, path: Any = None) -> dict[str, Any]:
    """JSON-safe view before submission; for a scenario, the step due after `path`."""
    qtype = question.get("type")
    points = max_points(question)
    layout = normalise_layout(question, layout)
    view: dict[str, Any] = {
        "id": question.get("id"),
        "type": qtype,
        "format": question.get("format") or DEFAULT_FORMAT,
        "stem": in_lang(question.get("stem"), lang),
        "scenario": present_panel(question.get("scenario"), lang),
        "points": points,
    }
    if qtype in ("single", "multiple"):
        by_id = {o["id"]: o for o in _items(question, "options") if isinstance(o.get("id"), str)}
        view["options"] = [
            {"id": oid, "text": in_lang(by_id[oid].get("text"), lang)} for oid in layout["options"]
        ]
    elif qtype == "ordering":
        by_id = {s["id"]: s for s in _items(question, "steps") if isinstance(s.get("id"), str)}
        view["steps"] = [
            {"id": sid, "text": in_lang(by_id[sid].get("text"), lang)} for sid in layout["steps"]
        ]
    elif qtype == "numeric":
        unit = question.get("unit")
        view["unit"] = None if unit is None else in_lang(unit, lang)
    elif qtype == "matching":
        pairs = _items(question, "pairs")
        # Distractors are not asked; their rights are offered among the others.
        view["lefts"] = [
            {"id": str(i), "text": in_lang(p.get("left"), lang)} for i, p in real_pairs(question)
        ]
        view["rights"] = [
            {"id": rid, "text": in_lang(pairs[index].get("right"), lang)}
            for rid, index in right_ids(layout).items()
        ]
    elif qtype == "scenario":
        view.update(scenario_state(question, [] if path is None else path, lang))
    return view
