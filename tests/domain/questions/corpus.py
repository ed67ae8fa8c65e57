"""The recorded-response corpus: every shipped question, seeded responses, and what the code did.

``cases(question)`` makes a deterministic set of layouts and responses for one question from its
own data (right, wrong, partial, blank and malformed answers); ``observe(question)`` runs every
operation a question type offers on them (layout, present, grade, scenario steps, GIFT export)
and returns the results as JSON-shaped data.  tests/fixtures/grading_corpus.json holds the
questions and the results recorded from the code before the question types were split into
modules; test_equivalence.py checks that the code still gives exactly those results.

Regenerate (only when a change of behaviour is intended) with
``python -m tests.domain.questions.corpus`` from the checkout.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
from pathlib import Path
from typing import Any

from trainer.domain import questions as engine
from trainer.domain.questions import normalise_layout
from trainer.domain.questions.gift import export_gift, parse_gift, to_bank_questions
from trainer.domain.questions.scenario import best_path_points

ROOT = Path(__file__).resolve().parents[3]
CORPUS = ROOT / "tests" / "fixtures" / "grading_corpus.json"
GIFT_FIXTURES = ROOT / "tests" / "fixtures" / "gift"

# Responses every type gets: blank, empty, and not an object at all.
COMMON: list[Any] = [None, {}, "junk", [], 7, {"unexpected": True}]


def _ids(items: Any) -> list[str]:
    return [i["id"] for i in items or [] if isinstance(i, dict) and isinstance(i.get("id"), str)]


def _layouts(q: dict[str, Any]) -> list[Any]:
    rng = random.Random(f"layout:{q.get('id')}")
    made = [engine.make_layout(q, rng, True), engine.make_layout(q, rng, False)]
    broken: list[Any] = [None, {"options": ["zz", 3]}, {"steps": _ids(q.get("steps"))}]
    if q.get("type") == "matching":
        n = len(q.get("pairs") or [])
        broken += [{"rights": [0] * n}, {"rights": list(range(n))}, {"rights": [True] * n}]
    return made + broken


def _numbers(q: dict[str, Any]) -> list[Any]:
    out: list[Any] = ["", "   ", "abc", "1e5", "--3", "¥", "1" * 70, 5, True]
    for a in q.get("answers") or []:
        for key in ("value", "min", "max"):
            v = a.get(key)
            if isinstance(v, int | float) and not isinstance(v, bool):
                tol = a.get("tolerance") or 0
                for x in (v, v + tol, v - tol, v + 2 * tol + 1, v - 0.005, -v):
                    out += [f"{x}", f"{x:,}", f"¥{x}", f"{x}元", f" {x} "]
                out.append(f"{v}".translate(str.maketrans("0123456789.", "０１２３４５６７８９．")))
                unit = a.get("unit") or q.get("unit")
                if isinstance(unit, dict):
                    out += [f"{v}{u}" for u in unit.values() if isinstance(u, str)]
    return list(dict.fromkeys(out))


def _responses(q: dict[str, Any], layout: dict[str, Any], rng: random.Random) -> list[Any]:
    kind = q.get("type")
    out: list[Any] = list(COMMON)
    if kind == "single":
        out += [{"choice": c} for c in [*_ids(q.get("options")), "", "zz", 3, ["a"]]]
    elif kind == "multiple":
        ids = _ids(q.get("options"))
        subsets = [list(s) for r in range(len(ids) + 1) for s in itertools.combinations(ids, r)]
        out += [{"choices": s} for s in subsets[:70]]
        out += [{"choices": c} for c in ([ids[0], ids[0]], ["zz"], "a", [1], ids[::-1])]
    elif kind == "truefalse":
        out += [{"value": v} for v in (True, False, "true", 1, 0)]
    elif kind == "ordering":
        ids = _ids(q.get("steps"))
        orders = [ids, ids[::-1], layout.get("steps", ids)]
        for _ in range(6):
            order = list(ids)
            rng.shuffle(order)
            orders.append(order)
        orders += [ids[:-1], [*ids, ids[0]], [*ids[:-1], "zz"], "abc", [1, 2]]
        out += [{"order": o} for o in orders] + [{"ranks": {i: 1 for i in ids}}]
    elif kind == "numeric":
        out += [{"value": v} for v in _numbers(q)]
    elif kind == "matching":
        n = len(q.get("pairs") or [])
        rights = layout.get("rights", [])
        right_of = {pair: f"r{pos}" for pos, pair in enumerate(rights)}
        correct = {str(i): right_of.get(i, "") for i in range(n)}
        out.append({"pairs": correct})
        out.append({"pairs": {k: right_of.get((int(k) + 1) % n, "") for k in correct}})
        for _ in range(5):
            out.append({"pairs": {k: f"r{rng.randrange(max(n, 1))}" for k in correct}})
        half = dict(itertools.islice(correct.items(), n // 2))
        out += [{"pairs": half}, {"pairs": {k: "" for k in correct}}]
        out += [{"pairs": p} for p in ({"99": "r0"}, {"0": "r99"}, {"0": 5}, "x", {0: "r0"})]
    elif kind == "short":
        texts: list[Any] = []
        for a in q.get("answers") or []:
            t = a.get("text")
            variants = list(t.values()) if isinstance(t, dict) else [t]
            for v in variants:
                if isinstance(v, str):
                    texts += [v, v.upper(), f"  {v}。", v.replace(" ", ""), v[:-1]]
        out += [{"text": t} for t in dict.fromkeys([*texts, "", "  ", "nonsense", "？", 5])]
    elif kind == "essay":
        out += [{"text": t} for t in ("A considered answer.", "", "   ", 5, "答案")]
    elif kind == "scenario":
        out += [{"path": p} for p in _paths(q, rng)]
    elif kind == "description":
        out += [{"text": "anything"}]
    return out


def _paths(q: dict[str, Any], rng: random.Random) -> list[Any]:
    steps = {s["id"]: s for s in q.get("steps") or [] if isinstance(s.get("id"), str)}
    start = q.get("start")
    paths: list[Any] = [[]]
    for walk in range(8):
        path: list[list[str]] = []
        due, seen = start, set()
        while isinstance(due, str) and due in steps and due not in seen:
            seen.add(due)
            options = _ids(steps[due].get("options"))
            if not options:
                break
            if walk == 0:  # the best-scoring option at each step
                best = max(steps[due]["options"], key=lambda o: o.get("points", 0))
                choice = best["id"]
            else:
                choice = rng.choice(options)
            path.append([due, choice])
            option = next(o for o in steps[due]["options"] if o.get("id") == choice)
            due = option.get("next")
        paths.append(path)
        paths += [path[:k] for k in range(1, len(path))]
    first = paths[1][0] if len(paths) > 1 and paths[1] else ["x", "y"]
    paths += [
        [[first[0], "zz"]],
        [["zz", first[1]]],
        [[first[0]]],
        [first, first],
        "path",
        [[1, 2]],
    ]
    unique: list[Any] = []
    for p in paths:
        if p not in unique:
            unique.append(p)
    return unique


def digest(value: Any) -> str:
    """A short fingerprint of JSON-shaped data: equal data, equal digest (keeps the file small)."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def _safe(call: Any, *args: Any, **kwargs: Any) -> Any:
    """``call(*args, **kwargs)``'s digest, or the error it raised."""
    try:
        return {"ok": digest(call(*args, **kwargs))}
    except (ValueError, TypeError, KeyError) as exc:
        return {"error": f"{type(exc).__name__}: {exc}"}


