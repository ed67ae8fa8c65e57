"""Bulk certificate export: the page and its background job, the ZIP, the CLI, the RQ queue."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import signal
import subprocess
import time
import uuid
import zipfile
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from tests.helpers import Actor, login_as, post
from trainer import jobs
from trainer.admin.service import create_user
from trainer.certificates import export, service
from trainer.certificates.export import ExportFilters, safe_name, select_certificates
from trainer.db import utcnow
from trainer.models import (
    AuditEvent,
    Certificate,
    Course,
    CourseVersion,
    Job,
    RevocationReason,
    Role,
    User,
)

# The machine's Redis unless told otherwise (.ci/run sets this when Redis answers).
REDIS_URL = os.environ.get("TRAINER_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
EXPORT_URL = "/certificates/export"


@pytest.fixture
def app_config(tmp_path) -> dict:
    """Job files go to the test's own folder."""
    return {"EXPORT_DIR": str(tmp_path / "exports")}


def _course(session, code: str, zh: str, en: str) -> tuple[Course, CourseVersion]:
    course = Course(code=code, position=0)
    session.add(course)
    session.flush()
    version = CourseVersion(
        course_id=course.id,
        version="1.2",
        major=1,
        minor=2,
        content_hash="0" * 64,
        current=True,
        title={"zh": zh, "en": en},
        summary={"zh": "", "en": ""},
        audience=[],
        estimated_minutes=10,
        required_quizzes=[],
        required_drills=[],
        certificate_validity_months=12,
        prerequisites=[],
    )
    session.add(version)
    session.flush()
    return course, version


@pytest.fixture
def certs(session, stores, people) -> dict[str, Certificate]:
    """Four certificates in two stores and two courses: two valid, one revoked, one expired."""
    card = _course(session, "card-security", "银行卡安全", "Card security")
    emergency = _course(session, "emergency", "紧急情况", "Emergencies")
    holders = {}
    for username, name, store, number in (
        ("wang", "王喆", "S1", "E1001"),
        ("li", "李堃", "S2", "E1002"),
        ("zhang", "张伟", "S1", "E1003"),
    ):
        holders[username] = create_user(
            session,
            username=username,
            name=name,
            role=Role.CASHIER,
            stores=[stores[store]],
            password=f"pw-{username}-long-enough",
            employee_no=number,
        ).user
    now = utcnow()
    made = {
        "wang_card": service.issue(
            session, holders["wang"], *card, score=92.5, issued_at=now - timedelta(days=10)
        ),
        "li_card": service.issue(
            session, holders["li"], *card, score=88.0, issued_at=now - timedelta(days=12)
        ),
        "zhang_emergency": service.issue(
            session, holders["zhang"], *emergency, score=None, issued_at=now - timedelta(days=20)
        ),
        "wang_emergency": service.issue(
            session, holders["wang"], *emergency, score=81.0, issued_at=now - timedelta(days=400)
        ),
    }
    admin = session.get(User, people["admin"].user.id)
    service.revoke(
        session,
        made["zhang_emergency"],
        reason=RevocationReason.MISCONDUCT,
        note="test",
        actor=admin,
    )
    session.commit()
    assert service.status_of(made["wang_emergency"]) == "expired"
    return made


def _other_compliance(session) -> Actor:
    password = "pw-other-compliance-long"
    new = create_user(
        session,
        username="compliance2",
        name="Other compliance",
        role=Role.COMPLIANCE,
        stores=[],
        password=password,
    )
    session.commit()
    return Actor(new.user, password)


def _start_export(client, data: dict) -> str:
    response = post(client, EXPORT_URL, data, token_from=EXPORT_URL)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert response.location.startswith("/jobs/")
    return response.location.removeprefix("/jobs/")


def _wait(client, job_id: str, timeout: float = 90) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(f"/jobs/{job_id}.json").get_json()
        if body["status"] in ("done", "failed"):
            return body
        assert time.monotonic() < deadline, f"job still {body['status']} after {timeout} s"
        time.sleep(0.1)


def _download(client, job_id: str) -> zipfile.ZipFile:
    response = client.get(f"/jobs/{job_id}/download")
    try:
        assert response.status_code == 200, response.status_code
        assert response.mimetype == "application/zip"
        assert "attachment" in response.headers["Content-Disposition"]
        assert response.headers["Cache-Control"] == "no-store"
        return zipfile.ZipFile(io.BytesIO(response.get_data()))
    finally:
        response.close()  # send_file streams from an open file


