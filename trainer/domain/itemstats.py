"""Item analysis: how each question of a quiz performed (pure Python, no Flask, no SQL).

The database hands over, per question, six sums over the attempts that answered it (see
:class:`ItemSums`); everything here is arithmetic on those sums, so the cost of a report does
not grow with the number of attempts once SQL has aggregated them.

Definitions (the ones Moodle's quiz statistics use, so figures can be compared):

* **Facility index** = mean item score / item maximum, as a percentage: the share of the
  marks that the people who saw the question got. High means easy.
* **Discrimination index** = Pearson correlation between the item score ``x`` and the score
  on the *rest of the test* ``r = total - x`` over the attempts that contained the item, as a
  percentage (-100 … 100). The item itself is left out of the total so that a question is not
  correlated with itself (Moodle's "discrimination index"; its "discriminative efficiency" is
  not computed here). Undefined (None) when either score does not vary or fewer than two
  attempts answered.

With Σx, Σx², Σy, Σy², Σxy (y = attempt total) the rest-of-test sums follow:
Σr = Σy − Σx, Σr² = Σy² − 2Σxy + Σx², Σxr = Σxy − Σx².
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from trainer.domain.messages import N_

#: Flags below; thresholds follow Moodle's guidance (facility 5–95 % is usable, 30–70 % is
#: best for telling people apart; a negative discrimination index means strong candidates got
#: the item wrong more often than weak ones: usually a wrong key or an ambiguous question).
TOO_EASY_ABOVE = 90.0
TOO_HARD_BELOW = 30.0
#: Fewer answers than this and no flag is raised: the figures would be noise.
MIN_ANSWERS_FOR_FLAGS = 10

FLAG_LABELS = {
    "too_easy": N_("Too easy"),
    "too_hard": N_("Too hard"),
    "negative_discrimination": N_("Negative discrimination"),
}


@dataclass(frozen=True)
class ItemSums:
    """Per question: attempts that contained it and the sums of item score x and total y."""

    n: int
    max_score: float  # the item's maximum (the largest seen, when versions differ)
    sum_x: float
    sum_xx: float
    sum_y: float
    sum_yy: float
    sum_xy: float


@dataclass(frozen=True)
class ItemFigures:
    """What the report shows for one question."""

    n: int
    facility: float | None  # percent
    discrimination: float | None  # percent, -100 … 100
    sd: float | None  # standard deviation of the item score, as % of its maximum
    flags: tuple[str, ...]


def facility(sums: ItemSums) -> float | None:
    """Mean item score as a percentage of the item's maximum."""
    if sums.n == 0 or sums.max_score <= 0:
        return None
    return 100.0 * sums.sum_x / (sums.n * sums.max_score)


def _correlation(n: int, sa: float, saa: float, sb: float, sbb: float, sab: float) -> float | None:
    var_a = n * saa - sa * sa
    var_b = n * sbb - sb * sb
    # Sums of floats: a constant score can leave a tiny negative or positive residue.
    if n < 2 or var_a <= 1e-9 * max(1.0, n * saa) or var_b <= 1e-9 * max(1.0, n * sbb):
        return None
    return (n * sab - sa * sb) / math.sqrt(var_a * var_b)


def discrimination(sums: ItemSums) -> float | None:
    """Correlation of the item score with the rest-of-test score, as a percentage."""
    sum_r = sums.sum_y - sums.sum_x
    sum_rr = sums.sum_yy - 2 * sums.sum_xy + sums.sum_xx
    sum_xr = sums.sum_xy - sums.sum_xx
    r = _correlation(sums.n, sums.sum_x, sums.sum_xx, sum_r, sum_rr, sum_xr)
    return None if r is None else 100.0 * max(-1.0, min(1.0, r))


def item_sd(sums: ItemSums) -> float | None:
    """Sample standard deviation of the item score, as a percentage of its maximum."""
    if sums.n < 2 or sums.max_score <= 0:
        return None
    variance = (sums.sum_xx - sums.sum_x * sums.sum_x / sums.n) / (sums.n - 1)
    return 100.0 * math.sqrt(max(0.0, variance)) / sums.max_score


def flags(fac: float | None, disc: float | None, n: int) -> tuple[str, ...]:
    """too_easy / too_hard / negative_discrimination, when there are enough answers."""
    if n < MIN_ANSWERS_FOR_FLAGS:
        return ()
    found = []
    if fac is not None and fac > TOO_EASY_ABOVE:
        found.append("too_easy")
    if fac is not None and fac < TOO_HARD_BELOW:
        found.append("too_hard")
    if disc is not None and disc < 0:
        found.append("negative_discrimination")
    return tuple(found)


def figures(sums: ItemSums) -> ItemFigures:
    """Facility, discrimination, spread and flags of one question."""
    fac, disc = facility(sums), discrimination(sums)
    return ItemFigures(sums.n, fac, disc, item_sd(sums), flags(fac, disc, sums.n))


def option_counts(question: dict, raw: list[tuple[object, int]]) -> list[tuple[str, int]]:
    """How often each option was chosen, in the question's own option order.

    ``raw`` holds (value, count) pairs grouped by the database: the ``choice`` of a single
    choice question, the ``choices`` list (as JSON text or a list) of a multiple choice one,
    the ``value`` of a true/false one (SQLite gives 1/0, PostgreSQL 'true'/'false'). Options
    that no stored response chose are listed with 0; a value that is not an option of this
    version (an older version's option) is listed after them as written.
    """
    import json

    kind = question.get("type")
    if kind == "truefalse":
        ids = ["true", "false"]
    else:
        ids = [str(o.get("id")) for o in question.get("options") or []]
    counts: dict[str, int] = dict.fromkeys(ids, 0)

    def add(value: object, count: int) -> None:
        if value is None or value == "":
            return
        key = str(value)
        counts[key] = counts.get(key, 0) + count

    for value, count in raw:
        if kind == "multiple":
            chosen = value
            if isinstance(value, str):
                try:
                    chosen = json.loads(value)
                except ValueError:
                    chosen = [value]
            for option in chosen if isinstance(chosen, list) else []:
                add(option, count)
        elif kind == "truefalse":
            if value in (1, True, "1", "true", "True"):
                add("true", count)
            elif value in (0, False, "0", "false", "False"):
                add("false", count)
        else:
            add(value, count)
    return list(counts.items())
