"""Moodle GIFT files into question banks and back: the CLI, the upload page, quizzes.

The counts for Moodle's own fixtures are Moodle's ("Importing 9 questions", "Importing 4
questions"); tests/domain/questions/test_gift.py checks the parser itself.
"""

from __future__ import annotations

import json
import re
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.helpers import csrf_token, login_as
from trainer.domain import questions as grading
from trainer.models import AttemptStatus, AuditEvent, Question, QuestionBank, Quiz
from trainer.quizzes import service

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "gift"
MOODLE = FIXTURES / "moodle_questions.gift.txt"
IN_CATEGORY = FIXTURES / "moodle_questions_in_category.gift.txt"
EXAMPLES = FIXTURES / "moodle_examples.gift.txt"
MALFORMED = FIXTURES / "malformed.gift"
TRICKY = FIXTURES / "tricky.gift"

NO_TYPES = dict.fromkeys(
    ["multichoice", "truefalse", "shortanswer", "numerical", "matching", "essay", "description"],
    0,
)


def cli(app, *args: str):
    """Run ``trainer ARGS`` against the test app; stdout and stderr come back separately."""
    return app.test_cli_runner().invoke(args=list(args))


def import_cli(app, path: Path | str, bank: str, *extra: str):
    return cli(app, "content", "import-gift", str(path), "--bank", bank, *extra)


def bank_questions(session, slug: str, *, active_only: bool = True) -> dict[str, Question]:
    session.expire_all()
    query = select(Question).join(QuestionBank).where(QuestionBank.slug == slug)
    if active_only:
        query = query.where(Question.active)
    return {q.qid: q for q in session.scalars(query.order_by(Question.position))}


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def moodle_warnings(name: str) -> list[str]:
    return [
        f"{name}:11: the subquestion is [moodle] but the question is [html]; "
        "trainer renders the whole question as html",
        f"{name}:12: the subquestion is [plain] but the question is [html]; "
        "trainer renders the whole question as html",
        f"{name}:13: the subquestion is [markdown] but the question is [html]; "
        "trainer renders the whole question as html",
        f"{name}:21: the feedback is [html] but the question is [moodle]; "
        "trainer renders the whole question as moodle",
        f"{name}:22: the answer is [plain] but the question is [moodle]; "
        "trainer renders the whole question as moodle",
        f"{name}:29: the feedback is [html] but the question is [moodle]; "
        "trainer renders the whole question as moodle",
        f"{name}:31: the answer is [plain] but the question is [moodle]; "
        "trainer renders the whole question as moodle",
        f"{name}:41: '*' in the answer '*' is a wildcard in Moodle; trainer compares short "
        "answers ignoring punctuation, so there it is not a wildcard",
    ]


MALFORMED_PROBLEMS = [
    "3: could not find {...} around answers: '{' is never closed",
    "5: could not find {...} around answers: '}' without '{'",
    "9: matching answer '=two 2' has no '->'",
    "13: not a number: 'abc'",
    "15: the tolerance is not a number: 'x'",
    "19: weight 33% is not one of Moodle's grades (nearest: 33.33333%)",
    "20: bad answer weight '%--50%'",
    "23: not enough answers: multiple choice needs at least 2",
    "25: one of the answers must be worth 100% so that full marks are possible",
    "27: no answers found for numerical question (Moodle drops a lone '0' "
    "before the first '='; write {#=0})",
    "29: could not find {...} around answers: '}' comes before '{'",
    "31: the subquestion 'c' has no matching answer",
    "33: not a number: 'x' in the range '1..x'",
]


# ---------------------------------------------------------------------------------------------
# The CLI
# ---------------------------------------------------------------------------------------------


