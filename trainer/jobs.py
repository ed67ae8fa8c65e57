"""Background jobs (bulk exports …) with the progress their page shows.

A job is a :class:`~trainer.models.Job` row plus a handler registered for its ``kind``: a function
``handler(session, job, progress) -> result_path`` that does the work in ``session`` and calls
``progress(done, total=None)`` now and then (each call commits, so the job's page can show it).
The row is the single source of truth for status, progress and errors; the queue only carries the
job id.

Where jobs run:

* Embedded (default, no ``TRAINER_REDIS_URL``): in the web server process, on a thread pool of
  one worker per app, inside an app context and with a database session of its own. Jobs still
  queued when that process stops are started again by the next server process
  (:func:`resume_queued`, called by ``trainer serve``); one that was running is marked failed
  (see below). Fine for one server and the odd export.
* With ``TRAINER_REDIS_URL``: on the RQ queue ``trainer``; ``trainer worker`` (:func:`run_worker`)
  runs :func:`perform` for each job. Several web servers and workers can then share the work.

Files a job writes live under :func:`export_dir` (``EXPORT_DIR``, default
``<instance>/exports``). With several app servers or a separate worker host this **must be a
shared folder** (NFS, SMB …) mounted on every server and worker, because the server that offers
the download is not necessarily the one that ran the job. ``Job.result_path`` is stored relative
to that folder, so it may be mounted at different paths on different hosts. Files older than
``EXPORT_RETENTION_DAYS`` are deleted when the next job is queued (:func:`prune_results`).

A running job gives signs of life: a heartbeat thread in the process running it moves
``Job.heartbeat_at`` every ``JOB_HEARTBEAT_SECONDS`` (15), whatever the handler is doing, and
each progress report moves it too. One that gives none for ``JOB_STALE_SECONDS`` (60) has lost
its process (kill -9, a crash, a power cut) and is marked failed when its page is read
(:func:`fail_if_stopped`). A worker or server starting up (:func:`recover_stopped`) does
better: a job whose runner was a process on this host that no longer exists, or whose
heartbeat stopped, is queued again (``MAX_ATTEMPTS`` in all) or failed, and the temporary
folders (``.export-<job id>-…``) it left are removed.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import threading
import uuid
import weakref
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta
from importlib import import_module
from pathlib import Path
from typing import Protocol

from flask import Flask, current_app, has_app_context
from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from trainer.db import utcnow
from trainer.models import Job, User

log = logging.getLogger(__name__)

QUEUE_NAME = "trainer"
#: Longest an RQ job may run (seconds) unless JOB_TIMEOUT says otherwise.
DEFAULT_TIMEOUT = 6 * 3600
#: Longest error text kept on a failed job.
MAX_ERROR = 2000

#: Seconds between a running job's heartbeats (JOB_HEARTBEAT_SECONDS).
DEFAULT_HEARTBEAT_SECONDS = 15
#: A running job without a heartbeat for this long has stopped (JOB_STALE_SECONDS).
DEFAULT_STALE_SECONDS = 60
#: How many times a job is started before a killed one is failed rather than retried.
MAX_ATTEMPTS = 2

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
FINISHED = frozenset({DONE, FAILED})


class Progress(Protocol):
    """What a handler calls to report progress; each call commits the job row."""

    def __call__(self, done: int, total: int | None = None) -> None: ...


Handler = Callable[[Session, Job, Progress], str | None]

#: Built-in handlers by kind, imported on first use (so a worker process needs no set-up).
BUILTIN_HANDLERS: dict[str, str] = {
    "certificates.export": "trainer.certificates.export:export_certificates",
    "tracking.reminders": "trainer.tracking.reminders:reminders_job",
}
_handlers: dict[str, Handler] = {}


def register(kind: str, handler: Handler) -> None:
    """Register (or replace) the handler for ``kind``."""
    _handlers[kind] = handler


def handler_for(kind: str) -> Handler:
    """The handler registered for ``kind``; LookupError when there is none."""
    if kind not in _handlers:
        if kind not in BUILTIN_HANDLERS:
            raise LookupError(f"no handler for job kind {kind!r}")
        module, name = BUILTIN_HANDLERS[kind].split(":")
        _handlers[kind] = getattr(import_module(module), name)
    return _handlers[kind]


def export_dir(app: Flask | None = None) -> Path:
    """The folder job files go in (created if missing); shared by all servers, see above."""
    app = app or current_app
    path = Path(app.config.get("EXPORT_DIR") or Path(app.instance_path) / "exports")
    path.mkdir(parents=True, exist_ok=True)
    return path


def result_file(app: Flask, job: Job) -> Path | None:
    """The finished job's file, when it has one that exists inside the export folder."""
    if job.status != DONE or not job.result_path:
        return None
    root = export_dir(app).resolve()
    path = (root / job.result_path).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path


