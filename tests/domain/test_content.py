"""Tests for trainer.domain.content: loading the content tree and reporting every problem."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from trainer.domain.content import (
    Bank,
    ContentError,
    Course,
    Pool,
    Problem,
    Quiz,
    check_content,
    content_hash,
    load_content,
)

FIXTURE = Path(__file__).parents[1] / "fixtures" / "content"
SHIPPED = Path(__file__).parents[2]

COURSE = "courses/basics/course.yaml"
L1_ZH = "courses/basics/01-void-or-refund.zh.md"
L1_EN = "courses/basics/01-void-or-refund.en.md"
L2_ZH = "courses/basics/02-after-a-timeout.zh.md"
L2_EN = "courses/basics/02-after-a-timeout.en.md"
GLOSSARY = "courses/glossary.yaml"
SOURCES = "courses/sources.yaml"
BANK = "quizzes/banks/basics.yaml"
QUIZ = "quizzes/quizzes/basics-quiz.yaml"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A fresh copy of the fixture content tree to break."""
    root = tmp_path / "content"
    shutil.copytree(FIXTURE, root)
    return root


def edit(root: Path, file: str, old: str, new: str) -> None:
    """Replace the single occurrence of ``old`` in ``file``."""
    path = root / file
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {file}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def line_of(root: Path, file: str, needle: str, after: str | None = None) -> int:
    """1-based line of the first line containing ``needle``, after the one containing ``after``."""
    lines = (root / file).read_text(encoding="utf-8").split("\n")
    start = 0
    if after is not None:
        start = next(i for i, line in enumerate(lines) if after in line)
    return next(i + 1 for i in range(start, len(lines)) if needle in lines[i])


def reported(root: Path) -> list[str]:
    """The checker's problems as `file:line: message` strings."""
    return [str(problem) for problem in check_content(root)]


# --- the valid fixture -----------------------------------------------------------------------


def test_fixture_has_no_problems() -> None:
    assert check_content(FIXTURE) == []


def test_shipped_content_has_no_problems() -> None:
    problems = check_content(SHIPPED)
    assert [str(problem) for problem in problems] == []


def test_problem_str_is_file_line_message() -> None:
    assert str(Problem("courses/x/course.yaml", 3, "bad")) == "courses/x/course.yaml:3: bad"


def test_load_course_and_lessons() -> None:
    content = load_content(FIXTURE, asset_url=lambda code, path: f"/assets/{code}/{path}")
    course = content.courses["basics"]
    assert isinstance(course, Course)
    assert (course.code, course.version, course.major, course.minor) == ("basics", "1.2", 1, 2)
    assert course.title == {"zh": "收银基础", "en": "Till basics"}
    assert course.audience == ["cashier", "supervisor"]
    assert course.estimated_minutes == 20
    assert course.required_quizzes == ["basics-quiz"]
    assert course.required_drills == []
    assert course.certificate_validity_months == 12
    assert course.prerequisites == []
    assert course.path == FIXTURE / "courses" / "basics"
    assert course.content_hash == content_hash(FIXTURE / "courses" / "basics")
    assert [lesson.slug for lesson in course.lessons] == ["01-void-or-refund", "02-after-a-timeout"]

    lesson = course.lessons[0]
    assert course.lesson("01-void-or-refund") is lesson
    assert lesson.order == 1
    assert lesson.title == {"zh": "撤销还是退货", "en": "Void or refund"}
    assert lesson.sources == ["1", "2", "C1"]
    assert lesson.assets == ["images/terminal.png"]
    assert lesson.markdown["en"].startswith("\n## Check the batch first {#check-the-batch}")
    assert '<h2 id="check-the-batch">Check the batch first</h2>' in lesson.html["en"]
    assert '<img src="/assets/basics/images/terminal.png"' in lesson.html["zh"]
    assert '<p class="callout-label">关键规则</p>' in lesson.html["zh"]
    assert [(s.anchor, s.level, s.line) for s in lesson.sections["en"]] == [
        ("check-the-batch", 2, 7),
        ("after-settlement", 3, 21),
        ("tell-the-customer", 2, 28),
    ]
    assert (
        lesson.sections["en"][2].text == "Explain that a refund takes a few days to reach the card."
    )


