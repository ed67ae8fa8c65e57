"""Courses and their lessons: courses/<code>/course.yaml and <slug>.<lang>.md files."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from trainer.domain.content.core import LANG_NAMES, MANUAL_RE, Checker, line_of
from trainer.domain.content.model import Course, Lesson, content_hash
from trainer.domain.graph import find_cycle
from trainer.domain.markdown import LANGS, Rendered, render_markdown
from trainer.domain.yamlsource import YamlDict, YamlList, describe, parse_yaml

VERSION_RE = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")
_SECTION_RE = re.compile(r"^##\s.*\{#([a-z0-9-]+)\}\s*$")
_KEY_RULE_RE = re.compile(r"^:::\s*key-rule\b")

_COURSE_REQUIRED = (
    "code",
    "version",
    "title",
    "summary",
    "audience",
    "estimated_minutes",
    "lessons",
)
_COURSE_OPTIONAL = (
    "required_quizzes",
    "required_drills",
    "certificate_validity_months",
    "prerequisites",
    "recertify_days",
)
_FRONT_REQUIRED = ("title", "order")
_FRONT_OPTIONAL = ("sources",)


@dataclass
class _LessonFile:
    lang: str
    file: str
    title: str
    order: int | None
    sources: list[str]
    markdown: str
    rendered: Rendered


def load(c: Checker) -> None:
    courses = c.root / "courses"
    if not courses.is_dir():
        c.add("courses", 1, "content folder courses/ is missing")
        return
    for folder in sorted(courses.iterdir()):
        if folder.is_dir() and not folder.name.startswith((".", "_")):
            load_course(c, folder)


def resolve(c: Checker) -> None:
    """Manual links (from questions) name real anchors; prerequisites and required quizzes
    exist, and prerequisites form no cycle; sections that teach a rule have a question."""
    for file, line, who, link in c.manual_refs:
        check_manual(c, file, line, who, link)
    warn_untested_rules(c)
    graph: dict[str, list[str]] = {}
    for code, course in c.courses.items():
        node = c.course_raw[code]
        file = c.course_files[code]
        who = f'course "{code}"'
        graph[code] = [p for p in course.prerequisites if p in c.courses]
        for key, known, noun, kind in (
            ("prerequisites", c.courses, "prerequisite", "course"),
            ("required_quizzes", c.quizzes, "required quiz", "quiz"),
        ):
            values = node.get(key)
            for i, value in enumerate(values if isinstance(values, list) else []):
                if (
                    isinstance(value, str)
                    and value not in known
                    and f"{kind}:{value}" not in c.unreadable
                ):
                    c.add(file, line_of(values, i), f'{who}: unknown {noun} "{value}"')
    reported: set[frozenset[str]] = set()
    for code in sorted(graph):
        cycle = find_cycle(graph, code)
        if cycle is None or frozenset(cycle) in reported:
            continue
        reported.add(frozenset(cycle))
        first = cycle[0]
        node = c.course_raw[first]
        values = node["prerequisites"]
        c.add(
            c.course_files[first],
            line_of(values, values.index(cycle[1])),
            f'course "{first}": prerequisites form a cycle: {" → ".join(cycle)}',
        )


def load_course(c: Checker, folder: Path) -> None:
    path = folder / "course.yaml"
    file = c.rel(path)
    if not path.is_file():
        c.add(file, 1, f'course folder "{folder.name}" has no course.yaml')
        return
    data, parsed = c.read_yaml(path)
    node = c.mapping(data, file, 1, "course.yaml") if parsed else None
    if node is None:
        c.unreadable.add(f"course:{folder.name}")
        return
    code = node.get("code") if isinstance(node.get("code"), str) else folder.name
    who = f'course "{code}"'
    c.keys(node, file, who, _COURSE_REQUIRED, _COURSE_OPTIONAL)
    if c.string(node, "code", file, who, slug=True) is not None and code != folder.name:
        c.add(
            file,
            node.key_line("code"),
            f'course code "{code}" does not match its folder "{folder.name}"',
        )
    version, major, minor = read_version(c, node, file, who)
    title = c.text(node, "title", file, who)
    summary = c.text(node, "summary", file, who)
    audience = c.str_list(node, "audience", file, who)
    if "audience" in node and isinstance(node["audience"], list) and not node["audience"]:
        c.add(file, node.key_line("audience"), f"{who}: audience lists no roles")
    minutes = c.integer(node, "estimated_minutes", file, who, minimum=1)
    validity = c.integer(node, "certificate_validity_months", file, who, minimum=1)
    recertify = c.integer(node, "recertify_days", file, who, minimum=1, maximum=365)
    required_quizzes = c.str_list(node, "required_quizzes", file, who, slug=True)
    required_drills = c.str_list(node, "required_drills", file, who, slug=True)
    prerequisites = c.str_list(node, "prerequisites", file, who, slug=True)
    slugs = c.str_list(node, "lessons", file, who, slug=True)
    if "lessons" in node and isinstance(node["lessons"], list) and not node["lessons"]:
        c.add(file, node.key_line("lessons"), f"{who}: lessons lists no lessons")
    lessons = load_lessons(c, folder, code, node, slugs)
    c.course_files[code] = file
    c.course_raw[code] = node
    if code in c.courses:
        return
    c.courses[code] = Course(
        code=code,
        version=version,
        major=major,
        minor=minor,
        title=title or {},
        summary=summary or {},
        audience=audience,
        estimated_minutes=minutes or 0,
        required_quizzes=required_quizzes,
        required_drills=required_drills,
        certificate_validity_months=validity or 12,
        prerequisites=prerequisites,
        lessons=lessons,
        content_hash=content_hash(folder),
        path=folder,
        recertify_days=recertify or 30,
    )


def read_version(c: Checker, node: YamlDict, file: str, who: str) -> tuple[str, int, int]:
    value = node.get("version")
    if value is None:
        return "", 0, 0
    line = node.key_line("version")
    if not isinstance(value, str):
        c.add(
            file,
            line,
            f'{who}: version must be quoted text "MAJOR.MINOR" such as "1.0" '
            f"(found {describe(value)})",
        )
        return str(value), 0, 0
    match = VERSION_RE.match(value)
    if match is None:
        c.add(file, line, f'{who}: version "{value}" must be MAJOR.MINOR, e.g. "1.0"')
        return value, 0, 0
    return value, int(match.group(1)), int(match.group(2))


def load_lessons(
    c: Checker, folder: Path, code: str, node: YamlDict, slugs: list[str]
) -> list[Lesson]:
    file = c.rel(folder / "course.yaml")
    listed = set(slugs)
    for md_path in sorted(folder.glob("*.md")):
        parts = md_path.name.rsplit(".", 2)
        if len(parts) == 3 and parts[1] in LANGS:
            if parts[0] not in listed:
                c.add(
                    c.rel(md_path),
                    1,
                    f'lesson file is not listed in course.yaml lessons (add "{parts[0]}")',
                )
        else:
            c.add(
                c.rel(md_path),
                1,
                "unexpected Markdown file (lessons are named <slug>.zh.md and <slug>.en.md)",
            )
    lessons: list[Lesson] = []
    raw_list = node.get("lessons")
    for position, slug in enumerate(slugs, start=1):
        index = raw_list.index(slug) if isinstance(raw_list, YamlList) else 0
        list_line = line_of(raw_list, index) if raw_list is not None else node.line
        files: dict[str, _LessonFile] = {}
        for lang in LANGS:
            path = folder / f"{slug}.{lang}.md"
            if not path.is_file():
                c.add(
                    file,
                    list_line,
                    f'lesson "{slug}" has no {LANG_NAMES[lang]} file {path.name}',
                )
                continue
            lesson_file = load_lesson_file(c, path, code, lang, position)
            if lesson_file is None:
                c.unreadable.add(f"lesson:{code}/{slug}")
            else:
                files[lang] = lesson_file
        if len(files) == len(LANGS):
            compare_languages(c, slug, files["zh"], files["en"])
        anchors: set[str] = set()
        for lesson_file in files.values():
            anchors.update(lesson_file.rendered.anchors)
        c.anchors[(code, slug)] = anchors
        lessons.append(make_lesson(c, slug, position, files))
    return lessons


def load_lesson_file(
    c: Checker, path: Path, code: str, lang: str, position: int
) -> _LessonFile | None:
    file = c.rel(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        c.add(file, 1, "file is not valid UTF-8")
        return None
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        c.add(file, 1, "lesson has no front matter (start the file with a --- line)")
        return None
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if end is None:
        c.add(file, 1, "front matter is never closed with a --- line")
        return None
    data, problems = parse_yaml("\n".join(lines[1:end]), file, line_offset=1)
    c.problems.extend(problems)
    if problems:
        return None
    front = c.mapping(data, file, 1, "front matter")
    if front is None:
        return None
    who = "front matter"
    c.keys(front, file, who, _FRONT_REQUIRED, _FRONT_OPTIONAL)
    title = c.string(front, "title", file, who) or ""
    order = c.integer(front, "order", file, who, minimum=1)
    if order is not None and order != position:
        c.add(
            file,
            front.key_line("order"),
            f"front matter order is {order} but the lesson is number {position} "
            "in course.yaml lessons",
        )
    sources = c.str_list(front, "sources", file, who, ids=True)
    c.id_refs(front, "sources", file, who)
    body = "\n".join(lines[end + 1 :])
    if lang == "zh":
        for number, line in enumerate(lines, start=1):
            c.chinese(line, file, number, quotes=number > end + 1)
        note_rule_sections(c, code, path.name.split(".")[0], file, lines, end + 1)
    course_asset_url = c.asset_url

    def asset_url(relative: str) -> str:
        return course_asset_url(code, relative) if course_asset_url else relative

    rendered = render_markdown(
        body, lang=lang, glossary=c.glossary, asset_url=asset_url, line_offset=end + 1
    )
    for problem in rendered.problems:
        c.add(file, problem.line, problem.message)
    folder = path.parent.resolve()
    for image in rendered.images:
        target = (path.parent / image.path).resolve()
        if not target.is_relative_to(folder):
            c.add(file, image.line, f'image "{image.path}" is outside the course folder')
        elif not target.is_file():
            c.add(file, image.line, f'image "{image.path}" not found')
    return _LessonFile(lang, file, title, order, sources, body, rendered)


def note_rule_sections(
    c: Checker, code: str, slug: str, file: str, lines: list[str], start: int
) -> None:
    """Remember the ``##`` sections (from line index ``start``) holding a key-rule call-out."""
    anchor, heading = None, 0
    for index in range(start, len(lines)):
        section = _SECTION_RE.match(lines[index])
        if section:
            anchor, heading = section.group(1), index + 1
        elif lines[index].startswith("## "):
            anchor = None
        elif anchor and _KEY_RULE_RE.match(lines[index]):
            c.rule_sections.setdefault((code, slug, anchor), (file, heading))


