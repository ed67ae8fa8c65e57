"""Every report page and export runs the same number of SQL statements on small and larger data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, select

from tests.helpers import login_as
from tests.report_data import record_attempt
from tests.test_quizzes import import_quiz_content
from trainer.admin.service import create_user
from trainer.certificates import service as certificates
from trainer.models import Assignment, Course, Quiz, Role, Store, User
from trainer.tracking import kept
from trainer.tracking.service import today

PAGES = [
    "/reports/weak-topics",
    "/reports/trends",
    "/reports/items",
    "/reports/items/no-essay?attempts=all",
    "/reports/items/no-essay/export?format=csv",
    "/reports/items/no-essay/export?format=xlsx",
    "/reports/gaps?course=basics&reason=never&reason=ok&reason=expiring",
    "/reports/gaps/export?course=basics&format=csv",
    "/reports/gaps/export?course=basics&format=xlsx",
    "/certificates/manage?expiring=30",
]


@pytest.fixture
def app_config():
    return {"REPORT_CACHE_SECONDS": 0}  # count what a page costs when it computes


def _add_people(session, count: int, offset: int) -> None:
    """``count`` cashiers over the stores, each with two attempts and a certificate."""
    quiz = session.scalar(select(Quiz).where(Quiz.slug == "no-essay"))
    course = session.scalar(select(Course).where(Course.code == "basics"))
    stores = list(session.scalars(select(Store)))
    for i in range(offset, offset + count):
        user = create_user(
            session,
            username=f"more{i}",
            name=f"More {i}",
            role=Role.CASHIER,
            stores=[stores[i % len(stores)]],
            password=f"pw-more{i}-long-enough",
        ).user
        session.commit()
        for number in (1, 2):
            record_attempt(
                session,
                user,
                quiz,
                [
                    ("b-void-single", number - 1, 1, {"choice": "ab"[number - 1]}),
                    ("b-void-multiple", 2, 2, {"choices": ["a", "b"]}),
                    ("b-rerun-truefalse", 1, 1, {"value": False}),
                ],
                number=number,
            )
        certificates.issue(session, user, course, course.current_version, score=90.0)
        for kind, ref in (("quiz", "no-essay"), ("course", "basics")):  # on time, or not
            session.add(
                Assignment(kind=kind, ref=ref, due_on=today() - timedelta(days=3), user_id=user.id)
            )
        session.commit()


def _counts(app, client) -> dict[str, int]:
    counted = {"n": 0}

    def count(*_args):
        counted["n"] += 1

    # The trends page first decides again whoever a change marked (trainer.tracking.kept; its
    # statements are counted in tests/test_tracking_pages.py): count the page's own.
    with app.app_context():
        session = app.extensions["sessionmaker"]()
        kept.refresh(session)
        session.commit()
        session.close()
    engine = app.extensions["engine"]
    event.listen(engine, "before_cursor_execute", count)
    out = {}
    try:
        for url in PAGES:
            # Manual-link titles are kept per content revision once looked up: count every
            # page cold, so both runs read them (one statement) and compare like with like.
            app.extensions.pop("trainer.manual_links", None)
            counted["n"] = 0
            response = client.get(url)
            response.get_data()
            assert response.status_code == 200, url
            out[url] = counted["n"]
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return out


@pytest.mark.parametrize("who", ["supervisor", "compliance"])
def test_statements_do_not_grow_with_the_data(app, tmp_path, session, people, who):
    import_quiz_content(app, tmp_path, session, people)
    session.add(Store(code="S3", name="Store S3"))
    session.commit()
    supervisor = session.get(User, people["supervisor"].user.id)
    supervisor.stores.append(session.scalar(select(Store).where(Store.code == "S3")))
    session.commit()
    _add_people(session, 2, 0)
    client = app.test_client()
    login_as(client, people[who])
    small = _counts(app, client)
    _add_people(session, 12, 2)
    larger = _counts(app, client)
    assert larger == small
    assert all(2 <= n <= 12 for n in small.values()), small
