"""Team matrix and attempts exports: CSV and XLSX, filters, reader's language, flat memory."""

from __future__ import annotations

import csv
import io
import tracemalloc
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from tests.helpers import csrf_token, login_as
from tests.test_certificates import FIXTURE, _passed_attempt
from trainer import spreadsheets
from trainer.courses.importer import import_tree
from trainer.models import User
from trainer.tracking import service


@pytest.fixture
def assigned(app, session, people, stores):
    import_tree(app, FIXTURE)
    compliance = session.get(User, people["compliance"].user.id)
    due = service.today() + timedelta(days=5)
    for key in ("course:basics", "quiz:basics-quiz"):
        service.assign(
            session,
            compliance,
            service.parse_item(session, key),
            due,
            stores=[stores["S1"], stores["S2"]],
        )
    for name, percent in (("cashier", 55.0), ("cashier2", 92.5)):
        _passed_attempt(session, session.get(User, people[name].user.id), "basics-quiz", percent)
    session.commit()


def _body(response) -> bytes:
    """A streamed download's bytes; closing the response ends its request (and session), as a
    WSGI server does after sending it."""
    assert response.status_code == 200
    assert response.is_streamed
    try:
        return response.get_data()
    finally:
        response.close()


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(_body(response).decode("utf-8-sig"))))


def test_team_csv_and_xlsx_follow_the_scope_and_filters(client, people, assigned):
    login_as(client, people["supervisor"])
    rows = _csv_rows(client.get("/team/export.csv"))
    assert rows[0] == ["Employee number", "Name", "Store", "Till basics", "Till basics quiz"]
    assert [r[1] for r in rows[1:]] == ["Test cashier"]  # not the other store's cashier
    assert rows[1][4].startswith("Failed (best 55%")
    sheet = load_workbook(io.BytesIO(_body(client.get("/team/export.xlsx")))).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == rows[0]
    assert values[1][:3] == ["E-cashier", "Test cashier", "S1"]
    assert client.get("/team/export.pdf").status_code == 404
    assert client.get("/team/export.csv?store=S2").status_code == 404


def test_attempts_export_with_filters_and_in_chinese(client, people, assigned):
    login_as(client, people["compliance"])
    rows = _csv_rows(client.get("/team/attempts.csv?item=quiz:basics-quiz"))
    assert rows[0][:4] == ["Employee number", "Name", "Store", "Quiz"]
    assert sorted((r[1], r[8], r[9]) for r in rows[1:]) == [
        ("Test cashier", "55%", "No"),
        ("Test cashier2", "92.5%", "Yes"),
    ]
    only_s2 = _csv_rows(client.get("/team/attempts.csv?store=S2"))
    assert [r[1] for r in only_s2[1:]] == ["Test cashier2"]
    assert _csv_rows(client.get("/team/attempts.csv?item=drill:none")) == [rows[0]]
    client.post("/language", data={"language": "zh", "csrf_token": csrf_token(client, "/")})
    zh = _csv_rows(client.get("/team/attempts.csv"))
    assert zh[0][:3] == ["工号", "姓名", "门店"]
    sheet = load_workbook(io.BytesIO(_body(client.get("/team/attempts.xlsx")))).active
    assert [c.value for c in next(sheet.iter_rows())][:3] == ["工号", "姓名", "门店"]


def _peak(write, rows: int) -> int:
    def many():
        for i in range(rows):
            yield [f"E{i:06d}", f"Person {i}", "S1", "Basics quiz", 1, "Graded", None, None, "80%"]

    tracemalloc.start()
    try:
        write(many())
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_memory_does_not_grow_with_rows(tmp_path, fmt):
    """Ten times the rows, about the same peak memory (the rows are never all held)."""
    headers = ["a", "b", "c", "d", "e", "f", "g", "h", "i"]

    def write(rows):
        if fmt == "csv":
            for _chunk in spreadsheets.csv_chunks(headers, rows):
                pass
        else:
            spreadsheets.write_xlsx(str(tmp_path / "out.xlsx"), headers, rows)

    small, large = _peak(write, 2_000), _peak(write, 20_000)
    assert large < small * 2, (small, large)


def test_formula_like_names_stay_text(tmp_path):
    """A name such as "=HYPERLINK(...)" must not run as a formula in either format."""
    name = '=HYPERLINK("http://example.com","x")'
    csv_text = b"".join(spreadsheets.csv_chunks(["name"], [[name]])).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(csv_text)))[1] == [f"'{name}"]
    path = tmp_path / "names.xlsx"
    spreadsheets.write_xlsx(str(path), ["name"], [[name]])
    cell = load_workbook(path).active["A2"]
    assert cell.value == name and cell.data_type == "s"
