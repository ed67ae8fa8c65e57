"""Certificates: issuing rules, serials, PDFs, verification, revocation, audit and the API."""

from __future__ import annotations

import json
import re
import subprocess
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.helpers import login_as, post, qr_code_of
from trainer.certificates import service
from trainer.courses.importer import import_tree
from trainer.db import utcnow
from trainer.models import (
    Acknowledgement,
    Attempt,
    AttemptStatus,
    AuditEvent,
    Certificate,
    Course,
    Quiz,
    RevocationReason,
    User,
)

FIXTURE = __import__("pathlib").Path(__file__).parent / "fixtures" / "content"


@pytest.fixture
def course(app, session):
    """The fixture course 'basics' imported, with its quiz."""
    import_tree(app, FIXTURE)
    return session.scalar(select(Course).where(Course.code == "basics"))


def _passed_attempt(session, user, quiz_slug, percent=90.0, when=None):
    quiz = session.scalar(select(Quiz).where(Quiz.slug == quiz_slug))
    number = (
        session.scalar(
            select(func.count(Attempt.id)).where(
                Attempt.user_id == user.id, Attempt.quiz_id == quiz.id
            )
        )
        + 1
    )
    attempt = Attempt(
        quiz_id=quiz.id,
        user_id=user.id,
        number=number,
        pass_mark=80,
        status=AttemptStatus.GRADED,
        percent=percent,
        score=percent,
        max_score=100,
        passed=percent >= 80,
        submitted_at=when or utcnow(),
    )
    session.add(attempt)
    session.flush()
    return attempt


def _acknowledge(session, user, course):
    version = course.current_version
    session.add(
        Acknowledgement(
            user_id=user.id, course_id=course.id, version=version.version, major=version.major
        )
    )
    session.flush()


def test_issued_only_when_every_requirement_is_met(session, people, course):
    user = session.get(User, people["cashier"].user.id)
    quiz_slug = course.current_version.required_quizzes[0]
    assert service.check_and_issue(session, user, course_code="basics") is None  # nothing done
    _acknowledge(session, user, course)
    assert service.check_and_issue(session, user, course_code="basics") is None  # quiz missing
    _passed_attempt(session, user, quiz_slug, percent=70)
    assert service.check_and_issue(session, user, course_code="basics") is None  # quiz failed
    _passed_attempt(session, user, quiz_slug, percent=92)
    certificate = service.check_and_issue(session, user, course_code="basics")
    assert certificate is not None
    assert certificate.course_version == course.current_version.version
    assert certificate.score_percent == 92.0
    assert re.fullmatch(r"TR-\d{4}-\d{6}", certificate.serial)
    assert len(certificate.verify_code) >= 32  # 24 random bytes = 192 bits
    months = course.current_version.certificate_validity_months
    assert certificate.expires_at.date() == service.add_months(certificate.issued_at, months).date()
    # A valid certificate is not issued twice.
    assert service.check_and_issue(session, user, course_code="basics") is None
    assert session.scalar(select(func.count(Certificate.id))) == 1
    assert "certificate.issued" in session.scalars(select(AuditEvent.action)).all()


def test_required_drills_block_issuing_until_drills_exist(session, people, course):
    user = session.get(User, people["cashier"].user.id)
    _acknowledge(session, user, course)
    _passed_attempt(session, user, course.current_version.required_quizzes[0])
    course.current_version.required_drills = ["d1-network-outage"]
    session.flush()
    assert service.check_and_issue(session, user, course_code="basics") is None


def test_revocation_needs_fresh_evidence(session, people, course):
    user = session.get(User, people["cashier"].user.id)
    admin = session.get(User, people["compliance"].user.id)
    _acknowledge(session, user, course)
    _passed_attempt(
        session,
        user,
        course.current_version.required_quizzes[0],
        when=utcnow() - timedelta(minutes=5),
    )
    first = service.check_and_issue(session, user, course_code="basics")
    service.revoke(session, first, reason=RevocationReason.MISCONDUCT, note="x", actor=admin)
    session.commit()
    assert service.check_and_issue(session, user, course_code="basics") is None
    _passed_attempt(
        session,
        user,
        course.current_version.required_quizzes[0],
        when=utcnow() + timedelta(seconds=1),
    )
    assert service.check_and_issue(session, user, course_code="basics") is not None


