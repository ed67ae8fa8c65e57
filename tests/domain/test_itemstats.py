"""Item statistics against figures worked out by hand (the sums are written out, not derived)."""

from __future__ import annotations

import pytest

from trainer.domain import itemstats
from trainer.domain.itemstats import ItemSums


def sums(pairs: list[tuple[float, float]], max_score: float = 1.0) -> ItemSums:
    """The sums the database would return for (item score, attempt total) pairs."""
    return ItemSums(
        n=len(pairs),
        max_score=max_score,
        sum_x=sum(x for x, _ in pairs),
        sum_xx=sum(x * x for x, _ in pairs),
        sum_y=sum(y for _, y in pairs),
        sum_yy=sum(y * y for _, y in pairs),
        sum_xy=sum(x * y for x, y in pairs),
    )


def test_facility_and_discrimination_of_a_good_item():
    # Items 1,1,0,0 on totals 5,4,2,3: the rest of the test is 4,3,2,3.
    # Deviations of x: .5,.5,-.5,-.5 (squares sum 1); of the rest (mean 3): 1,0,-1,0 (sum 2);
    # products sum to 1, so r = 1 / sqrt(1 * 2) = 0.7071.
    item = sums([(1, 5), (1, 4), (0, 2), (0, 3)])
    assert itemstats.facility(item) == pytest.approx(50.0)
    assert itemstats.discrimination(item) == pytest.approx(70.71, abs=0.01)
    # Sample variance 1/3: sd 0.5774 of a 1-point item.
    assert itemstats.item_sd(item) == pytest.approx(57.74, abs=0.01)


def test_negative_discrimination():
    # Items 0,0,1,1 on totals 5,4,2,3: the rest is 5,4,1,2 (mean 3, deviations 2,1,-2,-1,
    # squares 10); products with x's deviations sum to -3: r = -3 / sqrt(10) = -0.9487.
    item = sums([(0, 5), (0, 4), (1, 2), (1, 3)])
    assert itemstats.discrimination(item) == pytest.approx(-94.87, abs=0.01)


def test_partial_credit_on_a_two_point_item():
    # Scores 2,1,0 of 2 on totals 8,6,3: facility (3/3)/2 = 50 %. The rest is 6,5,3
    # (mean 14/3, deviations 4/3, 1/3, -5/3; squares 42/9); x deviations 1,0,-1 (squares 2);
    # products 4/3 + 5/3 = 3: r = 3 / sqrt(2 * 42/9) = 0.9820.
    item = sums([(2, 8), (1, 6), (0, 3)], max_score=2)
    assert itemstats.facility(item) == pytest.approx(50.0)
    assert itemstats.discrimination(item) == pytest.approx(98.20, abs=0.01)


def test_undefined_when_nothing_varies():
    everyone_right = sums([(1, 5), (1, 4), (1, 3)])
    assert itemstats.facility(everyone_right) == pytest.approx(100.0)
    assert itemstats.discrimination(everyone_right) is None
    assert itemstats.discrimination(sums([(1, 5)])) is None
    assert itemstats.facility(sums([])) is None


def test_flags_need_enough_answers():
    assert itemstats.flags(95.0, 10.0, 9) == ()
    assert itemstats.flags(95.0, 10.0, 10) == ("too_easy",)
    assert itemstats.flags(20.0, -5.0, 50) == ("too_hard", "negative_discrimination")
    assert itemstats.flags(60.0, 40.0, 50) == ()


def test_option_counts_per_type():
    single = {"type": "single", "options": [{"id": "a"}, {"id": "b"}, {"id": "c"}]}
    assert itemstats.option_counts(single, [("b", 3), ("a", 2), ("zz", 1)]) == [
        ("a", 2),
        ("b", 3),
        ("c", 0),
        ("zz", 1),
    ]
    multiple = {"type": "multiple", "options": [{"id": "a"}, {"id": "b"}]}
    assert itemstats.option_counts(multiple, [('["a", "b"]', 2), ('["b"]', 1), (None, 4)]) == [
        ("a", 2),
        ("b", 3),
    ]
    truefalse = {"type": "truefalse"}
    # SQLite hands booleans back as 1/0, PostgreSQL as 'true'/'false'.
    assert itemstats.option_counts(truefalse, [(1, 2), ("false", 5), (0, 1)]) == [
        ("true", 2),
        ("false", 6),
    ]
