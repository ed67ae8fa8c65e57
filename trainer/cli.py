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
    """Validate the content tree; print every problem as file:line: message."""
    from pathlib import Path

    from trainer.courses.importer import content_root
    from trainer.domain.content import check_content

    root = Path(path) if path else content_root(current_app)
    problems = check_content(root)
    for problem in problems:
        click.echo(str(problem))
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
    from trainer.domain.gift import GiftError
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
@click.option("--merged", is_flag=True, help="Add all-certificates.pdf (one merged PDF).")
@click.option("--archival", is_flag=True, help="Write PDF/A-3b files for long-term archiving.")
@click.option("--lang", type=click.Choice(["zh", "en"]), help="Certificate language.")
@with_appcontext
def certificates_export(
    out, stores, courses, issued_from, issued_to, status, merged, archival, lang
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
        problem = password_problem(password, username)
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
@with_appcontext
def demo_command(staff: int) -> None:
    """Create a demo organisation with stores and accounts (idempotent); print the logins."""
    from trainer.demo import create_demo

    logins, history = create_demo(staff)
    for line in history:
        click.echo(line)
    click.echo("\nDemo sign-ins (http://127.0.0.1:5000):")
    width = max(len(u) for u, _, _ in logins)
    for username, password, role in logins:
        click.echo(f"  {role:<11} {username:<{width}}  {password}")


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
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