def test_load_glossary_and_sources() -> None:
    content = load_content(FIXTURE)
    assert content.glossary["void"] == {"zh": "撤销", "en": "void"}
    assert content.sources["1"].url == "https://example.com/void"
    assert content.sources["C1"].url is None
    assert content.sources["C1"].authority == "low"


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
    assert scenario["steps"][0]["scenario"]["rows"] == [["14:02", "¥128.00"]]
    assert scenario["steps"][0]["options"][1]["critical"] is True
    assert scenario["steps"][1]["options"][1]["points"] == 0
    assert content.questions["b-intro-description"]["points"] == 0


def test_load_quiz() -> None:
    quiz = load_content(FIXTURE).quizzes["basics-quiz"]
    assert isinstance(quiz, Quiz)
    assert quiz.course == "basics"
    assert quiz.pools == [
        Pool(
            "basics",
            ["C1", "C3"],
            ["single", "multiple", "ordering", "numeric", "short"],
            [1, 2],
            3,
            [],
        ),
        Pool(None, [], [], [], 2, ["b-rerun-truefalse", "b-timeout-scenario"]),
    ]
    assert (quiz.pass_mark, quiz.max_attempts, quiz.cooldown_minutes) == (80, 3, 30)
    assert (quiz.time_limit_minutes, quiz.grading, quiz.review) == (
        20,
        "highest",
        "after_submission",
    )


def test_quiz_defaults_are_filled(tree: Path) -> None:
    (tree / QUIZ).write_text(
        "id: basics-quiz\ntitle: {zh: 测验, en: Quiz}\npools:\n  - bank: basics\n    count: 1\n"
        "pass_mark: 70\n",
        encoding="utf-8",
    )
    quiz = load_content(tree).quizzes["basics-quiz"]
    assert quiz.description is None
    assert quiz.course is None
    assert quiz.shuffle_questions is True
    assert quiz.shuffle_options is True
    assert quiz.time_limit_minutes is None
    assert quiz.max_attempts is None
    assert quiz.cooldown_minutes == 0
    assert quiz.grading == "highest"
    assert quiz.review == "after_submission"


def test_load_content_raises_with_every_problem(tree: Path) -> None:
    edit(tree, COURSE, "estimated_minutes: 20", "estimated_minutes: twenty")
    edit(tree, QUIZ, "pass_mark: 80", "pass_mark: 180")
    with pytest.raises(ContentError) as caught:
        load_content(tree)
    assert [str(p) for p in caught.value.problems] == [
        f'{COURSE}:10: course "basics": "estimated_minutes" must be a whole number '
        '(found text "twenty")',
        f'{QUIZ}:{line_of(tree, QUIZ, "pass_mark")}: quiz "basics-quiz": pass_mark must be a '
        "percentage from 0 to 100 (found number 180)",
    ]
    assert str(caught.value) == "\n".join(str(p) for p in caught.value.problems)


def test_content_hash_is_stable_and_content_sensitive(tree: Path, tmp_path: Path) -> None:
    folder = tree / "courses" / "basics"
    first = content_hash(folder)
    assert first == content_hash(FIXTURE / "courses" / "basics")
    assert len(first) == 64
    (folder / ".notes.swp").write_text("editor junk", encoding="utf-8")
    assert content_hash(folder) == first
    edit(tree, L1_EN, "Find the sale.", "Find the sale!")
    assert content_hash(folder) != first
    edit(tree, L1_EN, "Find the sale!", "Find the sale.")
    assert content_hash(folder) == first
    (folder / "images" / "terminal.png").rename(folder / "images" / "other.png")
    assert content_hash(folder) != first


# --- one broken thing at a time --------------------------------------------------------------