def test_cli_json_report_has_moodles_counts(app, session):
    result = import_cli(app, MOODLE, "moodle-demo", "--json")
    assert result.exit_code == 0, result.output
    expected = {
        "bank": "moodle-demo",
        "imported": 9,  # Moodle: "Importing 9 questions from file"
        "by_type": {
            "multichoice": 2,
            "truefalse": 3,
            "shortanswer": 1,
            "numerical": 1,
            "matching": 1,
            "essay": 1,
            "description": 0,
        },
        "categories": [],
        "warnings": moodle_warnings(str(MOODLE)),
    }
    assert result.stdout == json.dumps(expected, ensure_ascii=False) + "\n"
    assert json.loads(result.stdout) == expected
    assert result.stderr == ""

    bank = session.scalar(select(QuestionBank).where(QuestionBank.slug == "moodle-demo"))
    assert (bank.origin, bank.title) == ("gift", {"zh": "moodle-demo", "en": "moodle-demo"})
    rows = bank_questions(session, "moodle-demo")
    assert list(rows) == [
        "q8",
        "moodle-activities",
        "q2",
        "colours",
        "q5",
        "shortanswer",
        "q1",
        "2-08-tsl",
        "2-08-tsl-2",
    ]
    assert [rows[q].type for q in rows] == [
        "essay",
        "matching",
        "single",
        "multiple",
        "numeric",
        "short",
        "truefalse",
        "truefalse",
        "truefalse",
    ]
    assert all(q.data["id"] == q.qid and q.points == 1.0 for q in rows.values())
    assert rows["moodle-activities"].data["format"] == "html"
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "gift.imported"))
    assert event.details["imported"] == 9 and event.details["added"] == 9


def test_cli_text_report(app):
    result = import_cli(app, MOODLE, "moodle-demo")
    assert result.exit_code == 0
    assert result.stdout == "Importing 9 questions into moodle-demo.\n"
    assert result.stderr.count("warning: ") == 8


def test_cli_categories_are_not_counted_and_name_the_bank(app, session):
    result = import_cli(app, IN_CATEGORY, "greetings", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "bank": "greetings",
        "imported": 4,  # Moodle: "Importing 4 questions"; the $CATEGORY: switch is not one
        "by_type": NO_TYPES | {"matching": 1, "multichoice": 1, "shortanswer": 1, "truefalse": 1},
        "categories": ["$course$/Default for New Features"],
        "warnings": [],
    }
    bank = session.scalar(select(QuestionBank).where(QuestionBank.slug == "greetings"))
    assert bank.title == {"zh": "Default for New Features", "en": "Default for New Features"}
    rows = bank_questions(session, "greetings")
    assert len(rows) == 4
    assert {q.data["category"] for q in rows.values()} == {"$course$/Default for New Features"}


