"""The one CSV/XLSX writer every table export uses (trainer.spreadsheets)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

from openpyxl import load_workbook

from trainer import spreadsheets

ROW = [
    "Li Na",
    "=1+1",
    date(2026, 3, 10),
    datetime(2026, 3, 10, 14, 5, 59),
    None,
    87.5,
    3,
]


def test_csv_cells_as_the_exports_always_wrote_them():
    text = b"".join(spreadsheets.csv_chunks(["a"] * len(ROW), [ROW] * 1201)).decode("utf-8")
    assert text.startswith("\ufeff")  # Excel then reads UTF-8 (Chinese names)
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert len(rows) == 1202  # the header and every row across several chunks
    assert rows[1] == ["Li Na", "'=1+1", "2026-03-10", "2026-03-10 14:05", "", "87.5", "3"]


def test_xlsx_cells_and_sheet_name(tmp_path):
    path = tmp_path / "out.xlsx"
    aware = [*ROW[:3], datetime(2026, 3, 10, 14, 5, tzinfo=UTC), *ROW[4:]]
    assert spreadsheets.write_xlsx(str(path), ["h"] * len(ROW), [aware], "Item analysis") == 1
    sheet = load_workbook(path)["Item analysis"]
    cells = [c.value for c in sheet[2]]
    assert cells[:2] == ["Li Na", "=1+1"] and sheet["B2"].data_type == "s"
    assert cells[3] == datetime(2026, 3, 10, 14, 5)
    assert sheet["A1"].font.bold
    spreadsheets.write_xlsx(str(path), ["h"], [["x"]])
    assert load_workbook(path).sheetnames == ["Sheet"]  # the tracking exports' sheet, as before
