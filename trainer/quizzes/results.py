"""The result page's content, prepared in Python: feedback per question and what to review.

As for the attempt page (views._presented), texts are rendered and labels translated here, and
the template only lays them out: the page shows 15 questions with their options, feedback and
links, and a call from Jinja (rich, gettext, url_for) costs several times a call from Python.
The page cost about 11x a bare one-row insert when the template made those calls itself
(benchmarks/CAPACITY.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from flask_babel import get_translations
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy.orm import Session

from trainer.courses.service import ManualLink, manual_links
from trainer.domain import topics
from trainer.domain.questions import (
    CORRECT,
    NEEDS_REVIEW,
    PARTIAL,
    UNANSWERED,
    Grade,
    get_type,
    in_lang,
    weak_topics,
)
from trainer.i18n import current_language
from trainer.quizzes import service
from trainer.simulator.service import quiz_runs
from trainer.web import rich

# Their feedback parts show the options chosen and the right ones ("Your answer", "Correct
# answer"), so the separate correct-answer line would say it a second time.
CHOICE_TYPES = frozenset({"single", "multiple"})
NO_HTML = Markup("")
# A scenario step: a critical error, a choice that earned points, or one that earned none.
_STEP_CSS = {
    "critical": "feedback incorrect",
    "points": "feedback correct",
    "none": "feedback partial",
}


@dataclass
class Link:
    """A manual link as the page shows it."""

    href: str
    text: str


@dataclass
class Part:
    """One feedback block: an answer (labelled) and/or the feedback written for it."""

    css: str
    label: str = ""
    answer_html: Markup = NO_HTML
    feedback_html: Markup = NO_HTML


@dataclass
class Step:
    """One choice made in a scenario, with its consequence."""

    css: str
    stem_html: Markup
    choice_html: Markup
    consequence_html: Markup
    critical: bool


@dataclass
class Reviewed:
    """One question of the result page."""

    heading: str
    badge: tuple[str, str]  # (css class, label)
    points: str
    stem_html: Markup
    parts: list[Part]
    steps: list[Step]
    correct_answer: str
    reviewer_comment: str | None
    explanation_html: Markup
    general_feedback_html: Markup
    links: list[Link]


@dataclass
class Topic:
    """One row of "what to review": a topic, how many questions lost points, where to read."""

    label: str
    count: str
    links: list[Link]


@dataclass
class Labels:
    """The page's translated labels, looked up once per page rather than once per question."""

    badges: dict[str, tuple[str, str]]
    incorrect: tuple[str, str]
    question: str
    yours: str
    correct: str
    in_manual: str
    read_manual: str
    # Shown by the template (a scenario's steps, the correct answer, the reviewer's comment).
    you_chose: str
    critical_error: str
    reviewer: str

    @classmethod
    def translated(cls, lang: str) -> Labels:
        """The labels in ``lang``, translated once per process (11 gettext calls a page)."""
        labels = _LABELS.get(lang)
        if labels is None:
            labels = _LABELS[lang] = cls._translate()
        return labels

    @classmethod
    def _translate(cls) -> Labels:
        # gettext without variables gives the translated pattern, filled in below.
        return cls(
            badges={
                CORRECT: ("ok", _("Correct")),
                PARTIAL: ("warn", _("Partly correct")),
                NEEDS_REVIEW: ("warn", _("Awaiting review")),
                UNANSWERED: ("bad", _("Not answered")),
            },
            incorrect=("bad", _("Incorrect")),
            question=_("Question %(n)d"),
            yours=_("Your answer"),
            correct=_("Correct answer"),
            in_manual=_("In the manual: %(title)s"),
            read_manual=_("Read the manual section"),
            you_chose=_("You chose"),
            critical_error=_("Critical error"),
            reviewer=_("Reviewer"),
        )


_LABELS: dict[str, Labels] = {}


def page_labels() -> Labels:
    """The labels of the page in the reader's language, for the template."""
    return Labels.translated(current_language())


def topic_label(tag: str | None) -> str:
    """A review topic's name in the reader's language (see domain.topics)."""
    return topics.label(tag, _)


def _href(link: ManualLink) -> str:
    return url_for("courses.lesson", code=link.code, slug=link.slug) + (
        f"#{link.anchor}" if link.anchor else ""
    )


