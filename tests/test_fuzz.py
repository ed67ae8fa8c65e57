"""Property-based tests (hypothesis): whatever a content file, GIFT file, roster CSV or lesson
holds, the parser answers with a result or with problems that name the place, never with an
unhandled exception; and a content import that fails changes nothing in the database.

Inputs are random text and, to reach the deeper checks, the shipped fixtures with a random
slice replaced. Example counts per parser are kept modest (EXAMPLES) so the suite stays fast.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from trainer.courses.importer import import_tree
from trainer.db import Base
from trainer.domain.content import ContentError, check_content
from trainer.domain.markdown import render_markdown
from trainer.domain.questions.gift import GiftError, decode_gift, parse_gift, to_bank_questions
from trainer.domain.roster import parse_roster

FIXTURES = Path(__file__).parent / "fixtures"
CONTENT = FIXTURES / "content"
GIFT = (FIXTURES / "gift" / "moodle_questions.gift.txt").read_text(encoding="utf-8")
BANK = CONTENT / "quizzes" / "banks" / "basics.yaml"
LESSON = CONTENT / "courses" / "basics" / "01-void-or-refund.en.md"
ROSTER = (
    "employee_no,name,store,role,language\n"
    "E1001,李堃,S1,cashier,zh\n"
    "E2001,王喆,S1;S2,supervisor,zh\n"
)

#: examples per parser (the figures the issue's closing note asks for)
EXAMPLES = {"gift": 150, "roster": 150, "markdown": 100, "content": 25, "import": 10}

# Characters each format gives meaning to, mixed with any text.
GIFT_CHARS = st.sampled_from(list("::{}~=#%-.e:=>\\/[]$@\n 0123456789TFabc"))
CSV_CHARS = st.sampled_from(list(',;"\r\n \tE0S12cashiersupervisoradminzhen李'))
MD_CHARS = st.sampled_from(list("#*_`[]()!<>{}:|-=~\n 1.ab[[void]]:::warning\\"))
YAML_CHARS = st.sampled_from(list(":-[]{}#&*!|>'\"%@`,?\n  abc123"))


def _text(chars) -> st.SearchStrategy[str]:
    return st.text(st.one_of(chars, st.characters(codec="utf-8")), max_size=300)


def _mutated(original: str, chars) -> st.SearchStrategy[str]:
    """The original with one random slice replaced by random text."""
    return st.tuples(st.integers(0, len(original)), st.integers(0, 80), _text(chars)).map(
        lambda t: original[: t[0]] + t[2] + original[t[0] + t[1] :]
    )


def _fuzz(name: str, **extra):
    return settings(
        max_examples=EXAMPLES[name],
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        **extra,
    )


@_fuzz("gift")
@given(st.one_of(_text(GIFT_CHARS), _mutated(GIFT, GIFT_CHARS)))
def test_gift_answers_with_questions_or_located_problems(text):
    try:
        questions = to_bank_questions(parse_gift(text, filename="f.gift"), id_prefix="fz")
    except GiftError as exc:
        assert exc.problems
        assert all(re.match(r"f\.gift:\d+: \S", str(p)) for p in exc.problems), exc.problems
        return
    json.dumps(questions, allow_nan=False)  # storable: no Infinity, no NaN


@_fuzz("gift")
@given(st.binary(max_size=200))
def test_gift_bytes_decode_or_say_why(data):
    try:
        decode_gift(data, filename="f.gift")
    except GiftError as exc:
        assert all(str(p).startswith("f.gift") for p in exc.problems)


@_fuzz("roster")
@given(
    st.one_of(
        st.binary(max_size=300),
        _text(CSV_CHARS).map(str.encode),
        _mutated(ROSTER, CSV_CHARS).map(str.encode),
        _mutated(ROSTER, CSV_CHARS).map(lambda t: t.encode("gb18030", "replace")),
    )
)
def test_roster_answers_with_rows_or_numbered_problems(data):
    rows, problems = parse_roster(data, known_stores={"S1", "S2"})
    assert rows or problems  # an empty import says so
    for problem in problems:
        assert problem.line >= 1 and re.match(r"row \d+(, column \w+)?: \S", str(problem))
    if problems:
        return
    for row in rows:
        assert row.role in ("cashier", "supervisor", "compliance", "admin")


@_fuzz("markdown")
@given(st.one_of(_text(MD_CHARS), _mutated(LESSON.read_text(encoding="utf-8"), MD_CHARS)))
def test_markdown_renders_or_names_lines(text):
    rendered = render_markdown(
        text, lang="en", glossary={"void": {"zh": "撤销", "en": "void"}}, line_offset=4
    )
    lines = text.count("\n") + 5
    for problem in rendered.problems:
        assert 1 <= problem.line <= lines + 1, (problem, lines)
    assert "<script" not in rendered.html.lower()


def _tree(tmp_path: Path, bank_text: str) -> Path:
    root = tmp_path / "content"
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(CONTENT, root)
    (root / "quizzes" / "banks" / "basics.yaml").write_text(bank_text, encoding="utf-8")
    return root


@_fuzz("content")
@given(st.one_of(_text(YAML_CHARS), _mutated(BANK.read_text(encoding="utf-8"), YAML_CHARS)))
def test_content_check_lists_problems_with_file_and_line(tmp_path_factory, bank_text):
    root = _tree(tmp_path_factory.mktemp("fz"), bank_text)
    for problem in check_content(root):
        assert re.match(r"\S+\.(yaml|md):\d+: \S", str(problem)), str(problem)


def _counts(session) -> dict[str, int]:
    session.expire_all()
    return {
        t.name: session.scalar(select(func.count()).select_from(t))
        for t in Base.metadata.sorted_tables
    }


def test_a_failed_content_import_changes_nothing(app, session, tmp_path_factory):
    import_tree(app, CONTENT)  # a site with content already
    before = _counts(session)

    @_fuzz("import")
    @given(_mutated(BANK.read_text(encoding="utf-8"), YAML_CHARS))
    def attempt(bank_text):
        root = _tree(tmp_path_factory.mktemp("imp"), bank_text)
        try:
            import_tree(app, root)
        except ContentError as exc:
            assert exc.problems
            assert _counts(session) == before
            return
        before.update(_counts(session))  # it was valid: the new state is the baseline

    attempt()
