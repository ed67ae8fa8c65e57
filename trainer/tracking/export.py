"""CSV and XLSX exports of the team matrix and of attempts, streamed.

Attempts are read from the database in batches (``yield_per``) and written as they come: CSV
goes straight to the response; XLSX is written by openpyxl in write-only mode (rows go to a
temporary file, not memory), then sent in chunks and deleted. Memory stays flat whatever the
number of rows. Headers and values are in the reader's language.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable, Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Response, abort, current_app, stream_with_context
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from trainer.i18n import localised, percent
from trainer.models import Attempt, AttemptStatus, Quiz, Store, TargetKind, User, user_stores
from trainer.spreadsheets import formula_like, safe_cell
from trainer.tracking.labels import cell_detail, state_label
from trainer.tracking.matrix import Matrix
from trainer.tracking.service import staff_query

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
BATCH = 1000
CHUNK = 64 * 1024


def matrix_table(built: Matrix) -> tuple[list[str], Iterator[list]]:
    """Headers and rows of the team matrix: one column per assigned item."""
    headers = [_("Employee number"), _("Name"), _("Store")] + [
        localised(c.item.title) for c in built.columns
    ]

    def rows():
        for row in built.rows:
            cells = []
            for column in built.columns:
                cell = row.cells.get(column.item.key)
                if cell is None:
                    cells.append("")
                    continue
                detail = cell_detail(cell)
                cells.append(state_label(cell.state) + (f" ({detail})" if detail else ""))
            yield [row.employee_no or "", row.name, row.store_code, *cells]

    return headers, rows()


_STATUS = {
    AttemptStatus.IN_PROGRESS: "In progress",
    AttemptStatus.AWAITING_REVIEW: "Awaiting review",
    AttemptStatus.GRADED: "Graded",
}


def attempt_rows(
    session: Session, viewer: User, store_id: int | None, item_key: str | None
) -> tuple[list[str], Iterator[list]]:
    """Every attempt of the staff in view, oldest person first; for one quiz or course's quizzes."""
    query = (
        select(
            User.employee_no,
            User.name,
            Store.code,
            Quiz.title,
            Attempt.number,
            Attempt.status,
            Attempt.started_at,
            Attempt.submitted_at,
            Attempt.percent,
            Attempt.passed,
        )
        .join(User, User.id == Attempt.user_id)
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .outerjoin(user_stores, user_stores.c.user_id == User.id)
        .outerjoin(Store, Store.id == user_stores.c.store_id)
        .where(Attempt.user_id.in_(staff_query(viewer, store_id)))
        .order_by(User.name, User.id, Attempt.started_at, Attempt.id)
    )
    if item_key:
        kind, _sep, ref = item_key.partition(":")
        if kind == TargetKind.QUIZ:
            query = query.where(Quiz.slug == ref)
        elif kind == TargetKind.COURSE:
            query = query.where(Quiz.course_code == ref)
        else:
            query = query.where(False)
    headers = [
        _("Employee number"),
        _("Name"),
        _("Store"),
        _("Quiz"),
        _("Attempt"),
        _("Status"),
        _("Started"),
        _("Submitted"),
        _("Score"),
        _("Passed"),
    ]
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    yes, no = _("Yes"), _("No")
    statuses = {k: _(v) for k, v in _STATUS.items()}

    def local(moment: datetime | None):
        return moment.astimezone(zone).replace(tzinfo=None) if moment else None

    def lines(result):
        for number, name, code, title, n, status, started, submitted, score, passed in result:
            yield [
                number or "",
                name,
                code or "",
                localised(title),
                n,
                statuses.get(status, str(status)),
                local(started),
                local(submitted),
                percent(score) if score is not None else "",
                "" if passed is None else (yes if passed else no),
            ]

    def rows():
        # Runs while the response is sent, after the request's teardown has closed ``session``:
        # reading reopens it, so it is closed here again (also when the download is cut off),
        # or its connection would stay checked out, idle in a transaction.
        try:
            yield from lines(session.execute(query.execution_options(yield_per=BATCH)))
        finally:
            session.close()

    return headers, rows()


def _text(value) -> object:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return safe_cell(value) if isinstance(value, str) else value


def _csv(headers: list[str], rows: Iterable[list]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    yield ("\ufeff" + buffer.getvalue()).encode()  # BOM: Excel then reads UTF-8
    buffer.seek(0)
    buffer.truncate()
    for i, row in enumerate(rows, 1):
        writer.writerow([_text(v) for v in row])
        if i % BATCH == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def write_xlsx(path: str, headers: list[str], rows: Iterable[list]) -> None:
    """Write a one-sheet workbook in openpyxl's write-only mode (rows are not kept in memory)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    bold = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = Font(bold=True)
        bold.append(cell)
    sheet.append(bold)
    for row in rows:
        sheet.append([_xlsx_value(sheet, value) for value in row])
    book.save(path)


def _xlsx_value(sheet, value):
    """A formula-like text (a name starting with =) as a text cell, not a formula."""
    from openpyxl.cell import WriteOnlyCell

    if not formula_like(value):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


def _xlsx(headers: list[str], rows: Iterable[list]) -> Iterator[bytes]:
    fd, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(fd)
    try:
        write_xlsx(path, headers, rows)
        with open(path, "rb") as f:
            while chunk := f.read(CHUNK):
                yield chunk
    finally:
        os.unlink(path)


def respond(fmt: str, name: str, headers: list[str], rows: Iterator[list]) -> Response:
    """A streamed download of ``rows`` as CSV or XLSX; an unknown format answers 404."""
    if fmt not in FORMATS:
        abort(404)
    body = _csv(headers, rows) if fmt == "csv" else _xlsx(headers, rows)
    return Response(
        stream_with_context(body),
        mimetype=FORMATS[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
    )
