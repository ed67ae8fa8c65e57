"""Question banks (content/banks.py): what every question has, ids across banks."""

from __future__ import annotations

from pathlib import Path

from tests.domain.content.tree import (
    BANK,
    FIXTURE,
    Case,
    assert_reported,
    broken_cases,
    edit,
    line_of,
    reported,
    warned,
)
from trainer.domain.content import (
    Bank,
    load_content,
)


def test_load_bank_normalises_questions() -> None:
    content = load_content(FIXTURE)
    bank = content.banks["basics"]
    assert isinstance(bank, Bank)
    assert bank.title == {"zh": "收银基础题库", "en": "Till basics questions"}
    assert [q["type"] for q in bank.questions] == [
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
    ]
    single = content.questions["b-void-single"]
    assert single["file"] == BANK
    assert single["line"] == line_of(FIXTURE, BANK, "- id: b-void-single")
    assert single["bank"] == "basics"
    assert single["points"] == 1
    assert single["format"] == "markdown"
    assert single["sources"] == ["1"]
    assert single["manual"] == "basics/01-void-or-refund#check-the-batch"
    assert single["scenario"] == {
        "kind": "terminal",
        "title": {"zh": "交易记录", "en": "Transaction history"},
        "lines": [{"zh": "消费  ¥128.00  批次 000231", "en": "SALE  ¥128.00  BATCH 000231"}],
    }
    assert [(o["id"], o["correct"], o["fraction"]) for o in single["options"]] == [
        ("a", True, 1.0),
        ("b", False, 0.0),
    ]
    multiple = content.questions["b-void-multiple"]
    assert [(o["correct"], o["fraction"]) for o in multiple["options"]] == [
        (True, 0.5),
        (True, 0.5),
        (False, -0.5),
    ]
    assert content.questions["b-rerun-truefalse"]["answer"] is False
    assert [s["id"] for s in content.questions["b-void-ordering"]["steps"]] == [
        "history",
        "find",
        "void",
    ]
    numeric = content.questions["b-change-numeric"]
    assert numeric["unit"] == {"zh": "元", "en": "¥"}
    assert [(a["min"], a["max"], a["fraction"]) for a in numeric["answers"]] == [
        (35.0, 35.0, 1.0),
        (30, 40, 0.5),
    ]
    assert len(content.questions["b-terms-matching"]["pairs"]) == 3
    assert [a["text"] for a in content.questions["b-void-short"]["answers"]] == [
        "撤销",
        "void",
        "cancel",
    ]
    assert content.questions["b-timeout-essay"]["rubric"]["en"].startswith("Mentions")
    scenario = content.questions["b-timeout-scenario"]
    assert scenario["start"] == "s1"
    assert scenario["max_points"] == 3
    assert scenario["steps"][0]["scenario"]["rows"][0] == [
        "14:02",
        "消费 SALE",
        "¥128.00",
        "6222 **** **** 1234",
        "000231",
        "超时 TIMEOUT",
    ]
    assert scenario["steps"][0]["options"][1]["critical"] is True
    assert scenario["steps"][1]["options"][1]["points"] == 0
    assert content.questions["b-intro-description"]["points"] == 0


def test_question_id_duplicated_across_banks(tree: Path) -> None:
    (tree / "quizzes/banks/extra.yaml").write_text(
        "bank: extra\ntitle: {zh: 额外, en: Extra}\nquestions:\n"
        "  - id: b-void-single\n    type: description\n    stem: {zh: 说明, en: Note}\n",
        encoding="utf-8",
    )
    first = line_of(tree, BANK, "- id: b-void-single")
    assert reported(tree) == [
        f'quizzes/banks/extra.yaml:4: question id "b-void-single" is already used at {BANK}:{first}'
    ]


def test_question_id_duplicated_in_one_bank(tree: Path) -> None:
    edit(tree, BANK, "- id: b-intro-description", "- id: b-void-single")
    first = line_of(tree, BANK, "- id: b-void-single")
    second = line_of(tree, BANK, "- id: b-void-single", after="type: scenario")
    assert f'{BANK}:{second}: question id "b-void-single" is already used at {BANK}:{first}' in (
        reported(tree)
    )


# --- one broken thing at a time (see tests/domain/content/tree.py) -------------------------

