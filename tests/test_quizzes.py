"""Taking a quiz through the real pages: every question type, autosave, deadline, limits, review.

The quizzes are built in a copy of tests/fixtures/content, whose bank has one question of each
type, so every answer is known. Answers are posted the way the attempt page encodes them.
"""

from __future__ import annotations

import re
import shutil
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select, update

from tests.helpers import csrf_token, login_as, post
from trainer.courses.importer import import_tree
from trainer.db import utcnow
from trainer.models import Attempt, AttemptStatus, AuditEvent, Quiz, Role, User

FIXTURE = Path(__file__).parent / "fixtures" / "content"
BANK = yaml.load(
    (FIXTURE / "quizzes/banks/basics.yaml").read_text(encoding="utf-8"), yaml.CSafeLoader
)
QUESTIONS = {q["id"]: q for q in BANK["questions"]}
EVERY = list(QUESTIONS)
NO_ESSAY = [q for q in EVERY if q != "b-timeout-essay"]
FETCH = {"X-Requested-With": "fetch"}

QUIZZES = {
    "all-types": {"questions": EVERY},
    "no-essay": {"questions": NO_ESSAY},
    "latest": {"questions": NO_ESSAY, "grading": "latest"},
    "score-only": {"questions": NO_ESSAY, "review": "score_only"},
    "timed": {"questions": NO_ESSAY, "time_limit_minutes": 10},
    "limited": {
        "questions": ["b-void-single", "b-rerun-truefalse"],
        "max_attempts": 2,
        "cooldown_minutes": 30,
    },
    "scenario-first": {
        "questions": ["b-timeout-scenario", "b-void-single", "b-timeout-essay"],
        "shuffle_questions": False,
    },
    "paged": {"questions": NO_ESSAY, "questions_per_page": 3, "shuffle_questions": False},
}


def _quiz_yaml(slug: str, questions: list[str], **settings) -> str:
    definition = {
        "id": slug,
        "title": {"zh": f"测验 {slug}", "en": f"Quiz {slug}"},
        "pools": [{"questions": questions}],
        "shuffle_questions": True,
        "shuffle_options": True,
        "pass_mark": 80,
        "grading": "highest",
        "review": "after_submission",
        **settings,
    }
    return yaml.safe_dump(definition, allow_unicode=True, sort_keys=False)


def import_quiz_content(app, tmp_path, session, people) -> Path:
    """Build and import the content behind the ``content`` fixture (other modules reuse it)."""
    root = tmp_path / "content"
    shutil.copytree(FIXTURE, root)
    for slug, spec in QUIZZES.items():
        spec = dict(spec)
        (root / f"quizzes/quizzes/{slug}.yaml").write_text(
            _quiz_yaml(slug, spec.pop("questions"), **spec), encoding="utf-8"
        )
    import_tree(app, root)
    for actor in people.values():
        session.get(User, actor.user.id).language = "en"
    session.commit()
    return root


@pytest.fixture
def supervisor2(session, stores):
    """A supervisor of the other store (S2)."""
    from tests.helpers import Actor
    from trainer.admin.service import create_user

    password = "pw-supervisor2-long-enough"
    new = create_user(
        session,
        username="supervisor2",
        name="Test supervisor2",
        role=Role.SUPERVISOR,
        stores=[stores["S2"]],
        password=password,
        language="en",
    )
    session.commit()
    return Actor(new.user, password)


# --- reading the attempt page -----------------------------------------------------------------


class _Question:
    """What the attempt page shows for one question (a <section id="qN">)."""

    def __init__(self, position: int) -> None:
        self.position = position
        self.text: list[str] = []
        self.inputs: list[dict] = []  # radios, checkboxes, text inputs: name, value, label
        self.selects: dict[str, dict] = {}  # name -> {"label": text, "options": [(v, t, sel)]}
        self.choices: list[tuple[str, str]] = []  # scenario buttons: (value, text)
        self.textareas: dict[str, str] = {}

    @property
    def all_text(self) -> str:
        return " ".join(" ".join(self.text).split())


class _AttemptPage(HTMLParser):
    CONTAINERS = ("label", "li", "div")

    def __init__(self) -> None:
        super().__init__()
        self.questions: list[_Question] = []
        self.current: _Question | None = None
        self.stack: list[dict] = []  # open label/li/div: collected text and controls
        self.select: dict | None = None
        self.option: list | None = None
        self.button: dict | None = None
        self.textarea: str | None = None
        self.form_buttons: list[dict] = []  # every submit button of the attempt form, in order
        self.in_form = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id") == "attempt-form":
            self.in_form = True
        if tag == "section" and re.fullmatch(r"q\d+", a.get("id") or ""):
            self.current = _Question(int(a["id"][1:]))
            self.questions.append(self.current)
        if tag == "button" and self.in_form and a.get("type", "submit") == "submit":
            self.form_buttons.append(a)
        if self.current is None:
            return
        if tag in self.CONTAINERS:
            self.stack.append({"text": [], "controls": []})
        if tag == "input":
            control = {
                "name": a.get("name"),
                "type": a.get("type", "text"),
                "value": a.get("value"),
                "checked": "checked" in a,
            }
            self.current.inputs.append(control)
            if self.stack:
                self.stack[-1]["controls"].append(control)
        elif tag == "select":
            self.select = {"name": a["name"], "options": [], "label": ""}
            self.current.selects[a["name"]] = self.select
            if self.stack:
                self.stack[-1]["controls"].append(self.select)
        elif tag == "option" and self.select is not None:
            self.option = [a.get("value"), "", "selected" in a]
        elif tag == "button" and a.get("name") == "choice":
            self.button = {"value": a["value"], "text": ""}
        elif tag == "textarea":
            self.textarea = a["name"]
            self.current.textareas[a["name"]] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        if self.current is None:
            return
        if tag == "section":
            self.current = None
            self.stack = []
        elif tag == "option" and self.option is not None:
            self.select["options"].append((self.option[0], self.option[1].strip(), self.option[2]))
            self.option = None
        elif tag == "select":
            self.select = None
        elif tag == "button" and self.button is not None:
            self.current.choices.append((self.button["value"], self.button["text"].strip()))
            self.button = None
        elif tag == "textarea":
            self.textarea = None
        elif tag in self.CONTAINERS and self.stack:
            box = self.stack.pop()
            label = " ".join("".join(box["text"]).split())
            for control in box["controls"]:
                control.setdefault("label", label)
                if not control.get("label"):
                    control["label"] = label
            if self.stack:  # the text also belongs to the enclosing container
                self.stack[-1]["text"].extend(box["text"])
                self.stack[-1]["controls"].extend(box["controls"])

    def handle_data(self, data):
        if self.current is None:
            return
        self.current.text.append(data)
        if self.option is not None:
            self.option[1] += data
            return
        if self.button is not None:
            self.button["text"] += data
        if self.textarea is not None:
            self.current.textareas[self.textarea] += data
        if self.stack:
            self.stack[-1]["text"].append(data)


