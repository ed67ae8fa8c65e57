"""The daily reminder run: recertification, due-soon and overdue reminders once each, e-mail."""

from __future__ import annotations

import socket
import threading
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from tests.helpers import login_as
from tests.test_certificates import FIXTURE, _acknowledge, _passed_attempt
from tests.test_tracking_pages import assign
from trainer import jobs
from trainer.certificates.service import check_and_issue, local_day
from trainer.courses.importer import import_tree
from trainer.db import utcnow
from trainer.domain.tracking import State
from trainer.models import Assignment, Certificate, Course, Job, Notification, User
from trainer.tracking import matrix, reminders, service


class _Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], str]] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls it by this name
        self.messages.append(
            (envelope.mail_from, list(envelope.rcpt_tos), envelope.content.decode("utf-8"))
        )
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def smtp():
    """A real SMTP server on localhost for the module's tests."""
    inbox = _Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.url = f"smtp://127.0.0.1:{port}?from=trainer@example.test"
    yield inbox
    controller.stop()


@pytest.fixture
def app_config(smtp):
    return {"SMTP_URL": smtp.url}


@pytest.fixture
def course(app, session):
    import_tree(app, FIXTURE)
    return session.scalar(select(Course).where(Course.code == "basics"))


def _cashier(session, people, name="cashier", email="cashier@example.test"):
    user = session.get(User, people[name].user.id)
    user.email = email
    session.commit()
    return user


def _notices(session, kind=None):
    query = select(Notification.user_id, Notification.kind)
    if kind:
        query = query.where(Notification.kind == kind)
    return session.execute(query.order_by(Notification.id)).all()


def test_due_soon_then_overdue_each_once_with_one_email(app, session, people, course, smtp):
    smtp.messages.clear()
    cashier = _cashier(session, people)
    supervisor = session.get(User, people["supervisor"].user.id)
    today = service.today()
    assign(session, supervisor, "course:basics", 2, people=[cashier])
    with app.app_context():
        first = reminders.run(session, today)
        again = reminders.run(session, today)
    # The new assignment's notice and the due-soon reminder, one e-mail each.
    assert (first.due_soon, first.overdue, first.emailed) == (1, 0, 2)
    assert (again.due_soon, again.overdue, again.emailed) == (0, 0, 0)
    assert len(smtp.messages) == 2
    sender, to, body = smtp.messages[1]
    assert (sender, to) == ("trainer@example.test", ["cashier@example.test"])
    assert "Till basics" in body and "is due" in body
    assert "New assignment" in smtp.messages[0][2]
    with app.app_context():
        late = reminders.run(session, today + timedelta(days=3))
        late_again = reminders.run(session, today + timedelta(days=4))
    assert (late.overdue, late_again.overdue) == (1, 0)
    assert len(smtp.messages) == 3
    kinds = [kind for _u, kind in _notices(session)]
    assert kinds.count("due_soon") == 1 and kinds.count("overdue") == 1


def test_a_cashier_in_chinese_gets_chinese_mail(app, session, people, course, smtp):
    smtp.messages.clear()
    cashier = _cashier(session, people)
    cashier.language = "zh"
    assign(session, None, "course:basics", 0, people=[cashier])
    with app.app_context():
        reminders.run(session)
    assert len(smtp.messages) == 2
    assert all("收银基础" in body for _s, _t, body in smtp.messages)


def test_concurrent_runs_remind_once(app, session, people, stores, course, smtp):
    """Two runs at the same moment, each in its own session: one reminder, one e-mail."""
    smtp.messages.clear()
    cashier = _cashier(session, people)
    assign(session, None, "quiz:basics-quiz", 1, stores=[stores["S1"]])
    barrier = threading.Barrier(2)
    results, errors = [], []

    def one_run():
        try:
            with app.app_context():
                own = app.extensions["sessionmaker"]()
                barrier.wait()
                results.append(reminders.run(own))
                own.close()
        except Exception as exc:  # reported below: a failed run must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=one_run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sum(r.due_soon for r in results) == 1
    assert _notices(session, "due_soon") == [(cashier.id, "due_soon")]
    assert len(smtp.messages) == 2  # the assignment and the reminder, once each


