"""Quizzes (content/quizzes.py): pools, settings and their defaults."""

from __future__ import annotations

from pathlib import Path

from tests.domain.content.tree import (
    FIXTURE,
    QUIZ,
    Case,
    assert_reported,
    broken_cases,
    edit,
    line_of,
    reported,
)
from trainer.domain.content import (
    Pool,
    Quiz,
    load_content,
)


def test_load_quiz() -> None:
    quiz = load_content(FIXTURE).quizzes["basics-quiz"]
    assert isinstance(quiz, Quiz)
    assert quiz.course == "basics"
    assert quiz.pools == [
        Pool(
            "basics", ["C1"], ["single", "multiple", "ordering", "numeric", "short"], [1, 2], 3, []
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
    assert quiz.questions_per_page is None


def test_questions_per_page_is_read(tree: Path) -> None:
    (tree / QUIZ).write_text((tree / QUIZ).read_text(encoding="utf-8") + "questions_per_page: 2\n")
    assert load_content(tree).quizzes["basics-quiz"].questions_per_page == 2


# --- one broken thing at a time (see tests/domain/content/tree.py) -------------------------

CASES: list[Case] = [
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
        'quiz "basics-quiz": pool 1 asks for 9 questions but bank "basics" has only 4 matching',
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
    (
        "quiz-questions-per-page-zero",
        QUIZ,
        "pass_mark: 80",
        "pass_mark: 80\nquestions_per_page: 0",
        ("questions_per_page", None),
        'quiz "basics-quiz": "questions_per_page" must be at least 1 (found 0)',
    ),
]


@broken_cases(CASES)
def test_broken_content_is_reported(
    tree: Path, file: str, old: str, new: str, where: int | tuple[str, str | None], message: str
) -> None:
    assert_reported(tree, file, old, new, where, message)


# --- per-case pools ---------------------------------------------------------------------------


def test_a_course_quiz_must_draw_each_case_of_its_course(tree: Path) -> None:
    # One pool for C1 and C3 together may draw only C3 questions: C1 is not certain.
    edit(tree, QUIZ, "    tags: [C1]\n", "    tags: [C1, C3]\n")
    line = line_of(tree, QUIZ, "course: basics")
    assert (
        f'{QUIZ}:{line}: quiz "basics-quiz" can be passed without meeting case(s) C1 of course '
        '"basics": give each case its own pool (tags: [C1], count: 1 or more)'
    ) in reported(tree)


def test_fixed_questions_count_as_meeting_their_cases(tree: Path) -> None:
    # C5 is met only through the fixed questions; without them the quiz misses it.
    edit(tree, QUIZ, "  - questions: [b-rerun-truefalse, b-timeout-scenario]\n", "")
    assert any("without meeting case(s) C5 " in problem for problem in reported(tree))


def test_a_quiz_without_a_course_may_mix_cases(tree: Path) -> None:
    edit(tree, QUIZ, "course: basics\n", "")
    edit(tree, QUIZ, "    tags: [C1]\n", "    tags: [C1, C3]\n")
    assert reported(tree) == []