def warn_untested_rules(c: Checker) -> None:
    """A section that teaches a rule and that no question links to is never checked: warn."""
    linked = {q["manual"] for q in c.questions.values() if q.get("manual")}
    for (code, slug, anchor), (file, line) in c.rule_sections.items():
        if f"{code}/{slug}#{anchor}" not in linked:
            c.warn(
                file,
                line,
                f'section "{anchor}" teaches a rule (key-rule) but no question links to '
                f"{code}/{slug}#{anchor}",
            )


def compare_languages(c: Checker, slug: str, zh: _LessonFile, en: _LessonFile) -> None:
    zh_anchors, en_anchors = zh.rendered.anchors, en.rendered.anchors
    if zh_anchors == en_anchors:
        return
    zh_lines = {s.anchor: s.line for s in zh.rendered.sections}
    en_lines = {s.anchor: s.line for s in en.rendered.sections}
    en_name = Path(en.file).name
    zh_name = Path(zh.file).name
    only_zh = [a for a in zh_anchors if a not in en_lines]
    only_en = [a for a in en_anchors if a not in zh_lines]
    for anchor in only_zh:
        c.add(zh.file, zh_lines[anchor], f'anchor "{anchor}" is missing from {en_name}')
    for anchor in only_en:
        c.add(en.file, en_lines[anchor], f'anchor "{anchor}" is missing from {zh_name}')
    common_zh = [a for a in zh_anchors if a in en_lines]
    common_en = [a for a in en_anchors if a in zh_lines]
    if not only_zh and not only_en and common_zh != common_en:
        first = next(i for i, (a, b) in enumerate(zip(common_zh, common_en, strict=True)) if a != b)
        c.add(
            en.file,
            en_lines[common_en[first]],
            f"anchors are in a different order from {zh_name}: "
            f"zh has {', '.join(common_zh)}; en has {', '.join(common_en)}",
        )


