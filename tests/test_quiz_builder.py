"""Quizzes assembled on the web from any bank, GIFT imports included, and imported questions
given their second language on the web (issue #16)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.helpers import csrf_token, login_as
from trainer.courses.importer import import_tree
from trainer.models import Attempt, AuditEvent, Question, QuestionBank, Quiz, User
from trainer.quizzes.gift_import import import_gift

GIFT = """\
// [tag:timing]
::gv-void:: The batch is still open and you overcharged. What do you do? {
=Void the sale
~Refund the sale
~Do nothing
}

// [tag:timing]
::gv-settle:: A refund is for a sale already settled. {T}

// [tag:security]
::gv-skimmer:: You find a skimmer on the terminal. Keep taking cards? {F}

::gv-match:: Match the step to the moment. {
=Before settlement -> Void
=After settlement -> Refund
}
"""


@pytest.fixture
def gift_bank(app, session, people):
    """A GIFT bank of four questions (one matching question with just 2 pairs)."""
    import_gift(session, GIFT.encode(), filename="web.gift", bank_slug="web-gift", actor=None)
    session.commit()
    for actor in people.values():
        session.get(User, actor.user.id).language = "en"
    session.commit()
    return session.scalar(select(QuestionBank).where(QuestionBank.slug == "web-gift"))


def _post(client, url: str, data: dict, **kw):
    return client.post(url, data={"csrf_token": csrf_token(client, url), **data}, **kw)


def _quiz_form(**changes) -> dict:
    form = {
        "slug": "gift-quiz",
        "title_zh": "导入题测验",
        "title_en": "Imported questions quiz",
        "pools-0-bank": "web-gift",
        "pools-0-tags": "",
        "pools-0-count": "3",
        "pass_mark": "75",
        "time_limit_minutes": "15",
        "max_attempts": "3",
        "cooldown_minutes": "0",
        "questions_per_page": "",
        "shuffle_options": "y",
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def _start(client, slug: str) -> int:
    token = csrf_token(client, "/quizzes/")
    started = client.post(f"/quizzes/{slug}/start", data={"csrf_token": token})
    assert started.status_code == 302, started.get_data(as_text=True)
    return int(started.location.rsplit("/", 1)[1])


def test_an_admin_assembles_a_quiz_from_a_gift_bank(app, client, session, people, gift_bank):
    login_as(client, people["admin"])
    page = client.get("/admin/quizzes/new")
    assert page.status_code == 200
    assert 'value="web-gift"' in page.get_data(as_text=True)
    saved = _post(client, "/admin/quizzes/new", _quiz_form())
    assert saved.status_code == 302 and saved.location == "/admin/quizzes/"
    assert "Quiz gift-quiz saved (version 1)." in client.get("/admin/quizzes/").get_data(
        as_text=True
    )
    quiz = session.scalar(select(Quiz).where(Quiz.slug == "gift-quiz"))
    assert quiz.origin == "web" and quiz.active
    assert quiz.definition["version"] == 1
    assert quiz.definition["pools"] == [
        {
            "bank": "web-gift",
            "tags": [],
            "types": [],
            "difficulty": [],
            "count": 3,
            "questions": [],
        }
    ]
    assert (quiz.definition["pass_mark"], quiz.definition["max_attempts"]) == (75, 3)
    assert quiz.definition["time_limit_minutes"] == 15
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "quiz.saved"))
    assert event.details["version"] == 1

    # A cashier takes it: three questions from the GIFT bank, graded as any quiz.
    cashier = app.test_client()
    login_as(cashier, people["cashier"])
    assert "Imported questions quiz" in cashier.get("/quizzes/").get_data(as_text=True)
    attempt_id = _start(cashier, "gift-quiz")
    session.expire_all()
    attempt = session.get(Attempt, attempt_id)
    assert len(attempt.items) == 3
    assert {i.question["id"] for i in attempt.items} <= {
        "gv-void",
        "gv-settle",
        "gv-skimmer",
        "gv-match",
    }
    assert attempt.pass_mark == 75
    token = csrf_token(cashier, f"/attempts/{attempt_id}")
    submitted = cashier.post(f"/attempts/{attempt_id}/submit", data={"csrf_token": token})
    assert submitted.status_code == 302
    session.expire_all()
    assert session.get(Attempt, attempt_id).percent == 0.0


def test_pools_by_tag_and_the_problems_the_form_names(client, session, people, gift_bank):
    login_as(client, people["admin"])
    too_many = _post(client, "/admin/quizzes/new", _quiz_form(**{"pools-0-tags": "timing"}))
    assert too_many.status_code == 422
    assert "Bank web-gift has only 2 matching questions." in too_many.get_data(as_text=True)
    nothing = _post(
        client, "/admin/quizzes/new", _quiz_form(**{"pools-0-bank": "", "pools-0-count": ""})
    )
    assert nothing.status_code == 422
    assert "Add at least one pool" in nothing.get_data(as_text=True)
    no_count = _post(client, "/admin/quizzes/new", _quiz_form(**{"pools-0-count": ""}))
    assert "Say how many questions to draw." in no_count.get_data(as_text=True)
    bad = _post(client, "/admin/quizzes/new", _quiz_form(slug="Bad Id", pass_mark="150"))
    assert bad.status_code == 422
    assert session.scalar(select(Quiz).where(Quiz.origin == "web")) is None
    # Tags pick the questions: "timing" has two.
    ok = _post(
        client,
        "/admin/quizzes/new",
        _quiz_form(**{"pools-0-tags": "timing", "pools-0-count": "2"}),
    )
    assert ok.status_code == 302
    quiz = session.scalar(select(Quiz).where(Quiz.slug == "gift-quiz"))
    assert quiz.definition["pools"][0]["tags"] == ["timing"]
    taken = _post(client, "/admin/quizzes/new", _quiz_form(**{"pools-0-count": "1"}))
    assert "That quiz id is taken." in taken.get_data(as_text=True)


def test_saving_again_is_a_new_version_and_attempts_keep_theirs(
    app, client, session, people, gift_bank
):
    login_as(client, people["admin"])
    _post(client, "/admin/quizzes/new", _quiz_form())
    quiz = session.scalar(select(Quiz).where(Quiz.slug == "gift-quiz"))
    cashier = app.test_client()
    login_as(cashier, people["cashier"])
    before = _start(cashier, "gift-quiz")

    form = client.get(f"/admin/quizzes/{quiz.id}").get_data(as_text=True)
    assert 'value="75"' in form and "Saving makes version 2." in form
    changed = _post(
        client,
        f"/admin/quizzes/{quiz.id}",
        _quiz_form(slug="renamed", pass_mark="90", **{"pools-0-count": "1"}),
    )
    assert changed.status_code == 302
    session.expire_all()
    quiz = session.get(Quiz, quiz.id)
    assert quiz.slug == "gift-quiz"  # a quiz's id never changes
    assert (quiz.definition["version"], quiz.definition["pass_mark"]) == (2, 90)
    # The attempt under way keeps its questions and pass mark; the next one has the new rules
    # (the draw cache is keyed by the content revision, which the save moved on).
    assert session.get(Attempt, before).pass_mark == 75
    token = csrf_token(cashier, f"/attempts/{before}")
    cashier.post(f"/attempts/{before}/submit", data={"csrf_token": token})
    after = _start(cashier, "gift-quiz")
    session.expire_all()
    attempt = session.get(Attempt, after)
    assert attempt.pass_mark == 90 and len(attempt.items) == 1
    versions = session.scalars(
        select(AuditEvent.details).where(AuditEvent.action == "quiz.saved")
    ).all()
    assert [v["version"] for v in versions] == [1, 2]


def test_content_imports_leave_web_quizzes_alone(app, client, session, people, gift_bank, tmp_path):
    from pathlib import Path

    login_as(client, people["admin"])
    _post(client, "/admin/quizzes/new", _quiz_form())
    fixture = Path(__file__).parent / "fixtures" / "content"
    import_tree(app, fixture)  # the tree has no gift-quiz: it must not be withdrawn
    session.expire_all()
    assert session.scalar(select(Quiz).where(Quiz.slug == "gift-quiz")).active
    # Shipped quizzes are edited in their files, not here.
    shipped = session.scalar(select(Quiz).where(Quiz.slug == "basics-quiz"))
    assert client.get(f"/admin/quizzes/{shipped.id}").status_code == 404
    # A quiz file may not take a web quiz's id.
    import shutil

    from trainer.courses.importer import ContentError

    root = tmp_path / "content"
    shutil.copytree(fixture, root)
    quiz_file = root / "quizzes/quizzes/gift-quiz.yaml"
    quiz_file.write_text(
        (root / "quizzes/quizzes/basics-quiz.yaml")
        .read_text(encoding="utf-8")
        .replace("id: basics-quiz", "id: gift-quiz"),
        encoding="utf-8",
    )
    with pytest.raises(ContentError, match="taken by a quiz assembled on the web"):
        import_tree(app, root)


def test_an_imported_question_gets_its_second_language(app, client, session, people, gift_bank):
    login_as(client, people["admin"])
    listing = client.get("/admin/quizzes/banks/web-gift").get_data(as_text=True)
    assert "gv-void" in listing and "One language so far" in listing
    question = session.scalar(select(Question).where(Question.qid == "gv-void"))
    url = f"/admin/quizzes/banks/web-gift/questions/{question.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Question text" in page and "Option 1 · text" in page
    fields = dict(re.findall(r'<textarea id="(t\d+-(?:zh|en))"[^>]*>([^<]*)</textarea>', page))
    assert fields["t0-en"] == "The batch is still open and you overcharged. What do you do?"
    chinese = {
        "t0-zh": "批次还没结算，你多收了钱。怎么办？",
        "t1-zh": "撤销这笔交易",
        "t2-zh": "做退货",
        "t3-zh": "什么都不做",
    }
    old_hash = question.content_hash
    empty = _post(client, url, {**fields, "t1-zh": "  "})
    assert empty.status_code == 422 and "both languages" in empty.get_data(as_text=True)
    saved = _post(client, url, {**fields, **chinese})
    assert saved.status_code == 302
    session.expire_all()
    question = session.get(Question, question.id)
    assert question.data["stem"] == {
        "zh": chinese["t0-zh"],
        "en": "The batch is still open and you overcharged. What do you do?",
    }
    assert [o["text"]["zh"] for o in question.data["options"]] == [
        "撤销这笔交易",
        "做退货",
        "什么都不做",
    ]
    assert question.content_hash != old_hash
    assert "Chinese and English" in client.get("/admin/quizzes/banks/web-gift").get_data(
        as_text=True
    )
    # A cashier reading Chinese now sees the Chinese text in a quiz drawing it.
    _post(
        client,
        "/admin/quizzes/new",
        _quiz_form(**{"pools-0-tags": "timing", "pools-0-count": "2"}),
    )
    cashier = app.test_client()
    login_as(cashier, people["cashier"])
    session.get(User, people["cashier"].user.id).language = "zh"
    session.commit()
    attempt_id = _start(cashier, "gift-quiz")
    assert chinese["t0-zh"] in cashier.get(f"/attempts/{attempt_id}").get_data(as_text=True)


def test_only_imported_questions_of_their_own_bank(client, session, people, gift_bank, app):
    from pathlib import Path

    import_tree(app, Path(__file__).parent / "fixtures" / "content")
    login_as(client, people["admin"])
    assert client.get("/admin/quizzes/banks/basics").status_code == 404  # a content bank
    content = session.scalar(select(Question).where(Question.qid == "b-void-single"))
    url = f"/admin/quizzes/banks/web-gift/questions/{content.id}"
    assert client.get(url).status_code == 404  # not a question of that bank
    assert client.get("/admin/quizzes/banks/nope").status_code == 404
