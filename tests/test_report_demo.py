"""`trainer demo` history and `trainer bench-data`: populated reports, idempotent, reproducible."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from tests.helpers import login_as
from tests.test_cli import _run
from trainer.db import utcnow
from trainer.demo import demo_password
from trainer.models import Attempt, AttemptItem, Certificate, Store, User


def test_demo_fills_weeks_of_history_once(app, session):
    _run(app, "content", "import")
    result = _run(app, "demo", "--staff", "10", "--keep-demo-passwords")
    assert result.exit_code == 0, result.output
    assert "cashier06: payment-errors-quiz" in result.output
    attempts = session.scalar(select(func.count(Attempt.id)))
    assert attempts >= 10
    failed = session.scalar(select(func.count(Attempt.id)).where(Attempt.passed.is_(False)))
    assert failed >= 3
    oldest = session.scalar(select(func.min(Attempt.submitted_at)))
    assert oldest < utcnow() - timedelta(days=20)
    soon = session.scalars(
        select(Certificate).where(
            Certificate.revoked_at.is_(None),
            Certificate.expires_at > utcnow(),
            Certificate.expires_at < utcnow() + timedelta(days=30),
        )
    ).all()
    assert [c.user.username for c in soon] == ["cashier10"]
    certificates = session.scalar(select(func.count(Certificate.id)))

    again = _run(app, "demo", "--staff", "10", "--keep-demo-passwords")
    assert again.exit_code == 0 and "payment-errors-quiz" not in again.output
    assert session.scalar(select(func.count(Attempt.id))) == attempts
    assert session.scalar(select(func.count(Certificate.id))) == certificates

    # The pages a supervisor opens first are populated.
    from tests.helpers import Actor

    supervisor = Actor(
        session.scalar(select(User).where(User.username == "supervisor1")),
        demo_password("supervisor1"),
    )
    client = app.test_client()
    login_as(client, supervisor)
    html = client.get("/reports/weak-topics").get_data(as_text=True)
    # The heat map's case columns are named in a key, in the reader's language.
    assert 'heat-map"' in html and ("结算前发现多收" in html or "Overcharge found" in html)
    gaps = client.get("/reports/gaps?course=payment-errors&reason=expiring")
    assert soon[0].user.name in gaps.get_data(as_text=True)  # cashier10, store S001
    compliance = app.test_client()
    login_as(
        compliance,
        Actor(
            session.scalar(select(User).where(User.username == "compliance")),
            demo_password("compliance"),
        ),
    )
    listed = compliance.get("/certificates/manage?expiring=30").get_data(as_text=True)
    assert soon[0].serial in listed


def _bench_scores(app, session) -> list[tuple]:
    _run(app, "content", "import")
    result = _run(app, "bench-data", "--staff", "30", "--attempts", "120", "--seed", "7")
    assert result.exit_code == 0, result.output
    assert "2 stores, 1 supervisors, 30 cashiers, 120 attempts" in result.output
    return session.execute(
        select(Attempt.number, Attempt.score, Attempt.submitted_at).order_by(Attempt.id)
    ).all()


def test_bench_data_is_reproducible_and_refuses_a_second_run(
    app, session, sqlite_template, tmp_path
):
    import shutil

    from trainer import create_app

    scores = _bench_scores(app, session)
    path = tmp_path / "again.db"
    shutil.copy(sqlite_template, path)
    other = create_app({**app.config, "DATABASE_URL": f"sqlite:///{path}"})
    other_session = other.extensions["sessionmaker"]()
    again_scores = _bench_scores(other, other_session)
    # Same seed, same answers and scores (dates count back from the day it runs).
    assert [s[:2] for s in again_scores] == [s[:2] for s in scores]
    other_session.close()
    other.extensions["engine"].dispose()

    assert session.scalar(select(func.count(Store.id)).where(Store.code.like("BENCH-%"))) == 2
    items = session.scalar(select(func.count(AttemptItem.id)))
    assert items > 120 * 5
    # Every store is assigned the certificate courses, so the team matrix has a row each.
    from trainer.models import Assignment

    assigned = session.execute(select(Assignment.store_id, Assignment.kind, Assignment.ref)).all()
    assert len({store for store, _kind, _ref in assigned}) == 2
    assert {kind for _store, kind, _ref in assigned} == {"course"}
    assert len(assigned) == 2 * len({ref for _store, _kind, ref in assigned}) > 0
    again = _run(app, "bench-data", "--staff", "30", "--attempts", "120", "--seed", "7")
    assert again.exit_code != 0 and "already in this database" in again.output
    bad = _run(app, "bench-data", "--quiz", "nope", "--staff", "3", "--attempts", "3")
    assert bad.exit_code != 0 and "no active quiz 'nope'" in bad.output