def _grade_record(g: Any) -> dict[str, Any]:
    data = g.to_dict()
    kept = {key: data[key] for key in ("score", "status", "note")}
    return {**kept, "all": digest(data)}


def _scenario(q: dict[str, Any], layout: Any, path: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "state": {lang: _safe(engine.scenario_state, q, path, lang) for lang in ("en", "zh", None)},
        "present": _safe(engine.present, q, layout, "en", path=path),
    }
    try:
        step = engine.scenario_state(q, path, "en")["step"]
    except ValueError:
        step = None
    if step:
        choices = [(step["id"], o["id"]) for o in step["options"]] + [("zz", "zz")]
        record["advance"] = [_safe(engine.scenario_advance, q, path, s, o) for s, o in choices]
    return record


def observe(q: dict[str, Any]) -> dict[str, Any]:
    """Everything the code does with one question, as JSON-shaped data."""
    rng = random.Random(f"responses:{q.get('id')}")
    scenario = q.get("type") == "scenario"
    out: dict[str, Any] = {
        "max_points": _safe(engine.max_points, q),
        "best_path_points": best_path_points(q) if scenario else None,
        "correct_answer": engine.grade(q, None, None).correct_answer,
        "gift": {lang: list(export_gift([q], lang=lang)) for lang in ("en", "zh")},
        "layouts": [],
    }
    for layout in _layouts(q):
        fitted = normalise_layout(q, layout)
        entry: dict[str, Any] = {
            "layout": layout,
            "normalised": fitted,
            "present": {lang: _safe(engine.present, q, layout, lang) for lang in ("en", "zh")},
            "grades": [],
        }
        for response in _responses(q, fitted, rng):
            g = engine.grade(q, response, layout)
            record: dict[str, Any] = {"response": response, "grade": _grade_record(g)}
            record["texts_false"] = digest(engine.grade(q, response, layout, texts=False).to_dict())
            if q.get("type") == "essay" and g.status == engine.NEEDS_REVIEW:
                scores = (0, g.max_score / 2, g.max_score, g.max_score + 1)
                record["manual"] = [_manual(g, score) for score in scores]
            if scenario and isinstance(response, dict):
                record.update(_scenario(q, layout, response.get("path")))
            entry["grades"].append(record)
        out["layouts"].append(entry)
    return out


