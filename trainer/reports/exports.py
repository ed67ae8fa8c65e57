"""CSV and XLSX downloads of report tables, streamed so memory does not grow with the rows.

A table is a header row (already in the reader's language) and an iterator of rows. CSV is
produced chunk by chunk as the rows arrive from the database. XLSX is written by openpyxl in
write-only mode, which spools each row to a temporary file instead of keeping cells in
memory; the finished workbook is then sent from disk in chunks and deleted.

Spreadsheets run a cell that starts with = + - @ as a formula; texts that do are written as
plain text (XLSX: typed as a string; CSV: prefixed with an apostrophe, the usual defence).
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime

from trainer.spreadsheets import formula_like, safe_cell

CSV_CHUNK_ROWS = 500
FILE_CHUNK_BYTES = 64 * 1024
MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _csv_value(value: object) -> object:
    if isinstance(value, str):
        return safe_cell(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return "" if value is None else value


def csv_chunks(headers: list[str], rows: Iterable[Iterable[object]]) -> Iterator[bytes]:
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


def write_xlsx(path: str, title: str, headers: list[str], rows: Iterable[Iterable[object]]) -> int:
    """Write a one-sheet workbook to ``path`` in write-only mode; return the rows written."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31] or "Report")
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


def xlsx_chunks(
    title: str, headers: list[str], rows: Iterable[Iterable[object]]
) -> Iterator[bytes]:
    """The workbook's bytes, written to a temporary file first and deleted once sent."""
    handle, path = tempfile.mkstemp(suffix=".xlsx", prefix="trainer-report-")
    os.close(handle)
    try:
        write_xlsx(path, title, headers, rows)
        with open(path, "rb") as stream:
            while chunk := stream.read(FILE_CHUNK_BYTES):
                yield chunk
    finally:
        os.unlink(path)


def chunks(fmt: str, title: str, headers: list[str], rows: Iterable[Iterable[object]]):
    """CSV or XLSX chunks of a table."""
    if fmt == "xlsx":
        return xlsx_chunks(title, headers, rows)
    return csv_chunks(headers, rows)
