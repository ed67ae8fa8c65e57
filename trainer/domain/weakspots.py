"""Weak topics: which cases and skills a team gets wrong on first attempts (pure Python).

The database counts, per store and question, the first-attempt answers and how many of them
were wrong (less than full marks: a partly right answer is still a procedure not yet known).
Here those counts are spread over the question's topics (its tags, see trainer.domain.topics):
a question tagged C14 and card-data-security counts for both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from trainer.domain import topics

#: A topic is listed among "what your team gets wrong most" with at least this many answers.
MIN_ANSWERS = 5


@dataclass
class Tally:
    """Answers and wrong answers."""

    answered: int = 0
    wrong: int = 0

    @property
    def rate(self) -> float | None:
        """Share of answers wrong, as a percentage (None without answers)."""
        return 100.0 * self.wrong / self.answered if self.answered else None


@dataclass
class TopicTable:
    """Tallies per (store id, topic) and per topic, and where to re-teach each topic."""

    cells: dict[tuple[int, str], Tally] = field(default_factory=dict)
    topics: dict[str, Tally] = field(default_factory=dict)
    manual: dict[str, str] = field(default_factory=dict)  # topic -> course/lesson#anchor

    def ranked(self, limit: int = 10) -> list[tuple[str, Tally]]:
        """Topics by share wrong, highest first (ties: more wrong answers first)."""
        enough = [(t, c) for t, c in self.topics.items() if c.answered >= MIN_ANSWERS]
        enough.sort(key=lambda tc: (-(tc[1].rate or 0), -tc[1].wrong, topic_order(tc[0])))
        return enough[:limit]

    def ordered_topics(self) -> list[str]:
        """Topics with answers in reading order: cases, emergencies, then skills."""
        return sorted(self.topics, key=topic_order)


_CODE = re.compile(r"([CD])(\d+)")


def topic_order(tag: str) -> tuple:
    """C1 … C20, then D1 … D7, then skills, then anything else alphabetically."""
    match = _CODE.fullmatch(tag)
    if match and topics.is_known(tag):
        return (0 if match.group(1) == "C" else 1, int(match.group(2)), tag)
    return (2 if tag in topics.SKILLS else 3, 0, tag)


def _first_link(manual: object) -> str | None:
    if isinstance(manual, str) and manual:
        return manual
    if isinstance(manual, list):
        return next((m for m in manual if isinstance(m, str) and m), None)
    return None


def tabulate(
    counts: Iterable[tuple[int, int, int, int]],
    questions: Mapping[int, tuple[list, object]],
) -> TopicTable:
    """Spread (store id, question id, answered, wrong) rows over the questions' tags.

    ``questions`` maps a question id to (tags, manual link or links). Each topic's manual link
    is that of the topic's question with the most wrong answers: the part of the manual the
    team needs again.
    """
    table = TopicTable()
    worst: dict[str, tuple[int, str]] = {}
    # Tens of thousands of rows at a large organisation: add into plain lists keyed by
    # tuples, with each question's tags deduplicated once, and make Tally objects at the end.
    tags_of = {qid: tuple(dict.fromkeys(tags or [])) for qid, (tags, _manual) in questions.items()}
    sums: dict[tuple[int, str], list[int]] = {}
    question_sums: dict[int, list[int]] = {}
    for store_id, question_id, answered, wrong in counts:
        acc = question_sums.setdefault(question_id, [0, 0])
        acc[0] += answered
        acc[1] += wrong
        for tag in tags_of.get(question_id, ()):
            acc = sums.get((store_id, tag))
            if acc is None:
                sums[(store_id, tag)] = [answered, wrong]
            else:
                acc[0] += answered
                acc[1] += wrong
    table.cells = {key: Tally(answered, wrong) for key, (answered, wrong) in sums.items()}
    per_question = {qid: Tally(answered, wrong) for qid, (answered, wrong) in question_sums.items()}
    for question_id, tally in per_question.items():
        tags, manual = questions.get(question_id, ([], None))
        link = _first_link(manual)
        for tag in dict.fromkeys(tags or []):
            total = table.topics.setdefault(tag, Tally())
            total.answered += tally.answered
            total.wrong += tally.wrong
            if link and tally.wrong > worst.get(tag, (-1, ""))[0]:
                worst[tag] = (tally.wrong, link)
    table.manual = {tag: link for tag, (_wrong, link) in worst.items()}
    return table


def heat_level(rate: float | None) -> int | None:
    """A colour step 0-5 for a share wrong (0: under 10 %, 5: 50 % or more)."""
    if rate is None:
        return None
    return min(5, int(rate // 10))
