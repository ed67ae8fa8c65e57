"""Weak topics and trends: figures, scope, charts, on both databases."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.helpers import login_as
from tests.report_data import record_attempt
from trainer.db import utcnow
from trainer.models import Quiz, User
from trainer.reports import service
from trainer.reports.scope import report_scope


def _history(session, people):
    """cashier (S1): two first attempts' worth of answers; cashier2 (S2): one attempt.

    b-void-single is tagged C1 and timing, b-rerun-truefalse C5, b-void-multiple C1, records.
    S1 first attempt: single wrong, truefalse right, multiple half right (wrong: not full).
    S1 second attempt (not counted: not a first attempt): everything wrong.
    S2 first attempt: single right, truefalse wrong, multiple right.
    """
    quiz = session.scalar(select(Quiz).where(Quiz.slug == "no-essay"))
    cashier = session.get(User, people["cashier"].user.id)
    cashier2 = session.get(User, people["cashier2"].user.id)
    when = utcnow() - timedelta(days=3)
    record_attempt(
        session,
        cashier,
        quiz,
        [
            ("b-void-single", 0, 1, {"choice": "b"}),
            ("b-rerun-truefalse", 1, 1, {"value": False}),
            ("b-void-multiple", 1, 2, {"choices": ["a"]}),
        ],
        submitted_at=when,
    )
    record_attempt(
        session,
        cashier,
        quiz,
        [
            ("b-void-single", 0, 1, {"choice": "b"}),
            ("b-rerun-truefalse", 0, 1, {"value": True}),
            ("b-void-multiple", 0, 2, {"choices": ["c"]}),
        ],
        number=2,
        submitted_at=when,
    )
    record_attempt(
        session,
        cashier2,
        quiz,
        [
            ("b-void-single", 1, 1, {"choice": "a"}),
            ("b-rerun-truefalse", 0, 1, {"value": True}),
            ("b-void-multiple", 2, 2, {"choices": ["a", "b"]}),
        ],
        submitted_at=when,
    )
    return quiz


def test_weak_topics_count_first_attempts_per_store_and_tag(session, people, stores, content):
    _history(session, people)
    admin = session.get(User, people["admin"].user.id)
    table = service.weak_topics(session, report_scope(session, admin)).table
    s1, s2 = stores["S1"].id, stores["S2"].id
    tally = {key: (c.answered, c.wrong) for key, c in table.cells.items()}
    assert tally[(s1, "C1")] == (2, 2)  # single wrong + multiple not full marks
    assert tally[(s1, "C5")] == (1, 0)
    assert tally[(s2, "C1")] == (2, 0)
    assert tally[(s2, "C5")] == (1, 1)
    assert tally[(s1, "records")] == (1, 1)
    assert (table.topics["C1"].answered, table.topics["C1"].wrong) == (4, 2)
    assert table.manual["C5"] == "basics/02-after-a-timeout#check-last-transaction"
    assert table.manual["C1"] == "basics/01-void-or-refund#check-the-batch"

    supervisor = session.get(User, people["supervisor"].user.id)
    mine = service.weak_topics(session, report_scope(session, supervisor)).table
    assert {store for store, _tag in mine.cells} == {s1}


def test_weak_topics_page(app, client, session, people, content):
    _history(session, people)
    login_as(client, people["supervisor"])
    html = client.get("/reports/weak-topics").get_data(as_text=True)
    assert "Overcharge found before settlement" in html  # a case by its situation
    assert "Re-teach: " in html and "/courses/basics/01-void-or-refund#check-the-batch" in html
    assert "heat-5" in html  # S1's C1: 100 % wrong
    assert "S2" not in html.split("By store and topic")[1]
    assert client.get("/reports/weak-topics?store=S2").status_code == 404


def test_trends_page_draws_accessible_svg(client, session, people, content):
    _history(session, people)
    login_as(client, people["compliance"])
    page = client.get("/reports/trends")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg"') == 3  # all, S1, S2
    assert 'role="img" aria-labelledby="trend-all-title trend-all-desc"' in html
    # 50 %, 0 % and 75 %: none passed (pass mark 80), mean 41.7 %.
    assert "pass rate 0%, average score 41.7%" in html
    assert "<script" not in html.split("<main")[1].split("</main>")[0]
    assert client.get("/reports/trends?store=NOPE").status_code == 404


def test_figures_are_kept_for_a_while_and_say_when(app, client, session, people, content):
    quiz = _history(session, people)
    login_as(client, people["compliance"])
    first = client.get("/reports/trends").get_data(as_text=True)
    assert "Figures as of" in first
    cashier = session.get(User, people["cashier"].user.id)
    record_attempt(session, cashier, quiz, [("b-void-single", 1, 1, {"choice": "a"})], number=3)
    assert "average score 41.7%" in client.get("/reports/trends").get_data(as_text=True)
    app.config["REPORT_CACHE_SECONDS"] = 0
    # 50, 0, 75 and now 100: one of four passed.
    assert "pass rate 25%, average score 56.2%" in client.get("/reports/trends").get_data(
        as_text=True
    )


def test_pages_in_chinese(client, session, people, content):
    _history(session, people)
    session.get(User, people["supervisor"].user.id).language = "zh"
    session.commit()
    login_as(client, people["supervisor"])
    weak = client.get("/reports/weak-topics").get_data(as_text=True)
    assert "团队最常出错的地方" in weak and "结算前发现多收" in weak
    trends = client.get("/reports/trends").get_data(as_text=True)
    assert "通过率" in trends and "平均分" in trends
    items = client.get("/reports/items/no-essay?attempts=all").get_data(as_text=True)
    assert "区分度" in items and "撤销这笔交易" in items


def test_many_stores_get_a_table_and_pages(client, session, people, content, monkeypatch):
    from trainer.reports import views

    _history(session, people)
    monkeypatch.setattr(views, "CHARTS_UP_TO", 1)
    monkeypatch.setattr(views, "HEAT_PAGE", 1)
    login_as(client, people["compliance"])
    html = client.get("/reports/trends").get_data(as_text=True)
    assert html.count("<svg") == 1 and "Choose a store above to see its chart." in html
    assert '<a href="/reports/trends?store=S2">S2</a>' in html
    first = client.get("/reports/weak-topics").get_data(as_text=True)
    second = client.get("/reports/weak-topics?page=2&days=365").get_data(as_text=True)
    heat = [page.split("By store and topic")[1].split("</table>")[0] for page in (first, second)]
    assert "S1" in heat[0] and "S2" not in heat[0]
    assert "S2" in heat[1] and "S1" not in heat[1]