def _page(
    client, attempt_id: int, page: int | None = None
) -> tuple[str, dict[str, _Question], _AttemptPage]:
    """The attempt page, its questions by question id (found by their stems) and the parser."""
    response = client.get(f"/attempts/{attempt_id}" + (f"?page={page}" if page else ""))
    assert response.status_code == 200, response.location
    html = response.get_data(as_text=True)
    parser = _AttemptPage()
    parser.feed(html)
    found = {}
    for shown in parser.questions:
        text = shown.all_text
        matches = [qid for qid, q in QUESTIONS.items() if " ".join(q["stem"]["en"].split()) in text]
        assert matches, f"question {shown.position} matches no stem: {text[:200]}"
        found[max(matches, key=lambda qid: len(QUESTIONS[qid]["stem"]["en"]))] = shown
    return html, found, parser


def _by_label(controls, text: str):
    hits = [c for c in controls if text in (c.get("label") or "")]
    assert hits, f"no control labelled {text!r}"
    return max(hits, key=lambda c: len(c.get("label") or "") == len(text))


def _fields(qid: str, shown: _Question, right: bool) -> dict:
    """Form fields answering question ``qid`` rightly or wrongly, named as the page names them."""
    q = QUESTIONS[qid]
    name = f"q{shown.position}"
    kind = q["type"]
    if kind == "single":
        option = next(o for o in q["options"] if bool(o.get("correct")) == right)
        return {name: _by_label(shown.inputs, option["text"]["en"])["value"]}
    if kind == "multiple":
        wanted = [o for o in q["options"] if o.get("correct")]
        if not right:
            wanted = [wanted[0], next(o for o in q["options"] if not o.get("correct"))]
        return {name: [_by_label(shown.inputs, o["text"]["en"])["value"] for o in wanted]}
    if kind == "truefalse":
        return {name: str(q["answer"] == right).lower()}
    if kind == "ordering":
        texts = [s["text"]["en"] for s in q["steps"]]
        ranks = range(1, len(texts) + 1) if right else range(len(texts), 0, -1)
        out = {}
        for text, rank in zip(texts, ranks, strict=True):
            select = _by_label(shown.selects.values(), text)
            out[select["name"]] = str(rank)
        assert len(out) == len(texts)
        return out
    if kind == "numeric":
        return {name: "35" if right else "50"}
    if kind == "matching":
        pairs = q["pairs"]
        out = {}
        for i, pair in enumerate(pairs):
            select = shown.selects[f"{name}-{i}"]
            assert select["label"] == pair["left"]["en"]
            target = pairs[i if right else (i + 1) % len(pairs)]["right"]["en"]
            out[select["name"]] = next(v for v, t, _ in select["options"] if t == target)
        return out
    if kind == "short":
        return {name: "撤销" if right else "refund"}
    if kind == "essay":
        return {name: "I check the last transaction and never run the card again."}
    return {}  # scenario (one step at a time) and description


def _post(client, url: str, data: dict, **kw):
    """POST with the session's CSRF token (one token serves a signed-in session: fetch it once)."""
    token = getattr(client, "_quiz_csrf", None)
    if token is None:
        token = client._quiz_csrf = csrf_token(client, "/quizzes/")
    return client.post(url, data={**data, "csrf_token": token}, **kw)


def _start(client, slug: str) -> int:
    response = _post(client, f"/quizzes/{slug}/start", {})
    assert response.status_code == 302
    match = re.fullmatch(r"/attempts/(\d+)", response.location)
    assert match, response.location
    return int(match.group(1))


def _answer(client, attempt_id: int, right: bool = True, skip: tuple[str, ...] = ()) -> dict:
    """Answer every question on the page (scenario steps included); returns the fields posted."""
    _html, shown, _parser = _page(client, attempt_id)
    data = {}
    for qid, question in shown.items():
        if qid not in skip:
            data.update(_fields(qid, question, right))
    saved = _post(client, f"/attempts/{attempt_id}/save", data, headers=FETCH)
    assert saved.status_code == 200 and saved.json["ok"], saved.get_data(as_text=True)
    if "b-timeout-scenario" in shown and "b-timeout-scenario" not in skip:
        _play_scenario(client, attempt_id, right)
    return data


def _play_scenario(client, attempt_id: int, right: bool) -> None:
    wanted = ["Check the last transaction", "Print the receipt for the customer"]
    if not right:
        wanted = ["Run the card again"]
    for text in wanted:
        _html, shown, _parser = _page(client, attempt_id)
        choices = dict((t, v) for v, t in shown["b-timeout-scenario"].choices)
        response = _post(client, f"/attempts/{attempt_id}/step", {"choice": choices[text]})
        assert response.status_code == 302


