"""The compliance gap report: reasons, scope, filters and paging, on both databases."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.helpers import login_as
from tests.test_export import certs  # noqa: F401 (a fixture: four certificates, two courses)
from trainer.db import utcnow
from trainer.models import Course, User
from trainer.reports import gaps
from trainer.reports.scope import report_scope


def _reasons(session, viewer, code: str, **kw) -> dict[str, str]:
    course = session.scalar(select(Course).where(Course.code == code))
    scope = report_scope(session, session.get(User, viewer.user.id), kw.pop("store", ""))
    query = gaps.gap_query(
        course, scope, days=kw.pop("days", 30), reasons=kw.pop("reasons", gaps.GAPS)
    )
    return {row.name: row.reason for row in gaps.gap_page(session, query, 1, 100)}


def test_each_reason(session, people, certs):  # noqa: F811
    everyone = _reasons(session, people["compliance"], "emergency")
    assert everyone == {
        "王喆": "expired",
        "张伟": "revoked",
        "李堃": "never",
        "Test cashier": "never",
        "Test cashier2": "never",
    }
    # Valid for more than 30 days: not a gap, unless asked for.
    card = _reasons(session, people["compliance"], "card-security", reasons=gaps.REASONS)
    assert card["王喆"] == "ok" and card["李堃"] == "ok" and card["张伟"] == "never"
    certs["li_card"].expires_at = utcnow() + timedelta(days=10)
    session.commit()
    assert _reasons(session, people["compliance"], "card-security")["李堃"] == "expiring"
    assert "李堃" not in _reasons(session, people["compliance"], "card-security", days=5)
    assert _reasons(session, people["compliance"], "card-security", reasons=("expiring",)) == {
        "李堃": "expiring"
    }


def test_scope_and_page(client, session, people, certs):  # noqa: F811
    mine = _reasons(session, people["supervisor"], "emergency")
    assert set(mine) == {"王喆", "张伟", "Test cashier"}  # S1 only
    login_as(client, people["supervisor"])
    html = client.get("/reports/gaps?course=emergency").get_data(as_text=True)
    assert "张伟" in html and "李堃" not in html
    assert "Revoked" in html and "Never certified" in html
    assert client.get("/reports/gaps?course=emergency&store=S2").status_code == 404
    assert client.get("/reports/gaps?course=nope").status_code == 404
    assert client.get("/reports/gaps?course=emergency&within=abc").status_code == 200


def test_exports_keep_the_filters_and_the_language(app, client, session, people, certs):  # noqa: F811
    import csv
    import io

    from openpyxl import load_workbook

    login_as(client, people["supervisor"])
    response = client.get("/reports/gaps/export?course=emergency&format=csv")
    assert response.status_code == 200 and response.is_streamed
    assert 'filename="certificate-gaps-emergency-' in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:5] == ["Name", "Employee number", "Store", "Course", "Gap"]
    assert sorted(r[0] for r in rows[1:]) == sorted(["王喆", "张伟", "Test cashier"])
    # The rows were read while streaming, and that session was closed afterwards (a session
    # left open holds a transaction, and on PostgreSQL its locks).
    assert app.extensions["engine"].pool.checkedout() == 0
    assert {r[0]: r[4] for r in rows[1:]}["张伟"] == "Revoked"
    assert (
        client.get("/reports/gaps/export?course=emergency&store=S2&format=csv").status_code == 404
    )
    assert client.get("/reports/gaps/export?course=emergency&format=pdf").status_code == 404

    zh = app.test_client()
    login_as(zh, people["compliance"])
    session.get(User, people["compliance"].user.id).language = "zh"
    session.commit()
    response = zh.get("/reports/gaps/export?course=emergency&format=xlsx&reason=never")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    values = list(sheet.values)
    assert values[0][0] == "姓名"
    assert {v[0] for v in values[1:]} == {"李堃", "Test cashier", "Test cashier2"}


def test_a_formula_in_a_name_stays_text(client, session, people, certs):  # noqa: F811
    import io

    from openpyxl import load_workbook

    cashier = session.get(User, people["cashier"].user.id)
    cashier.name = '=HYPERLINK("http://evil")'
    session.commit()
    login_as(client, people["compliance"])
    csv_text = client.get("/reports/gaps/export?course=emergency").get_data(as_text=True)
    assert "'=HYPERLINK" in csv_text
    data = client.get("/reports/gaps/export?course=emergency&format=xlsx").get_data()
    cells = [c for row in load_workbook(io.BytesIO(data)).active.iter_rows() for c in row]
    formula = next(c for c in cells if str(c.value).startswith("=HYPERLINK"))
    assert formula.data_type == "s"
