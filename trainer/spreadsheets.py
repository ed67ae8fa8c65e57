"""CSV and XLSX downloads of tables, streamed so memory does not grow with the rows.

Every export of the site that is a table (team matrix, attempts, item analysis, gap report)
goes through here: a header row (already in the reader's language) and an iterator of rows,
read while the response is sent. CSV is produced chunk by chunk as the rows arrive. XLSX is
written by openpyxl in write-only mode, which spools each row to a temporary file instead of
keeping cells in memory; the finished workbook is then sent from disk in chunks and deleted.

Spreadsheets run a cell that starts with = + - @ (or a tab or carriage return) as a formula;
texts that do are written as plain text (XLSX: typed as a string; CSV: prefixed with an
apostrophe, the usual defence). Cells: a date is written as 2026-03-10; a date and time (a
local time: Excel has no time zones) as 2026-03-10 14:05 in CSV and as a date cell in XLSX;
None as an empty cell.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime

from flask import Response, abort, stream_with_context

#: What a spreadsheet takes for the start of a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
CSV_CHUNK_ROWS = 500
FILE_CHUNK_BYTES = 64 * 1024

Rows = Iterable[Iterable[object]]


def formula_like(value: object) -> bool:
    """Whether a spreadsheet would run ``value`` as a formula."""
    return isinstance(value, str) and value[:1] in FORMULA_START


def safe_cell(value: str) -> str:
    """``value`` as a CSV cell that a spreadsheet shows as text: a leading quote keeps a
    formula-like text from running."""
    return "'" + value if formula_like(value) else value


def _csv_value(value: object) -> object:
    if isinstance(value, str):
        return safe_cell(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else value


def csv_chunks(headers: list[str], rows: Rows) -> Iterator[bytes]:
    """UTF-8 CSV with a byte-order mark (so Excel reads Chinese correctly), in chunks."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(headers)
    for count, row in enumerate(rows, start=1):
        writer.writerow([_csv_value(v) for v in row])
        if count % CSV_CHUNK_ROWS == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def write_xlsx(path: str, headers: list[str], rows: Rows, title: str | None = None) -> int:
    """Write a one-sheet workbook to ``path`` in write-only mode; return the rows written.

    ``title`` names the sheet (cut to Excel's 31 characters); None keeps openpyxl's "Sheet".
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31] or "Report") if title is not None else None
    sheet = sheet or workbook.create_sheet()
    bold = Font(bold=True)
    header_cells = []
    for text in headers:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    count = 0
    for row in rows:
        out = []
        for value in row:
            if isinstance(value, datetime):
                value = value.replace(tzinfo=None)  # Excel has no time zones
            if formula_like(value):
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"  # text, never a formula
                value = cell
            out.append(value)
        sheet.append(out)
        count += 1
    workbook.save(path)
    return count


def xlsx_chunks(headers: list[str], rows: Rows, title: str | None = None) -> Iterator[bytes]:
    """The workbook's bytes, written to a temporary file first and deleted once sent."""
    handle, path = tempfile.mkstemp(suffix=".xlsx", prefix="trainer-export-")
    os.close(handle)
    try:
        write_xlsx(path, headers, rows, title)
        with open(path, "rb") as stream:
            while chunk := stream.read(FILE_CHUNK_BYTES):
                yield chunk
    finally:
        os.unlink(path)


def download(
    fmt: str, name: str, headers: list[str], rows: Rows, title: str | None = None
) -> Response:
    """A streamed CSV or XLSX download ``name.fmt`` (rows are read while it is sent).

    An unknown format answers 404.
    """
    if fmt not in MIMETYPES:
        abort(404)
    body = csv_chunks(headers, rows) if fmt == "csv" else xlsx_chunks(headers, rows, title)
    response = Response(stream_with_context(body), mimetype=MIMETYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    response.headers["Cache-Control"] = "no-store"
    return response
