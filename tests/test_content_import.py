"""`trainer content check` / `trainer content import`: validation and the all-or-nothing import."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from trainer.courses.importer import import_tree
from trainer.domain.content import ContentError, content_hash
from trainer.models import (
    AuditEvent,
    Course,
    CourseVersion,
    Lesson,
    Question,
    QuestionBank,
    Quiz,
    Section,
)

FIXTURE = Path(__file__).parent / "fixtures" / "content"
BANK = "quizzes/banks/basics.yaml"
COURSE = "courses/basics/course.yaml"
LESSON_EN = "courses/basics/01-void-or-refund.en.md"
PROBLEM_LINE = re.compile(r"^(?P<file>[\w./-]+):(?P<line>\d+): (?P<message>.+)$", re.MULTILINE)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A private copy of the small fixture tree, to change and break."""
    root = tmp_path / "content"
    shutil.copytree(FIXTURE, root)
    return root


def _edit(root: Path, relative: str, old: str, new: str) -> None:
    path = root / relative
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {relative}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _drop_question(root: Path, qid: str) -> None:
    """Remove one question's block from the fixture bank."""
    path = root / BANK
    text = path.read_text(encoding="utf-8")
    start = text.index(f"  - id: {qid}\n")
    end = text.find("\n  - id: ", start + 1)
    path.write_text(text[:start] + (text[end + 1 :] if end >= 0 else ""), encoding="utf-8")


def _snapshot(session) -> dict:
    """Every content row (and the audit log), to compare before and after an import."""
    session.expire_all()
    out = {}
    for model in (Course, CourseVersion, Lesson, Section, QuestionBank, Question, Quiz, AuditEvent):
        rows = session.scalars(select(model).order_by(model.id)).all()
        columns = [c.key for c in model.__table__.columns]
        out[model.__tablename__] = [{c: getattr(r, c) for c in columns} for r in rows]
    return out


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


# --- content check ----------------------------------------------------------------------------


def test_check_passes_on_the_shipped_content(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["content", "check"])  # default: the checkout (CONTENT_ROOT)
    assert result.exit_code == 0, result.output
    assert "is valid" in result.output
    fixture = runner.invoke(args=["content", "check", str(FIXTURE)])
    assert fixture.exit_code == 0, fixture.output


def test_check_reports_every_problem_as_file_line_message(app, tree):
    _edit(
        tree,
        BANK,
        "    difficulty: 1\n    manual: basics/01",
        "    difficulty: 7\n    manual: basics/01",
    )
    _edit(tree, LESSON_EN, "{#tell-the-customer}", "{#Tell_The_Customer}")
    result = app.test_cli_runner().invoke(args=["content", "check", str(tree)])
    assert result.exit_code == 1
    problems = [m.groupdict() for m in PROBLEM_LINE.finditer(result.stdout)]
    files = {p["file"] for p in problems}
    assert BANK in files and LESSON_EN in files, result.output
    bank_lines = (tree / BANK).read_text(encoding="utf-8").splitlines()
    difficulty = next(p for p in problems if p["file"] == BANK and "difficulty" in p["message"])
    assert "difficulty: 7" in bank_lines[int(difficulty["line"]) - 1]
    assert "problem(s)" in result.output


def test_import_cli_loads_the_tree_and_prints_a_report(app, session, tree):
    result = app.test_cli_runner().invoke(args=["content", "import", str(tree)])
    assert result.exit_code == 0, result.output
    assert "basics 1.2" in result.output
    assert _count(session, Question) == 10
    assert session.scalar(select(Quiz.slug)) == "basics-quiz"


# --- import: all or nothing -------------------------------------------------------------------


def test_a_tree_with_one_bad_question_imports_nothing(app, session, tree):
    _edit(tree, BANK, "        feedback: {zh: 无关。, en: Not relevant.}\n", "")
    result = app.test_cli_runner().invoke(args=["content", "import", str(tree)])
    assert result.exit_code == 1
    assert re.search(rf"^{re.escape(BANK)}:\d+: .*feedback", result.output, re.MULTILINE)
    assert "nothing was imported" in result.output
    for model in (Course, CourseVersion, Lesson, QuestionBank, Question, Quiz):
        assert _count(session, model) == 0, model


def test_a_conflict_found_while_writing_rolls_everything_back(app, session, tree):
    """The database-level checks run after earlier rows were written: those must go too."""
    import_tree(app, tree)
    before = _snapshot(session)
    # A new course version (would be written first) plus a question moved to another bank.
    _edit(tree, COURSE, 'version: "1.2"', 'version: "1.3"')
    _edit(tree, LESSON_EN, "Find the sale.", "Find the sale in the list.")
    text = (tree / BANK).read_text(encoding="utf-8")
    start = text.index("  - id: b-void-short\n")
    end = text.index("\n  - id: ", start + 1)
    moved = text[start : end + 1]
    (tree / BANK).write_text(text[:start] + text[end + 1 :], encoding="utf-8")
    (tree / "quizzes/banks/extra.yaml").write_text(
        "bank: extra\ntitle: {zh: 另一个题库, en: Another bank}\nquestions:\n" + moved,
        encoding="utf-8",
    )
    with pytest.raises(ContentError) as caught:
        import_tree(app, tree)
    assert any("b-void-short" in p.message for p in caught.value.problems)
    assert _snapshot(session) == before