def _submit(client, attempt_id: int, data: dict | None = None):
    return _post(client, f"/attempts/{attempt_id}/submit", data or {})


def _attempt(session, attempt_id: int) -> Attempt:
    session.expire_all()
    return session.get(Attempt, attempt_id)


def _statuses(session, attempt_id: int) -> dict[str, str]:
    return {item.question["id"]: item.status for item in _attempt(session, attempt_id).items}


def _quiz(session, slug: str) -> Quiz:
    return session.scalar(select(Quiz).where(Quiz.slug == slug))


# --- every question type ----------------------------------------------------------------------


def test_every_question_type_answered_rightly_through_the_form(client, session, people, content):
    login_as(client, people["cashier"])
    attempt_id = _start(client, "all-types")
    _answer(client, attempt_id, right=True)
    assert _submit(client, attempt_id).location == f"/attempts/{attempt_id}/result"
    statuses = _statuses(session, attempt_id)
    assert statuses == dict.fromkeys(EVERY, "correct") | {"b-timeout-essay": "needs_review"}
    attempt = _attempt(session, attempt_id)
    assert attempt.status is AttemptStatus.AWAITING_REVIEW
    assert (attempt.score, attempt.max_score) == (9.0, 12.0)
    assert attempt.passed is None


def test_every_question_type_answered_wrongly_through_the_form(client, session, people, content):
    login_as(client, people["cashier"])
    attempt_id = _start(client, "no-essay")
    _answer(client, attempt_id, right=False)
    _submit(client, attempt_id)
    statuses = _statuses(session, attempt_id)
    assert statuses.pop("b-intro-description") == "correct"  # nothing to answer
    assert statuses == dict.fromkeys(statuses, "incorrect") | {"b-void-ordering": "incorrect"}
    attempt = _attempt(session, attempt_id)
    assert attempt.status is AttemptStatus.GRADED and attempt.passed is False
    assert attempt.score == 0.0


def test_partial_answers_earn_partial_credit(client, session, people, content):
    login_as(client, people["cashier"])
    attempt_id = _start(client, "no-essay")
    _html, shown, _parser = _page(client, attempt_id)
    data = _fields("b-change-numeric", shown["b-change-numeric"], right=True)
    data[f"q{shown['b-change-numeric'].position}"] = "¥38"  # in the half-credit range
    data.update(_fields("b-void-short", shown["b-void-short"], right=True))
    data[f"q{shown['b-void-short'].position}"] = "  Cancel! "  # 0.5, case and punctuation ignored
    _submit(client, attempt_id, data)
    items = {i.question["id"]: i for i in _attempt(session, attempt_id).items}
    assert (items["b-change-numeric"].status, items["b-change-numeric"].score) == ("partial", 0.5)
    assert (items["b-void-short"].status, items["b-void-short"].score) == ("partial", 0.5)
    assert items["b-void-single"].status == "unanswered"


def test_an_order_with_a_number_used_twice_is_kept_but_not_graded_as_an_order(
    client, session, people, content
):
    login_as(client, people["cashier"])
    attempt_id = _start(client, "no-essay")
    _html, shown, _parser = _page(client, attempt_id)
    names = sorted(shown["b-void-ordering"].selects)
    data = dict(zip(names, ["1", "1", "1"], strict=True))  # every step "first"
    assert _post(client, f"/attempts/{attempt_id}/save", data, headers=FETCH).json["ok"]
    _html, shown, _parser = _page(client, attempt_id)
    ordering = shown["b-void-ordering"]
    assert all(
        [v for v, _t, selected in s["options"] if selected] == ["1"]
        for s in ordering.selects.values()
    )  # nothing the learner chose is lost …
    assert "Give every step a different number" in ordering.all_text  # … and they are told why
    _submit(client, attempt_id)
    item = next(
        i for i in _attempt(session, attempt_id).items if i.question["id"] == "b-void-ordering"
    )
    assert (item.status, item.score) == ("unanswered", 0.0)


def test_enter_in_a_text_field_saves_instead_of_making_a_scenario_choice(client, people, content):
    login_as(client, people["cashier"])
    attempt_id = _start(client, "scenario-first")
    _html, shown, parser = _page(client, attempt_id)
    assert shown["b-timeout-scenario"].position == 0
    first = parser.form_buttons[0]  # the button a browser uses for implicit submission
    assert "formaction" not in first and first.get("name") != "choice"


# --- autosave ---------------------------------------------------------------------------------


def test_autosave_returns_json_and_a_reload_shows_the_saved_answers(
    client, session, people, content
):
    login_as(client, people["cashier"])
    attempt_id = _start(client, "no-essay")
    data = _answer(client, attempt_id, right=True)
    response = _post(client, f"/attempts/{attempt_id}/save", data, headers=FETCH)
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.json["ok"] is True and response.json["saved_at"]
    _html, shown, _parser = _page(client, attempt_id)
    for qid, question in shown.items():
        fields = _fields(qid, question, right=True)
        for name, value in fields.items():
            values = value if isinstance(value, list) else [value]
            radios = [i for i in question.inputs if i["name"] == name]
            if name in question.selects:
                chosen = [v for v, _t, sel in question.selects[name]["options"] if sel]
                assert chosen == values, (qid, name)
            elif radios and radios[0]["type"] in ("radio", "checkbox"):
                assert sorted(i["value"] for i in radios if i["checked"]) == sorted(values), qid
            else:
                assert [i["value"] for i in radios] == values, (qid, name)
    taken = shown["b-timeout-scenario"]
    assert "The customer is satisfied." in taken.all_text and not taken.choices
    # A plain form post (no JavaScript) saves too and comes back to the page.
    plain = _post(client, f"/attempts/{attempt_id}/save", data, follow_redirects=True)
    assert "Your answers are saved." in plain.get_data(as_text=True)
    assert _attempt(session, attempt_id).status is AttemptStatus.IN_PROGRESS