def test_cli_moodle_examples_and_descriptions(app, session):
    result = import_cli(app, EXAMPLES, "examples", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["imported"] == 43
    assert report["by_type"] == NO_TYPES | {
        "multichoice": 18,
        "truefalse": 5,
        "shortanswer": 9,
        "numerical": 8,
        "matching": 3,
    }
    result = import_cli(app, TRICKY, "tricky", "--json")
    report = json.loads(result.stdout)
    assert (report["imported"], report["by_type"]["description"]) == (21, 2)
    intro = bank_questions(session, "tricky")["intro"]
    assert (intro.type, intro.points) == ("description", 0.0)
    # Untitled questions are numbered after the bank.
    assert "examples-1" in bank_questions(session, "examples")


def test_cli_malformed_file_prints_every_problem_and_imports_nothing(app, session):
    before = import_cli(app, MOODLE, "moodle-demo")
    assert before.exit_code == 0
    rows_before = {
        qid: (q.id, q.content_hash) for qid, q in bank_questions(session, "moodle-demo").items()
    }
    events = count(session, AuditEvent)

    for bank in ("moodle-demo", "fresh-bank"):
        result = import_cli(app, MALFORMED, bank, "--json")
        assert result.exit_code == 1
        assert result.stdout == ""
        lines = result.stderr.splitlines()
        assert lines[:-1] == [f"{MALFORMED}:{p}" for p in MALFORMED_PROBLEMS]
        assert "13 problem(s); nothing was imported." in lines[-1]

    session.expire_all()
    assert session.scalar(select(QuestionBank).where(QuestionBank.slug == "fresh-bank")) is None
    after = {
        qid: (q.id, q.content_hash) for qid, q in bank_questions(session, "moodle-demo").items()
    }
    assert after == rows_before
    assert count(session, Question) == 9
    assert count(session, AuditEvent) == events


def test_cli_refuses_a_file_that_is_not_utf8(app, session, tmp_path):
    path = tmp_path / "latin.gift"
    path.write_bytes("::Q::Caf\u00e9?{T}\n".encode("cp1252"))
    result = import_cli(app, path, "latin")
    assert result.exit_code == 1
    assert f"{path}:1: the file is not UTF-8 (byte 0xe9)" in result.stderr
    assert count(session, QuestionBank) == 0


def test_ids_are_unique_within_a_bank_so_one_file_imports_into_two_banks(app, session):
    """Issue #16: Moodle's question names need not be unique; ours are unique per bank."""
    assert import_cli(app, MOODLE, "first").exit_code == 0
    # Both files have a question titled "Moodle activities", and MOODLE goes in twice.
    assert import_cli(app, IN_CATEGORY, "second").exit_code == 0, "shared title"
    assert import_cli(app, MOODLE, "third").exit_code == 0, "the same file again"
    session.expire_all()
    first, third = bank_questions(session, "first"), bank_questions(session, "third")
    assert set(first) == set(third) and len(first) == 9
    assert "moodle-activities" in bank_questions(session, "second")
    assert all(first[qid].id != third[qid].id for qid in first)
    # Importing one bank again updates that bank only: the others keep their rows as they are.
    again = import_cli(app, MOODLE, "first")
    assert again.exit_code == 0
    session.expire_all()
    assert {q: r.id for q, r in bank_questions(session, "third").items()} == {
        q: r.id for q, r in third.items()
    }
    assert all(r.active for r in bank_questions(session, "third").values())


def test_a_gift_bank_may_reuse_a_content_question_id(app, session, tmp_path):
    """A content quiz's fixed question still names the content question, not the GIFT one."""
    from trainer.courses.importer import import_tree
    from trainer.quizzes.drawing import drawable

    import_tree(app, Path(__file__).parent / "fixtures" / "content")
    path = tmp_path / "reuse.gift"
    # basics-quiz names b-rerun-truefalse as a fixed question.
    path.write_text("::b-rerun-truefalse::A GIFT question with a content id {T}\n")
    result = import_cli(app, path, "reuse")
    assert result.exit_code == 0, result.stderr
    session.expire_all()
    rows = session.scalars(select(Question).where(Question.qid == "b-rerun-truefalse")).all()
    assert sorted(r.bank.origin for r in rows) == ["content", "gift"]
    content = next(r for r in rows if r.bank.origin == "content")
    quiz = session.scalar(select(Quiz).where(Quiz.slug == "basics-quiz"))
    assert drawable(session, quiz).fixed["b-rerun-truefalse"][0] == content.id
    # And the content can be imported again alongside the GIFT bank.
    import_tree(app, Path(__file__).parent / "fixtures" / "content")


def test_refuses_content_banks_and_bad_bank_names(app, session):
    session.add(QuestionBank(slug="payment-errors", title={"zh": "付款", "en": "Payments"}))
    session.commit()
    result = import_cli(app, MOODLE, "payment-errors")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        f"{MOODLE}:1: bank 'payment-errors' holds content questions (from "
        "quizzes/banks/payment-errors.yaml); a GIFT file can only be imported into a GIFT bank"
    )
    result = import_cli(app, MOODLE, "Not_A_Slug")
    assert result.exit_code == 1
    assert f"{MOODLE}:1: bank 'Not_A_Slug': a bank name is lowercase letters" in result.stderr
    assert count(session, Question) == 0
    assert count(session, QuestionBank) == 1


V1 = """\
::Void::Before settlement you {=void ~refund} the sale.

::Refund::After settlement you {=refund ~void} it.

::Timeout::After a timeout, run the card again at once.{F}
"""

V2 = """\
::Void::Before settlement you {=void ~refund ~ignore} the sale.

::Refund::After settlement you {=refund ~void} it.

::Reversal::A reversal undoes an authorisation.{T}
"""


def test_reimport_updates_adds_and_retires(app, session, tmp_path):
    v1, v2 = tmp_path / "v1.gift", tmp_path / "v2.gift"
    v1.write_text(V1, encoding="utf-8")
    v2.write_text(V2, encoding="utf-8")
    assert import_cli(app, v1, "drills").exit_code == 0
    first = bank_questions(session, "drills")
    ids = {qid: q.id for qid, q in first.items()}
    hashes = {qid: q.content_hash for qid, q in first.items()}

    assert import_cli(app, v2, "drills").exit_code == 0
    second = bank_questions(session, "drills")
    assert list(second) == ["void", "refund", "reversal"]
    assert second["void"].id == ids["void"]  # updated in place
    assert second["void"].content_hash != hashes["void"]
    assert len(second["void"].data["options"]) == 3
    assert second["refund"].content_hash == hashes["refund"]
    retired = bank_questions(session, "drills", active_only=False)["timeout"]
    assert retired.active is False

    assert import_cli(app, v1, "drills").exit_code == 0  # back again: reactivated, same row
    third = bank_questions(session, "drills")
    assert list(third) == ["void", "refund", "timeout"]
    assert third["timeout"].id == ids["timeout"]
    assert bank_questions(session, "drills", active_only=False)["reversal"].active is False