def make_lesson(c: Checker, slug: str, position: int, files: dict[str, _LessonFile]) -> Lesson:
    sources: list[str] = []
    assets: list[str] = []
    for lesson_file in files.values():
        sources.extend(s for s in lesson_file.sources if s not in sources)
        assets.extend(i.path for i in lesson_file.rendered.images if i.path not in assets)
    orders = [f.order for f in files.values() if f.order is not None]
    return Lesson(
        slug=slug,
        order=orders[0] if orders else position,
        title={lang: f.title for lang, f in files.items()},
        sources=sources,
        markdown={lang: f.markdown for lang, f in files.items()},
        html={lang: f.rendered.html for lang, f in files.items()},
        sections={lang: list(f.rendered.sections) for lang, f in files.items()},
        assets=sorted(assets),
    )


def check_manual(c: Checker, file: str, line: int, who: str, link: str) -> None:
    match = MANUAL_RE.match(link)
    assert match is not None
    code, slug, anchor = match.groups()
    if f"course:{code}" in c.unreadable or f"lesson:{code}/{slug}" in c.unreadable:
        return
    if code not in c.courses:
        c.add(file, line, f'{who}: manual link "{link}": unknown course "{code}"')
    elif (code, slug) not in c.anchors:
        c.add(file, line, f'{who}: manual link "{link}": course "{code}" has no lesson "{slug}"')
    elif anchor and anchor not in c.anchors[(code, slug)]:
        c.add(
            file,
            line,
            f'{who}: manual link "{link}": lesson "{code}/{slug}" has no anchor "{anchor}"',
        )