def test_autosave_works_before_the_first_scenario_step(client, session, people, content):
    """The first question is a scenario nobody has started yet; saving must still answer."""
    login_as(client, people["cashier"])
    attempt_id = _start(client, "scenario-first")
    _html, shown, _parser = _page(client, attempt_id)
    data = _fields("b-void-single", shown["b-void-single"], right=True)
    response = _post(client, f"/attempts/{attempt_id}/save", data, headers=FETCH)
    assert response.status_code == 200 and response.json["ok"] is True
    only = _post(client, f"/attempts/{attempt_id}/save", {**data, "only": "1"}, headers=FETCH)
    assert only.status_code == 200 and only.json["ok"] is True


def test_a_stale_scenario_choice_keeps_the_typed_answers(client, session, people, content):
    login_as(client, people["cashier"])
    attempt_id = _start(client, "scenario-first")
    _html, shown, _parser = _page(client, attempt_id)
    data = _fields("b-void-single", shown["b-void-single"], right=True)
    response = _post(
        client, f"/attempts/{attempt_id}/step", {**data, "choice": "0|s2|c0"}, follow_redirects=True
    )
    assert "That choice is not available." in response.get_data(as_text=True)
    items = {i.question["id"]: i for i in _attempt(session, attempt_id).items}
    assert items["b-void-single"].response == {"choice": "a"}
    assert items["b-timeout-scenario"].response is None


def test_an_answer_too_long_is_refused_with_a_message_and_nothing_is_lost(
    client, session, people, content
):
    login_as(client, people["cashier"])
    attempt_id = _start(client, "scenario-first")
    _html, shown, _parser = _page(client, attempt_id)
    good = _fields("b-void-single", shown["b-void-single"], right=True)
    assert _post(client, f"/attempts/{attempt_id}/save", good, headers=FETCH).json["ok"]
    essay = f"q{shown['b-timeout-essay'].position}"
    huge = {**good, essay: "x" * 30_000}
    refused = _post(client, f"/attempts/{attempt_id}/save", huge, headers=FETCH)
    assert refused.status_code == 409
    assert refused.json["error"] == "too_long" and "too long" in refused.json["message"]
    submitted = _submit(client, attempt_id, huge)
    assert submitted.location == f"/attempts/{attempt_id}"  # back to the page, not graded
    attempt = _attempt(session, attempt_id)
    assert attempt.status is AttemptStatus.IN_PROGRESS
    items = {i.question["id"]: i for i in attempt.items}
    assert items["b-void-single"].response == {"choice": "a"}
    assert items["b-timeout-essay"].response is None


# --- submit once ------------------------------------------------------------------------------


def test_double_submit_and_a_second_tab_grade_once(app, client, session, people, content):
    login_as(client, people["cashier"])
    attempt_id = _start(client, "no-essay")
    data = _answer(client, attempt_id, right=True)
    other_tab = app.test_client()
    login_as(other_tab, people["cashier"])
    _html, shown, _parser = _page(other_tab, attempt_id)  # the page is open in a second tab
    wrong = {}
    for qid, question in shown.items():
        wrong.update(_fields(qid, question, right=False))
    assert _submit(client, attempt_id, data).status_code == 302
    graded = _attempt(session, attempt_id)
    before = (graded.score, graded.percent, graded.submitted_at, graded.status)
    responses = {i.position: i.response for i in graded.items}
    assert graded.percent == 100.0
    assert _submit(client, attempt_id, data).location == f"/attempts/{attempt_id}/result"
    assert _submit(other_tab, attempt_id, wrong).location == f"/attempts/{attempt_id}/result"
    late = _post(other_tab, f"/attempts/{attempt_id}/save", wrong, headers=FETCH)
    assert late.status_code == 409 and late.json["error"] == "closed"
    choice = _post(other_tab, f"/attempts/{attempt_id}/step", {"choice": "0|s1|c1"})
    assert choice.status_code == 302
    after = _attempt(session, attempt_id)
    assert (after.score, after.percent, after.submitted_at, after.status) == before
    assert {i.position: i.response for i in after.items} == responses
    events = session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "attempt.submitted", AuditEvent.target_id == str(attempt_id)
        )
    ).all()
    assert len(events) == 1


# --- the deadline is the server's -------------------------------------------------------------


def _expire(session, attempt_id: int, ago: timedelta = timedelta(hours=1)) -> None:
    """Let time pass: the deadline is now ``ago`` in the past (saves so far keep their place)."""
    attempt = _attempt(session, attempt_id)
    shift = attempt.deadline_at - utcnow() + ago
    attempt.started_at = attempt.started_at - shift
    attempt.deadline_at = attempt.deadline_at - shift
    for item in attempt.items:
        if item.saved_at is not None:
            item.saved_at = item.saved_at - shift
    session.commit()


def test_after_the_deadline_saves_are_refused_and_late_answers_do_not_count(
    client, session, people, content
):
    login_as(client, people["cashier"])
    attempt_id = _start(client, "timed")
    html, shown, _parser = _page(client, attempt_id)
    assert "data-deadline=" in html
    deadline = _attempt(session, attempt_id).deadline_at
    assert timedelta(minutes=9) < deadline - utcnow() <= timedelta(minutes=10)
    in_time = _fields("b-void-single", shown["b-void-single"], right=True)
    assert _post(client, f"/attempts/{attempt_id}/save", in_time, headers=FETCH).json["ok"]
    _expire(session, attempt_id)
    late = dict(in_time)
    for qid in ("b-rerun-truefalse", "b-change-numeric", "b-void-short"):
        late.update(_fields(qid, shown[qid], right=True))
    refused = _post(client, f"/attempts/{attempt_id}/save", late, headers=FETCH)
    assert refused.status_code == 409
    assert refused.json == {
        "ok": False,
        "error": "closed",
        "message": "This attempt is closed: time is up or it was submitted.",
    }
    plain = _post(client, f"/attempts/{attempt_id}/save", late)
    assert plain.status_code == 302
    assert _attempt(session, attempt_id).status is AttemptStatus.IN_PROGRESS
    visit = client.get(f"/attempts/{attempt_id}", follow_redirects=True)  # auto-submits
    assert "Time is up" in visit.get_data(as_text=True)
    statuses = _statuses(session, attempt_id)
    assert statuses["b-void-single"] == "correct"
    for qid in ("b-rerun-truefalse", "b-change-numeric", "b-void-short"):
        assert statuses[qid] == "unanswered", qid
    attempt = _attempt(session, attempt_id)
    assert attempt.status is AttemptStatus.GRADED and attempt.submitted_at is not None