def present(session: Session, attempt: service.AttemptState) -> tuple[list[Reviewed], list[Topic]]:
    """Each question with its feedback, and the topics to review, in the reader's language."""
    lang = current_language()
    # Without texts: the page reads the explanation and general feedback from the question,
    # and works out the correct answer only where it shows it (about 10 µs a question).
    grades = [service.item_grade(item, texts=False) for item in attempt.items]
    # Derived from the grades rather than read from the attempt: one row per topic also for
    # attempts submitted before topics were grouped that way.
    weak = weak_topics(grades)
    wanted = [link for topic in weak for link in topic["manual"]]
    wanted += [link for grade in grades for link in grade.manual]
    found = manual_links(session, wanted, lang)
    hrefs = {link: _href(m) for link, m in found.items()}
    labels = Labels.translated(lang)
    reviewed = [
        _question(item.question, grade, number, lang, labels, found, hrefs)
        for number, (item, grade) in enumerate(zip(attempt.items, grades, strict=True), start=1)
    ]
    if any(item.question.get("type") == "terminal" for item in attempt.items):
        # A terminal question's run can be replayed key by key, mistakes flagged.
        runs = quiz_runs(session, attempt.id)
        for item, shown in zip(attempt.items, reviewed, strict=True):
            run = runs.get(item.question.get("id"))
            if run is not None:  # the replay grades a run the deadline closed
                href = url_for("simulator.replay", run_id=run.id)
                shown.links.append(Link(href, _("Replay this run key by key")))
    count = get_translations().ungettext
    review = [
        Topic(
            label=topic_label(topic["tag"]),
            count=count("%(num)d question", "%(num)d questions", len(topic["questions"]))
            % {"num": len(topic["questions"])},
            links=[
                Link(hrefs[link], found[link].title or labels.read_manual)
                for link in topic["manual"]
                if link in found
            ],
        )
        for topic in weak
    ]
    return reviewed, review


def _question(
    question: dict,
    grade: Grade,
    number: int,
    lang: str,
    labels: Labels,
    found: dict[str, ManualLink],
    hrefs: dict[str, str],
) -> Reviewed:
    fmt = question.get("format")
    choice = grade.type in CHOICE_TYPES

    def inline(value) -> Markup:
        return rich(in_lang(value, lang), fmt, inline=True)

    parts = []
    for part in grade.feedback:
        if choice and (part.get("selected") or part.get("correct")):
            parts.append(
                Part(
                    css="feedback correct" if part.get("correct") else "feedback incorrect",
                    label=labels.yours if part.get("selected") else labels.correct,
                    answer_html=inline(part.get("text")),
                    feedback_html=inline(part.get("feedback")),
                )
            )
        elif not choice and part.get("feedback"):
            parts.append(Part(css="feedback", feedback_html=inline(part["feedback"])))
    steps = [
        Step(
            css=_STEP_CSS[
                "critical" if step.get("critical") else "points" if step.get("points") else "none"
            ],
            stem_html=inline(step.get("stem")),
            choice_html=inline(step.get("text")),
            consequence_html=rich(in_lang(step.get("consequence"), lang), fmt),
            critical=bool(step.get("critical")),
        )
        for step in grade.path
    ]
    # Shown for a question that lost points, unless its options already mark the right ones.
    shows_answer = grade.status != CORRECT and not choice
    correct_answer = get_type(grade.type).correct_answer(question) if shows_answer else None
    return Reviewed(
        heading=labels.question % {"n": number},
        badge=labels.badges.get(grade.status, labels.incorrect),
        points=f"{grade.score:g} / {grade.max_score:g}",
        stem_html=rich(in_lang(question.get("stem"), lang), fmt),
        parts=parts,
        steps=steps,
        correct_answer=in_lang(correct_answer, lang),
        reviewer_comment=grade.reviewer_comment,
        explanation_html=rich(in_lang(question.get("explanation"), lang), fmt),
        general_feedback_html=rich(in_lang(question.get("general_feedback"), lang), fmt),
        links=[
            Link(
                hrefs[link],
                labels.in_manual % {"title": found[link].title}
                if found[link].title
                else labels.read_manual,
            )
            for link in grade.manual
            if link in found
        ],
    )
