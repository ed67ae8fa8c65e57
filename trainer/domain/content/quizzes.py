"""Quizzes: quizzes/quizzes/<id>.yaml, each drawing questions from pools of the banks.

A course quiz must draw per case: for every case (C1-C20, D1-D7) its course teaches (the
case tags of the questions whose manual link points into the course), some pool must be
certain to draw a question of that case. Otherwise a learner can be certified without ever
meeting the case, so this is an error, not a warning.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trainer.domain import topics
from trainer.domain.content.core import MANUAL_RE, Checker, line_of
from trainer.domain.content.model import Pool, Quiz
from trainer.domain.questions.registry import QUESTION_TYPES
from trainer.domain.yamlsource import describe, is_int, is_yaml_number

GRADING = ("highest", "latest")
REVIEW = ("after_submission", "score_only")

_QUIZ_REQUIRED = ("id", "title", "pools", "pass_mark")
_QUIZ_OPTIONAL = (
    "description",
    "course",
    "shuffle_questions",
    "shuffle_options",
    "time_limit_minutes",
    "max_attempts",
    "cooldown_minutes",
    "grading",
    "review",
    "questions_per_page",
)


def load(c: Checker) -> None:
    quizzes = c.root / "quizzes"
    if not quizzes.is_dir():
        c.add("quizzes", 1, "content folder quizzes/ is missing")
        return
    for path in sorted((quizzes / "quizzes").glob("*.yaml")):
        load_quiz(c, path)


def resolve(c: Checker) -> None:
    """A quiz's course exists (banks and questions are checked as the quiz is read), and a
    course quiz meets every case of its course."""
    for file, line, who, course in c.quiz_course_refs:
        if course not in c.courses and f"course:{course}" not in c.unreadable:
            c.add(file, line, f'{who}: unknown course "{course}"')
        elif course in c.courses:
            quiz_id = file.rsplit("/", 1)[-1].removesuffix(".yaml")
            check_cases(c, file, line, who, c.quizzes.get(quiz_id), course)


def course_cases(c: Checker, course: str) -> set[str]:
    """The cases a course teaches: case tags of the questions linked to its lessons."""
    cases: set[str] = set()
    for question in c.questions.values():
        match = MANUAL_RE.match(question.get("manual") or "")
        if match and match.group(1) == course:
            cases.update(tag for tag in question["tags"] if topics.is_case(tag))
    return cases


def guaranteed_cases(c: Checker, pool: Pool) -> set[str]:
    """The cases every attempt meets through ``pool``: the tags of its fixed questions, or the
    case tags shared by every question the pool may draw from."""
    found: set[str] = set()
    for qid in pool.questions:
        if qid in c.questions:
            found.update(tag for tag in c.questions[qid]["tags"] if topics.is_case(tag))
    if pool.bank in c.banks and pool.count >= 1:
        drawable = candidates(c, pool.bank, pool.tags, pool.types, pool.difficulty)
        if drawable:
            shared = set.intersection(*(set(q["tags"]) for q in drawable))
            found.update(tag for tag in shared if topics.is_case(tag))
    return found


def check_cases(c: Checker, file: str, line: int, who: str, quiz: Quiz | None, course: str) -> None:
    """Report (at the quiz's course line) the course's cases no pool is sure to draw."""
    if quiz is None:
        return
    met: set[str] = set()
    for pool in quiz.pools:
        met |= guaranteed_cases(c, pool)
    missing = sorted(course_cases(c, course) - met, key=lambda tag: (tag[0], int(tag[1:])))
    if missing:
        c.add(
            file,
            line,
            f"{who} can be passed without meeting case(s) {', '.join(missing)} of course "
            f'"{course}": give each case its own pool (tags: [{missing[0]}], count: 1 or more)',
        )


def candidates(
    c: Checker, bank: str, tags: list[str], types: list[str], difficulty: list[int]
) -> list[dict[str, Any]]:
    """The questions of ``bank`` a pool with these filters may draw."""
    return [
        q
        for q in c.banks[bank].questions
        if (not tags or set(tags) & set(q["tags"]))
        and (q["type"] in types if types else q["type"] != "description")
        and (not difficulty or q["difficulty"] in difficulty)
    ]


def load_quiz(c: Checker, path: Path) -> None:
    file = c.rel(path)
    data, parsed = c.read_yaml(path)
    node = c.mapping(data, file, 1, "a quiz") if parsed else None
    if node is None:
        c.unreadable.add(f"quiz:{path.stem}")
        return
    quiz_id = node.get("id") if isinstance(node.get("id"), str) else path.stem
    who = f'quiz "{quiz_id}"'
    c.keys(node, file, who, _QUIZ_REQUIRED, _QUIZ_OPTIONAL)
    if c.string(node, "id", file, who, slug=True) is not None and quiz_id != path.stem:
        c.add(
            file,
            node.key_line("id"),
            f'quiz id "{quiz_id}" does not match its file name "{path.name}"',
        )
    title = c.text(node, "title", file, who)
    description = c.text(node, "description", file, who)
    course = c.string(node, "course", file, who)
    if course is not None:
        c.quiz_course_refs.append((file, node.key_line("course"), who, course))
    pools: list[Pool] = []
    seq = c.seq(node, "pools", file, who)
    if seq is not None and not seq:
        c.add(file, node.key_line("pools"), f"{who} has no pools")
    for i, raw in enumerate(seq or []):
        assert seq is not None
        pool = read_pool(c, raw, file, seq.item_line(i), f"{who}: pool {i + 1}")
        if pool is not None:
            pools.append(pool)
    pass_mark = node.get("pass_mark")
    if pass_mark is not None and (not is_yaml_number(pass_mark) or not 0 <= pass_mark <= 100):
        c.add(
            file,
            node.key_line("pass_mark"),
            f"{who}: pass_mark must be a percentage from 0 to 100 (found {describe(pass_mark)})",
        )
        pass_mark = None
    grading = node.get("grading", "highest")
    if grading not in GRADING:
        c.add(
            file,
            node.key_line("grading"),
            f'{who}: grading must be "highest" or "latest" (found {describe(grading)})',
        )
    review = node.get("review", "after_submission")
    if review not in REVIEW:
        c.add(
            file,
            node.key_line("review"),
            f'{who}: review must be "after_submission" or "score_only" (found {describe(review)})',
        )
    shuffle_questions = c.boolean(node, "shuffle_questions", file, who)
    shuffle_options = c.boolean(node, "shuffle_options", file, who)
    if quiz_id in c.quizzes:
        return
    c.quizzes[quiz_id] = Quiz(
        id=quiz_id,
        title=title or {},
        description=description,
        course=course,
        pools=pools,
        shuffle_questions=True if shuffle_questions is None else shuffle_questions,
        shuffle_options=True if shuffle_options is None else shuffle_options,
        time_limit_minutes=c.integer(node, "time_limit_minutes", file, who, minimum=1),
        pass_mark=pass_mark if pass_mark is not None else 0,
        max_attempts=c.integer(node, "max_attempts", file, who, minimum=1),
        cooldown_minutes=c.integer(node, "cooldown_minutes", file, who, minimum=0) or 0,
        grading=grading if grading in GRADING else "highest",
        review=review if review in REVIEW else "after_submission",
        path=path,
        questions_per_page=c.integer(node, "questions_per_page", file, who, minimum=1),
    )


def read_pool(c: Checker, raw: Any, file: str, line: int, who: str) -> Pool | None:
    item = c.mapping(raw, file, line, who)
    if item is None:
        return None
    c.keys(item, file, who, (), ("bank", "tags", "types", "difficulty", "count", "questions"))
    bank = c.string(item, "bank", file, who)
    fixed = c.str_list(item, "questions", file, who)
    tags = c.str_list(item, "tags", file, who)
    types = c.str_list(item, "types", file, who)
    for i, qtype in enumerate(types):
        if qtype not in QUESTION_TYPES:
            c.add(file, line_of(item.get("types"), i), f'{who}: unknown question type "{qtype}"')
    difficulty: list[int] = []
    raw_difficulty = item.get("difficulty")
    if is_int(raw_difficulty):
        raw_difficulty = [raw_difficulty]
    if raw_difficulty is not None:
        if not isinstance(raw_difficulty, list):
            c.add(
                file,
                item.key_line("difficulty"),
                f"{who}: difficulty must be a list of 1, 2 or 3",
            )
        else:
            for value in raw_difficulty:
                if is_int(value) and 1 <= value <= 3:
                    difficulty.append(value)
                else:
                    c.add(
                        file,
                        item.key_line("difficulty"),
                        f"{who}: difficulty {describe(value)} must be 1, 2 or 3",
                    )
    count = c.integer(item, "count", file, who, minimum=1)
    if "bank" in item and "questions" in item:
        c.add(file, item.line, f"{who}: a pool takes either bank or questions, not both")
    elif "bank" not in item and "questions" not in item:
        c.add(file, item.line, f"{who}: a pool needs a bank to draw from or a list of questions")
    elif "bank" in item and "count" not in item:
        c.add(file, item.line, f'{who}: missing required key "count" (how many to draw)')
    elif "questions" in item:
        for key in ("tags", "types", "difficulty", "count"):
            if key in item:
                c.add(file, item.key_line(key), f'{who}: "{key}" only applies to bank pools')
    if bank is not None:
        if bank not in c.banks:
            if f"bank:{bank}" not in c.unreadable:
                c.add(file, item.key_line("bank"), f'{who}: unknown bank "{bank}"')
        elif count is not None:
            matching = candidates(c, bank, tags, types, difficulty)
            if count > len(matching):
                c.add(
                    file,
                    item.key_line("count"),
                    f'{who} asks for {count} questions but bank "{bank}" has only '
                    f"{len(matching)} matching",
                )
    fixed_list = item.get("questions")
    some_bank_unreadable = any(name.startswith("bank:") for name in c.unreadable)
    for i, qid in enumerate(fixed):
        if qid not in c.questions and not some_bank_unreadable:
            c.add(file, line_of(fixed_list, i), f'{who}: unknown question "{qid}"')
    return Pool(bank, tags, types, difficulty, count or len(fixed), fixed)