def test_add_months_handles_month_ends():
    from datetime import datetime

    assert service.add_months(datetime(2026, 1, 31), 1) == datetime(2026, 2, 28)
    assert service.add_months(datetime(2027, 12, 15), 12) == datetime(2028, 12, 15)
    assert service.add_months(datetime(2028, 2, 29), 12) == datetime(2029, 2, 28)


def test_serials_are_unique_under_concurrent_issuing(app, session, people, course):
    """Eight threads, each in its own transaction, issue at once: no serial twice."""
    user_id = people["cashier"].user.id
    version_id = course.current_version.id
    serials, errors = [], []
    barrier = threading.Barrier(8)

    def worker():
        own = app.extensions["sessionmaker"]()
        try:
            user = own.get(User, user_id)
            c = own.get(Course, course.id)
            from trainer.models import CourseVersion

            v = own.get(CourseVersion, version_id)
            barrier.wait()
            for _ in range(5):
                cert = service.issue(own, user, c, v, score=90)
                # one in force at a time (tests/test_certificate_races.py)
                service.revoke(own, cert, reason=RevocationReason.OTHER, note="", actor=user)
                own.commit()
                serials.append(cert.serial)
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            own.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(serials) == 40 and len(set(serials)) == 40


def test_mask_name():
    assert service.mask_name("王喆") == "王*"
    assert service.mask_name("欧阳淼淼") == "欧**淼"
    assert service.mask_name("Sam Taylor") == "S** T*****"


@pytest.fixture
def issued(session, people, course):
    user = session.get(User, people["cashier"].user.id)
    user.name = "李堃"
    session.flush()
    certificate = service.issue(session, user, course, course.current_version, score=95.5)
    session.commit()
    return certificate


def test_verification_states(client, session, people, issued):
    page = client.get(f"/verify/{issued.verify_code}").get_data(as_text=True)
    assert "Valid" in page and "李*" in page and "李堃" not in page
    assert client.get(f"/api/v1/verify/{issued.verify_code}").get_json()["status"] == "valid"
    # expired
    issued.expires_at = utcnow() - timedelta(days=1)
    session.commit()
    assert client.get(f"/api/v1/verify/{issued.verify_code}").get_json()["status"] == "expired"
    # revoked, with the date and reason category
    admin = session.get(User, people["compliance"].user.id)
    service.revoke(
        session, issued, reason=RevocationReason.ISSUED_IN_ERROR, note="private note", actor=admin
    )
    session.commit()
    data = client.get(f"/api/v1/verify/{issued.verify_code}").get_json()
    assert data["status"] == "revoked" and data["revocation_reason"] == "issued_in_error"
    page = client.get(f"/verify/{issued.verify_code}").get_data(as_text=True)
    assert "Issued in error" in page and "private note" not in page


def test_holder_download_of_a_revoked_certificate_is_stamped(
    client, session, people, issued, tmp_path
):
    login_as(client, people["cashier"])
    admin = session.get(User, people["compliance"].user.id)
    service.revoke(session, issued, reason=RevocationReason.LEFT_ORGANISATION, note="", actor=admin)
    session.commit()
    text = _pdf_text(client.get(f"/certificates/{issued.serial}.pdf?lang=en").data, tmp_path)
    assert "REVOKED" in text and "已吊销" in text and "Left the organisation" in text


def test_unknown_codes_and_serial_form(client, issued):
    assert client.get("/verify/not-a-real-code").status_code == 404
    assert client.get("/api/v1/verify/not-a-real-code").status_code == 404
    wrong = post(
        client, "/verify", {"serial": issued.serial, "code": "guess"}, token_from="/verify"
    )
    assert wrong.status_code == 404
    right = post(
        client,
        "/verify",
        {"serial": issued.serial.lower(), "code": issued.verify_code},
        token_from="/verify",
    )
    assert right.location == f"/verify/{issued.verify_code}"