def enqueue(app: Flask, kind: str, params: dict, *, created_by: User | None) -> Job:
    """Create a queued job and hand it to the queue (RQ) or the in-process pool."""
    app = _real(app)
    handler_for(kind)  # fail now, not in the worker, for an unknown kind
    job = Job(
        id=str(uuid.uuid4()),
        kind=kind,
        status=QUEUED,
        params=params,
        created_by_id=created_by.id if created_by is not None else None,
        created_at=utcnow(),
    )
    with app.extensions["sessionmaker"]() as session:
        session.add(job)
        session.commit()
        session.expunge(job)
        prune_results(app, session)
    _submit(app, job.id)
    return job


def _submit(app: Flask, job_id: str) -> None:
    """Hand a queued job to the queue (RQ) or the in-process pool."""
    if app.config.get("REDIS_URL"):
        _rq_enqueue(app, job_id)
    else:
        _executor(app).submit(_perform_in_app, app, job_id)


def resume_queued(app: Flask) -> int:
    """Hand the jobs still queued to this process's pool (embedded mode); returns how many.

    An in-process queue ends with its process: without this, a job queued just before a
    restart would say "queued" for ever. Every server worker calls it when it starts; the
    claim in :func:`_perform` lets only one of them run each job, and a job some live worker
    has queued too runs once, in whichever gets to it first. With Redis the queue outlives
    the process, so nothing is resumed here.
    """
    app = _real(app)
    if app.config.get("REDIS_URL"):
        return 0
    try:
        recover_stopped(app)
        with app.extensions["sessionmaker"]() as session:
            waiting = session.scalars(
                select(Job.id).where(Job.status == QUEUED).order_by(Job.created_at)
            ).all()
    except SQLAlchemyError:  # e.g. a database not migrated yet: serve anyway, say why
        log.exception("could not look for queued jobs to resume")
        return 0
    for job_id in waiting:
        _executor(app).submit(_perform_in_app, app, job_id)
    if waiting:
        log.info("resumed %d queued job(s)", len(waiting))
    return len(waiting)


def _real(app: Flask) -> Flask:
    # current_app is a proxy; the pool thread needs the app object itself
    get = getattr(app, "_get_current_object", None)
    return get() if get is not None else app


def perform(job_id: str) -> str | None:
    """Run job ``job_id`` (the RQ entry point): in the current app, or one created for it."""
    if has_app_context():
        return _perform(_real(current_app), job_id)
    from trainer import create_app

    app = create_app()
    with app.app_context():
        return _perform(app, job_id)


def _perform_in_app(app: Flask, job_id: str) -> str | None:
    with app.app_context():
        return _perform(app, job_id)


def _perform(app: Flask, job_id: str) -> str | None:
    _after_fork(app)
    session: Session = app.extensions["sessionmaker"]()
    try:
        # Claim the job atomically: a job delivered twice (a retried RQ job …) runs once.
        now = utcnow()
        claimed = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == QUEUED)
            .values(
                status=RUNNING,
                started_at=now,
                heartbeat_at=now,
                runner=runner_name(),
                attempts=Job.attempts + 1,
            )
        ).rowcount
        session.commit()
        job = session.get(Job, job_id)
        if job is None:
            log.error("job %s: no such job", job_id)
            return None
        if not claimed:
            log.warning("job %s is %s, not queued; not run again", job_id, job.status)
            return job.result_path

        def progress(done: int, total: int | None = None) -> None:
            job.progress, job.heartbeat_at = done, utcnow()
            if total is not None:
                job.total = total
            session.commit()

        try:
            with _Heartbeat(app, job_id):
                result = handler_for(job.kind)(session, job, progress)
        except Exception as exc:
            log.exception("job %s (%s) failed", job_id, job.kind)
            session.rollback()
            _finish(session, job, FAILED, error=_error_text(exc))
            return None
        job.result_path = result
        job.progress = max(job.progress, job.total)
        try:
            _finish(session, job, DONE)  # commits the handler's audit events too
        except Exception as exc:
            log.exception("job %s (%s): could not record its result", job_id, job.kind)
            session.rollback()
            if result:
                (export_dir(app) / result).unlink(missing_ok=True)
            _finish(session, job, FAILED, error=_error_text(exc))
            return None
        return result
    finally:
        session.close()


