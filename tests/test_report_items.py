"""Item analysis through the page and the service, on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.helpers import login_as
from tests.report_data import record_attempt
from trainer.db import utcnow
from trainer.models import Quiz, User
from trainer.reports.items import item_analysis
from trainer.reports.scope import report_scope


def _quiz(session) -> Quiz:
    return session.scalar(select(Quiz).where(Quiz.slug == "no-essay"))


def _four_attempts(session, people):
    """The hand-worked example of tests/domain/test_itemstats.py, as real attempts.

    b-void-single scores 1,1,0,0 on attempt totals 5,4,2,3 (the other points come from a
    2-point multiple choice and two more 1-point questions).
    """
    quiz = _quiz(session)
    cashier = session.get(User, people["cashier"].user.id)
    cashier2 = session.get(User, people["cashier2"].user.id)
    right, wrong = {"choice": "a"}, {"choice": "b"}
    rows = [
        (
            cashier,
            1,
            [
                ("b-void-single", 1, 1, right),
                ("b-void-multiple", 2, 2, {"choices": ["a", "b"]}),
                ("b-rerun-truefalse", 1, 1, {"value": False}),
                ("b-void-short", 1, 1, None),
            ],
        ),
        (
            cashier2,
            1,
            [
                ("b-void-single", 1, 1, right),
                ("b-void-multiple", 2, 2, {"choices": ["a", "b"]}),
                ("b-rerun-truefalse", 1, 1, {"value": False}),
                ("b-void-short", 0, 1, None),
            ],
        ),
        (
            cashier,
            2,
            [
                ("b-void-single", 0, 1, wrong),
                ("b-void-multiple", 1, 2, {"choices": ["a"]}),
                ("b-rerun-truefalse", 1, 1, {"value": False}),
                ("b-void-short", 0, 1, None),
            ],
        ),
        (
            cashier2,
            2,
            [
                ("b-void-single", 0, 1, wrong),
                ("b-void-multiple", 2, 2, {"choices": ["a", "b"]}),
                ("b-rerun-truefalse", 0, 1, {"value": True}),
                ("b-void-short", 1, 1, None),
            ],
        ),
    ]
    for user, number, items in rows:
        record_attempt(
            session,
            user,
            quiz,
            items,
            number=number,
            submitted_at=utcnow() - timedelta(days=10 - number),
        )
    return quiz


def test_item_analysis_matches_the_hand_worked_figures(session, people, content):
    quiz = _four_attempts(session, people)
    admin = session.get(User, people["admin"].user.id)
    report = item_analysis(session, quiz, report_scope(session, admin), first_only=False)
    assert report.attempts == 4
    by_qid = {row.qid: row for row in report.rows}
    single = by_qid["b-void-single"]
    assert single.figures.n == 4
    assert single.figures.facility == pytest.approx(50.0)
    assert single.figures.discrimination == pytest.approx(70.71, abs=0.01)
    assert [(o.id, o.count, o.correct) for o in single.options] == [("a", 2, True), ("b", 2, False)]
    multiple = by_qid["b-void-multiple"]
    assert multiple.figures.facility == pytest.approx(87.5)  # 7 of 8 points
    assert [(o.id, o.count) for o in multiple.options] == [("a", 4), ("b", 3), ("c", 0)]
    truefalse = by_qid["b-rerun-truefalse"]
    assert [(o.id, o.count, o.correct) for o in truefalse.options] == [
        ("true", 1, False),
        ("false", 3, True),
    ]
    assert by_qid["b-void-short"].options == []

    first = item_analysis(session, quiz, report_scope(session, admin), first_only=True)
    assert first.attempts == 2
    assert {r.qid: r.figures.facility for r in first.rows}["b-void-single"] == pytest.approx(100)


def test_item_analysis_page_scoped_to_the_supervisors_store(app, client, session, people, content):
    quiz = _four_attempts(session, people)
    login_as(client, people["supervisor"])
    page = client.get(f"/reports/items/{quiz.slug}?attempts=all")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "2 graded attempts" in html  # only cashier's (store S1)
    assert "Void the sale" in html
    assert client.get(f"/reports/items/{quiz.slug}?store=S2").status_code == 404
    assert client.get(f"/reports/items/{quiz.slug}?store=S1").status_code == 200
    assert client.get("/reports/items/no-such-quiz").status_code == 404
    client = app.test_client()
    login_as(client, people["compliance"])
    html = client.get(f"/reports/items/{quiz.slug}?attempts=all").get_data(as_text=True)
    assert "4 graded attempts" in html


def test_item_analysis_exports(client, session, people, content):
    import csv
    import io

    from openpyxl import load_workbook

    quiz = _four_attempts(session, people)
    login_as(client, people["compliance"])
    text = client.get(f"/reports/items/{quiz.slug}/export?attempts=all").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    single = next(r for r in rows if r["Question ID"] == "b-void-single")
    assert single["Facility (%)"] == "50.0" and single["Discrimination"] == "70.7"
    assert single["Options chosen"] == "✓ Void the sale: 2; Refund the sale: 2"
    data = client.get(f"/reports/items/{quiz.slug}/export?attempts=first&format=xlsx").get_data()
    values = list(load_workbook(io.BytesIO(data)).active.values)
    assert values[0][0] == "Question ID"
    assert {v[0]: v[5] for v in values[1:]}["b-void-single"] == 100
