"""Jobs whose process is killed (kill -9 of a server or worker) are found and retried or failed.

A real subprocess runs a real export job and is killed with SIGKILL halfway; the next worker's
start-up finds the job dead, retries it, and removes the export's temporary folder.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from tests.test_export import certs  # noqa: F401 (fixture)
from trainer import ROOT, jobs
from trainer.certificates import export
from trainer.db import utcnow
from trainer.models import Job

# Runs the job in another process, as `trainer worker` or a gunicorn worker would, with the
# PDF renderer stuck (a long export) so the test can kill it while it runs.
RUNNER = """
import sys, time
import trainer.pdf
from trainer import create_app, jobs

def stuck(*args, **kwargs):
    time.sleep(600)

trainer.pdf.render_certificates_each = stuck
url, instance, job_id = sys.argv[1:4]
app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": instance, "SECRET_KEY": "k",
                  "JOB_HEARTBEAT_SECONDS": 0.2})
with app.app_context():
    jobs.perform(job_id)
"""


def _queued_export(session) -> Job:
    job = Job(
        id=str(uuid.uuid4()),
        kind=export.KIND,
        status="queued",
        params={"filters": {"status": "all"}, "lang": "en", "base_url": "http://localhost"},
        created_at=utcnow(),
    )
    session.add(job)
    session.commit()
    return job


def _wait_for(condition, what: str, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _job(session, job_id: str) -> Job:
    session.expire_all()
    return session.get(Job, job_id)


def _temporary_folders(app) -> list[Path]:
    return list(jobs.export_dir(app).rglob(".export-*"))


def test_a_killed_job_is_retried_at_worker_start_and_its_temporary_files_go(
    app,
    session,
    certs,  # noqa: F811
):
    job = _queued_export(session)
    proc = subprocess.Popen(
        [sys.executable, "-c", RUNNER, app.config["DATABASE_URL"], app.instance_path, job.id],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        _wait_for(lambda: _temporary_folders(app), "the export's temporary folder")
        first = _wait_for(lambda: _job(session, job.id).heartbeat_at, "a heartbeat")
        # Signs of life while the renderer is stuck: a heartbeat of its own, not progress.
        _wait_for(lambda: _job(session, job.id).heartbeat_at > first, "a second heartbeat")
        assert _job(session, job.id).progress == 0
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    dead = _job(session, job.id)
    assert dead.status == "running" and dead.runner.endswith(f":{proc.pid}")

    # A worker starting on this host sees the runner's process is gone: retried, not waited for.
    assert jobs.recover_stopped(app) == {"retried": 1, "failed": 0}
    jobs.drain(app, timeout=120)
    done = _job(session, job.id)
    assert done.status == "done" and done.attempts == 2, done.error
    assert jobs.result_file(app, done) is not None
    assert _temporary_folders(app) == []


def test_a_job_that_keeps_dying_fails_instead_of_looping(app, session):
    job = _queued_export(session)
    job.status, job.attempts = "running", jobs.MAX_ATTEMPTS
    job.runner, job.heartbeat_at = "elsewhere:1", utcnow() - timedelta(minutes=5)
    session.commit()
    assert jobs.recover_stopped(app) == {"retried": 0, "failed": 1}
    failed = _job(session, job.id)
    assert failed.status == "failed" and "stopped" in failed.error


def test_a_job_alive_elsewhere_is_left_alone(app, session):
    job = _queued_export(session)
    job.status, job.runner, job.heartbeat_at = "running", "elsewhere:1", utcnow()
    session.commit()
    assert jobs.recover_stopped(app) == {"retried": 0, "failed": 0}
    assert _job(session, job.id).status == "running"


def test_stale_heartbeat_is_a_dead_job_within_a_minute(app, session):
    job = _queued_export(session)
    job.status, job.runner = "running", "elsewhere:1"
    job.heartbeat_at = utcnow() - timedelta(seconds=61)
    session.commit()
    assert jobs.fail_if_stopped(app, _job(session, job.id))
    session.commit()
    assert session.scalar(select(Job.status).where(Job.id == job.id)) == "failed"