@pytest.fixture
def app_config():
    return {"VERIFY_RATE_LIMIT": "5 per minute"}


def test_verification_is_rate_limited(client, issued):
    codes = [client.get(f"/api/v1/verify/x{i}").status_code for i in range(6)]
    assert codes[:5] == [404] * 5 and codes[5] == 429


def _pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "c.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_holder_downloads_pdf_with_qr_to_verify_url(client, session, people, issued, tmp_path):
    login_as(client, people["cashier"])
    response = client.get(f"/certificates/{issued.serial}.pdf?lang=zh")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    # The two language versions do not overwrite each other in a downloads folder.
    assert f'filename="{issued.serial}-zh.pdf"' in response.headers["Content-Disposition"]
    english = client.get(f"/certificates/{issued.serial}.pdf?lang=en")
    assert f'filename="{issued.serial}-en.pdf"' in english.headers["Content-Disposition"]
    text = _pdf_text(response.data, tmp_path)
    assert "李堃" in text and issued.serial in text
    decoded = qr_code_of(tmp_path / "c.pdf", tmp_path)
    assert decoded == f"http://localhost/verify/{issued.verify_code}"
    assert client.get(decoded.removeprefix("http://localhost")).status_code == 200
    assert "certificate.downloaded" in session.scalars(select(AuditEvent.action)).all()


def test_download_scope(app, session, people, issued):
    for who, expected in [
        ("cashier2", 404),
        ("supervisor", 200),
        ("compliance", 200),
        ("admin", 200),
    ]:
        c = app.test_client()
        login_as(c, people[who])
        assert c.get(f"/certificates/{issued.serial}.pdf").status_code == expected, who


def test_compliance_revokes_and_reissues_through_pages(client, session, people, issued):
    login_as(client, people["compliance"])
    detail = f"/certificates/manage/{issued.serial}"
    assert issued.serial in client.get("/certificates/manage").get_data(as_text=True)
    no_reason = post(
        client, f"{detail}/revoke", {"reason": ""}, token_from=detail, follow_redirects=True
    )
    assert "Choose a reason" in no_reason.get_data(as_text=True)
    post(client, f"{detail}/revoke", {"reason": "misconduct", "note": "n"}, token_from=detail)
    session.expire_all()
    assert service.status_of(session.get(Certificate, issued.id)) == "revoked"
    second = post(
        client,
        f"{detail}/revoke",
        {"reason": "misconduct"},
        token_from=detail,
        follow_redirects=True,
    )
    assert "already revoked" in second.get_data(as_text=True)
    reissued = post(client, f"{detail}/reissue", token_from=detail)
    new_serial = reissued.location.rsplit("/", 1)[1]
    new = session.scalar(select(Certificate).where(Certificate.serial == new_serial))
    assert new.replaces_id == issued.id and service.status_of(new) == "valid"
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.target_type == "certificate")
    ).all()
    assert {"certificate.issued", "certificate.revoked", "certificate.reissued"} <= set(actions)


def test_supervisor_cannot_revoke(client, people, issued):
    login_as(client, people["supervisor"])
    assert client.get(f"/certificates/manage/{issued.serial}").status_code == 200
    assert (
        post(
            client, f"/certificates/manage/{issued.serial}/revoke", {"reason": "misconduct"}
        ).status_code
        == 403
    )