def test_answers_posted_with_a_late_submit_do_not_count(client, session, people, content):
    login_as(client, people["cashier"])
    attempt_id = _start(client, "timed")
    _html, shown, _parser = _page(client, attempt_id)
    _expire(session, attempt_id)
    data = {}
    for qid, question in shown.items():
        data.update(_fields(qid, question, right=True))
    assert _submit(client, attempt_id, data).location == f"/attempts/{attempt_id}/result"
    attempt = _attempt(session, attempt_id)
    assert attempt.status is AttemptStatus.GRADED and attempt.score == 0.0
    assert all(i.response is None for i in attempt.items)


def test_a_save_a_moment_after_the_deadline_is_still_accepted(client, session, people, content):
    """The network grace: an answer sent just in time may arrive a second or two late."""
    login_as(client, people["cashier"])
    attempt_id = _start(client, "timed")
    _html, shown, _parser = _page(client, attempt_id)
    _expire(session, attempt_id, ago=timedelta(seconds=1))
    data = _fields("b-void-single", shown["b-void-single"], right=True)
    assert _post(client, f"/attempts/{attempt_id}/save", data, headers=FETCH).json["ok"]


def test_an_expired_attempt_is_graded_when_the_quiz_page_is_opened(
    client, session, people, content
):
    login_as(client, people["cashier"])
    attempt_id = _start(client, "timed")
    _expire(session, attempt_id)
    page = client.get("/quizzes/timed").get_data(as_text=True)
    assert "Start the quiz" in page
    assert _attempt(session, attempt_id).status is AttemptStatus.GRADED


# --- attempts: limit, cool-down, stored order -------------------------------------------------


def test_attempt_limit_and_cooldown(client, session, people, content):
    login_as(client, people["cashier"])
    first = _start(client, "limited")
    assert _start(client, "limited") == first  # resuming, not a second attempt
    _submit(client, first)
    page = client.get("/quizzes/limited").get_data(as_text=True)
    assert "Please wait before you try again." in page and "You can start again at" in page
    refused = _post(client, "/quizzes/limited/start", {}, follow_redirects=True)
    assert "Please wait before you try again." in refused.get_data(as_text=True)
    count = select(func.count(Attempt.id)).where(Attempt.user_id == people["cashier"].user.id)
    assert session.scalar(count) == 1
    attempt = _attempt(session, first)
    attempt.submitted_at = utcnow() - timedelta(minutes=31)  # the cool-down has passed
    session.commit()
    second = _start(client, "limited")
    assert second != first and _attempt(session, second).number == 2
    _submit(client, second)
    attempt = _attempt(session, second)
    attempt.submitted_at = utcnow() - timedelta(minutes=31)  # the cool-down has passed
    session.commit()
    page = client.get("/quizzes/limited").get_data(as_text=True)
    assert "You have used all your attempts at this quiz." in page
    assert "Attempts: 2 of 2 used." in page
    refused = _post(client, "/quizzes/limited/start", {}, follow_redirects=True)
    assert "You have used all your attempts" in refused.get_data(as_text=True)
    session.expire_all()
    assert session.scalar(count) == 2


def test_question_and_option_order_is_stored_with_the_attempt(
    app, client, session, people, content
):
    login_as(client, people["cashier"])
    attempt_id = _start(client, "all-types")

    def shown_order(c):
        _html, shown, _parser = _page(c, attempt_id)
        order = [qid for qid, _q in sorted(shown.items(), key=lambda kv: kv[1].position)]
        options = {
            qid: (
                [i["value"] for i in q.inputs if i["type"] in ("radio", "checkbox")],
                [i["label"] for i in q.inputs if i["type"] in ("radio", "checkbox")],
                [s["label"] for s in q.selects.values()],
                [[t for _v, t, _s in s["options"]] for s in q.selects.values()],
            )
            for qid, q in shown.items()
        }
        return order, options

    first = shown_order(client)
    assert shown_order(client) == first
    again = app.test_client()
    login_as(again, people["cashier"])
    assert shown_order(again) == first
    items = _attempt(session, attempt_id).items
    assert [i.question["id"] for i in items] == first[0]
    single = next(i for i in items if i.question["id"] == "b-void-single")
    # The values are shown positions (issue #14); the texts follow the stored order.
    assert first[1]["b-void-single"][0] == [f"o{i}" for i in range(len(single.layout["options"]))]
    texts = {o["id"]: o["text"]["en"] for o in QUESTIONS["b-void-single"]["options"]}
    assert first[1]["b-void-single"][1] == [texts[oid] for oid in single.layout["options"]]


# --- grading policy ---------------------------------------------------------------------------