@pytest.mark.parametrize("fixture", [MOODLE, IN_CATEGORY, EXAMPLES, TRICKY], ids=lambda p: p.name)
def test_export_round_trips_through_the_database(app, session, tmp_path, fixture):
    assert import_cli(app, fixture, "round-trip").exit_code == 0
    before = {
        qid: (q.id, q.data, q.content_hash)
        for qid, q in bank_questions(session, "round-trip").items()
    }

    exported = cli(app, "content", "export-gift", "--bank", "round-trip")
    assert exported.exit_code == 0, exported.output
    assert exported.stderr == ""  # nothing is lost on the way out
    path = tmp_path / "exported.gift"
    path.write_text(exported.stdout, encoding="utf-8")

    again = import_cli(app, path, "round-trip", "--json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["imported"] == len(before)
    after = {
        qid: (q.id, q.data, q.content_hash)
        for qid, q in bank_questions(session, "round-trip").items()
    }
    assert after == before
    assert count(session, Question) == len(before)  # nothing retired, nothing added

    out = tmp_path / "out.gift"
    assert (
        cli(app, "content", "export-gift", "--bank", "round-trip", "--out", str(out)).exit_code == 0
    )
    assert out.read_text(encoding="utf-8") == exported.stdout


def test_export_of_unknown_bank_fails(app):
    result = cli(app, "content", "export-gift", "--bank", "nothing-here")
    assert result.exit_code == 1
    assert "there is no question bank 'nothing-here'" in result.stderr


# ---------------------------------------------------------------------------------------------
# The upload page
# ---------------------------------------------------------------------------------------------


def upload(client, data: bytes, bank: str, name: str = "questions.gift", **kw):
    token = csrf_token(client, "/admin/gift/import")
    return client.post(
        "/admin/gift/import",
        data={"csrf_token": token, "bank": bank, "file": (BytesIO(data), name)},
        content_type="multipart/form-data",
        **kw,
    )


def test_upload_page_imports_and_reports(client, session, people):
    login_as(client, people["admin"])
    page = client.get("/admin/gift/import")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'type="file"' in html and 'name="bank"' in html and 'name="csrf_token"' in html

    response = upload(client, MOODLE.read_bytes(), "moodle-demo", name=MOODLE.name)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Imported 9 questions into moodle-demo" in html
    assert "9 added, 0 updated, 0 unchanged, 0 retired." in html
    for qtype, n in {"multichoice": 2, "truefalse": 3, "matching": 1, "description": 0}.items():
        assert f'<td data-type="{qtype}">{n}</td>' in html
    assert "8 warnings" in html
    assert f"{MOODLE.name}:41: &#39;*&#39; in the answer" in html
    assert 'href="/admin/gift/export/moodle-demo"' in html
    assert len(bank_questions(session, "moodle-demo")) == 9
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "gift.imported"))
    assert event.actor_id == people["admin"].user.id
    assert event.details["file"] == MOODLE.name

    again = upload(client, MOODLE.read_bytes(), "moodle-demo", name=MOODLE.name)
    assert "0 added, 0 updated, 9 unchanged, 0 retired." in again.get_data(as_text=True)


def test_upload_page_rejects_a_bad_file_without_change(client, session, people):
    login_as(client, people["admin"])
    assert upload(client, MOODLE.read_bytes(), "moodle-demo").status_code == 200
    before = {qid: q.content_hash for qid, q in bank_questions(session, "moodle-demo").items()}
    events = count(session, AuditEvent)

    response = upload(client, MALFORMED.read_bytes(), "moodle-demo", name="malformed.gift")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "13 problems — nothing was imported" in html
    items = re.findall(r"<li>(malformed\.gift:[^<]*)</li>", html)
    assert len(items) == 13
    assert "malformed.gift:9: matching answer &#39;=two 2&#39; has no &#39;-&gt;&#39;" in html
    assert "malformed.gift:33: not a number: &#39;x&#39; in the range &#39;1..x&#39;" in html
    assert "Imported" not in html

    cp1252 = upload(client, "::Q::Caf\u00e9?{T}".encode("cp1252"), "moodle-demo", "q.txt")
    assert cp1252.status_code == 422
    assert "q.txt:1: the file is not UTF-8" in cp1252.get_data(as_text=True)

    assert upload(client, MOODLE.read_bytes(), "Bad Name").status_code == 422
    wrong_type = upload(client, MOODLE.read_bytes(), "other", name="questions.xml")
    assert wrong_type.status_code == 422
    assert "Choose a .gift or .txt file." in wrong_type.get_data(as_text=True)

    after = {qid: q.content_hash for qid, q in bank_questions(session, "moodle-demo").items()}
    assert after == before
    assert count(session, QuestionBank) == 1
    assert count(session, AuditEvent) == events