def test_api_with_tokens(app, client, session, people, issued):
    from trainer.api.tokens import create_client

    admin = session.get(User, people["admin"].user.id)
    api_client, token = create_client(session, "HR system", actor=admin)
    session.commit()
    assert client.get("/api/v1/certificates").status_code == 401
    assert (
        client.get(
            "/api/v1/certificates", headers={"Authorization": "Bearer trn_wrong"}
        ).status_code
        == 401
    )
    auth = {"Authorization": f"Bearer {token}"}
    listing = client.get("/api/v1/certificates?per_page=10", headers=auth).get_json()
    assert listing["total"] == 1 and listing["data"][0]["serial"] == issued.serial
    assert listing["data"][0]["holder"]["employee_no"] == "E-cashier"
    one = client.get(f"/api/v1/certificates/{issued.serial}", headers=auth).get_json()
    assert one["status"] == "valid" and one["pdf_url"].endswith(f"{issued.serial}.pdf")
    pdf = client.get(f"/api/v1/certificates/{issued.serial}.pdf", headers=auth)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    later = (utcnow() + timedelta(minutes=1)).isoformat()
    assert (
        client.get(f"/api/v1/certificates?updated_since={later}", headers=auth).get_json()["total"]
        == 0
    )
    bad = client.get("/api/v1/certificates?updated_since=yesterday", headers=auth)
    assert bad.status_code == 400 and "ISO 8601" in bad.get_json()["message"]
    assert client.get("/api/v1/certificates/TR-0000-000000", headers=auth).status_code == 404
    # a session (even an admin's) does not open the API
    login_as(client, people["admin"])
    assert client.get("/api/v1/certificates").status_code == 401
    from trainer.api.tokens import revoke_client

    revoke_client(session, session.get(type(api_client), api_client.id), actor=admin)
    session.commit()
    assert client.get("/api/v1/certificates", headers=auth).status_code == 401
    json.dumps(listing)  # serialisable as it came


def test_admin_creates_api_token_page(client, session, people):
    login_as(client, people["admin"])
    page = post(
        client, "/admin/api-clients", {"name": "Audit tool"}, token_from="/admin/api-clients"
    ).get_data(as_text=True)
    token = re.search(r'<code class="secret">(trn_[^<]+)</code>', page).group(1)
    assert (
        client.get("/api/v1/certificates", headers={"Authorization": f"Bearer {token}"}).status_code
        == 200
    )


def test_api_page_documents_the_endpoints_with_a_working_example(client, people, issued):
    """The page shows the endpoints and an example whose fields are those the API really sends."""
    import html

    login_as(client, people["admin"])
    page = post(
        client, "/admin/api-clients", {"name": "Audit tool"}, token_from="/admin/api-clients"
    ).get_data(as_text=True)
    token = re.search(r'<code class="secret">(trn_[^<]+)</code>', page).group(1)
    for endpoint in ("/api/v1/certificates", "/api/v1/certificates/&lt;serial&gt;.pdf"):
        assert endpoint in page
    assert "README" not in page
    # The example request names this site and the token just created.
    assert f'curl -H "Authorization: Bearer {token}"' in page
    assert "http://localhost/api/v1/certificates?status=valid" in page
    samples = re.findall(r'<pre class="sample"[^>]*><code>(\{.*?)</code></pre>', page, re.S)
    example = json.loads(html.unescape(samples[0]))
    real = client.get("/api/v1/certificates", headers={"Authorization": f"Bearer {token}"}).json
    assert example.keys() == real.keys()
    assert example["data"][0].keys() == real["data"][0].keys()
    assert example["data"][0]["holder"].keys() == real["data"][0]["holder"].keys()


def test_profile_lists_the_holders_certificates(client, people, issued):
    login_as(client, people["cashier"])
    page = client.get("/profile").get_data(as_text=True)
    assert issued.serial in page and f"/certificates/{issued.serial}.pdf" in page


def test_dates_follow_the_stores_time_zone(app, session, people, course):
    """Issued at 20:30 UTC is the next morning in Shanghai: page, JSON and PDF all say so."""
    from datetime import UTC, datetime

    from trainer.certificates.views import verification

    user = session.get(User, people["cashier"].user.id)
    late = datetime(2026, 12, 1, 20, 30, tzinfo=UTC)
    certificate = service.issue(
        session, user, course, course.current_version, score=90, issued_at=late
    )
    session.commit()
    with app.app_context():
        app.config["TIMEZONE"] = "Asia/Shanghai"
        assert verification(session, certificate)["issued"] == "2026-12-02"
        data = service.pdf_data(session, certificate, base_url="http://x", lang="en")
        assert data.issued_on.isoformat() == "2026-12-02"
        app.config["TIMEZONE"] = "UTC"
        assert verification(session, certificate)["issued"] == "2026-12-01"