def _manual(g: Any, score: float) -> Any:
    try:
        return {"ok": digest(engine.manual_grade(g, score, " ok ").to_dict())}
    except ValueError as exc:
        return {"error": str(exc)}


def attempts(questions: list[dict[str, Any]]) -> list[Any]:
    """Whole attempts over each bank: first layout, the first few responses, three pass marks."""
    out = []
    by_bank: dict[str, list[dict[str, Any]]] = {}
    for q in questions:
        by_bank.setdefault(str(q.get("bank")), []).append(q)
    for bank, qs in sorted(by_bank.items()):
        for k in range(4):
            rng = random.Random(f"attempt:{bank}:{k}")
            items = []
            for q in qs:
                layout = _layouts(q)[0]
                responses = _responses(q, normalise_layout(q, layout), rng)
                items.append((q, rng.choice(responses[:12]), layout))
            for mark in (0, 75, 100):
                result = engine.grade_attempt(items, mark, texts=k % 2 == 0)
                data = result.to_dict()
                summary = {key: data[key] for key in ("score", "max_score", "percent", "passed")}
                out.append(
                    {"bank": bank, "k": k, "pass_mark": mark, **summary, "all": digest(data)}
                )
    return out


def shipped_questions() -> list[dict[str, Any]]:
    """The shipped banks, the test fixture's bank and every GIFT fixture's questions."""
    from trainer.domain.content import load_content

    questions = list(load_content(ROOT).questions.values())
    questions += list(load_content(ROOT / "tests" / "fixtures" / "content").questions.values())
    for path in sorted(GIFT_FIXTURES.iterdir()):
        try:
            text = path.read_bytes().decode("utf-8").removeprefix("\ufeff")
            imported = to_bank_questions(parse_gift(text, path.name), id_prefix=path.stem)
        except (UnicodeDecodeError, ValueError):
            continue
        questions += [{**q, "bank": f"gift:{path.name}"} for q in imported]
    # JSON round trip: what the test reads back is what was recorded from.
    return json.loads(json.dumps(questions, ensure_ascii=False))


def build() -> dict[str, Any]:
    questions = shipped_questions()
    return {
        "questions": questions,
        "observed": [observe(q) for q in questions],
        "attempts": attempts(questions),
    }


if __name__ == "__main__":
    data = build()
    CORPUS.write_text(json.dumps(data, ensure_ascii=False, indent=0) + "\n")
    print(f"{len(data['questions'])} questions written to {CORPUS}")
