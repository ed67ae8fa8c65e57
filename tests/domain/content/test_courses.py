"""Courses and lessons (content/courses.py): course.yaml, lesson files, anchors, links."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.domain.content.tree import (
    BANK,
    COURSE,
    FIXTURE,
    L1_EN,
    L1_ZH,
    L2_EN,
    L2_ZH,
    Case,
    assert_reported,
    broken_cases,
    edit,
    line_of,
    reported,
    warned,
)
from trainer.domain.content import (
    Course,
    content_hash,
    load_content,
)


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


# --- one broken thing at a time (see tests/domain/content/tree.py) -------------------------

CASES: list[Case] = [
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
]


@broken_cases(CASES)
def test_broken_content_is_reported(
    tree: Path, file: str, old: str, new: str, where: int | tuple[str, str | None], message: str
) -> None:
    assert_reported(tree, file, old, new, where, message)


# --- sections that teach a rule without a question (warnings) --------------------------------


def test_the_fixture_has_no_warnings(tree: Path) -> None:
    assert warned(tree) == []


def test_a_rule_section_no_question_links_to_is_a_warning(tree: Path) -> None:
    edit(tree, L1_ZH, "::: tip\n说明退款", "::: key-rule\n说明退款")
    line = line_of(tree, L1_ZH, "{#tell-the-customer}")
    assert warned(tree) == [
        f'{L1_ZH}:{line}: section "tell-the-customer" teaches a rule (key-rule) but no question '
        "links to basics/01-void-or-refund#tell-the-customer"
    ]
    assert reported(tree) == []  # a warning, not an error: the content still imports


def test_a_linked_rule_section_is_not_reported(tree: Path) -> None:
    edit(
        tree,
        BANK,
        "manual: basics/01-void-or-refund#check-the-batch",
        "manual: basics/01-void-or-refund",
    )
    assert any('section "check-the-batch"' in warning for warning in warned(tree))