def test_reimporting_unchanged_content_changes_nothing(app, session, tree):
    first = import_tree(app, tree)
    assert first.new_versions == ["basics 1.2"] and first.questions_added == 10
    before = _snapshot(session)
    again = import_tree(app, tree)
    assert again.new_versions == [] and again.unchanged_courses == ["basics"]
    assert (again.questions_added, again.questions_updated, again.questions_retired) == (0, 0, 0)
    assert _snapshot(session) == before


def test_changing_a_lesson_without_a_new_version_is_refused(app, session, tree):
    import_tree(app, tree)
    before = _snapshot(session)
    _edit(tree, LESSON_EN, "Find the sale.", "Find the sale quickly.")
    result = app.test_cli_runner().invoke(args=["content", "import", str(tree)])
    assert result.exit_code == 1
    match = PROBLEM_LINE.search(result.output)
    assert match, result.output
    assert match["file"] == COURSE
    version_line = (tree / COURSE).read_text(encoding="utf-8").splitlines()[int(match["line"]) - 1]
    assert version_line.startswith("version:")
    assert "raise the version" in match["message"]
    assert _snapshot(session) == before


def test_a_minor_version_becomes_the_current_version(app, session, tree):
    import_tree(app, tree)
    _edit(tree, COURSE, 'version: "1.2"', 'version: "1.3"')
    _edit(tree, LESSON_EN, "Find the sale.", "Find the sale in the history.")
    report = import_tree(app, tree)
    assert report.new_versions == ["basics 1.3"]
    session.expire_all()
    versions = session.scalars(select(CourseVersion).order_by(CourseVersion.id)).all()
    assert [(v.version, v.current) for v in versions] == [("1.2", False), ("1.3", True)]
    assert "in the history" in versions[1].lessons[0].html_en
    assert "in the history" not in versions[0].lessons[0].html_en
    assert versions[1].content_hash == content_hash(tree / "courses/basics")
    assert versions[1].content_hash != versions[0].content_hash


def test_an_older_version_is_refused(app, session, tree):
    import_tree(app, tree)
    before = _snapshot(session)
    _edit(tree, COURSE, 'version: "1.2"', 'version: "1.1"')
    with pytest.raises(ContentError) as caught:
        import_tree(app, tree)
    assert "older" in str(caught.value)
    assert str(caught.value.problems[0]).startswith(f"{COURSE}:")
    assert _snapshot(session) == before


def test_removing_a_question_retires_it_and_bringing_it_back_reactivates_it(app, session, tree):
    import_tree(app, tree)
    _drop_question(tree, "b-void-short")
    report = import_tree(app, tree)
    assert report.questions_retired == 1
    session.expire_all()
    states = dict(session.execute(select(Question.qid, Question.active)).all())
    assert states.pop("b-void-short") is False
    assert all(states.values())
    shutil.copy(FIXTURE / BANK, tree / BANK)
    assert import_tree(app, tree).questions_updated == 1
    session.expire_all()
    assert session.scalar(select(Question.active).where(Question.qid == "b-void-short"))


def test_content_hashes_are_stored_and_follow_changes(app, session, tree):
    import_tree(app, tree)
    version = session.scalar(select(CourseVersion))
    assert version.content_hash == content_hash(tree / "courses/basics")
    hashes = dict(session.execute(select(Question.qid, Question.content_hash)).all())
    assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes.values())
    assert len(set(hashes.values())) == len(hashes)
    _edit(tree, BANK, "How much change?", "How much change is due?")
    report = import_tree(app, tree)
    assert (report.questions_updated, report.questions_added) == (1, 0)
    session.expire_all()
    after = dict(session.execute(select(Question.qid, Question.content_hash)).all())
    changed = {qid for qid in hashes if hashes[qid] != after[qid]}
    assert changed == {"b-change-numeric"}
    assert (
        "is due"
        in session.scalar(select(Question).where(Question.qid == "b-change-numeric")).data["stem"][
            "en"
        ]
    )


def _single(qid: str, right: int) -> str:
    options = "".join(
        f"      - id: {oid}\n        text: {{zh: 选项{oid}, en: Option {oid}}}\n"
        f"        feedback: {{zh: 反馈{oid}, en: Feedback {oid}}}\n"
        + ("        correct: true\n" if i == right else "")
        for i, oid in enumerate("abc")
    )
    return (
        f"  - id: {qid}\n    type: single\n"
        f"    stem: {{zh: 题目{qid}, en: Question {qid}}}\n    options:\n{options}"
    )


def test_check_warns_when_a_banks_right_options_sit_at_one_position(app, tree):
    """Issue #14: valid, but a quiz that does not shuffle would give the answers away."""
    bank = tree / "quizzes/banks/positions.yaml"
    head = "bank: positions\ntitle: {zh: 位置, en: Positions}\nquestions:\n"
    bank.write_text(head + "".join(_single(f"p-{n}", 0) for n in range(4)), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["content", "check", str(tree)])
    assert result.exit_code == 0, result.output
    assert "is valid" in result.stdout
    assert (
        'quizzes/banks/positions.yaml:3: warning: bank "positions": the correct option is '
        "number 1 in 4 of 4 single-choice questions; vary its position"
    ) in result.output
    bank.write_text(head + "".join(_single(f"p-{n}", n % 3) for n in range(4)), encoding="utf-8")
    spread = app.test_cli_runner().invoke(args=["content", "check", str(tree)])
    assert spread.exit_code == 0 and "warning" not in spread.output