@pytest.mark.parametrize(("slug", "counted"), [("no-essay", "highest"), ("latest", "latest")])
def test_grading_policy_highest_or_latest(client, session, people, content, slug, counted):
    from trainer.certificates.service import counted_percent

    login_as(client, people["cashier"])
    good = _start(client, slug)
    _answer(client, good, right=True)
    _submit(client, good)
    bad = _start(client, slug)
    _answer(client, bad, right=False)
    _submit(client, bad)
    session.expire_all()
    quiz = _quiz(session, slug)
    attempts = session.scalars(select(Attempt).where(Attempt.quiz_id == quiz.id)).all()
    percents = {a.id: a.percent for a in attempts}
    assert percents[good] == 100.0 and percents[bad] < 80
    expected = percents[good] if counted == "highest" else percents[bad]
    assert counted_percent(attempts, quiz.definition["grading"]) == expected
    index = client.get("/quizzes/").get_data(as_text=True)
    card = index[index.index(f"Quiz {slug}") :].split("</article>")[0]
    if counted == "highest":
        assert "Your best result: 100%" in card and "Passed" in card
    else:
        assert "Your latest result:" in card and "Passed" not in card


# --- essays and the grading queue -------------------------------------------------------------


def test_essay_is_graded_by_a_supervisor_of_the_same_store(
    app, client, session, people, content, supervisor2
):
    login_as(client, people["cashier"])
    attempt_id = _start(client, "all-types")
    _answer(client, attempt_id, right=True)
    _submit(client, attempt_id)
    result = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "Awaiting review" in result
    essay = next(i for i in _attempt(session, attempt_id).items if i.question["type"] == "essay")
    assert essay.status == "needs_review"

    other = app.test_client()
    login_as(other, supervisor2)
    assert f"/grading/{essay.id}" not in other.get("/grading").get_data(as_text=True)
    assert other.get(f"/grading/{essay.id}").status_code == 404
    token = csrf_token(other, "/grading")
    stolen = other.post(f"/grading/{essay.id}", data={"csrf_token": token, "score": "0"})
    assert stolen.status_code == 404

    supervisor = app.test_client()
    login_as(supervisor, people["supervisor"])
    queue = supervisor.get("/grading").get_data(as_text=True)
    assert f'href="/grading/{essay.id}"' in queue and "Test cashier" in queue
    page = supervisor.get(f"/grading/{essay.id}").get_data(as_text=True)
    assert "never run the card again" in page and "Mentions checking" in page
    other_item = next(i for i in _attempt(session, attempt_id).items if i.id != essay.id)
    assert supervisor.get(f"/grading/{other_item.id}").status_code == 404  # not an essay
    token = csrf_token(supervisor, "/grading")
    too_high = supervisor.post(f"/grading/{essay.id}", data={"csrf_token": token, "score": "9"})
    assert "Enter a score from 0 to 3" in too_high.get_data(as_text=True)
    assert _attempt(session, attempt_id).status is AttemptStatus.AWAITING_REVIEW
    saved = supervisor.post(
        f"/grading/{essay.id}",
        data={"csrf_token": token, "score": "3", "comment": "Clear and complete."},
    )
    assert saved.location == "/grading"
    attempt = _attempt(session, attempt_id)
    assert attempt.status is AttemptStatus.GRADED
    assert (attempt.score, attempt.percent, attempt.passed) == (12.0, 100.0, True)
    assert f"/grading/{essay.id}" not in supervisor.get("/grading").get_data(as_text=True)
    result = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "Clear and complete." in result and "100%" in result
    assert client.get("/grading").status_code == 403  # cashiers do not grade


def test_an_unsubmitted_essay_cannot_be_graded(app, client, session, people, content):
    login_as(client, people["cashier"])
    attempt_id = _start(client, "all-types")
    _answer(client, attempt_id, right=True)
    essay = next(i for i in _attempt(session, attempt_id).items if i.question["type"] == "essay")
    supervisor = app.test_client()
    login_as(supervisor, people["supervisor"])
    assert supervisor.get(f"/grading/{essay.id}").status_code == 404
    token = csrf_token(supervisor, "/grading")
    assert (
        supervisor.post(f"/grading/{essay.id}", data={"csrf_token": token, "score": "1"})
    ).status_code == 404
    assert _attempt(session, attempt_id).status is AttemptStatus.IN_PROGRESS


def test_a_cashier_cannot_open_another_cashiers_attempt(app, client, session, people, content):
    login_as(client, people["cashier"])
    attempt_id = _start(client, "no-essay")
    data = _answer(client, attempt_id, right=True)
    other = app.test_client()
    login_as(other, people["cashier2"])
    assert other.get(f"/attempts/{attempt_id}").status_code == 404
    assert _post(other, f"/attempts/{attempt_id}/save", data, headers=FETCH).status_code == 404
    assert _post(other, f"/attempts/{attempt_id}/step", {"choice": "0|s1|c0"}).status_code == 404
    assert _post(other, f"/attempts/{attempt_id}/submit", {}).status_code == 404
    _submit(client, attempt_id)
    assert other.get(f"/attempts/{attempt_id}/result").status_code == 404
    assert other.get("/attempts/999999").status_code == 404


# --- results ----------------------------------------------------------------------------------


def test_results_show_feedback_explanations_and_what_to_review(client, session, people, content):
    login_as(client, people["cashier"])
    attempt_id = _start(client, "no-essay")
    _answer(client, attempt_id, right=False)
    _submit(client, attempt_id)
    page = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "Not passed" in page
    assert "A refund is for after settlement." in page  # feedback on the option chosen
    assert "Right: the batch is still open." in page  # and on the correct one
    assert "No: you might charge twice." in page  # true/false feedback
    assert "Check the last transaction first." in page  # explanation
    assert "Before settlement, use a void (撤销)." in page  # glossary term written out
    assert "[[void]]" not in page
    assert "The customer is charged twice." in page and "Critical error" in page
    assert "What to review" in page
    for link in (
        "/courses/basics/01-void-or-refund#check-the-batch",
        "/courses/basics/02-after-a-timeout#check-last-transaction",
    ):
        assert f'href="{link}"' in page
        assert client.get(link.split("#")[0]).status_code == 200
    # Each link names the section it opens (not a row of identical "read the manual" links),
    # in the reader's language.
    link_texts = re.findall(r'<a href="/courses/[^"]+">([^<]+)</a>', page)
    assert "Check the batch first" in link_texts and "Check the last transaction" in link_texts
    assert "In the manual: Check the batch first →" in link_texts
    assert "Read the manual section" not in page
    # Topics by name: skills and cases in words (learners never see a case code).
    topics = re.findall(r"<li><strong>([^<]+)</strong>", page)
    assert "Overcharge found before settlement" in topics and "Receipts and records" in topics
    session.get(User, people["cashier"].user.id).language = "zh"
    session.commit()
    zh = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert ">先看批次</a>" in zh and ">先查最后一笔</a>" in zh and "手册：先看批次 →" in zh
    assert "<li><strong>结算前发现多收</strong>" in zh and "<li><strong>凭证与记录</strong>" in zh


