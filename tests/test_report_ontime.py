"""Completed on time per month and store (the trends report), on hand-worked data.

Cashier (S1) and cashier2 (S2) joined long ago. With M1 the previous month and M2 the one
before it:

==  ======================================  ==========================================  =======
    assignment                              what happened                               on time
==  ======================================  ==========================================  =======
A1  basics-quiz to cashier, due M1-10       passed M1-08                                yes
A2  basics-quiz to cashier2, due M1-10      passed M1-12                                no
A3  course basics to store S1, due M2-10    certificate M2-05, expired M2-09            no
A4  course basics to store S2, due M2-10    certificate M2-01, no expiry                yes
A5  basics-quiz to cashier, due M1-20       cancelled                                   -
A6  basics-quiz to cashier2, due in 5 days  not due yet                                 -
==  ======================================  ==========================================  =======

So S1: M1 1/1, M2 0/1; S2: M1 0/1, M2 1/1; all stores: M1 1/2, M2 1/2 (50 %).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.helpers import login_as
from tests.test_certificates import _passed_attempt
from trainer.certificates import service as certificates
from trainer.courses.importer import import_tree
from trainer.domain.tracking import OnTime, Span, met_on
from trainer.models import Assignment, Course, User
from trainer.reports.service import months_back
from trainer.tracking import kept, ontime
from trainer.tracking.service import today


def _month(offset: int) -> tuple[int, int]:
    key = months_back(today(), offset + 1)[0]
    return int(key[:4]), int(key[5:])


def _day(offset: int, day: int) -> date:
    return date(*_month(offset), day)


def _moment(offset: int, day: int) -> datetime:
    return datetime(*_month(offset), day, 4, 0, tzinfo=UTC)  # midday in Shanghai


@pytest.fixture
def hand_worked(app, session, people, stores):
    from tests.test_certificates import FIXTURE

    import_tree(app, FIXTURE)
    course = session.scalar(select(Course).where(Course.code == "basics"))
    cashier = session.get(User, people["cashier"].user.id)
    cashier2 = session.get(User, people["cashier2"].user.id)
    for person in (cashier, cashier2):
        person.created_at = _moment(11, 1)
    long_ago = _moment(3, 1)

    def assignment(kind, ref, due, *, user=None, store=None, cancelled=False):
        session.add(
            Assignment(
                kind=kind,
                ref=ref,
                due_on=due,
                user_id=user.id if user else None,
                store_id=store.id if store else None,
                created_at=long_ago,
                cancelled_at=long_ago if cancelled else None,
            )
        )

    assignment("quiz", "basics-quiz", _day(1, 10), user=cashier)
    assignment("quiz", "basics-quiz", _day(1, 10), user=cashier2)
    assignment("course", "basics", _day(2, 10), store=stores["S1"])
    assignment("course", "basics", _day(2, 10), store=stores["S2"])
    assignment("quiz", "basics-quiz", _day(1, 20), user=cashier, cancelled=True)
    assignment("quiz", "basics-quiz", today() + timedelta(days=5), user=cashier2)
    _passed_attempt(session, cashier, "basics-quiz", when=_moment(1, 8))
    _passed_attempt(session, cashier2, "basics-quiz", when=_moment(1, 12))
    version = course.current_version
    expired = certificates.issue(
        session, cashier, course, version, score=90, issued_at=_moment(2, 5)
    )
    expired.expires_at = _moment(2, 9)
    kept = certificates.issue(session, cashier2, course, version, score=95, issued_at=_moment(2, 1))
    kept.expires_at = None
    session.commit()
    return stores


def _key(offset: int) -> str:
    year, month = _month(offset)
    return f"{year:04d}-{month:02d}"


def _figures(by_month) -> dict[str, tuple[int, int]]:
    return {m: (t.on_time, t.due) for m, t in by_month.items()}


def test_on_time_figures_per_store_and_in_total(session, hand_worked):
    stores = hand_worked
    m1, m2 = _key(1), _key(2)
    kept.refresh(session)
    report = ontime.on_time_report(session, None, months_back(today(), 12))
    assert _figures(report.total) == {m1: (1, 2), m2: (1, 2)}
    assert report.total[m1].percent == pytest.approx(50.0)
    assert _figures(report.stores[stores["S1"].id]) == {m1: (1, 1), m2: (0, 1)}
    assert _figures(report.stores[stores["S2"].id]) == {m1: (0, 1), m2: (1, 1)}
    only_s1 = ontime.on_time_report(session, {stores["S1"].id}, months_back(today(), 12))
    assert _figures(only_s1.total) == {m1: (1, 1), m2: (0, 1)}
    assert set(only_s1.stores) == {stores["S1"].id}
    outside = ontime.on_time_report(session, None, [m1])  # months outside the chart are left out
    assert _figures(outside.total) == {m1: (1, 2)}


def test_on_time_rules():
    due = date(2026, 3, 10)
    assert met_on(due, [Span(date(2026, 3, 10))])  # met on the due day itself
    assert not met_on(due, [Span(date(2026, 3, 11))])
    assert not met_on(due, [Span(date(2026, 3, 1), date(2026, 3, 10))])  # expired that day
    assert met_on(due, [Span(date(2026, 3, 1), date(2026, 3, 11))])
    assert OnTime(due=2, on_time=1).percent == 50.0
    assert OnTime().percent is None  # nothing fell due


def test_trends_page_draws_and_tabulates_on_time(app, client, session, people, hand_worked):
    login_as(client, people["compliance"])
    html = client.get("/reports/trends").get_data(as_text=True)
    assert "Completed on time" in html
    assert "completed on time 50%" in html  # the chart's description
    assert '50% <span class="muted">(1 of 2)</span>' in html  # the data table
    login_as(client, people["supervisor"])  # S1 only: 1 of 1, then 0 of 1
    html = client.get("/reports/trends").get_data(as_text=True)
    assert '100% <span class="muted">(1 of 1)</span>' in html
    assert '0% <span class="muted">(0 of 1)</span>' in html
    zh = app.test_client()
    login_as(zh, people["compliance"])
    session.get(User, people["compliance"].user.id).language = "zh"
    session.commit()
    html = zh.get("/reports/trends").get_data(as_text=True)
    assert "按时完成 50%" in html and "2 项中 1 项" in html
