"""Question banks: quizzes/banks/<slug>.yaml, each a list of questions.

What every question has (id, type, stem, tags, points, manual link, sources, panel…) is
checked here; what its type adds is checked by the type (QuestionType.check in
trainer/domain/questions/<type>.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trainer.domain import topics
from trainer.domain.content.core import MANUAL_RE, Checker
from trainer.domain.content.model import Bank
from trainer.domain.questions.panel import check_panel
from trainer.domain.questions.registry import QUESTION_TYPES, TYPES
from trainer.domain.questions.terminal import SCENARIO_KEY

FORMATS = ("markdown", "html", "plain", "moodle")
#: Below this many questions (or scenario steps) a bank's answer positions say nothing.
POSITION_MIN_QUESTIONS = 4

_QUESTION_COMMON = (
    "tags",
    "difficulty",
    "points",
    "manual",
    "scenario",
    "explanation",
    "format",
    "general_feedback",
    "sources",
)


def load(c: Checker) -> None:
    banks = c.root / "quizzes" / "banks"
    if (c.root / "quizzes").is_dir():  # a missing quizzes/ is reported by quizzes.py
        for path in sorted(banks.glob("*.yaml")):
            load_bank(c, path)


def resolve(c: Checker) -> None:
    """A terminal question's scenario (sources and manual links: sources.py, courses.py).

    The scenario is copied into the question, so an attempt keeps the one it started with.
    """
    scenarios = {sid: scenario.to_dict() for sid, scenario in c.simulator.items()}
    for question in c.questions.values():
        sid = question.get("simulator")
        if question.get("type") != "terminal" or not sid:
            continue
        if sid in scenarios:
            question[SCENARIO_KEY] = scenarios[sid]
        elif f"simulator:{sid}" not in c.unreadable:
            c.add(
                question["file"],
                question["line"],
                f'question "{question["id"]}": unknown simulator scenario "{sid}"',
            )


def load_bank(c: Checker, path: Path) -> None:
    file = c.rel(path)
    data, parsed = c.read_yaml(path)
    node = c.mapping(data, file, 1, "a question bank") if parsed else None
    if node is None:
        c.unreadable.add(f"bank:{path.stem}")
        return
    slug = node.get("bank") if isinstance(node.get("bank"), str) else path.stem
    who = f'bank "{slug}"'
    c.keys(node, file, who, ("bank", "title", "questions"), ("description",))
    if c.string(node, "bank", file, who, slug=True) is not None and slug != path.stem:
        c.add(
            file,
            node.key_line("bank"),
            f'bank "{slug}" does not match its file name "{path.name}"',
        )
    title = c.text(node, "title", file, who)
    description = c.text(node, "description", file, who)
    questions: list[dict[str, Any]] = []
    items = c.seq(node, "questions", file, who)
    if items is not None and not items:
        c.add(file, node.key_line("questions"), f"{who} has no questions")
    for i, raw in enumerate(items or []):
        question = read_question(c, raw, file, items.item_line(i), slug) if items else None
        if question is None:
            continue
        earlier = c.questions.get(question["id"])
        if earlier is not None:
            c.add(
                file,
                question["line"],
                f'question id "{question["id"]}" is already used at '
                f"{earlier['file']}:{earlier['line']}",
            )
            continue
        c.questions[question["id"]] = question
        questions.append(question)
    warn_answer_positions(c, file, node.key_line("questions"), who, questions)
    if slug not in c.banks:
        c.banks[slug] = Bank(slug, title or {}, questions, path, description)


def warn_answer_positions(
    c: Checker, file: str, line: int, who: str, questions: list[dict[str, Any]]
) -> None:
    """Warn when most right answers are written at one position: the correct option of
    single-choice questions, the best choice of scenario steps.

    Quizzes usually shuffle options, but a GIFT export, a printed bank or a quiz with
    ``shuffle_options: false`` keeps the written order, and a learner learns "it is always b".
    """
    single = [
        next(i for i, option in enumerate(q["options"]) if option["correct"])
        for q in questions
        if q["type"] == "single" and any(o["correct"] for o in q.get("options", []))
    ]
    steps = [
        [option.get("points", 0) for option in step.get("options") or []]
        for q in questions
        if q["type"] == "scenario"
        for step in q.get("steps") or []
    ]
    best = [points.index(max(points)) for points in steps if len(set(points)) > 1]
    for positions, what in (
        (
            single,
            "the correct option is number {top} in {count} of {total} single-choice questions",
        ),
        (best, "the best choice is number {top} in {count} of {total} scenario steps"),
    ):
        if len(positions) < POSITION_MIN_QUESTIONS:
            continue
        top = max(set(positions), key=positions.count)
        if positions.count(top) * 2 > len(positions):
            message = what.format(top=top + 1, count=positions.count(top), total=len(positions))
            c.warn(file, line, f"{who}: {message}; vary its position")


def read_question(c: Checker, raw: Any, file: str, line: int, bank: str) -> dict[str, Any] | None:
    node = c.mapping(raw, file, line, "each question")
    if node is None:
        return None
    qid = node.get("id")
    who = f'question "{qid}"' if isinstance(qid, str) else f"question at line {line}"
    qtype = node.get("type")
    # An unknown type is reported below; its keys are checked as if it had none of its own.
    known = TYPES.get(qtype) if isinstance(qtype, str) else None
    type_keys = known.required if known else ()
    optional = _QUESTION_COMMON + (known.optional if known else ())
    required = ("id", "type") + (("stem",) if known is None or known.needs_stem else ()) + type_keys
    c.keys(node, file, who, required, (*optional, "stem"))
    c.string(node, "id", file, who, slug=True)
    if not isinstance(qid, str) or not qid:
        return None
    qtype = c.string(node, "type", file, who, choices=QUESTION_TYPES)
    fmt = c.string(node, "format", file, who, choices=FORMATS) or "markdown"
    md = fmt == "markdown"
    question: dict[str, Any] = {
        "id": qid,
        "type": qtype,
        "bank": bank,
        "file": file,
        "line": line,
        "format": fmt,
        "tags": c.str_list(node, "tags", file, who, known=topics.is_known, known_hint=topics.KNOWN),
        "difficulty": c.integer(node, "difficulty", file, who, minimum=1, maximum=3) or 1,
        "points": c.number(node, "points", file, who, minimum=0),
        "manual": None,
        "sources": c.str_list(node, "sources", file, who, ids=True),
        "scenario": check_panel(c, node, "scenario", file, who),
        "stem": c.text(node, "stem", file, who, markdown=md),
        "explanation": c.text(node, "explanation", file, who, markdown=md),
        "general_feedback": c.text(node, "general_feedback", file, who, markdown=md),
    }
    if question["points"] is None:
        question["points"] = 1
    c.id_refs(node, "sources", file, who)
    manual = c.string(node, "manual", file, who)
    if manual is not None:
        if MANUAL_RE.match(manual):
            question["manual"] = manual
            c.manual_refs.append((file, node.key_line("manual"), who, manual))
        else:
            c.add(
                file,
                node.key_line("manual"),
                f'{who}: manual link "{manual}" must look like course/lesson#anchor',
            )
    if qtype is not None:
        TYPES[qtype].check(c, node, file, who, md, question)
    return question