def _manifest(archive: zipfile.ZipFile) -> list[dict]:
    raw = archive.read("manifest.csv")
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM, so Excel shows Chinese names"
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def _text(pdf: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def _pdf_names(archive: zipfile.ZipFile) -> list[str]:
    return sorted(n for n in archive.namelist() if n.endswith(".pdf") and n != export.MERGED)


def _files_under(path: Path) -> list[Path]:
    return [p for p in path.rglob("*") if p.is_file()] if path.exists() else []


def test_export_page_runs_a_job_and_the_zip_holds_every_certificate(
    app, client, session, people, certs
):
    login_as(client, people["compliance"])
    form = client.get(EXPORT_URL).get_data(as_text=True)
    assert 'name="csrf_token"' in form and "card-security" in form and "S2" in form
    job_id = _start_export(client, {"status": "all", "merged": "y", "language": "zh"})
    status = _wait(client, job_id)
    assert status["status"] == "done", status
    assert status["progress"] == status["total"] == 4
    assert status["download"] == f"/jobs/{job_id}/download"

    archive = _download(client, job_id)
    assert archive.testzip() is None
    names = _pdf_names(archive)
    assert len(names) == 4
    assert set(archive.namelist()) == {*names, "manifest.csv", export.MERGED}
    rows = _manifest(archive)
    assert list(rows[0].keys()) == export.MANIFEST_COLUMNS
    by_serial = {row["serial"]: row for row in rows}
    assert set(by_serial) == {c.serial for c in certs.values()}
    for key, certificate in certs.items():
        row = by_serial[certificate.serial]
        name = f"{certificate.serial}_{certificate.holder_name}.pdf"  # Chinese names kept as is
        assert row["file"] == name and name in names
        pdf = archive.read(name)
        assert pdf.startswith(b"%PDF-")
        assert row["sha256"] == hashlib.sha256(pdf).hexdigest()
        text = _text(pdf)
        assert certificate.holder_name in text and certificate.serial in text
        assert row["holder"] == certificate.holder_name
        assert row["status"] == {"zhang_emergency": "revoked", "wang_emergency": "expired"}.get(
            key, "valid"
        )
    wang = by_serial[certs["wang_card"].serial]
    assert wang["employee_no"] == "E1001" and wang["store"] == "S1"
    assert wang["store_name"] == "Store S1" and wang["course_title"] == "银行卡安全"  # zh export
    assert wang["course"] == "card-security" and wang["version"] == "1.2"
    assert wang["revoked"] == wang["revocation_reason"] == ""
    zhang = by_serial[certs["zhang_emergency"].serial]
    assert zhang["revoked"] == certs["zhang_emergency"].revoked_at.date().isoformat()
    assert zhang["revocation_reason"] == "misconduct"
    assert wang["score"] == "92.5" and by_serial[certs["zhang_emergency"].serial]["score"] == ""
    assert wang["issued"] == certs["wang_card"].issued_at.date().isoformat()
    assert wang["expires"] == certs["wang_card"].expires_at.date().isoformat()

    from pypdf import PdfReader

    merged = archive.read(export.MERGED)
    reader = PdfReader(io.BytesIO(merged))
    assert len(reader.pages) == 4
    merged_text = _text(merged)
    assert all(c.serial in merged_text and c.holder_name in merged_text for c in certs.values())

    session.expire_all()
    events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    exported = [e for e in events if e.action == "certificates.exported"]
    assert len(exported) == 1
    assert exported[0].actor_id == people["compliance"].user.id
    assert exported[0].details["count"] == 4
    assert exported[0].details["filters"]["status"] == "all"
    assert exported[0].details["filters"]["merged"] is True
    downloaded = [e for e in events if e.action == "certificates.export_downloaded"]
    assert len(downloaded) == 1 and downloaded[0].target_id == job_id


def test_page_filters_reach_the_job(app, client, session, people, certs):
    login_as(client, people["admin"])
    job_id = _start_export(
        client,
        {"stores": ["S1"], "courses": ["card-security"], "status": "valid", "language": "en"},
    )
    assert _wait(client, job_id)["status"] == "done"
    archive = _download(client, job_id)
    assert [row["serial"] for row in _manifest(archive)] == [certs["wang_card"].serial]
    assert export.MERGED not in archive.namelist()
    assert "Certificate of completion" in _text(archive.read(_pdf_names(archive)[0]))
    job = session.get(Job, job_id)
    assert job.params["filters"]["stores"] == ["S1"] and job.params["lang"] == "en"
    # The job page names every filter, with names rather than codes.
    summary = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    summary = summary[summary.index('<dl class="facts">') :]
    for shown in ("Store S1", "Card security", "English", "Archival PDF/A"):
        assert shown in summary, shown
    assert ">S1<" not in summary and "card-security" not in summary
    # The ZIP is named in the stores' time zone.
    app.config["TIMEZONE"] = "Asia/Shanghai"
    response = client.get(f"/jobs/{job_id}/download")
    response.close()
    local = job.created_at.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y%m%d-%H%M")
    assert f"certificates-{local}.zip" in response.headers["Content-Disposition"]
    assert job.created_by_id == people["admin"].user.id and job.finished_at is not None
    # a job delivered twice (a retried queue message) is not run again
    with app.app_context():
        assert jobs.perform(job_id) == job.result_path
    exported = select(AuditEvent).where(AuditEvent.action == "certificates.exported")
    assert len(session.scalars(exported).all()) == 1


def test_select_certificates_filters_in_sql(session, certs):
    def serials(**kwargs) -> set[str]:
        query = select_certificates(session, ExportFilters(**kwargs))
        return {c.serial for c in session.scalars(query)}

    s = {key: c.serial for key, c in certs.items()}
    assert serials() == set(s.values())
    assert serials(stores=("S2",)) == {s["li_card"]}
    assert serials(stores=("S1", "S2"), courses=("emergency",)) == {
        s["zhang_emergency"],
        s["wang_emergency"],
    }
    assert serials(status="valid") == {s["wang_card"], s["li_card"]}
    assert serials(status="revoked") == {s["zhang_emergency"]}
    assert serials(status="expired") == {s["wang_emergency"]}
    today = utcnow().date()
    assert serials(issued_from=today - timedelta(days=30)) == {
        s["wang_card"],
        s["li_card"],
        s["zhang_emergency"],
    }
    # both ends inclusive, on the issue date printed on the certificate
    assert serials(
        issued_from=today - timedelta(days=12), issued_to=today - timedelta(days=12)
    ) == {s["li_card"]}
    assert serials(issued_to=today - timedelta(days=15)) == {
        s["zhang_emergency"],
        s["wang_emergency"],
    }
    assert serials(stores=("NOPE",)) == set()
    # the SQL statuses agree with status_of
    for status in ("valid", "expired", "revoked"):
        for certificate in session.scalars(
            select_certificates(session, ExportFilters(status=status))
        ):
            assert service.status_of(certificate) == status


def test_progress_is_reported_after_each_batch(app, session, certs, tmp_path):
    calls = []
    result = export.write_export(
        session,
        ExportFilters(),
        tmp_path / "out" / "out.zip",
        lang="zh",
        base_url="http://localhost",
        progress=lambda done, total: calls.append((done, total)),
        batch_size=3,
    )
    assert result.count == 4
    assert calls == [(0, 4), (3, 4), (4, 4)]
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["out.zip"]  # no temporary files


def test_a_failing_render_fails_the_job_and_leaves_no_file(
    app, client, session, people, certs, monkeypatch
):
    from trainer import pdf

    real = pdf.render_certificates_each

    def breaks_after_one(datas, **kwargs):
        yield next(real(datas, **kwargs))
        raise RuntimeError("the renderer exploded")

    monkeypatch.setattr(pdf, "render_certificates_each", breaks_after_one)
    login_as(client, people["compliance"])
    job_id = _start_export(client, {"status": "all", "merged": "y", "language": "zh"})
    status = _wait(client, job_id)
    assert status["status"] == "failed"
    assert "RuntimeError: the renderer exploded" in status["error"]
    assert status["download"] is None
    assert _files_under(Path(app.config["EXPORT_DIR"])) == []
    assert client.get(f"/jobs/{job_id}/download").status_code == 404
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "the renderer exploded" in page and 'http-equiv="refresh"' not in page
    session.expire_all()
    job = session.get(Job, job_id)
    assert job.status == "failed" and job.finished_at is not None and job.result_path is None
    actions = session.scalars(select(AuditEvent.action)).all()
    assert "certificates.exported" not in actions


def test_only_the_creator_and_admins_see_and_download_a_job(app, client, session, people, certs):
    login_as(client, people["compliance"])
    job_id = _start_export(client, {"stores": ["S2"], "status": "all", "language": "zh"})
    assert _wait(client, job_id)["status"] == "done"
    _download(client, job_id)

    other = app.test_client()
    login_as(other, _other_compliance(session))
    for url in (f"/jobs/{job_id}", f"/jobs/{job_id}.json", f"/jobs/{job_id}/download"):
        assert other.get(url).status_code == 404, url

    admin = app.test_client()
    login_as(admin, people["admin"])
    assert admin.get(f"/jobs/{job_id}").status_code == 200
    _download(admin, job_id)

    for who in ("cashier", "supervisor"):
        visitor = app.test_client()
        login_as(visitor, people[who])
        assert visitor.get(f"/jobs/{job_id}/download").status_code == 403, who
        assert visitor.get(EXPORT_URL).status_code == 403, who
    anonymous = app.test_client().get(f"/jobs/{job_id}/download")
    assert anonymous.status_code == 302 and anonymous.location.startswith("/login")

    session.expire_all()
    downloads = session.scalars(
        select(AuditEvent.actor_id).where(AuditEvent.action == "certificates.export_downloaded")
    ).all()
    assert sorted(downloads) == sorted([people["compliance"].user.id, people["admin"].user.id])


def _running_job(session, owner: Actor, **fields) -> Job:
    """A running export job of ``owner``'s, as a worker would have left it."""
    job = Job(
        id=str(uuid.uuid4()),
        kind=export.KIND,
        status="running",
        params={"filters": {"stores": ["S1"], "status": "valid"}},
        created_by_id=owner.user.id,
        **fields,
    )
    session.add(job)
    session.commit()
    return job


def test_job_page_refreshes_itself_only_while_the_job_runs(app, client, session, people):
    login_as(client, people["compliance"])
    job = _running_job(session, people["compliance"], progress=2, total=5)
    page = client.get(f"/jobs/{job.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<meta http-equiv="refresh" content="2">' in html
    assert '<progress max="5" value="2"' in html and "2 of 5 certificates" in html
    assert "<script>" not in html  # the CSP allows no inline script
    assert client.get(f"/jobs/{job.id}.json").get_json()["progress"] == 2
    job.status = "done"
    session.commit()
    html = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert 'http-equiv="refresh"' not in html
    assert "no longer available" in html  # done, but no file


def test_a_job_whose_process_stopped_is_shown_as_failed(app, client, session, people):
    """No sign of life for JOB_STALE_SECONDS: the job failed (its page stops saying running)."""
    login_as(client, people["compliance"])
    now = utcnow()

    def running(seconds_quiet: int) -> Job:
        return _running_job(
            session,
            people["compliance"],
            created_at=now - timedelta(hours=1),
            started_at=now - timedelta(hours=1),
            heartbeat_at=now - timedelta(seconds=seconds_quiet),
        )

    alive, stopped = running(seconds_quiet=20), running(seconds_quiet=61)
    assert client.get(f"/jobs/{alive.id}.json").get_json()["status"] == "running"
    status = client.get(f"/jobs/{stopped.id}.json").get_json()
    assert status["status"] == "failed" and "no sign of life for 60 seconds" in status["error"]
    html = client.get(f"/jobs/{stopped.id}").get_data(as_text=True)
    assert "The export failed" in html and 'http-equiv="refresh"' not in html
    session.expire_all()
    assert session.get(Job, stopped.id).finished_at is not None
    assert session.get(Job, alive.id).status == "running"

    # The export page lists recent jobs: a stopped one is marked there too.
    quiet = running(seconds_quiet=1800)
    listed = client.get("/certificates/export", headers={"Accept-Language": "zh"})
    assert listed.status_code == 200
    session.expire_all()
    assert session.get(Job, quiet.id).status == "failed"


def test_progress_reports_are_signs_of_life(app, session, certs, tmp_path):
    """Each progress report moves the job's heartbeat, so a long export is never taken for dead."""
    seen = []

    def handler(job_session, job, progress):
        for done in range(3):
            progress(done, 3)
            seen.append(job_session.get(Job, job.id).heartbeat_at)
        return None

    jobs.register("test.heartbeat", handler)
    job = jobs.enqueue(app, "test.heartbeat", {}, created_by=None)
    jobs.drain(app, timeout=30)
    session.expire_all()
    finished = session.get(Job, job.id)
    assert finished.status == "done" and finished.started_at is not None
    assert seen == sorted(seen) and seen[0] >= finished.started_at
    assert finished.heartbeat_at == seen[-1]


def test_jobs_left_queued_by_a_stopped_server_run_when_it_starts_again(
    app, session, people, monkeypatch
):
    """Embedded jobs queue in the server process: the next process picks up what it left."""
    ran = []
    jobs.register("test.resumed", lambda _session, job, _progress: ran.append(job.id))
    left = []
    for minutes_ago in (2, 1):  # as enqueue() writes them, before the process stopped
        job = Job(
            id=str(uuid.uuid4()),
            kind="test.resumed",
            status="queued",
            params={},
            created_by_id=people["compliance"].user.id,
            created_at=utcnow() - timedelta(minutes=minutes_ago),
        )
        session.add(job)
        left.append(job.id)
    session.commit()

    # Every gunicorn worker resumes at start-up (two here), and both may hand a job to their
    # pools before either runs it: the pools are held back until both have resumed.
    submitted = []

    class HeldPool:
        def submit(self, fn, *args):
            submitted.append((fn, args))

    with monkeypatch.context() as held:
        held.setattr(jobs, "_executor", lambda _app: HeldPool())
        assert jobs.resume_queued(app) == 2
        assert jobs.resume_queued(app) == 2
    for fn, args in submitted:
        fn(*args)
    assert ran == left  # once each (the claim), oldest first
    session.expire_all()
    assert [session.get(Job, job_id).status for job_id in left] == ["done", "done"]
    assert jobs.resume_queued(app) == 0


def test_with_redis_queued_jobs_are_left_to_the_queue(app, session, monkeypatch):
    session.add(Job(id=str(uuid.uuid4()), kind="test.resumed", status="queued", params={}))
    session.commit()
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:6379/15")
    assert jobs.resume_queued(app) == 0


def test_each_server_worker_resumes_queued_jobs_when_it_loads_the_app(app, monkeypatch):
    import trainer
    from trainer.serve import _Gunicorn

    resumed = []
    monkeypatch.setattr(trainer, "create_app", lambda settings: app)
    monkeypatch.setattr(jobs, "resume_queued", resumed.append)
    server = _Gunicorn.__new__(_Gunicorn)  # load() only: no gunicorn configuration needed
    server.settings = {}
    assert server.load() is app
    assert resumed == [app]


def test_old_export_files_are_deleted_when_a_new_export_starts(app, client, session, people):
    """Files older than EXPORT_RETENTION_DAYS go; the jobs stay and say the file is gone."""
    root = jobs.export_dir(app)
    root.mkdir(parents=True, exist_ok=True)
    now = utcnow()

    def finished(days_ago: int) -> Job:
        name = f"old-{days_ago}.zip"
        (root / name).write_bytes(b"PK")
        job = _running_job(
            session,
            people["compliance"],
            result_path=name,
            finished_at=now - timedelta(days=days_ago),
        )
        job.status = "done"
        session.commit()
        return job

    old, recent = finished(days_ago=31), finished(days_ago=29)
    jobs.register("test.nothing", lambda _session, _job, _progress: None)
    jobs.enqueue(app, "test.nothing", {}, created_by=None)
    jobs.drain(app, timeout=30)
    session.expire_all()
    assert not (root / "old-31.zip").exists() and session.get(Job, old.id).result_path is None
    assert (root / "old-29.zip").exists() and session.get(Job, recent.id).result_path
    assert jobs.prune_results(app, session, now=now + timedelta(days=2)) == 1
    assert not (root / "old-29.zip").exists()
    login_as(client, people["compliance"])
    html = client.get(f"/jobs/{old.id}").get_data(as_text=True)
    assert "no longer available" in html


def test_export_form_validation(app, client, session, people, certs):
    login_as(client, people["compliance"])
    backwards = post(
        client,
        EXPORT_URL,
        {"issued_from": "2026-02-01", "issued_to": "2026-01-01", "status": "all", "language": "zh"},
        token_from=EXPORT_URL,
    )
    assert backwards.status_code == 200
    assert "The end date is before the start date." in backwards.get_data(as_text=True)
    nothing = post(
        client,
        EXPORT_URL,
        {"stores": ["S2"], "status": "revoked", "language": "zh"},
        token_from=EXPORT_URL,
    )
    assert nothing.status_code == 200
    assert "No certificate matches these filters" in nothing.get_data(as_text=True)
    unknown = post(client, EXPORT_URL, {"stores": ["XX"], "language": "zh"}, token_from=EXPORT_URL)
    assert unknown.status_code == 200
    assert "is not a valid choice" in unknown.get_data(as_text=True)
    assert client.post(EXPORT_URL, data={"status": "all"}).status_code == 400  # no CSRF token
    assert session.scalars(select(Job)).all() == []


def _cli(app, *args):
    from flask.cli import ScriptInfo

    from trainer.cli import main

    return CliRunner().invoke(main, list(args), obj=ScriptInfo(create_app=lambda: app))


def test_cli_export_with_filters(app, session, certs, tmp_path):
    out = tmp_path / "cli" / "revoked-and-expired.zip"
    result = _cli(
        app,
        "certificates", "export", "--out", str(out),
        "--store", "S1", "--course", "emergency",
        "--from", (utcnow() - timedelta(days=500)).date().isoformat(),
        "--to", utcnow().date().isoformat(),
        "--merged", "--lang", "en",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Exported 2 certificate(s) and a merged PDF of 2 pages" in result.output
    with zipfile.ZipFile(out) as archive:
        rows = _manifest(archive)
        assert {r["serial"] for r in rows} == {
            certs["zhang_emergency"].serial,
            certs["wang_emergency"].serial,
        }
        assert {r["status"] for r in rows} == {"revoked", "expired"}
        for row in rows:
            assert hashlib.sha256(archive.read(row["file"])).hexdigest() == row["sha256"]
        from pypdf import PdfReader

        assert len(PdfReader(io.BytesIO(archive.read(export.MERGED))).pages) == 2
    assert [p.name for p in out.parent.iterdir()] == [out.name]  # no temporary files left
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "certificates.exported"))
    assert event.details["via"] == "cli" and event.details["count"] == 2

    only_valid = tmp_path / "cli" / "valid.zip"
    result = _cli(app, "certificates", "export", "--out", str(only_valid), "--status", "valid")
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(only_valid) as archive:
        assert len(_pdf_names(archive)) == 2


@pytest.mark.parametrize(
    ("args", "option", "message"),
    [
        (["--from", "2026-13-01"], "'--from'", "2026-13-01"),
        (["--to", "yesterday"], "'--to'", "yesterday"),
        (["--store", "S1", "--store", "NOPE"], "'--store'", "unknown store code(s): NOPE"),
        (["--course", "nope"], "'--course'", "unknown course code(s): nope"),
        (["--from", "2026-02-01", "--to", "2026-01-01"], "'--to'", "before the start date"),
        (["--status", "lost"], "'--status'", "lost"),
    ],
)
def test_cli_export_refuses_bad_options(app, certs, tmp_path, args, option, message):
    folder = tmp_path / "out"
    folder.mkdir()
    result = _cli(app, "certificates", "export", "--out", str(folder / "x.zip"), *args)
    assert result.exit_code == 2, result.output
    assert option in result.output and message in result.output
    assert list(folder.iterdir()) == []


def test_worker_command_needs_redis(app):
    app.config["REDIS_URL"] = None
    result = _cli(app, "worker")
    assert result.exit_code == 1
    assert "TRAINER_REDIS_URL is not set" in result.output


def test_safe_name_keeps_chinese_and_drops_what_file_systems_refuse():
    assert safe_name("王喆") == "王喆"
    assert safe_name("欧阳 娜娜") == "欧阳_娜娜"
    assert safe_name("Sam O'Neil") == "Sam_O_Neil"
    assert safe_name('../../etc/passwd<>:"|?*') == "etc_passwd"
    assert safe_name("CON") == "CON"  # always after the serial, so never a reserved name alone
    assert safe_name("   ") == safe_name("///") == "certificate"
    assert len(safe_name("长" * 300)) == 60


@pytest.fixture
def redis_url() -> str:
    """The test Redis: never skipped, so the RQ path is always tested."""
    return REDIS_URL


@pytest.fixture
def rq_app(app, redis_url):
    """The app with jobs going to a queue of the test's own on the test Redis."""
    from redis import Redis

    connection = Redis.from_url(redis_url)
    app.config.update(REDIS_URL=redis_url, JOBS_QUEUE=f"trainer-test-{uuid.uuid4().hex[:8]}")
    yield app
    queue = jobs.queue(app, connection)
    queue.delete(delete_jobs=True)
    with app.extensions["sessionmaker"]() as session:
        job_ids = session.scalars(select(Job.id)).all()
    leftovers = [key for key in connection.scan_iter("rq:*") if queue.name in key.decode()]
    leftovers += [f"rq:{kind}:{job_id}" for job_id in job_ids for kind in ("job", "results")]
    connection.delete(*leftovers)
    connection.close()


def _work_burst(app) -> None:
    """Run the queued jobs with an RQ SimpleWorker in this process, as `trainer worker` would."""
    from rq import SimpleWorker

    queue = jobs.queue(app)
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with app.app_context():
            worker = SimpleWorker([queue], connection=queue.connection)
            assert worker.work(burst=True, logging_level="WARNING")
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
        queue.connection.close()


def test_export_through_the_rq_queue(rq_app, client, session, people, certs):
    login_as(client, people["compliance"])
    job_id = _start_export(client, {"stores": ["S1"], "status": "all", "language": "zh"})
    queued = jobs.queue(rq_app)
    assert queued.job_ids == [job_id]  # on Redis, not run in the web process
    assert client.get(f"/jobs/{job_id}.json").get_json()["status"] == "queued"
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert 'http-equiv="refresh"' in page and "Waiting to start" in page
    queued.connection.close()

    _work_burst(rq_app)
    status = client.get(f"/jobs/{job_id}.json").get_json()
    assert status["status"] == "done", status
    assert status["progress"] == status["total"] == 3
    archive = _download(client, job_id)
    assert len(_pdf_names(archive)) == 3
    session.expire_all()
    assert session.get(Job, job_id).started_at is not None


def test_worker_command_runs_queued_jobs(rq_app, session, people, certs):
    admin = session.get(User, people["admin"].user.id)
    params = export.job_params(ExportFilters(stores=("S2",)), lang="zh", base_url="http://x")
    job = jobs.enqueue(rq_app, export.KIND, params, created_by=admin)
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        result = _cli(rq_app, "worker", "--burst")
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    assert result.exit_code == 0, result.output
    session.expire_all()
    done = session.get(Job, job.id)
    assert done.status == "done", done.error
    assert jobs.result_file(rq_app, done) is not None


def test_cli_export_of_archival_pdfs(app, certs, tmp_path):
    """--archival writes PDF/A-3b files that qpdf accepts."""
    import subprocess

    out = tmp_path / "archive.zip"
    result = _cli(
        app,
        "certificates",
        "export",
        "--out",
        str(out),
        "--store",
        "S1",
        "--status",
        "valid",
        "--archival",
    )
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as archive:
        rows = _manifest(archive)
        assert rows
        for row in rows:
            data = archive.read(row["file"])
            from pypdf import PdfReader

            root = PdfReader(io.BytesIO(data)).trailer["/Root"]
            xmp = root["/Metadata"].get_object().get_data().decode()
            assert re.search(r'pdfaid:part(="|>)3', xmp)
            assert re.search(r'pdfaid:conformance(="|>)B', xmp)
            path = tmp_path / "one.pdf"
            path.write_bytes(data)
            subprocess.run(["qpdf", "--check", str(path)], check=True, capture_output=True)


def test_expiring_within_filter_in_the_list_the_export_and_its_checks(
    client, session, people, certs
):
    """Valid certificates that expire within N days: the list, the export query, the checks."""
    soon = certs["li_card"]
    soon.expires_at = utcnow() + timedelta(days=10)
    session.commit()
    query = select_certificates(session, ExportFilters(expiring_within=30))
    assert {c.serial for c in session.scalars(query)} == {soon.serial}
    assert not session.scalars(select_certificates(session, ExportFilters(expiring_within=5))).all()
    assert ExportFilters.from_params(ExportFilters(expiring_within=30).to_params()) == (
        ExportFilters(expiring_within=30)
    )
    with pytest.raises(export.ExportError) as problem:
        export.check_filters(session, ExportFilters(expiring_within=0))
    assert problem.value.option == "expiring_within"

    login_as(client, people["compliance"])
    html = client.get("/certificates/manage?expiring=30").get_data(as_text=True)
    assert soon.serial in html and certs["wang_card"].serial not in html
    assert '<option value="30" selected>' in html