# (id, file, old, new, expected line as a line number or (needle, after needle), message)
CASES: list[tuple[str, str, str, str, int | tuple[str, str | None], str]] = [
    # YAML itself (syntax errors are tested below)
    (
        "duplicate-key",
        COURSE,
        "estimated_minutes: 20",
        "estimated_minutes: 20\nestimated_minutes: 25",
        ("estimated_minutes: 25", None),
        'duplicate key "estimated_minutes"',
    ),
    # keys and types
    (
        "unknown-key",
        COURSE,
        "estimated_minutes: 20",
        "estimated_minutes: 20\nestimated_minute: 25",
        ("estimated_minute:", None),
        'course "basics": unknown key "estimated_minute"',
    ),
    (
        "missing-key",
        COURSE,
        "estimated_minutes: 20\n",
        "",
        ("code: basics", None),
        'course "basics": missing required key "estimated_minutes"',
    ),
    (
        "key-without-value",
        COURSE,
        "estimated_minutes: 20",
        "estimated_minutes:",
        ("estimated_minutes", None),
        'course "basics": "estimated_minutes" has no value',
    ),
    (
        "wrong-type-int",
        COURSE,
        "estimated_minutes: 20",
        "estimated_minutes: twenty",
        ("estimated_minutes", None),
        'course "basics": "estimated_minutes" must be a whole number (found text "twenty")',
    ),
    (
        "wrong-type-list",
        COURSE,
        "audience: [cashier, supervisor]",
        "audience: cashier",
        ("audience", None),
        'course "basics": "audience" must be a list (found text "cashier")',
    ),
    (
        "wrong-type-bool",
        QUIZ,
        "shuffle_options: true",
        "shuffle_options: often",
        ("shuffle_options", None),
        'quiz "basics-quiz": "shuffle_options" must be true or false (found text "often")',
    ),
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
        '"ordering", "numeric", "matching", "short", "essay", "scenario", "description" '
        '(found "longtext")',
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
    # course identity
    (
        "code-folder-mismatch",
        COURSE,
        "code: basics",
        "code: basic",
        ("code: basic", None),
        'course code "basic" does not match its folder "basics"',
    ),
    (
        "version-unquoted",
        COURSE,
        'version: "1.2"',
        "version: 1.2",
        ("version", None),
        'course "basics": version must be quoted text "MAJOR.MINOR" such as "1.0" '
        "(found number 1.2)",
    ),
    (
        "version-bad",
        COURSE,
        'version: "1.2"',
        'version: "v1"',
        ("version", None),
        'course "basics": version "v1" must be MAJOR.MINOR, e.g. "1.0"',
    ),
    # translations
    (
        "missing-english",
        COURSE,
        "  en: Till basics\n",
        "",
        ("title:", None),
        'course "basics" has no English title',
    ),
    (
        "empty-chinese",
        COURSE,
        "  zh: 收银基础\n",
        '  zh: ""\n',
        ('zh: ""', None),
        'course "basics" has an empty Chinese title',
    ),
    (
        "not-localised",
        COURSE,
        "title:\n  zh: 收银基础\n  en: Till basics\n",
        "title: Till basics\n",
        ("title:", None),
        'course "basics": title must have both zh and en texts (found text "Till basics")',
    ),
    (
        "unknown-language",
        BANK,
        "en: Put the void steps in order.}",
        "en: Put the void steps in order., fr: Ordre}",
        ("Put the void steps", None),
        'question "b-void-ordering": stem has unknown language "fr" (only zh and en)',
    ),
    (
        "unquoted-comma",
        BANK,
        'en: "Look first, then void."',
        "en: Look first, then void.",
        ("Look first", None),
        'question "b-void-ordering": explanation has unknown language "then void." '
        "(only zh and en; quote texts that contain a comma)",
    ),
    (
        "option-no-english-feedback",
        BANK,
        ", en: A refund is for after settlement.}",
        "}",
        ("feedback: {zh: 结算后才用退货。}", None),
        'question "b-void-single": option "b" has no English feedback',
    ),
    (
        "option-no-chinese-feedback",
        BANK,
        "feedback: {zh: 结算后才用退货。, en:",
        "feedback: {en:",
        ("A refund is for after", None),
        'question "b-void-single": option "b" has no Chinese feedback',
    ),
    (
        "option-no-feedback",
        BANK,
        "        feedback: {zh: 结算后才用退货。, en: A refund is for after settlement.}\n",
        "",
        ("- id: b", "Void the sale"),
        'question "b-void-single": option "b": missing required key "feedback"',
    ),
    (
        "glossary-entry-no-english",
        GLOSSARY,
        "refund: {zh: 退货, en: refund}",
        "refund: {zh: 退货}",
        ("refund:", None),
        'glossary term "refund" has no English term',
    ),
    (
        "source-no-title",
        SOURCES,
        '"2": {title: "Example processor: refunds", url: "https://example.com/refund", '
        "authority: medium}",
        '"2": {url: "https://example.com/refund"}',
        ('"2":', None),
        'source "2": missing required key "title"',
    ),
    (
        "source-bad-authority",
        SOURCES,
        "authority: medium",
        "authority: great",
        ('"2":', None),
        'source "2": "authority" must be one of "high", "medium", "low" (found "great")',
    ),
    # lessons
    (
        "front-matter-missing",
        L2_EN,
        "---\ntitle: After a timeout\norder: 2\nsources: [C1]\n---\n",
        "",
        1,
        "lesson has no front matter (start the file with a --- line)",
    ),
    (
        "front-matter-unclosed",
        L2_EN,
        "sources: [C1]\n---\n",
        "sources: [C1]\n",
        ("---", None),
        "front matter is never closed with a --- line",
    ),
    (
        "front-matter-wrong-type",
        L2_EN,
        "order: 2",
        "order: two",
        ("order", None),
        'front matter: "order" must be a whole number (found text "two")',
    ),
    (
        "front-matter-unknown-key",
        L2_EN,
        "order: 2",
        "order: 2\nauthor: me",
        ("author", None),
        'front matter: unknown key "author"',
    ),
    (
        "front-matter-missing-title",
        L2_EN,
        "title: After a timeout\n",
        "",
        ("order: 2", None),
        'front matter: missing required key "title"',
    ),
    (
        "front-matter-not-mapping",
        L2_EN,
        "title: After a timeout\norder: 2\nsources: [C1]\n",
        "- just a list\n",
        ("---", None),
        "front matter must be a mapping (found a list)",
    ),
    (
        "lesson-order-mismatch",
        L2_EN,
        "order: 2",
        "order: 3",
        ("order", None),
        "front matter order is 3 but the lesson is number 2 in course.yaml lessons",
    ),
    (
        "duplicate-anchor",
        L1_EN,
        "{#tell-the-customer}",
        "{#check-the-batch}",
        ("## Tell the customer", None),
        'duplicate anchor "check-the-batch" (first used on line 7)',
    ),
    (
        "heading-without-anchor",
        L1_EN,
        "## Tell the customer {#tell-the-customer}",
        "## Tell the customer",
        ("## Tell the customer", None),
        'heading "Tell the customer" has no anchor (add {#anchor-id})',
    ),
    (
        "unclosed-container",
        L2_EN,
        "the last transaction.\n:::\n",
        "the last transaction.\n",
        ("::: warning", None),
        'container "::: warning" is never closed with ":::"',
    ),
    (
        "unknown-container",
        L2_EN,
        "::: warning",
        "::: danger",
        ("::: danger", None),
        'unknown container "::: danger" (use one of: key-rule, warning, tip)',
    ),
    (
        "unknown-glossary-term",
        L2_EN,
        "[[settlement]]",
        "[[settle]]",
        ("[[settle]]", None),
        'unknown glossary term "settle"',
    ),
    (
        "unknown-source-lesson",
        L2_EN,
        "sources: [C1]",
        "sources: [C1, 99]",
        ("sources", None),
        'front matter: unknown source "99" (not in courses/sources.yaml)',
    ),
    (
        "missing-image",
        L1_EN,
        "images/terminal.png",
        "images/missing.png",
        ("missing.png", None),
        'image "images/missing.png" not found',
    ),
    # course references
    (
        "unknown-prerequisite",
        COURSE,
        "prerequisites: []",
        "prerequisites: [nope]",
        ("prerequisites", None),
        'course "basics": unknown prerequisite "nope"',
    ),
    (
        "self-prerequisite",
        COURSE,
        "prerequisites: []",
        "prerequisites: [basics]",
        ("prerequisites", None),
        'course "basics": prerequisites form a cycle: basics → basics',
    ),
    (
        "unknown-required-quiz",
        COURSE,
        "required_quizzes: [basics-quiz]",
        "required_quizzes: [basics-exam]",
        ("required_quizzes", None),
        'course "basics": unknown required quiz "basics-exam"',
    ),
    # question types
    (
        "single-two-correct",
        BANK,
        "        text: {zh: 做退货, en: Refund the sale}\n",
        "        text: {zh: 做退货, en: Refund the sale}\n        correct: true\n",
        ("options:", "b-void-single"),
        'question "b-void-single": a single-choice question needs exactly one correct option '
        "(found 2)",
    ),
    (
        "single-no-correct",
        BANK,
        "        text: {zh: 撤销这笔交易, en: Void the sale}\n        correct: true\n",
        "        text: {zh: 撤销这笔交易, en: Void the sale}\n",
        ("options:", "b-void-single"),
        'question "b-void-single": a single-choice question needs exactly one correct option '
        "(found 0)",
    ),
    (
        "multiple-one-correct",
        BANK,
        "        text: {zh: 交易金额, en: The amount}\n        correct: true\n",
        "        text: {zh: 交易金额, en: The amount}\n",
        ("options:", "b-void-multiple"),
        'question "b-void-multiple": a multiple-choice question needs at least 2 correct options '
        "(found 1)",
    ),
    (
        "option-duplicate-id",
        BANK,
        "      - id: c\n",
        "      - id: b\n",
        ("- id: b", "The amount"),
        'question "b-void-multiple": option id "b" is used twice',
    ),
    (
        "option-fraction-range",
        BANK,
        "        text: {zh: 交易金额, en: The amount}\n",
        "        text: {zh: 交易金额, en: The amount}\n        fraction: 1.5\n",
        ("fraction: 1.5", None),
        'question "b-void-multiple": option "b": "fraction" must be from -1 to 1 (found 1.5)',
    ),
    (
        "truefalse-answer-not-bool",
        BANK,
        "    answer: false",
        "    answer: nope",
        ("answer: nope", None),
        'question "b-rerun-truefalse": "answer" must be true or false (found text "nope")',
    ),
    (
        "ordering-two-steps",
        BANK,
        "      - {id: void, text: {zh: 撤销, en: Void it}}\n",
        "",
        ("steps:", "b-void-ordering"),
        'question "b-void-ordering": an ordering question needs at least 3 steps (found 2)',
    ),
    (
        "numeric-no-answers",
        BANK,
        "    answers:\n      - {value: 35.00, tolerance: 0.0}\n"
        "      - {min: 30, max: 40, fraction: 0.5, feedback: {zh: 接近了。, en: Close.}}\n",
        "    answers: []\n",
        ("answers:", "b-change-numeric"),
        'question "b-change-numeric" has no answers',
    ),
    (
        "numeric-negative-tolerance",
        BANK,
        "tolerance: 0.0",
        "tolerance: -1",
        ("tolerance: -1", None),
        'question "b-change-numeric": answer 1: tolerance must be a number of at least 0 '
        "(found number -1)",
    ),
    (
        "numeric-text-tolerance",
        BANK,
        "tolerance: 0.0",
        "tolerance: small",
        ("tolerance: small", None),
        'question "b-change-numeric": answer 1: tolerance must be a number of at least 0 '
        '(found text "small")',
    ),
    (
        "numeric-min-above-max",
        BANK,
        "{min: 30, max: 40,",
        "{min: 50, max: 40,",
        ("min: 50", None),
        'question "b-change-numeric": answer 2: min 50 is greater than max 40',
    ),
    (
        "numeric-no-value",
        BANK,
        "{value: 35.00, tolerance: 0.0}",
        "{fraction: 1.0}",
        ("{fraction: 1.0}", None),
        'question "b-change-numeric": answer 1: needs value (with optional tolerance) '
        "or min and max",
    ),
    (
        "matching-two-pairs",
        BANK,
        "      - {left: {zh: 结算, en: settlement}, "
        "right: {zh: 批次上送, en: sending the batch}}\n",
        "",
        ("pairs:", None),
        'question "b-terms-matching": a matching question needs at least 3 pairs (found 2)',
    ),
    (
        "short-no-answers",
        BANK,
        "    answers:\n      - {text: 撤销, fraction: 1.0}\n      - {text: void, fraction: 1.0}\n"
        "      - {text: cancel, fraction: 0.5, "
        "feedback: {zh: 用正式名称。, en: Use the proper name.}}\n",
        "    answers: []\n",
        ("answers:", "b-void-short"),
        'question "b-void-short" has no answers',
    ),
    (
        "short-no-full-credit",
        BANK,
        "      - {text: 撤销, fraction: 1.0}\n      - {text: void, fraction: 1.0}\n",
        "",
        ("answers:", "b-void-short"),
        'question "b-void-short": no answer gives full credit (fraction 1.0)',
    ),
    (
        "essay-no-rubric",
        BANK,
        "    rubric: {zh: 提到",
        "    notes: {zh: 提到",
        ("- id: b-timeout-essay", None),
        'question "b-timeout-essay": missing required key "rubric"',
    ),
    (
        "scenario-unknown-next",
        BANK,
        "next: s2",
        "next: s9",
        ("next: s9", None),
        'question "b-timeout-scenario": step "s1" option "a": next step "s9" does not exist',
    ),
    (
        "scenario-unknown-start",
        BANK,
        "start: s1",
        "start: s0",
        ("start: s0", None),
        'question "b-timeout-scenario": start step "s0" does not exist',
    ),
    (
        "scenario-unreachable",
        BANK,
        "next: s2",
        "next: null",
        ("- id: s2", None),
        'question "b-timeout-scenario": step "s2" cannot be reached from start step "s1"',
    ),
    (
        "scenario-cycle",
        BANK,
        "            points: 1\n",
        "            points: 1\n            next: s1\n",
        ("- id: s2", None),
        'question "b-timeout-scenario": steps loop back: s1 → s2 → s1',
    ),
    (
        "scenario-duplicate-step",
        BANK,
        "- id: s2",
        "- id: s1",
        ("- id: s1", "charged twice"),
        'question "b-timeout-scenario": step id "s1" is used twice',
    ),
    (
        "scenario-no-points",
        BANK,
        "points: 2\n            next: s2",
        "points: 0",
        ("    steps:", "b-timeout-scenario"),
        'question "b-timeout-scenario": no path through the steps earns points',
    ),
    (
        "panel-unquoted-time",
        BANK,
        'rows: [["14:02", "¥128.00"]]',
        'rows: [[14:02, "¥128.00"]]',
        ("rows:", None),
        'question "b-timeout-scenario": step "s1": scenario panel: row 1 cell 1 must '
        "be quoted text (YAML read number 842)",
    ),
    (
        "panel-bad-kind",
        BANK,
        "kind: terminal",
        "kind: screen",
        ("kind: screen", None),
        'question "b-void-single": scenario panel: "kind" must be one of "terminal", "receipt", '
        '"history" (found "screen")',
    ),
    (
        "panel-row-length",
        BANK,
        'rows: [["14:02", "¥128.00"]]',
        'rows: [["14:02"]]',
        ("rows:", None),
        'question "b-timeout-scenario": step "s1": scenario panel: row 1 has 1 cells for 2 columns',
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
    # quizzes
    (
        "quiz-unknown-bank",
        QUIZ,
        "  - bank: basics",
        "  - bank: basic",
        ("bank: basic", None),
        'quiz "basics-quiz": pool 1: unknown bank "basic"',
    ),
    (
        "quiz-unknown-question",
        QUIZ,
        "b-rerun-truefalse, b-timeout-scenario",
        "b-rerun-truefalse, b-nope",
        ("b-nope", None),
        'quiz "basics-quiz": pool 2: unknown question "b-nope"',
    ),
    (
        "quiz-count-too-big",
        QUIZ,
        "count: 3",
        "count: 9",
        ("count: 9", None),
        'quiz "basics-quiz": pool 1 asks for 9 questions but bank "basics" has only 5 matching',
    ),
    (
        "quiz-unknown-type",
        QUIZ,
        "types: [single,",
        "types: [choice,",
        ("types:", None),
        'quiz "basics-quiz": pool 1: unknown question type "choice"',
    ),
    (
        "quiz-pool-both",
        QUIZ,
        "  - questions: [",
        "  - bank: basics\n    questions: [",
        ("bank: basics", "count: 3"),
        'quiz "basics-quiz": pool 2: a pool takes either bank or questions, not both',
    ),
    (
        "quiz-pool-no-count",
        QUIZ,
        "    count: 3\n",
        "",
        ("- bank: basics", None),
        'quiz "basics-quiz": pool 1: missing required key "count" (how many to draw)',
    ),
    (
        "pass-mark-above-100",
        QUIZ,
        "pass_mark: 80",
        "pass_mark: 120",
        ("pass_mark", None),
        'quiz "basics-quiz": pass_mark must be a percentage from 0 to 100 (found number 120)',
    ),
    (
        "pass-mark-negative",
        QUIZ,
        "pass_mark: 80",
        "pass_mark: -5",
        ("pass_mark", None),
        'quiz "basics-quiz": pass_mark must be a percentage from 0 to 100 (found number -5)',
    ),
    (
        "grading-unknown",
        QUIZ,
        "grading: highest",
        "grading: best",
        ("grading", None),
        'quiz "basics-quiz": grading must be "highest" or "latest" (found text "best")',
    ),
    (
        "review-unknown",
        QUIZ,
        "review: after_submission",
        "review: never",
        ("review", None),
        'quiz "basics-quiz": review must be "after_submission" or "score_only" '
        '(found text "never")',
    ),
    (
        "quiz-unknown-course",
        QUIZ,
        "course: basics",
        "course: basic",
        ("course:", None),
        'quiz "basics-quiz": unknown course "basic"',
    ),
    (
        "quiz-id-mismatch",
        QUIZ,
        "id: basics-quiz",
        "id: basics-test",
        ("id:", None),
        'quiz id "basics-test" does not match its file name "basics-quiz.yaml"',
    ),
]


@pytest.mark.parametrize(
    ("file", "old", "new", "where", "message"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_broken_content_is_reported(
    tree: Path, file: str, old: str, new: str, where: int | tuple[str, str | None], message: str
) -> None:
    edit(tree, file, old, new)
    line = where if isinstance(where, int) else line_of(tree, file, *where)
    assert f"{file}:{line}: {message}" in reported(tree)


# --- broken trees that need more than one edit -----------------------------------------------


@pytest.mark.parametrize(
    ("file", "old", "new", "line", "context"),
    [
        (
            COURSE,
            "audience: [cashier, supervisor]",
            "audience: [cashier, supervisor",
            10,
            "(while parsing a flow sequence started on line 9)",
        ),
        (L2_EN, "order: 2", "order: [2", 4, "(while parsing a flow sequence started on line 3)"),
        (BANK, "    type: essay\n", "   type: essay\n", line_of(FIXTURE, BANK, "type: essay"), ""),
    ],
    ids=["course", "front-matter", "bank"],
)
def test_yaml_syntax_error_has_file_and_line(
    tree: Path, file: str, old: str, new: str, line: int, context: str
) -> None:
    edit(tree, file, old, new)
    problems = reported(tree)
    # Exact wording comes from libyaml or PyYAML, whichever is installed.
    assert len(problems) == 1
    assert problems[0].startswith(f"{file}:{line}: YAML syntax error: ")
    assert problems[0].endswith(context)


def test_every_problem_is_reported_not_just_the_first(tree: Path) -> None:
    edit(tree, COURSE, "estimated_minutes: 20", "estimated_minutes: twenty")
    edit(tree, L2_EN, "[[settlement]]", "[[settle]]")
    edit(tree, BANK, "start: s1", "start: s0")
    edit(tree, QUIZ, "grading: highest", "grading: best")
    problems = check_content(tree)
    assert [p.file for p in problems] == [L2_EN, COURSE, BANK, QUIZ]


def test_lesson_listed_but_file_missing(tree: Path) -> None:
    (tree / L2_EN).unlink()
    line = line_of(tree, COURSE, "- 02-after-a-timeout")
    assert reported(tree) == [
        f'{COURSE}:{line}: lesson "02-after-a-timeout" has no English file 02-after-a-timeout.en.md'
    ]


def test_lesson_file_not_listed(tree: Path) -> None:
    shutil.copy(tree / L2_EN, tree / "courses/basics/03-extra.en.md")
    (tree / "courses/basics/notes.md").write_text("# notes\n", encoding="utf-8")
    assert reported(tree) == [
        "courses/basics/03-extra.en.md:1: lesson file is not listed in course.yaml lessons "
        '(add "03-extra")',
        "courses/basics/notes.md:1: unexpected Markdown file (lessons are named <slug>.zh.md and "
        "<slug>.en.md)",
    ]


def test_zh_and_en_anchor_lists_differ(tree: Path) -> None:
    edit(tree, L2_EN, "{#call-a-supervisor}", "{#call-supervisor}")
    assert reported(tree) == [
        f"{L2_EN}:{line_of(tree, L2_EN, '{#call-supervisor}')}: "
        'anchor "call-supervisor" is missing from 02-after-a-timeout.zh.md',
        f"{L2_ZH}:{line_of(tree, L2_ZH, '{#call-a-supervisor}')}: "
        'anchor "call-a-supervisor" is missing from 02-after-a-timeout.en.md',
    ]


def test_anchors_in_a_different_order(tree: Path) -> None:
    edit(tree, L2_EN, "{#check-last-transaction}", "{#tmp}")
    edit(tree, L2_EN, "{#call-a-supervisor}", "{#check-last-transaction}")
    edit(tree, L2_EN, "{#tmp}", "{#call-a-supervisor}")
    line = line_of(tree, L2_EN, "{#call-a-supervisor}")
    assert reported(tree) == [
        f"{L2_EN}:{line}: anchors are in a different order from 02-after-a-timeout.zh.md: "
        "zh has check-last-transaction, call-a-supervisor; "
        "en has call-a-supervisor, check-last-transaction"
    ]


def test_course_folder_without_course_yaml(tree: Path) -> None:
    (tree / "courses" / "empty").mkdir()
    assert reported(tree) == [
        'courses/empty/course.yaml:1: course folder "empty" has no course.yaml'
    ]


def test_prerequisite_cycle_between_courses(tree: Path) -> None:
    shutil.copytree(tree / "courses" / "basics", tree / "courses" / "advanced")
    edit(tree, "courses/advanced/course.yaml", "code: basics", "code: advanced")
    edit(tree, "courses/advanced/course.yaml", "prerequisites: []", "prerequisites: [basics]")
    edit(tree, COURSE, "prerequisites: []", "prerequisites: [advanced]")
    line = line_of(tree, "courses/advanced/course.yaml", "prerequisites")
    assert reported(tree) == [
        f'courses/advanced/course.yaml:{line}: course "advanced": prerequisites form a cycle: '
        "advanced → basics → advanced"
    ]


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


def test_missing_shared_files(tree: Path) -> None:
    (tree / GLOSSARY).unlink()
    problems = reported(tree)
    assert f"{GLOSSARY}:1: file is missing" in problems
    assert (
        f'{L2_EN}:{line_of(tree, L2_EN, "[[settlement]]")}: unknown glossary term "settlement"'
        in (problems)
    )


def test_empty_yaml_file(tree: Path) -> None:
    (tree / QUIZ).write_text("# nothing yet\n", encoding="utf-8")
    assert f"{QUIZ}:1: a quiz must be a mapping (found nothing)" in reported(tree)