def _question_sections(page: str) -> list[str]:
    return page.split('<section class="card question">')[1:]


def test_result_page_says_each_thing_once_in_the_readers_language(client, session, people, content):
    """Issue #16: the correct answer once per question; accepted short answers in the page's
    language; "what to review" one row per topic, each lost question counted once."""
    login_as(client, people["cashier"])
    attempt_id = _start(client, "no-essay")
    _answer(client, attempt_id, right=False)
    _submit(client, attempt_id)
    attempt = _attempt(session, attempt_id)
    lost = [item for item in attempt.items if item.score < item.max_score]
    for lang, label, short_shown, short_hidden in (
        ("en", "Correct answer", "void", "撤销"),
        ("zh", "正确答案", "撤销", "void"),
    ):
        session.get(User, people["cashier"].user.id).language = lang
        session.commit()
        page = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
        sections = _question_sections(page)
        assert len(sections) == len(attempt.items)
        for section in sections:
            assert section.count(f"<strong>{label}:</strong>") <= 1, section
        # The single-choice question shows its right option once, marked as the correct one.
        void = next(s for s in sections if "batch is still open" in s or "批次还没" in s)
        assert void.count(label) == 1
        short = next(s for s in sections if "cancelling a whole sale" in s or "取消整笔交易" in s)
        answer_line = re.search(rf"<strong>{label}:</strong>([^<]*)</p>", short)[1]
        assert short_shown in answer_line and short_hidden not in answer_line
        review = page.split("<h2>", 2)[1]
        rows = re.findall(r"<li><strong>([^<]+)</strong> — (\d+)", review)
        names = [name for name, _count in rows]
        assert len(names) == len(set(names)), names
        assert sum(int(count) for _name, count in rows) == len(lost)
    # Named in Chinese: a skill in words (凭证与记录), a case by its situation, never its code.
    assert "<li><strong>凭证与记录</strong>" in page
    assert "<li><strong>结算前发现多收</strong>" in page and "C1" not in page


def _forget_outcomes(session, attempt_id: int) -> None:
    """Make the attempt look submitted before outcomes were kept (migration 0010)."""
    from trainer.models import AttemptItem

    session.execute(
        update(AttemptItem).where(AttemptItem.attempt_id == attempt_id).values(outcome=None)
    )
    session.commit()
    session.expire_all()


@pytest.mark.parametrize("right", [True, False])
def test_the_result_page_shows_the_outcome_kept_at_submit_or_grades_an_older_attempt_again(
    client, session, people, content, right
):
    login_as(client, people["cashier"])
    attempt_id = _start(client, "no-essay")
    _answer(client, attempt_id, right=right)
    _submit(client, attempt_id)
    items = _attempt(session, attempt_id).items
    assert all(item.outcome is not None for item in items)
    kept = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    # An older attempt (no outcome) is graded again and looks the same.
    _forget_outcomes(session, attempt_id)
    assert all(item.outcome is None for item in _attempt(session, attempt_id).items)
    again = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert _question_sections(again) == _question_sections(kept)
    assert again.split("<h2>", 2)[1] == kept.split("<h2>", 2)[1]  # what to review
    if not right:
        assert "A refund is for after settlement." in kept
        assert "The customer is charged twice." in kept


def test_the_result_page_reads_the_kept_outcome_rather_than_grading_again(
    client, session, people, content
):
    login_as(client, people["cashier"])
    attempt_id = _start(client, "no-essay")
    _answer(client, attempt_id, right=False)
    _submit(client, attempt_id)
    item = next(
        i for i in _attempt(session, attempt_id).items if i.outcome and i.outcome["feedback"]
    )
    part = item.outcome["feedback"][0]
    item.outcome = {**item.outcome, "feedback": [{**part, "feedback": "Kept at the submit."}]}
    session.commit()
    page = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "Kept at the submit." in page


def test_an_essay_graded_and_re_marked_keeps_its_outcome(app, client, session, people, content):
    """Grading and re-marking an essay, with and without an outcome kept (older attempts)."""
    supervisor = app.test_client()
    login_as(supervisor, people["supervisor"])
    login_as(client, people["cashier"])
    for older in (False, True):
        attempt_id = _start(client, "all-types")
        _answer(client, attempt_id, right=True)
        _submit(client, attempt_id)
        if older:
            _forget_outcomes(session, attempt_id)
        essay = next(
            i for i in _attempt(session, attempt_id).items if i.question["type"] == "essay"
        )
        token = csrf_token(supervisor, "/grading")
        for score, comment in (("3", "Clear and complete."), ("1", "Re-marked: too short.")):
            saved = supervisor.post(
                f"/grading/{essay.id}",
                data={"csrf_token": token, "score": score, "comment": comment},
            )
            assert saved.status_code == 302
            session.expire_all()
            result = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
            section = next(s for s in _question_sections(result) if comment in s)
            assert f"{score} / 3" in section
        essay = session.get(type(essay), essay.id)
        assert (essay.outcome is None) is older
        assert _attempt(session, attempt_id).score == 10.0