def _certificate(session, people, course, days_left: int):
    cashier = _cashier(session, people)
    _acknowledge(session, cashier, course)
    _passed_attempt(session, cashier, "basics-quiz", when=utcnow() - timedelta(days=300))
    cert = check_and_issue(session, cashier, course_code="basics")
    cert.expires_at = utcnow() + timedelta(days=days_left)
    session.commit()
    return cashier, cert


def test_a_failed_send_is_tried_again_by_the_next_run(app, session, people, course, smtp):
    smtp.messages.clear()
    cashier = _cashier(session, people)
    assign(session, None, "course:basics", 20, people=[cashier])
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{_free_port()}"  # nobody listens there
    with app.app_context():
        assert reminders.run(session).emailed == 0
    assert session.scalar(select(Notification.emailed_at)) is None
    app.config["SMTP_URL"] = smtp.url
    with app.app_context():
        assert reminders.run(session).emailed == 1
        assert reminders.run(session).emailed == 0
    assert len(smtp.messages) == 1


def test_recertification_is_assigned_once_and_renewal_is_possible(
    app, client, session, people, course, smtp
):
    smtp.messages.clear()
    cashier, cert = _certificate(session, people, course, days_left=40)
    with app.app_context():
        assert reminders.run(session).recertifications == 0  # 40 days > the default 30
    cert.expires_at = utcnow() + timedelta(days=20)
    session.commit()
    with app.app_context():
        assert reminders.run(session).recertifications == 1
        assert reminders.run(session).recertifications == 0
    (made,) = session.scalars(select(Assignment).where(Assignment.user_id == cashier.id)).all()
    assert (made.source, made.certificate_id, made.due_on) == (
        "recertification",
        cert.id,
        local_day(cert.expires_at),
    )
    assert any("expires" in body for _s, _t, body in smtp.messages)
    supervisor = session.get(User, people["supervisor"].user.id)
    cell = matrix.build(session, supervisor).rows[0].cells["course:basics"]
    assert cell.state is State.EXPIRING
    login_as(client, people["cashier"])
    home = client.get("/").get_data(as_text=True)
    assert "Your certificate for “Till basics” expires" in home
    # The old attempt does not renew it; a quiz passed now does.
    assert check_and_issue(session, cashier, course_code="basics") is None
    _passed_attempt(session, cashier, "basics-quiz", percent=95.0)
    renewed = check_and_issue(session, cashier, course_code="basics")
    assert renewed is not None and renewed.expires_at > cert.expires_at
    assert matrix.build(session, supervisor).rows[0].cells["course:basics"].state is State.PASSED
    assert session.scalar(select(func.count(Certificate.id))) == 2


def test_reminders_command_and_job(app, session, people, course, smtp):
    cashier = _cashier(session, people)
    assign(session, None, "course:basics", 0, people=[cashier])
    result = app.test_cli_runner().invoke(args=["reminders"])
    assert result.exit_code == 0, result.output
    assert "1 due-soon" in result.output
    queued = app.test_cli_runner().invoke(args=["reminders", "--queue"])
    assert queued.exit_code == 0, queued.output
    jobs.drain(app, timeout=60)
    session.expire_all()
    job = session.scalar(select(Job).where(Job.kind == "tracking.reminders"))
    assert (job.status, job.error) == ("done", None)
    assert len(_notices(session, "due_soon")) == 1  # the job found it already sent


def test_a_bad_smtp_url_is_named(app, monkeypatch):
    app.config["SMTP_URL"] = "http://mail.example"
    result = app.test_cli_runner().invoke(args=["reminders"])
    assert result.exit_code == 1
    assert "TRAINER_SMTP_URL='http://mail.example'" in result.output


def test_admin_sets_the_address_reminders_go_to(client, session, people, stores):
    from tests.helpers import post

    login_as(client, people["admin"])
    cashier = people["cashier"].user
    form = {
        "username": cashier.username,
        "name": cashier.name,
        "employee_no": cashier.employee_no,
        "role": "cashier",
        "stores": [str(stores["S1"].id)],
        "language": "",
    }
    bad = post(client, f"/admin/users/{cashier.id}", {**form, "email": "not an address"})
    assert "Not an e-mail address." in bad.get_data(as_text=True)
    good = post(client, f"/admin/users/{cashier.id}", {**form, "email": "till1@example.test"})
    assert good.status_code == 302
    session.expire_all()
    assert session.get(User, cashier.id).email == "till1@example.test"
