"""The `trainer` command line: database, accounts, demo data, content, certificates, serving."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from trainer.models import Role


def _fail(message: str) -> None:
    raise click.ClickException(message)


@click.group(help="trainer: staff training and certification for card payments at the till.")
@click.version_option(package_name="trainer")
def main() -> None:
    """Entry point of the console script."""


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--no-content", is_flag=True, help="Do not load the shipped courses and quizzes.")
@with_appcontext
def db_upgrade(no_content: bool) -> None:
    """Create or migrate the database schema, then load the shipped content."""
    from trainer import db as database

    database.upgrade(current_app)
    click.echo("Database schema is up to date.")
    if not no_content:
        from trainer.courses.importer import import_shipped_content

        click.echo(_run_import(lambda: import_shipped_content(current_app)))
        _decide_marked_cells()


def _decide_marked_cells() -> None:
    """After an import: decide the team matrix's cells that it marked stale, here and now.

    A content change marks everyone (trainer.tracking.kept), and the next team or trends page
    would decide them all again before it reads: seconds for a large staff, paid by the first
    supervisor to look. The import is the one who changed the content and waits anyway.
    """
    import time

    from trainer.db import get_session
    from trainer.tracking import kept

    session = get_session()
    started = time.perf_counter()
    if kept.refresh(session):
        session.commit()
        seconds = time.perf_counter() - started
        click.echo(f"Team and trends pages brought up to date ({seconds:.1f} s).")


@db.command("rebuild-sums")
@with_appcontext
def db_rebuild_sums() -> None:
    """Recompute the report sums and the team matrix's kept cells (after changing
    TRAINER_TIMEZONE)."""
    from trainer.db import get_session
    from trainer.reports import itemsums
    from trainer.tracking import kept

    session = get_session()
    itemsums.rebuild(session)
    kept.rebuild(session)
    session.commit()
    click.echo("Report sums rebuilt.")


def _run_import(do_import) -> str:
    """Run an import; on content problems print each as file:line and exit 1."""
    from trainer.domain.content import ContentError

    try:
        return str(do_import())
    except ContentError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        _fail(f"{len(exc.problems)} problem(s); nothing was imported.")
        raise  # unreachable: _fail raises


@main.group()
def content() -> None:
    """Courses, question banks and quizzes."""


@content.command("check")
@click.argument("path", required=False, type=click.Path(exists=True, file_okay=False))
@with_appcontext
def content_check(path: str | None) -> None:
    """Validate the content tree; print every problem as file:line: message.

    Warnings (file:line: warning: message) are printed after the errors and do not fail the
    check.
    """
    from pathlib import Path

    from trainer.courses.importer import content_root
    from trainer.domain.content import content_report

    root = Path(path) if path else content_root(current_app)
    report = content_report(root)
    problems = report.errors
    for problem in problems:
        click.echo(str(problem))
    for warning in report.warnings:
        click.echo(f"{warning.file}:{warning.line}: warning: {warning.message}")
    if problems:
        click.echo(f"{len(problems)} problem(s) in {root}", err=True)
        sys.exit(1)
    click.echo(f"Content in {root} is valid.")


@content.command("import")
@click.argument("path", required=False, type=click.Path(exists=True, file_okay=False))
@with_appcontext
def content_import(path: str | None) -> None:
    """Import the content tree in one transaction (all or nothing)."""
    from pathlib import Path

    from trainer.courses.importer import content_root, import_tree

    root = Path(path) if path else content_root(current_app)
    click.echo(_run_import(lambda: import_tree(current_app, root)))
    _decide_marked_cells()


@content.command("import-gift")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--bank", "bank_slug", required=True, help="Question bank to import into.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@with_appcontext
def content_import_gift(file: str, bank_slug: str, as_json: bool) -> None:
    """Import a Moodle GIFT file into a question bank (all or nothing)."""
    import json
    from pathlib import Path

    from trainer.db import get_session
    from trainer.domain.questions.gift import GiftError
    from trainer.quizzes.gift_import import import_gift

    session = get_session()
    try:
        report = import_gift(session, Path(file).read_bytes(), filename=file, bank_slug=bank_slug)
    except GiftError as exc:
        session.rollback()
        for problem in exc.problems:
            click.echo(problem, err=True)
        _fail(f"{len(exc.problems)} problem(s); nothing was imported.")
    session.commit()
    if as_json:
        click.echo(json.dumps(report.to_json(), ensure_ascii=False))
    else:
        click.echo(f"Importing {report.imported} questions into {report.bank}.")
        for warning in report.warnings:
            click.echo(f"warning: {warning}", err=True)


@content.command("export-gift")
@click.option("--bank", "bank_slug", required=True)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="en", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, writable=True), help="Default: stdout.")
@with_appcontext
def content_export_gift(bank_slug: str, lang: str, out: str | None) -> None:
    """Write a question bank as Moodle GIFT."""
    from trainer.db import get_session
    from trainer.quizzes.gift_import import export_bank

    try:
        exported = export_bank(get_session(), bank_slug, lang=lang)
    except LookupError as exc:
        _fail(str(exc))
    for warning in exported.warnings:
        click.echo(f"warning: {warning}", err=True)
    if out:
        with open(out, "w", encoding="utf-8") as f:
            f.write(exported.text)
    else:
        click.echo(exported.text, nl=False)


@main.group()
def certificates() -> None:
    """Certificates in bulk."""


#: export filter -> the option that sets it, for error messages
_EXPORT_OPTIONS = {
    "stores": "--store",
    "courses": "--course",
    "issued_from": "--from",
    "issued_to": "--to",
    "status": "--status",
    "expiring_within": "--expiring-within",
}


@certificates.command("export")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="ZIP file to write.")
@click.option("--store", "stores", multiple=True, help="Store code (repeat; default: all).")
@click.option("--course", "courses", multiple=True, help="Course code (repeat; default: all).")
@click.option(
    "--from",
    "issued_from",
    type=click.DateTime(["%Y-%m-%d"]),
    metavar="YYYY-MM-DD",
    help="Issued on or after this date.",
)
@click.option(
    "--to",
    "issued_to",
    type=click.DateTime(["%Y-%m-%d"]),
    metavar="YYYY-MM-DD",
    help="Issued on or before this date.",
)
@click.option(
    "--status",
    type=click.Choice(["valid", "expired", "revoked", "all"]),
    default="all",
    show_default=True,
)
@click.option(
    "--expiring-within",
    "expiring_within",
    type=int,
    metavar="DAYS",
    help="Only valid certificates expiring within DAYS days.",
)
@click.option("--merged", is_flag=True, help="Add all-certificates.pdf (one merged PDF).")
@click.option("--archival", is_flag=True, help="Write PDF/A-3b files for long-term archiving.")
@click.option("--lang", type=click.Choice(["zh", "en"]), help="Certificate language.")
@with_appcontext
def certificates_export(
    out, stores, courses, issued_from, issued_to, status, expiring_within, merged, archival, lang
):
    """Export certificates as a ZIP: one PDF each, manifest.csv, optionally a merged PDF."""
    from pathlib import Path

    from trainer.certificates import pdfmerge
    from trainer.certificates.export import (
        ExportError,
        ExportFilters,
        audit_cli_export,
        check_filters,
        count_certificates,
        write_export,
    )
    from trainer.db import get_session

    session = get_session()
    filters = ExportFilters(
        stores=tuple(stores),
        courses=tuple(courses),
        issued_from=issued_from.date() if issued_from else None,
        issued_to=issued_to.date() if issued_to else None,
        status=status,
        merged=merged,
        archival=archival,
        expiring_within=expiring_within,
    )
    try:
        check_filters(session, filters)
    except ExportError as exc:
        hint = f"'{_EXPORT_OPTIONS.get(exc.option, exc.option)}'"
        raise click.BadParameter(str(exc), param_hint=hint) from None
    if merged and not pdfmerge.available():
        raise click.BadParameter("the merged PDF needs the pypdf package", param_hint="'--merged'")
    total = count_certificates(session, filters)
    with click.progressbar(
        length=total, label="Exporting certificates", file=sys.stderr, show_pos=True
    ) as bar:

        def progress(done: int, _total: int) -> None:
            bar.update(done - bar.pos)

        try:
            result = write_export(
                session,
                filters,
                Path(out),
                lang=lang or current_app.config["DEFAULT_LANGUAGE"],
                base_url=current_app.config["BASE_URL"],
                progress=progress,
            )
        except Exception as exc:
            session.rollback()
            _fail(f"export failed, no file written: {type(exc).__name__}: {exc}")
    audit_cli_export(session, filters, result)
    session.commit()
    merged_note = f" and a merged PDF of {result.merged_pages} pages" if merged else ""
    click.echo(f"Exported {result.count} certificate(s){merged_note} to {out}.")


@main.group()
def audit() -> None:
    """The hash-chained audit log."""


@audit.command("verify")
@click.option(
    "--anchor",
    "anchor_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="A file written by `trainer audit head --append` (repeat for several).",
)
@with_appcontext
def audit_verify(anchor_files: tuple[str, ...]) -> None:
    """Check every entry's hash and link; name the first edited, deleted, inserted or
    reordered entry (exit 1). With --anchor, also a rewritten or cut-off chain."""
    from pathlib import Path

    from trainer.audit import AnchorFileError, read_anchors, verify_chain
    from trainer.db import get_session

    try:
        anchors = [a for name in anchor_files for a in read_anchors(Path(name))]
    except AnchorFileError as exc:
        _fail(str(exc))
    count, problem = verify_chain(get_session(), anchors)
    if problem is not None:
        click.echo(f"audit log: {problem}", err=True)
        sys.exit(1)
    checked = f", {len(anchors)} anchor(s) match" if anchors else ""
    click.echo(f"audit log: {count} entries, chain intact{checked}.")


@audit.command("head")
@click.option(
    "--append",
    "append_to",
    type=click.Path(dir_okay=False, writable=True),
    help="Also append the line to this file (e.g. daily from cron, kept off this server).",
)
@with_appcontext
def audit_head(append_to: str | None) -> None:
    """Print the chain head (TIME ENTRY-ID SHA-256) to keep outside the database."""
    from trainer.audit import chain_head
    from trainer.db import get_session

    head = chain_head(get_session())
    if head is None:
        _fail("the audit log is empty: nothing to anchor yet")
    click.echo(head.line())
    if append_to:
        with open(append_to, "a", encoding="utf-8") as f:
            f.write(head.line() + "\n")


@main.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def backup_command(file: str) -> None:
    """Back up the database (a consistent snapshot while the site runs) and the instance
    files (secret key, a manifest of the export files) into FILE (.tar.gz)."""
    from pathlib import Path

    from trainer.backup import BackupError, backup

    try:
        manifest = backup(current_app._get_current_object(), Path(file))
    except BackupError as exc:
        _fail(str(exc))
    rows = sum(manifest["rows_at_end"].values())
    click.echo(f"Backed up the {manifest['database']} database ({rows} rows) to {file}.")


@main.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def restore_command(file: str) -> None:
    """Restore a backup made by `trainer backup` into an empty database (a non-empty one is
    refused), with the instance files."""
    from pathlib import Path

    from trainer.backup import BackupError, restore

    try:
        manifest = restore(current_app._get_current_object(), Path(file))
    except BackupError as exc:
        _fail(str(exc))
    click.echo(
        f"Restored the backup of {manifest['created_at']} (schema {manifest['revision']}); "
        "run `trainer db upgrade` if this version's schema is newer."
    )


@main.command("worker")
@click.option("--burst", is_flag=True, help="Stop once the queue is empty.")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Run background jobs (bulk exports) from the Redis queue; needs TRAINER_REDIS_URL."""
    from trainer.jobs import run_worker

    if not current_app.config.get("REDIS_URL"):
        _fail(
            "TRAINER_REDIS_URL is not set, so there is no queue to work on: without Redis, "
            "background jobs run inside the web server. Set TRAINER_REDIS_URL=redis://HOST:6379/0 "
            "for the web servers and this worker to share a queue."
        )
    from redis.exceptions import ConnectionError as RedisConnectionError

    try:
        run_worker(current_app._get_current_object(), burst=burst)
    except RedisConnectionError as exc:
        _fail(f"cannot reach Redis at TRAINER_REDIS_URL: {exc}")