def test_upload_page_reports_problems_and_warnings_in_the_readers_language(client, people):
    """The page translates each message and keeps its file:line; the CLI stays English."""
    login_as(client, people["admin"])

    def page(data: bytes, name: str, lang: str) -> str:
        response = upload(client, data, "moodle-demo", name, headers={"Accept-Language": lang})
        return response.get_data(as_text=True)

    zh = page(MALFORMED.read_bytes(), "malformed.gift", "zh")
    assert "malformed.gift:9: 匹配题答案 &#39;=two 2&#39; 中没有 &#39;-&gt;&#39;" in zh
    assert "malformed.gift:19: 权重 33% 不是 Moodle 允许的分值（最接近的是 33.33333%）" in zh
    assert "has no &#39;-&gt;&#39;" not in zh
    en = page(MALFORMED.read_bytes(), "malformed.gift", "en")
    assert "malformed.gift:9: matching answer &#39;=two 2&#39; has no &#39;-&gt;&#39;" in en
    assert "匹配题" not in en

    zh = page(MOODLE.read_bytes(), MOODLE.name, "zh")
    assert f"{MOODLE.name}:41: 答案 &#39;*&#39; 中的 &#39;*&#39; 在 Moodle 中是通配符" in zh
    en = page(MOODLE.read_bytes(), MOODLE.name, "en")
    assert f"{MOODLE.name}:41: &#39;*&#39; in the answer &#39;*&#39; is a wildcard" in en


def test_upload_requires_csrf(client, session, people):
    login_as(client, people["admin"])
    response = client.post(
        "/admin/gift/import",
        data={"bank": "x", "file": (BytesIO(MOODLE.read_bytes()), "q.gift")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert count(session, QuestionBank) == 0


def test_export_download(app, client, session, people):
    login_as(client, people["admin"])
    upload(client, IN_CATEGORY.read_bytes(), "greetings")
    response = client.get("/admin/gift/export/greetings")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.headers["Content-Disposition"] == 'attachment; filename="greetings.en.gift"'
    text = response.get_data(as_text=True)
    assert "$CATEGORY: $course$/Default for New Features" in text
    assert "::moodle-activities::" in text
    assert text == cli(app, "content", "export-gift", "--bank", "greetings").stdout
    zh = client.get("/admin/gift/export/greetings?lang=zh")
    assert zh.headers["Content-Disposition"] == 'attachment; filename="greetings.zh.gift"'
    assert client.get("/admin/gift/export/greetings?lang=fr").status_code == 400
    assert client.get("/admin/gift/export/nothing-here").status_code == 404
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "gift.exported"))
    assert event.details == {"bank": "greetings", "lang": "en", "warnings": 0}
    page = client.get("/admin/gift/import").get_data(as_text=True)
    assert 'href="/admin/gift/export/greetings?lang=zh"' in page


def test_upload_page_is_for_admins_only(client, people):
    login_as(client, people["supervisor"])
    assert client.get("/admin/gift/import").status_code == 403
    assert client.get("/admin/gift/export/anything").status_code == 403


# ---------------------------------------------------------------------------------------------
# Imported questions in a quiz
# ---------------------------------------------------------------------------------------------


def _right_for(layout: dict, pair_index: int) -> str:
    return f"r{layout['rights'].index(pair_index)}"


def _answers(item, correct: bool) -> dict:
    q, layout = item.question, item.layout
    if q["type"] == "essay":
        return {"text": "Very well, thank you."}
    if q["type"] == "matching":
        real = [i for i, p in enumerate(q["pairs"]) if p["left"]["en"]]
        picks = real if correct else [real[1], real[0], *real[2:]]
        return {"pairs": {str(i): _right_for(layout, p) for i, p in zip(real, picks, strict=True)}}
    if q["type"] == "single":
        return {"choice": "a" if correct else "b"}  # a: yellow
    if q["type"] == "multiple":
        return {"choices": ["a", "c"] if correct else ["a", "b"]}
    if q["type"] == "numeric":
        return {"value": "4" if correct else "10"}  # 3 ± 2
    if q["type"] == "short":
        return {"text": "frog" if correct else "Cat"}
    if q["type"] == "truefalse":
        return {"value": q["answer"] if correct else not q["answer"]}
    raise AssertionError(q["type"])