CASES: list[Case] = [
    (
        "question-unknown-key",
        BANK,
        "    difficulty: 2\n    points: 2\n",
        "    difficulty: 2\n    points: 2\n    hint: none\n",
        ("hint:", None),
        'question "b-void-multiple": unknown key "hint"',
    ),
    (
        "question-key-of-other-type",
        BANK,
        "    answer: false\n",
        "    answer: false\n    rubric: x\n",
        ("rubric: x", None),
        'question "b-rerun-truefalse": unknown key "rubric"',
    ),
    (
        "question-unknown-type",
        BANK,
        "    type: essay",
        "    type: longtext",
        ("type: longtext", None),
        'question "b-timeout-essay": "type" must be one of "single", "multiple", "truefalse", '
        '"ordering", "numeric", "matching", "short", "essay", "scenario", "terminal", '
        '"description" (found "longtext")',
    ),
    (
        "question-bad-difficulty",
        BANK,
        "    difficulty: 3",
        "    difficulty: 4",
        ("difficulty: 4", None),
        'question "b-timeout-essay": "difficulty" must be from 1 to 3 (found 4)',
    ),
    (
        "question-bad-id",
        BANK,
        "- id: b-void-short",
        "- id: B_void_short",
        ("B_void_short", None),
        'question "B_void_short": "id" "B_void_short" must use only lowercase letters, digits and '
        "hyphens",
    ),
    # question references
    (
        "unknown-source-question",
        BANK,
        "    sources: [1]",
        "    sources: [7]",
        ("sources: [7]", None),
        'question "b-void-single": unknown source "7" (not in courses/sources.yaml)',
    ),
    (
        "unknown-glossary-term-question",
        BANK,
        "use a [[void]].",
        "use a [[voids]].",
        ("[[voids]]", None),
        'question "b-void-single": unknown glossary term "voids"',
    ),
    (
        "unknown-tag",
        BANK,
        "tags: [C1, timing]",
        "tags: [C1, timng]",
        ("tags: [C1, timng]", None),
        'question "b-void-single": unknown tag "timng": use a skill (card-data-security, '
        "correction, customer-care, escalation, fraud-awareness, records, terminal-care, "
        "timing), an entry-error case C1-C20 or an emergency D1-D7",
    ),
    (
        "case-tag-out-of-range",
        BANK,
        "tags: [C1, timing]",
        "tags: [C21, timing]",
        ("tags: [C21, timing]", None),
        'question "b-void-single": unknown tag "C21": use a skill (card-data-security, '
        "correction, customer-care, escalation, fraud-awareness, records, terminal-care, "
        "timing), an entry-error case C1-C20 or an emergency D1-D7",
    ),
    (
        "manual-unknown-course",
        BANK,
        "manual: basics/01-void-or-refund#check-the-batch",
        "manual: basic/01-void-or-refund#check-the-batch",
        ("manual: basic/", None),
        'question "b-void-single": manual link "basic/01-void-or-refund#check-the-batch": '
        'unknown course "basic"',
    ),
    (
        "manual-unknown-lesson",
        BANK,
        "manual: basics/01-void-or-refund#check-the-batch",
        "manual: basics/01-void#check-the-batch",
        ("manual: basics/01-void#", None),
        'question "b-void-single": manual link "basics/01-void#check-the-batch": course "basics" '
        'has no lesson "01-void"',
    ),
    (
        "manual-unknown-anchor",
        BANK,
        "manual: basics/01-void-or-refund#check-the-batch",
        "manual: basics/01-void-or-refund#check-batch",
        ("#check-batch", None),
        'question "b-void-single": manual link "basics/01-void-or-refund#check-batch": lesson '
        '"basics/01-void-or-refund" has no anchor "check-batch"',
    ),
    (
        "manual-bad-format",
        BANK,
        "manual: basics/01-void-or-refund#check-the-batch",
        "manual: 01-void-or-refund",
        ("manual:", None),
        'question "b-void-single": manual link "01-void-or-refund" must look like '
        "course/lesson#anchor",
    ),
    (
        "bank-name-mismatch",
        BANK,
        "bank: basics",
        "bank: basic",
        ("bank: basic", None),
        'bank "basic" does not match its file name "basics.yaml"',
    ),
]


@broken_cases(CASES)
def test_broken_content_is_reported(
    tree: Path, file: str, old: str, new: str, where: int | tuple[str, str | None], message: str
) -> None:
    assert_reported(tree, file, old, new, where, message)


# --- correct options at one position (warning) -----------------------------------------------


def single(qid: str, correct: int) -> str:
    options = "".join(
        f"      - id: {letter}\n        text: {{zh: 选项{letter}, en: Option {letter}}}\n"
        + ("        correct: true\n" if i == correct else "")
        + f"        feedback: {{zh: 说明{letter}, en: Why {letter}}}\n"
        for i, letter in enumerate("abc")
    )
    return (
        f"  - id: {qid}\n    type: single\n    stem: {{zh: 题目, en: Question}}\n"
        f"    options:\n{options}"
    )


def write_bank(tree: Path, positions: list[int]) -> str:
    file = "quizzes/banks/positions.yaml"
    body = "".join(single(f"p{i}", correct) for i, correct in enumerate(positions))
    (tree / file).write_text(
        f"bank: positions\ntitle: {{zh: 位置, en: Positions}}\nquestions:\n{body}",
        encoding="utf-8",
    )
    return file


def test_correct_options_mostly_at_one_position_are_a_warning(tree: Path) -> None:
    file = write_bank(tree, [0, 0, 0, 1, 2])
    assert warned(tree) == [
        f'{file}:3: bank "positions": the correct option is number 1 in 3 of 5 single-choice '
        "questions; vary its position"
    ]
    assert reported(tree) == []


def test_varied_positions_or_a_small_bank_are_not_reported(tree: Path) -> None:
    write_bank(tree, [0, 1, 2, 0, 1])
    assert warned(tree) == []
    write_bank(tree, [0, 0, 0])  # too few questions to tell
    assert warned(tree) == []


def test_scenario_steps_whose_best_choice_is_mostly_first_are_warned_about() -> None:
    """Issue #14: where the best choice is written is a pattern a learner could learn."""
    from trainer.domain.content.banks import warn_answer_positions
    from trainer.domain.content.core import Checker

    def scenario(qid: str, best: int) -> dict:
        points = [0, 0]
        points[best] = 2
        options = [{"id": "a", "points": points[0]}, {"id": "b", "points": points[1]}]
        return {"id": qid, "type": "scenario", "steps": [{"id": "s1", "options": options}]}

    def warnings(bests: list[int]) -> list[str]:
        c = Checker(Path("."), None)
        questions = [scenario(f"s{n}", best) for n, best in enumerate(bests)]
        warn_answer_positions(c, "b.yaml", 3, 'bank "b"', questions)
        return [str(w) for w in c.warnings]

    assert warnings([0, 0, 0, 1]) == [
        'b.yaml:3: bank "b": the best choice is number 1 in 3 of 4 scenario steps; '
        "vary its position"
    ]
    assert warnings([0, 1, 0, 1]) == []
    assert warnings([0, 0, 0]) == []  # too few to call it a pattern