def _finish(session: Session, job: Job, status: str, *, error: str | None = None) -> None:
    job.status, job.error, job.finished_at = status, error, utcnow()
    session.commit()


def _error_text(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return text[:MAX_ERROR]


def prune_results(app: Flask, session: Session, now: datetime | None = None) -> int:
    """Delete the files of jobs that finished more than EXPORT_RETENTION_DAYS ago.

    Exports hold personal data and grow without end otherwise. The job rows (and the audit
    log's record of each export) stay; a pruned job's page says its file is gone. Run on
    every new export, so no scheduler is needed. Returns how many files were deleted.
    """
    days = app.config.get("EXPORT_RETENTION_DAYS", 30)
    cutoff = (now or utcnow()) - timedelta(days=days)
    old = session.scalars(
        select(Job).where(
            Job.status == DONE, Job.result_path.is_not(None), Job.finished_at < cutoff
        )
    ).all()
    for job in old:
        path = result_file(app, job)
        if path is not None:
            path.unlink(missing_ok=True)
        job.result_path = None
    if old:
        session.commit()
        log.info("deleted the files of %d export(s) older than %d days", len(old), days)
    return len(old)


def runner_name() -> str:
    """Who runs a job: this host and process ("host:pid")."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _stale_after(app: Flask) -> timedelta:
    return timedelta(seconds=float(app.config.get("JOB_STALE_SECONDS", DEFAULT_STALE_SECONDS)))


def _process_gone(runner: str | None) -> bool:
    """Whether ``runner`` was a process on this host that no longer exists."""
    host, _, pid = (runner or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


def _is_dead(app: Flask, job: Job, now: datetime) -> bool:
    last = job.heartbeat_at or job.started_at or job.created_at
    return last is None or now - last >= _stale_after(app) or _process_gone(job.runner)


def fail_if_stopped(app: Flask, job: Job, now: datetime | None = None) -> bool:
    """Mark a running ``job`` failed when it has given no sign of life for JOB_STALE_SECONDS.

    A job dies with the process that runs it (a restart of the web server for in-process
    jobs, a worker killed without notice); without this its page would say "running" for
    ever. Returns whether it was marked; the caller commits.
    """
    now = now or utcnow()
    if job.status != RUNNING or not _is_dead(app, job, now):
        return False
    seconds = int(_stale_after(app).total_seconds())
    job.status, job.finished_at = FAILED, now
    job.error = (
        f"no sign of life for {seconds} seconds: the process running the job stopped "
        "(a restart or a crash)"
    )
    remove_temporary_files(app, job.id)
    return True


def recover_stopped(app: Flask) -> dict[str, int]:
    """At worker or server start: retry (or fail, after MAX_ATTEMPTS) every running job whose
    process is gone, and remove temporary folders no running job owns. Returns the counts."""
    app = _real(app)
    counts = {"retried": 0, "failed": 0}
    now = utcnow()
    retry = []
    with app.extensions["sessionmaker"]() as session:
        for job in session.scalars(select(Job).where(Job.status == RUNNING)):
            if not _is_dead(app, job, now):
                continue
            if job.attempts < MAX_ATTEMPTS:
                outcome, values = "retried", {"status": QUEUED, "runner": None}
            else:
                outcome, values = (
                    "failed",
                    {
                        "status": FAILED,
                        "finished_at": now,
                        "error": f"the process running the job stopped ({job.attempts} attempts)",
                    },
                )
            # Only the process whose update still finds the dead runner takes the job over.
            if session.execute(
                update(Job)
                .where(Job.id == job.id, Job.status == RUNNING, Job.runner == job.runner)
                .values(**values)
            ).rowcount:
                counts[outcome] += 1
                if outcome == "retried":
                    retry.append(job.id)
                log.warning("job %s: its process %s stopped; %s", job.id, job.runner, outcome)
        session.commit()
        running = set(session.scalars(select(Job.id).where(Job.status == RUNNING)))
    for folder in export_dir(app).rglob(".export-*"):
        if folder.is_dir() and folder.name[len(".export-") :][:36] not in running:
            shutil.rmtree(folder, ignore_errors=True)
    for job_id in retry:
        _submit(app, job_id)
    return counts


def remove_temporary_files(app: Flask, job_id: str) -> None:
    """Remove the temporary folders a stopped job left in the export folder."""
    for folder in export_dir(app).rglob(f".export-{job_id}-*"):
        shutil.rmtree(folder, ignore_errors=True)


class _Heartbeat:
    """While a job runs: move its heartbeat every JOB_HEARTBEAT_SECONDS from a thread of its own,
    on a connection of its own, so a long step (a big PDF) is never taken for a dead job."""

    def __init__(self, app: Flask, job_id: str) -> None:
        self.engine = app.extensions["engine"]
        self.job_id = job_id
        self.interval = float(app.config.get("JOB_HEARTBEAT_SECONDS", DEFAULT_HEARTBEAT_SECONDS))
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"heartbeat-{job_id}", daemon=True)

    def _run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                with self.engine.begin() as conn:
                    conn.execute(
                        update(Job)
                        .where(Job.id == self.job_id, Job.status == RUNNING)
                        .values(heartbeat_at=utcnow())
                    )
            except SQLAlchemyError:  # a busy database: the next beat tries again
                log.warning("job %s: heartbeat not written", self.job_id, exc_info=True)

    def __enter__(self) -> _Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        self.thread.join()


def mark_failed(app: Flask, job_id: str, error: str) -> None:
    """Record a failure that happened outside :func:`perform` (a killed worker …)."""
    with app.extensions["sessionmaker"]() as session:
        job = session.get(Job, job_id)
        if job is not None and job.status not in FINISHED:
            _finish(session, job, FAILED, error=error[:MAX_ERROR])


def _after_fork(app: Flask) -> None:
    # RQ runs each job in a forked work horse: pooled connections inherited from the parent
    # must not be shared with it (PostgreSQL sockets), so the child starts a fresh pool.
    pid = os.getpid()
    if app.extensions.setdefault("jobs_pid", pid) != pid:
        app.extensions["engine"].dispose(close=False)
        app.extensions["jobs_pid"] = pid


# --- in-process pool -------------------------------------------------------------------------

_executor_lock = threading.Lock()


def _executor(app: Flask) -> ThreadPoolExecutor:
    with _executor_lock:
        executor = app.extensions.get("jobs_executor")
        if executor is None:
            executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="trainer-job")
            app.extensions["jobs_executor"] = executor
            # the idle worker thread goes away with the app (matters for tests: one app each)
            weakref.finalize(app, executor.shutdown, wait=False)
        return executor


def drain(app: Flask, timeout: float | None = None) -> None:
    """Wait until the in-process pool has run every job submitted so far (tests, shutdown)."""
    executor = app.extensions.get("jobs_executor")
    if executor is not None:
        marker: Future = executor.submit(lambda: None)
        marker.result(timeout)


# --- RQ --------------------------------------------------------------------------------------


def redis_connection(app: Flask):
    """A Redis connection for ``REDIS_URL``."""
    from redis import Redis

    return Redis.from_url(app.config["REDIS_URL"])


def queue(app: Flask, connection=None):
    """The RQ queue jobs go on (``JOBS_QUEUE``, default ``trainer``)."""
    from rq import Queue

    return Queue(
        app.config.get("JOBS_QUEUE") or QUEUE_NAME,
        connection=connection or redis_connection(app),
    )


def _rq_enqueue(app: Flask, job_id: str) -> None:
    queue(app).enqueue(
        "trainer.jobs.perform",
        job_id,
        job_id=job_id,
        job_timeout=int(app.config.get("JOB_TIMEOUT") or DEFAULT_TIMEOUT),
        result_ttl=3600,
        failure_ttl=7 * 24 * 3600,
        description=f"trainer job {job_id}",
    )


def run_worker(app: Flask, *, burst: bool = False) -> None:
    """Run an RQ worker on the job queue, inside ``app``'s context (the `trainer worker` CLI)."""
    from rq import Worker

    if not app.config.get("REDIS_URL"):
        raise RuntimeError("TRAINER_REDIS_URL is not set: there is no queue to work on")

    def horse_killed(rq_job, _pid, status, _rusage) -> None:
        mark_failed(app, rq_job.id, f"the worker process died (exit status {status})")

    connection = redis_connection(app)
    app.extensions["jobs_pid"] = os.getpid()  # the work horses forked from here reset the pool
    with app.app_context():
        recover_stopped(app)  # jobs a killed worker left "running"
        worker = Worker(
            [queue(app, connection)],
            connection=connection,
            work_horse_killed_handler=horse_killed,
        )
        worker.work(burst=burst)