def _quiz_of(session, bank: str, count: int) -> Quiz:
    """A quiz drawing ``count`` questions from ``bank`` (pass mark 50%, no attempt limit)."""
    quiz = Quiz(
        slug=f"{bank}-quiz",
        title={"zh": bank, "en": bank},
        definition={"pools": [{"bank": bank, "count": count}], "pass_mark": 50},
    )
    session.add(quiz)
    session.commit()
    return quiz


def test_a_reimport_reaches_the_next_attempt_of_every_worker(app, session, people, tmp_path):
    """The drawable questions are cached per content revision, and every import bumps it."""
    v1, v2 = tmp_path / "v1.gift", tmp_path / "v2.gift"
    v1.write_text(V1, encoding="utf-8")
    v2.write_text(V2, encoding="utf-8")
    assert import_cli(app, v1, "drills").exit_code == 0
    quiz = _quiz_of(session, "drills", count=3)
    cashier = people["cashier"].user
    with app.app_context():  # the cache lives on the app, as in a request
        first = service.start_attempt(session, cashier, quiz)
        assert {i.question["id"] for i in first.items} == {"void", "refund", "timeout"}
        service.submit(session, first)
        session.commit()
        assert import_cli(app, v2, "drills").exit_code == 0  # another process, as far as we know
        second = service.start_attempt(session, cashier, quiz)
    assert {i.question["id"] for i in second.items} == {"void", "refund", "reversal"}
    void = next(i for i in second.items if i.question["id"] == "void")
    assert len(void.question["options"]) == 3  # the new version, not the cached one


def test_imported_questions_can_be_taken_and_graded(app, session, people):
    assert import_cli(app, MOODLE, "moodle-demo").exit_code == 0
    quiz = _quiz_of(session, "moodle-demo", count=9)
    cashier = people["cashier"].user

    attempt = service.start_attempt(session, cashier, quiz)
    assert len(attempt.items) == 9
    by_id = {item.question["id"]: item for item in attempt.items}
    match = by_id["moodle-activities"]
    view = grading.present(match.question, match.layout, "en")
    assert len(view["lefts"]) == 4  # the distractor "Chat" is not asked…
    assert "Chat" in {r["text"] for r in view["rights"]}  # …but offered
    assert view["format"] == "html"
    service.save_responses(
        session, attempt, {item.position: _answers(item, True) for item in attempt.items}
    )
    assert service.submit(session, attempt)
    session.commit()
    grades = {item.question["id"]: service.item_grade(item).to_dict() for item in attempt.items}
    assert {qid: g["status"] for qid, g in grades.items()} == dict.fromkeys(grades, "correct") | {
        "q8": "needs_review"
    }
    assert grades["q8"]["rubric"] is None
    assert grades["2-08-tsl"]["feedback"][0]["feedback"] is None
    assert grades["q2"]["feedback"]
    assert len(grades["moodle-activities"]["feedback"]) == 4
    assert attempt.status is AttemptStatus.AWAITING_REVIEW
    assert (attempt.score, attempt.max_score) == (8.0, 9.0)

    second = service.start_attempt(session, cashier, quiz)
    service.save_responses(
        session, second, {item.position: _answers(item, False) for item in second.items}
    )
    assert service.submit(session, second)
    session.commit()
    grades = {item.question["id"]: service.item_grade(item).to_dict() for item in second.items}
    numeric = grades["q5"]
    assert (numeric["status"], numeric["score"]) == ("incorrect", 0.0)
    assert numeric["feedback"][0]["feedback"] == {
        "zh": "Completely wrong",
        "en": "Completely wrong",
    }  # Moodle's catch-all answer
    assert (grades["shortanswer"]["status"], grades["shortanswer"]["score"]) == ("partial", 0.5)
    assert (grades["moodle-activities"]["score"], grades["colours"]["score"]) == (0.5, 0.0)
    red = next(part for part in grades["q2"]["feedback"] if part["id"] == "b")
    assert (red["selected"], red["feedback"]["en"]) == (True, "wrong, it's yellow")