@main.command("reminders")
@click.option(
    "--queue",
    "queued",
    is_flag=True,
    help="Put the run on the job queue instead of running it here.",
)
@with_appcontext
def reminders_command(queued: bool) -> None:
    """Daily: assign recertifications, send due-soon and overdue reminders (each once)."""
    from trainer.tracking import notices, reminders

    if current_app.config.get("SMTP_URL"):
        try:
            notices.smtp_settings(current_app.config["SMTP_URL"])
        except ValueError as exc:
            _fail(str(exc))
    if queued:
        from trainer.jobs import enqueue

        job = enqueue(current_app, "tracking.reminders", {}, created_by=None)
        click.echo(f"Queued job {job.id}.")
        return
    from trainer.db import get_session

    click.echo(f"Done: {reminders.run(get_session())}.")


@main.command("create-user")
@click.option("--username", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--store", "stores", multiple=True, help="Store code (repeat for supervisors).")
@click.option("--name", help="Full name (default: the username).")
@click.option("--employee-no")
@click.option("--language", type=click.Choice(["zh", "en"]))
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create_user_command(username, role, stores, name, employee_no, language, password_stdin):
    """Create an account; without --password-stdin a one-time password is printed."""
    from trainer.admin.service import AccountError, create_user, stores_by_code
    from trainer.auth.passwords import password_problem
    from trainer.db import get_session

    password = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        problem = password_problem(password, username, [name or username])
        if problem:
            _fail(f"password from stdin: {problem}")
    session = get_session()
    try:
        new = create_user(
            session,
            username=username,
            name=name or username,
            role=Role(role),
            stores=stores_by_code(session, list(stores)),
            language=language,
            employee_no=employee_no,
            password=password,
        )
    except AccountError as exc:
        _fail(str(exc))
    session.commit()
    click.echo(f"Created {role} {username!r}.")
    if new.password:
        click.echo(f"One-time password (must be changed at first sign-in): {new.password}")


@main.command("demo")
@click.option(
    "--staff",
    default=10,
    show_default=True,
    type=click.IntRange(0, 5000),
    help="Number of demo cashiers.",
)
@click.option(
    "--keep-demo-passwords",
    is_flag=True,
    help="New demo accounts keep their printed password (no change at first sign-in).",
)
@with_appcontext
def demo_command(staff: int, keep_demo_passwords: bool) -> None:
    """Create the demo organisation, stores and accounts once; print the sign-ins.

    Run again, it adds only what is missing: it never changes a password, re-activates an
    account or overwrites anything a person changed.
    """
    from trainer.demo import create_demo

    logins, changed, history = create_demo(staff, keep_passwords=keep_demo_passwords)
    for line in history:
        click.echo(line)
    if logins:
        click.echo(f"\nDemo sign-ins ({current_app.config['BASE_URL']}):")
        width = max(len(u) for u, _, _ in logins)
        for username, password, role in logins:
            click.echo(f"  {role:<11} {username:<{width}}  {password}")
        if not keep_demo_passwords:
            click.echo("Each account asks for a new password at its first sign-in.")
    if changed:
        click.echo("Changed or deactivated since (not reset, not listed): " + ", ".join(changed))


@main.command("bench-data")
@click.option("--staff", default=5000, show_default=True, type=click.IntRange(1, 200_000))
@click.option("--attempts", default=200_000, show_default=True, type=click.IntRange(0, 5_000_000))
@click.option("--seed", default=1, show_default=True, type=int, help="Same seed, same data.")
@click.option("--quiz", "quiz_slug", help="Put every attempt on this quiz (default: all quizzes).")
@with_appcontext
def bench_data_command(staff: int, attempts: int, seed: int, quiz_slug: str | None) -> None:
    """Fill the database with a large organisation and a year of attempts, for benchmarks."""
    import time

    from trainer.db import get_session
    from trainer.reports.benchdata import BenchDataError, build

    started = time.perf_counter()
    try:
        summary = build(
            get_session(),
            staff=staff,
            attempts=attempts,
            seed=seed,
            quiz_slug=quiz_slug,
            progress=lambda message: click.echo(f"  {message}", err=True),
        )
    except BenchDataError as exc:
        _fail(str(exc))
    click.echo(f"Wrote {summary} in {time.perf_counter() - started:.0f} s.")


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, envvar="TRAINER_HOST")
@click.option(
    "--port", default=5000, show_default=True, type=click.IntRange(1, 65535), envvar="TRAINER_PORT"
)
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
def serve_command(host: str, port: int, workers: int) -> None:
    """Serve the site with gunicorn (sync workers), not the Flask development server."""
    from trainer.serve import serve

    serve(host=host, port=port, workers=workers)


def register(app: Flask) -> None:
    """Make the same commands available as `flask --app trainer …`."""
    for name, command in main.commands.items():
        app.cli.add_command(command, name)


def cli_main() -> None:
    """Run the CLI inside an app context created on demand."""
    from flask.cli import ScriptInfo

    from trainer import create_app

    main(obj=ScriptInfo(create_app=lambda *_: create_app()))


if __name__ == "__main__":
    cli_main()
