"""A learner's own pages say where they stand and what to do next (issue #16, cashier).

The start page, the course page and the quiz list all read trainer.tracking.standing, the facts
the team matrix reads too; each state is checked here in both languages.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, select

from tests.helpers import login_as
from tests.test_certificates import _acknowledge, _passed_attempt
from tests.test_drills import drill_content  # noqa: F401 (fixture)
from tests.test_tracking_pages import _failed_attempt
from trainer.certificates.service import issue
from trainer.courses.importer import import_tree
from trainer.db import utcnow
from trainer.models import Course, LessonRead, User

FIXTURE = __import__("pathlib").Path(__file__).parent / "fixtures" / "content"

# What each language prints for the states and steps checked below.
WORDS = {
    "en": {
        "not_started": "Not started",
        "lessons": "1 of 2 lessons read",
        "next_read": "read every lesson (1 of 2 done).",
        "next_confirm": "confirm that you have read and understood the manual.",
        "next_quiz": "pass the quiz “Till basics quiz” at 80%.",
        "retake": "You can retake it from",
        "retake_cell": "retake from",
        "quiz_requirement": "Pass the quiz “Till basics quiz” at 80%",
        "failed": "Failed",
        "left": "2 attempts left",
        "none_left": "no attempts left",
        "ask": "You have no attempts left: ask your supervisor.",
        "passed": "Passed",
        "valid_until": "valid until",
        "expiring": "Expiring",
        "expired": "Expired",
        "revoked": "Revoked",
        "renew": "again to renew your certificate.",
        "drill": "pass the drill “Drill: a timeout”",
        "continue": "Continue reading",
        "requirements": "What earns the certificate",
        "allowed": "3 attempts allowed",
    },
    "zh": {
        "not_started": "未开始",
        "lessons": "已读 1/2 课",
        "next_read": "读完每一课（已读 1/2）。",
        "next_confirm": "确认已阅读并理解本手册。",
        "next_quiz": "通过测验“收银基础测验”（及格线 80%）。",
        "retake": "起可以重考。",
        "retake_cell": "起可重考",
        "quiz_requirement": "通过测验“收银基础测验”（及格线 80%）",
        "failed": "失败",
        "left": "还剩 2 次机会",
        "none_left": "已无考试机会",
        "ask": "你已没有考试机会，请联系主管。",
        "passed": "已通过",
        "valid_until": "有效期至",
        "expiring": "即将过期",
        "expired": "已过期",
        "revoked": "已吊销",
        "renew": "以续期证书。",
        "drill": "通过演练“演练：超时”",
        "continue": "继续阅读",
        "requirements": "怎样取得证书",
        "allowed": "共 3 次机会",
    },
}


@pytest.fixture
def course(app, session):
    import_tree(app, FIXTURE)
    return session.scalar(select(Course).where(Course.code == "basics"))


@pytest.fixture(params=["en", "zh"])
def lang(request):
    return request.param


def _cashier(session, people, lang) -> User:
    user = session.get(User, people["cashier"].user.id)
    user.language = lang
    session.commit()
    return user


def _pages(app, people) -> dict[str, str]:
    client = app.test_client()
    login_as(client, people["cashier"])
    return {
        url: client.get(url).get_data(as_text=True)
        for url in ("/", "/courses/", "/courses/basics/", "/quizzes/", "/certificates/")
    }


def _read(session, user, course, slugs=("01-void-or-refund", "02-after-a-timeout")):
    for slug in slugs:
        session.add(LessonRead(user_id=user.id, course_id=course.id, lesson_slug=slug))
    session.commit()


def _certified(session, user, course, **changes):
    certificate = issue(session, user, course, course.current_version, score=90.0)
    for name, value in changes.items():
        setattr(certificate, name, value)
    session.commit()
    return certificate


def test_not_started(app, session, people, course, lang):
    _cashier(session, people, lang)
    w = WORDS[lang]
    pages = _pages(app, people)
    assert w["not_started"] in pages["/"]
    assert 'data-step="read"' in pages["/"] and 'data-step="read"' in pages["/courses/basics/"]
    assert w["requirements"] in pages["/courses/basics/"]
    assert w["quiz_requirement"] in pages["/courses/basics/"]
    assert w["allowed"] in pages["/quizzes/"]
    assert 'data-standing="not_started"' in pages["/quizzes/"]


def test_reading_then_all_read(app, session, people, course, lang):
    user = _cashier(session, people, lang)
    w = WORDS[lang]
    _read(session, user, course, ["01-void-or-refund"])
    pages = _pages(app, people)
    for url in ("/", "/courses/basics/"):
        assert w["lessons"] in pages[url] and w["next_read"] in pages[url]
    assert w["continue"] in pages["/courses/basics/"]
    _read(session, user, course, ["02-after-a-timeout"])
    pages = _pages(app, people)
    for url in ("/", "/courses/basics/"):
        assert w["next_confirm"] in pages[url]
    assert w["continue"] not in pages["/courses/basics/"]  # nothing left to read


def test_failed_with_a_cool_down_then_attempts_exhausted(app, session, people, course, lang):
    user = _cashier(session, people, lang)
    w = WORDS[lang]
    _read(session, user, course)
    _acknowledge(session, user, course)
    session.commit()
    _failed_attempt(app, people)  # submitted now: the 30-minute cool-down runs
    pages = _pages(app, people)
    for url in ("/", "/courses/", "/courses/basics/"):
        assert w["next_quiz"] in pages[url] and w["retake"] in pages[url]
    assert w["failed"] in pages["/quizzes/"] and w["left"] in pages["/quizzes/"]
    assert w["retake_cell"] in pages["/quizzes/"]
    long_ago = utcnow() - timedelta(days=1)
    for _ in range(2):
        _passed_attempt(session, user, "basics-quiz", percent=50.0, when=long_ago)
    session.commit()
    pages = _pages(app, people)
    assert w["none_left"] in pages["/quizzes/"]
    for url in ("/", "/courses/basics/"):
        assert w["ask"] in pages[url]


def test_passed_and_certified(app, session, people, course, lang):
    user = _cashier(session, people, lang)
    w = WORDS[lang]
    _read(session, user, course)
    _acknowledge(session, user, course)
    _passed_attempt(session, user, "basics-quiz", percent=90.0)
    _certified(session, user, course)
    pages = _pages(app, people)
    for url in ("/", "/courses/basics/"):
        assert 'data-standing="passed"' in pages[url] and w["valid_until"] in pages[url]
        assert "data-step=" not in pages[url]  # nothing to do
    assert w["passed"] in pages["/quizzes/"] and "90%" in pages["/quizzes/"]


@pytest.mark.parametrize(
    "state,changes",
    [
        ("expiring", {"expires_at": utcnow() + timedelta(days=10)}),
        ("expired", {"expires_at": utcnow() - timedelta(days=2)}),
        ("revoked", {"revoked_at": utcnow() - timedelta(days=1)}),
    ],
)
def test_certificate_expiring_expired_revoked_says_how_to_renew(
    app, session, people, course, lang, state, changes
):
    user = _cashier(session, people, lang)
    w = WORDS[lang]
    _read(session, user, course)
    _acknowledge(session, user, course)
    _passed_attempt(session, user, "basics-quiz", percent=90.0, when=utcnow() - timedelta(days=400))
    _certified(session, user, course, **changes)
    pages = _pages(app, people)
    for url in ("/", "/courses/basics/"):
        assert f'data-standing="{state}"' in pages[url] and w[state] in pages[url]
    for url in ("/", "/courses/basics/", "/certificates/"):
        # The old pass does not renew it: the quiz again.
        assert 'data-step="quiz"' in pages[url] and w["renew"] in pages[url]
    # The supervisor's page about the cashier reads the same standing.
    supervisor = app.test_client()
    login_as(supervisor, people["supervisor"])
    person = supervisor.get(f"/people/{user.id}").get_data(as_text=True)
    assert f'data-standing="{state}"' in person


def test_a_required_drill_not_passed_is_the_next_step(
    app,
    session,
    people,
    drill_content,  # noqa: F811
    lang,
):
    course = session.scalar(select(Course).where(Course.code == "basics"))
    user = _cashier(session, people, lang)
    w = WORDS[lang]
    _read(session, user, course)
    _acknowledge(session, user, course)
    _passed_attempt(session, user, "basics-quiz", percent=90.0)
    session.commit()
    pages = _pages(app, people)
    for url in ("/", "/courses/basics/"):
        assert 'data-step="drill"' in pages[url] and w["drill"] in pages[url]
    assert 'data-requirement="drill:till-drill"' in pages["/courses/basics/"]


def test_the_learner_pages_issue_a_fixed_number_of_statements(app, session, people, course):
    """More courses read, attempts and certificates do not add statements to these pages."""
    client = app.test_client()
    login_as(client, people["cashier"])
    counted = {"n": 0}

    def count(*_args):
        counted["n"] += 1

    def statements(url):
        counted["n"] = 0
        event.listen(app.extensions["engine"], "before_cursor_execute", count)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(app.extensions["engine"], "before_cursor_execute", count)
        return counted["n"]

    urls = ["/", "/courses/", "/courses/basics/", "/quizzes/", "/certificates/"]
    small = [statements(url) for url in urls]
    user = session.get(User, people["cashier"].user.id)
    _read(session, user, course)
    _acknowledge(session, user, course)
    for percent in (50.0, 60.0, 90.0):
        _passed_attempt(session, user, "basics-quiz", percent=percent)
    _certified(session, user, course, expires_at=utcnow() - timedelta(days=1))
    _certified(session, user, course)
    assert [statements(url) for url in urls] == small
