"""The content checker core (content/core.py): problems with file and line, typed getters."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.domain.content.tree import (
    BANK,
    COURSE,
    FIXTURE,
    GLOSSARY,
    L1_EN,
    L2_EN,
    QUIZ,
    SHIPPED,
    Case,
    assert_reported,
    broken_cases,
    edit,
    line_of,
    reported,
)
from trainer.domain.content import (
    KINDS,
    ContentError,
    Problem,
    check_content,
    content_hash,
    load_content,
)


def test_fixture_has_no_problems() -> None:
    assert check_content(FIXTURE) == []


def test_shipped_content_has_no_problems() -> None:
    problems = check_content(SHIPPED)
    assert [str(problem) for problem in problems] == []


def test_problem_str_is_file_line_message() -> None:
    assert str(Problem("courses/x/course.yaml", 3, "bad")) == "courses/x/course.yaml:3: bad"


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


# --- one broken thing at a time (see tests/domain/content/tree.py) -------------------------

CASES: list[Case] = [
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
]


@broken_cases(CASES)
def test_broken_content_is_reported(
    tree: Path, file: str, old: str, new: str, where: int | tuple[str, str | None], message: str
) -> None:
    assert_reported(tree, file, old, new, where, message)


def test_every_kind_loads_and_resolves() -> None:
    """A kind of content is a module with load(c) and resolve(c) (see content/__init__.py)."""
    assert [kind.__name__.rsplit(".", 1)[1] for kind in KINDS] == [
        "glossary",
        "sources",
        "courses",
        "banks",
        "quizzes",
        "drills",
        "simulator",
    ]
    for kind in KINDS:
        assert callable(kind.load) and callable(kind.resolve), kind.__name__