def test_topic_labels(app):
    from trainer.quizzes.results import topic_label

    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert topic_label("D4") == "Suspected skimmer"
        assert topic_label("C12") == "Approved but suspicious (Code 10)"
        assert topic_label("fraud-awareness") == "Spotting fraud and cash-out"
        assert topic_label("from-a-gift-file") == "from-a-gift-file"  # shown as written
        assert topic_label("C123") == "C123"
        assert topic_label(None) == "Other"
    with app.test_request_context(headers={"Accept-Language": "zh"}):
        assert topic_label("D4") == "怀疑有侧录器"


def test_a_manual_link_whose_section_is_gone_still_opens_its_lesson(session, content):
    from trainer.courses.service import manual_links

    links = manual_links(
        session,
        [
            "basics/01-void-or-refund#no-such-section",  # renamed away: the lesson's title
            "basics/no-such-lesson#check-the-batch",  # gone: no title
            "basics/02-after-a-timeout",  # a whole lesson
        ],
        "en",
    )
    assert links["basics/01-void-or-refund#no-such-section"].title
    assert links["basics/no-such-lesson#check-the-batch"].title is None
    assert links["basics/02-after-a-timeout"].anchor is None
    assert links["basics/02-after-a-timeout"].title


def test_score_only_review_hides_feedback(client, session, people, content):
    login_as(client, people["cashier"])
    attempt_id = _start(client, "score-only")
    _answer(client, attempt_id, right=False)
    _submit(client, attempt_id)
    page = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "Not passed" in page and "0%" in page
    for secret in (
        "A refund is for after settlement.",
        "Right: the batch is still open.",
        "Check the last transaction first.",
        "Correct answer",
        "What to review",
        "/courses/basics/01-void-or-refund#",
        "The customer is charged twice.",
    ):
        assert secret not in page, secret


def test_autosave_of_one_question_leaves_the_others_alone(app, client, session, people):
    """The page sends only=<position> when one question changed; the rest stay as saved."""
    from trainer.courses.importer import import_shipped_content
    from trainer.models import AttemptItem

    import_shipped_content(app)
    login_as(client, people["cashier"])
    start = post(client, "/quizzes/placement/start", token_from="/quizzes/placement")
    attempt_id = int(start.location.rsplit("/", 1)[1])
    items = session.scalars(
        select(AttemptItem)
        .where(AttemptItem.attempt_id == attempt_id)
        .order_by(AttemptItem.position)
    ).all()

    def first_answer(item):
        if item.question["type"] == "truefalse":
            return "true"
        return "o0"  # the first option shown

    fetch = {"X-Requested-With": "fetch"}
    both = {"q0": first_answer(items[0]), "q1": first_answer(items[1])}
    assert post(
        client,
        f"/attempts/{attempt_id}/save",
        both,
        token_from=f"/attempts/{attempt_id}",
        headers=fetch,
    ).get_json()["ok"]
    # Only question 0 is sent, as the page's autosave does after one change.
    response = post(
        client,
        f"/attempts/{attempt_id}/save",
        {"q0": first_answer(items[0]), "only": "0"},
        token_from=f"/attempts/{attempt_id}",
        headers=fetch,
    )
    assert response.get_json()["ok"]
    session.expire_all()
    saved = {
        i.position: i.response
        for i in session.scalars(select(AttemptItem).where(AttemptItem.attempt_id == attempt_id))
    }
    assert saved[1] is not None  # untouched by the one-question save
    assert saved[0] is not None


def test_the_page_counts_the_questions_answered(client, session, people, content):
    """Shown without the script too; the script keeps it current and reads the same markers."""
    login_as(client, people["cashier"])
    attempt_id = _start(client, "all-types")
    html, shown, _parser = _page(client, attempt_id)
    asked = sum(QUESTIONS[qid]["type"] != "description" for qid in shown)
    assert asked == len(shown) - 1
    assert f"Answered: 0 of {asked}" in html
    assert html.count('data-counted="false"') == 1  # the description asks nothing
    assert 'data-pattern="Answered: %(n)d of %(total)d"' in html

    saved = _post(
        client,
        f"/attempts/{attempt_id}/save",
        _fields("b-void-single", shown["b-void-single"], right=True),
        headers=FETCH,
    )
    assert saved.json["ok"]
    assert f"Answered: 1 of {asked}" in client.get(f"/attempts/{attempt_id}").get_data(as_text=True)

    # A scenario has no form field: it counts once a step is chosen, and says so to the script.
    choices = {text: value for value, text in shown["b-timeout-scenario"].choices}
    _post(client, f"/attempts/{attempt_id}/step", {"choice": choices["Check the last transaction"]})
    html = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert f"Answered: 2 of {asked}" in html and 'data-begun="true"' in html

    session.get(User, people["cashier"].user.id).language = "zh"
    session.commit()
    html = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert f"已作答：2 / {asked} 题" in html


def test_manual_link_titles_are_kept_until_the_next_import(app, session, content):
    """The app keeps looked-up link titles per content revision, which every import bumps."""
    from trainer.courses.service import manual_links
    from trainer.models import Counter, Lesson, Section
    from trainer.models.content import CONTENT_REVISION

    section = session.scalar(
        select(Section).join(Lesson).where(Lesson.slug == "01-void-or-refund").limit(1)
    )
    link = f"basics/01-void-or-refund#{section.anchor}"
    with app.test_request_context():
        before = manual_links(session, [link], "en")[link].title
        section.title_en = "Renamed by hand"
        session.commit()
        assert manual_links(session, [link], "en")[link].title == before
        Counter.increment(session, CONTENT_REVISION)
        session.commit()
        assert manual_links(session, [link], "en")[link].title == "Renamed by hand"
