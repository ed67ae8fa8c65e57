"""Before submission the attempt page and the autosave answer reveal no answer, for every question.

One attempt holds every question of the shipped banks (a quiz with a pool over each bank and a
large count, imported from a copy of the shipped content). Its page is fetched in both languages
and checked for every secret of every question, in both languages: option feedback and correct
flags, explanations, true/false feedback, numeric values, accepted short answers, matching pairs,
the correct order, rubrics, and the consequences of scenario options not taken.
"""

from __future__ import annotations

import functools
import html as htmlmod
import json
import random
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from tests.helpers import csrf_token, login_as
from trainer.courses.importer import import_tree
from trainer.domain import questions as grading
from trainer.domain.markdown import render_markdown
from trainer.domain.questions import in_lang
from trainer.domain.questions.scenario import scenario_steps, walk_path
from trainer.models import Attempt, Question, User

SHIPPED = Path(__file__).parents[1]
LANGS = ("zh", "en")
FETCH = {"X-Requested-With": "fetch"}


@pytest.fixture
def everything(app, tmp_path, session, people):
    """The shipped content plus a quiz drawing every question of every bank."""
    root = tmp_path / "content"
    shutil.copytree(SHIPPED / "courses", root / "courses")
    shutil.copytree(SHIPPED / "quizzes", root / "quizzes")
    banks = {
        path.stem: len(yaml.load(path.read_text(encoding="utf-8"), yaml.CSafeLoader)["questions"])
        for path in sorted((root / "quizzes/banks").glob("*.yaml"))
    }
    quiz = {
        "id": "everything",
        "title": {"zh": "全部题目", "en": "Every question"},
        # The checker allows no more than a bank holds: ask for all of each.
        "pools": [{"bank": bank, "count": count} for bank, count in banks.items()],
        "shuffle_questions": True,
        "shuffle_options": True,
        "pass_mark": 80,
    }
    (root / "quizzes/quizzes/everything.yaml").write_text(
        yaml.safe_dump(quiz, allow_unicode=True), encoding="utf-8"
    )
    import_tree(app, root)
    return banks


# --- what the page shows ----------------------------------------------------------------------


class _Page(HTMLParser):
    """Visible text per question section (without its "Question n of N" line), and every tag."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict, int | None]] = []  # tag, attributes, section
        self.sections: dict[int, list[str]] = {}
        self.items: dict[int, list[str]] = {}  # the <li> texts of each section, in order
        self.options: dict[str, list[tuple[str, str]]] = {}  # select name -> (value, text)
        self.text: list[str] = []
        self.current: int | None = None
        self.muted = 0  # depth inside <p class="muted">
        self.li: list[str] | None = None
        self.select: str | None = None
        self.option: list | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section" and re.fullmatch(r"q\d+", a.get("id") or ""):
            self.current = int(a["id"][1:])
            self.sections[self.current] = []
            self.items[self.current] = []
        self.tags.append((tag, a, self.current))
        if self.current is None:
            return
        if tag == "p" and "muted" in (a.get("class") or ""):
            self.muted += 1
        elif tag == "li":
            self.li = []
        elif tag == "select":
            self.select = a.get("name")
            self.options[self.select] = []
        elif tag == "option" and self.select:
            self.option = [a.get("value"), ""]

    def handle_endtag(self, tag):
        if tag == "section":
            self.current = None
        elif tag == "p" and self.muted:
            self.muted -= 1
        elif tag == "li" and self.li is not None and self.current is not None:
            self.items[self.current].append(_norm(" ".join(self.li)))
            self.li = None
        elif tag == "select":
            self.select = None
        elif tag == "option" and self.option is not None:
            self.options[self.select].append((self.option[0], _norm(self.option[1])))
            self.option = None

    def handle_data(self, data):
        self.text.append(data)
        if self.current is None or self.muted:
            return
        if self.option is not None:
            self.option[1] += data
            return
        self.sections[self.current].append(data)
        if self.li is not None:
            self.li.append(data)


def _norm(text: str) -> str:
    return " ".join(text.split())


@functools.cache
def _plain(markdown: str) -> str:
    """A Markdown text as it reads once rendered (what a leak would show)."""
    rendered = render_markdown(markdown, lang="en", glossary={}).html
    return _norm(htmlmod.unescape(re.sub(r"<[^>]+>", " ", rendered)))


def _forms(text: str | None) -> set[str]:
    """The ways a secret could appear: as written, and rendered."""
    if not text or not str(text).strip():
        return set()
    text = str(text)
    return {f for f in {_norm(text), _plain(text)} if f}


def _both(value) -> list[str]:
    if value is None:
        return []
    return [in_lang(value, lang) for lang in LANGS]


# --- the secrets of a question ----------------------------------------------------------------


def _visible(q: dict, path: list) -> list[str]:
    """Texts the page may show for ``q`` before submission (its own stem, options …)."""
    texts = [*_both(q.get("stem")), *_both(q.get("unit"))]
    panel = q.get("scenario") or {}
    texts += _both(panel.get("title"))
    texts += [t for line in panel.get("lines") or [] for t in _both(line)]
    texts += [t for c in panel.get("columns") or [] for t in _both(c)]
    texts += [t for row in panel.get("rows") or [] for cell in row for t in _both(cell)]
    for key in ("options", "steps"):
        texts += [t for o in q.get(key) or [] if q["type"] != "scenario" for t in _both(o["text"])]
    for pair in q.get("pairs") or []:
        texts += _both(pair["left"]) + _both(pair["right"])
    if q["type"] == "scenario":
        taken, due, _error = walk_path(q, path)
        steps = scenario_steps(q)
        for step, option in taken:
            texts += _both(step.get("stem")) + _both(option.get("text"))
            texts += _both(option.get("consequence"))
        if due:
            step = steps[due]
            texts += _both(step.get("stem"))
            sub = step.get("scenario") or {}
            texts += _both(sub.get("title"))
            texts += [t for line in sub.get("lines") or [] for t in _both(line)]
            texts += [t for c in sub.get("columns") or [] for t in _both(c)]
            texts += [t for row in sub.get("rows") or [] for cell in row for t in _both(cell)]
            texts += [t for o in step.get("options") or [] for t in _both(o.get("text"))]
    return [_norm(t) for t in texts if t]


def _secrets(q: dict, path: list) -> list[tuple[str, str]]:
    """(what, text) pairs that must not be on the page before submission."""
    out: list[tuple[str, str]] = []

    def add(what: str, value) -> None:
        out.extend((what, t) for t in _both(value) if t)

    add("explanation", q.get("explanation"))
    add("general feedback", q.get("general_feedback"))
    for option in q.get("options") or []:
        if q["type"] != "scenario":
            add(f"feedback of option {option['id']}", option.get("feedback"))
    add("feedback for true", q.get("feedback_true"))
    add("feedback for false", q.get("feedback_false"))
    add("rubric", q.get("rubric"))
    for answer in q.get("answers") or []:
        add("answer feedback", answer.get("feedback"))
        if q["type"] == "short":
            text = answer.get("text")
            for t in text.values() if isinstance(text, dict) else [text]:
                out.append(("accepted short answer", str(t)))
    if q["type"] in ("ordering", "matching", "scenario"):
        add("correct answer", grading.grade(q, None, {}).correct_answer)
    if q["type"] == "scenario":
        taken, due, _error = walk_path(q, path)
        taken_options = {(s["id"], o["id"]) for s, o in taken}
        reached = {s["id"] for s, _o in taken} | ({due} if due else set())
        for step in q.get("steps") or []:
            if step["id"] not in reached:
                add(f"stem of step {step['id']} not reached yet", step.get("stem"))
            for option in step.get("options") or []:
                if (step["id"], option["id"]) not in taken_options:
                    add(f"consequence of {step['id']}/{option['id']}", option.get("consequence"))
    return out


def _numbers(q: dict) -> set[str]:
    """A numeric question's answer values as they could be written."""
    found = set()
    for answer in q.get("answers") or []:
        for key in ("value", "min", "max"):
            value = answer.get(key)
            if isinstance(value, int | float) and not isinstance(value, bool):
                found |= {f"{value:g}", f"{value:.2f}", f"{value:,.2f}", str(value)}
    return found


# --- checks ------------------------------------------------------------------------------------


def _check_page(page: str, items, paths: dict[int, list], lang: str, only=None) -> int:
    """Assert no secret of any item (or of the types in ``only``) is in ``page``.

    Returns how many secrets were checked.
    """
    parser = _Page()
    parser.feed(page)
    text = _norm(htmlmod.unescape(" ".join(parser.text)))
    source = _norm(htmlmod.unescape(page))
    # One text, parts separated by a character no secret contains.
    legit = "\0".join(
        t for item in items for t in _visible(item.question, paths.get(item.position, []))
    )
    checked = 0
    for item in items:
        q = item.question
        if only and q["type"] not in only:
            continue
        assert q["id"] not in source, f"question id {q['id']} is on the page"
        for what, secret in _secrets(q, paths.get(item.position, [])):
            for form in _forms(secret):
                if form in legit:
                    continue  # the same words are part of what the page has to show
                checked += 1
                assert form not in text, f"{q['id']}: {what} is on the page: {form!r}"
                assert form not in source, f"{q['id']}: {what} is in the markup: {form!r}"
        own = _norm(" ".join(parser.sections[item.position]))
        if q["type"] == "numeric":
            mine = " ".join(_visible(q, []))
            attributes = " ".join(
                value or ""
                for _tag, attrs, section in parser.tags
                if section == item.position
                for name, value in attrs.items()
                if name not in ("id", "name", "for", "data-position", "maxlength")
            )
            for number in _numbers(q):
                if re.search(rf"(?<![\d.]){re.escape(number)}(?![\d])", mine):
                    continue
                checked += 1
                pattern = rf"(?<![\d.,]){re.escape(number)}(?![\d])"
                assert not re.search(pattern, own), f"{q['id']}: the answer {number} is shown"
                assert not re.search(pattern, attributes), f"{q['id']}: {number} in the markup"
    _check_markup(parser, items, lang)
    return checked


SUSPECT_ATTRIBUTE = re.compile(
    r"correct|answer|fraction|points|score|feedback|consequence|critical|expected|rubric|solution"
)


def _check_markup(parser: _Page, items, lang: str) -> None:
    """No answer in the markup: no flags, options alike but for their value, orders not given."""
    for tag, attrs, _section in parser.tags:
        for name, value in attrs.items():
            assert not SUSPECT_ATTRIBUTE.search(name), f"<{tag} {name}={value!r}>"
            if name == "value" and value and tag != "input":
                assert not SUSPECT_ATTRIBUTE.search(value.lower()), f"<{tag} value={value!r}>"
    # The options of one question differ in their value only (nothing marks the right one).
    groups: dict[tuple, list[dict]] = {}
    for tag, attrs, section in parser.tags:
        # The terminal's keys (data-key) are one keypad for every scenario, its cards are sent
        # by tray position: they are the same whatever the answer, so they are not options.
        if "data-key" in attrs:
            continue
        if section is not None and tag in ("input", "option", "button", "label", "span", "li"):
            key = (section, tag, attrs.get("name"))
            groups.setdefault(key, []).append(
                {k: v for k, v in attrs.items() if k not in ("value", "id", "for", "checked")}
            )
    for key, group in groups.items():
        assert all(g == group[0] for g in group), f"options marked differently: {key} {group}"
    selects = [a for t, a, _s in parser.tags if t == "select"]
    for item in items:
        q = item.question
        prefix = f"q{item.position}-"
        names = [a["name"] for a in selects if a["name"].startswith(prefix)]
        if q["type"] == "ordering":
            authored = [in_lang(s["text"], lang) for s in q["steps"]]
            assert names == [f"{prefix}s{i}" for i in range(len(authored))], names
            shown = []
            for li in parser.items[item.position]:
                inside = [t for t in authored if _norm(t) in li]
                shown.append(max(inside, key=len))
            assert sorted(shown) == sorted(authored)
            assert shown != authored, f"{q['id']}: steps shown in the correct order"
        if q["type"] == "matching":
            assert names == [f"{prefix}{i}" for i in range(len(q["pairs"]))]
            authored = [_norm(in_lang(p["right"], lang)) for p in q["pairs"]]
            for name in names:
                offered = [(v, t) for v, t in parser.options[name] if v]
                assert [v for v, _t in offered] == [f"r{i}" for i in range(len(offered))]
                assert sorted(t for _v, t in offered) == sorted(authored)
                assert [t for _v, t in offered] != authored, f"{q['id']}: rights in answer order"


class _Choices(HTMLParser):
    """Per question section, the choices as shown: (value, visible text) in page order.

    Radio buttons and checkboxes (inside their label) and a scenario's step buttons.
    """

    def __init__(self) -> None:
        super().__init__()
        self.shown: dict[int, list[list]] = {}
        self.current: int | None = None
        self.open: list | None = None  # the choice whose text is being read
        self.closing = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section" and re.fullmatch(r"q\d+", a.get("id") or ""):
            self.current = int(a["id"][1:])
            self.shown[self.current] = []
        elif self.current is None:
            return
        elif tag == "input" and a.get("type") in ("radio", "checkbox") and a.get("value"):
            if a["value"] not in ("true", "false"):  # true/false has no authored options
                self.open, self.closing = [a["value"], ""], "label"
                self.shown[self.current].append(self.open)
        elif tag == "button" and a.get("name") == "choice":
            self.open, self.closing = [a["value"], ""], "button"
            self.shown[self.current].append(self.open)

    def handle_endtag(self, tag):
        if tag == "section":
            self.current = None
        elif self.open is not None and tag == self.closing:
            self.open[1] = _norm(self.open[1])
            self.open = None

    def handle_data(self, data):
        if self.open is not None:
            self.open[1] += data


def _shown_choices(page: str) -> dict[int, list[list]]:
    parser = _Choices()
    parser.feed(page)
    return parser.shown


def _option_at(options: list[dict], text: str) -> dict:
    """The authored option whose English text the page shows as ``text``."""
    found = [o for o in options if _plain(in_lang(o.get("text"), "en")) == text]
    assert len(found) == 1, f"{text!r} matches {len(found)} options"
    return found[0]


def _scenario_round(client, attempt, paths: dict[int, list], token: str, page: str) -> bool:
    """Take the first choice shown at the step due in every unfinished scenario (False: all done).

    The page's button says which choice it is only by its position (c0, c1 …); the authored
    option is found from the button's text, as a learner would.
    """
    moved = False
    shown = _shown_choices(page)
    for item in attempt.items:
        q = item.question
        if q["type"] != "scenario":
            continue
        path = paths.setdefault(item.position, [])
        _taken, due, _error = walk_path(q, path)
        if due is None:
            continue
        value, text = shown[item.position][0]
        assert value == f"{item.position}|{due}|c0"
        option = _option_at(scenario_steps(q)[due]["options"], text)["id"]
        response = client.post(
            f"/attempts/{attempt.id}/step", data={"csrf_token": token, "choice": value}
        )
        assert response.status_code == 302
        path.append([due, option])
        moved = True
    return moved


def test_no_answer_on_the_attempt_page_or_in_autosave(client, session, people, everything):
    user = session.get(User, people["cashier"].user.id)
    login_as(client, people["cashier"])
    token = csrf_token(client, "/quizzes/")
    started = client.post("/quizzes/everything/start", data={"csrf_token": token})
    attempt_id = int(started.location.rsplit("/", 1)[1])
    session.expire_all()
    attempt = session.get(Attempt, attempt_id)
    banked = set(session.scalars(select(Question.qid).where(Question.active)))
    assert {i.question["id"] for i in attempt.items} == banked
    types = {i.question["type"] for i in attempt.items}
    assert {"single", "multiple", "truefalse", "ordering", "numeric", "matching"} <= types
    assert {"short", "essay", "scenario"} <= types

    paths: dict[int, list] = {}
    checked = 0
    rounds = 0
    while True:
        # Both languages at the start; then, as the scenarios advance, each in turn.
        for lang in LANGS if rounds == 0 else [LANGS[rounds % 2]]:
            user.language = lang
            session.commit()
            page = client.get(f"/attempts/{attempt_id}")
            assert page.status_code == 200
            # After the first look only the scenarios change: check what they reveal.
            only = ("scenario",) if rounds else None
            checked += _check_page(page.get_data(as_text=True), attempt.items, paths, lang, only)
        user.language = "en"
        session.commit()
        page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
        if not _scenario_round(client, attempt, paths, token, page):
            break
        rounds += 1
    assert rounds >= 2  # scenarios were followed past their first step
    assert checked > 1000  # the check looked at every secret, not at nothing

    # Autosave: answer the first option of everything and read the JSON back.
    form = {"csrf_token": token}
    for item in attempt.items:
        if item.question["type"] in ("single", "multiple"):
            form[f"q{item.position}"] = "o0"  # the first option shown
    saved = client.post(f"/attempts/{attempt_id}/save", data=form, headers=FETCH)
    assert saved.status_code == 200 and saved.json["ok"] is True
    assert set(saved.json) == {"ok", "saved_at"}
    body = json.dumps(saved.json, ensure_ascii=False)
    for item in attempt.items:
        for _what, secret in _secrets(item.question, paths.get(item.position, [])):
            assert _norm(secret) not in body
    # The page after a save shows the saved choice and still no answer.
    reloaded = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    _check_page(reloaded, attempt.items, paths, LANGS[rounds % 2], ("single", "multiple"))
    assert re.search(r'type="radio" name="q\d+" value="[^"]+" checked', reloaded)


def test_option_values_and_order_do_not_give_the_answer(
    client, session, people, everything, monkeypatch
):
    """Issue #14: no option value or position on the page correlates with correctness.

    Over many attempts at every shipped question, the page's values are only positions
    (o0, o1 … / c0, c1 …), and the right option (single choice), the set of right options
    (multiple response) and the best first choice of a scenario move between positions.
    The attempts' shuffles are seeded so that the test gives the same verdict every run.
    """
    from trainer.domain.questions.scenario import option_points
    from trainer.quizzes import service

    seeds = random.Random("issue-14")
    monkeypatch.setattr(service.secrets, "randbits", lambda bits: seeds.getrandbits(bits))
    user = session.get(User, people["cashier"].user.id)
    user.language = "en"
    session.commit()
    login_as(client, people["cashier"])
    token = csrf_token(client, "/quizzes/")
    seen: dict[str, list] = {}  # question id -> where the right answer was, per attempt
    positions: dict[str, list[float]] = {"single": [], "multiple": [], "scenario": []}
    attempts = 16
    for _ in range(attempts):
        started = client.post("/quizzes/everything/start", data={"csrf_token": token})
        attempt_id = int(started.location.rsplit("/", 1)[1])
        page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
        shown = _shown_choices(page)
        session.expire_all()
        for item in session.get(Attempt, attempt_id).items:
            q, choices = item.question, shown[item.position]
            if q["type"] in ("single", "multiple"):
                options = q["options"]
                assert [v for v, _t in choices] == [f"o{i}" for i in range(len(options))]
                right = [
                    i for i, (_v, t) in enumerate(choices) if _option_at(options, t).get("correct")
                ]
            elif q["type"] == "scenario":
                step = scenario_steps(q)[q["start"]]
                options = step["options"]
                assert [v for v, _t in choices] == [
                    f"{item.position}|{step['id']}|c{i}" for i in range(len(options))
                ]
                top = max(option_points(o) for o in options)
                right = [
                    i
                    for i, (_v, t) in enumerate(choices)
                    if option_points(_option_at(options, t)) == top
                ]
                if len(right) == len(options):
                    continue  # every choice scores the same: nothing to give away
            else:
                continue
            seen.setdefault(q["id"], []).append(tuple(right))
            # Where the right answers sit, from 0 (first) to 1 (last).
            positions[q["type"]] += [i / (len(options) - 1) for i in right]
        submitted = client.post(f"/attempts/{attempt_id}/submit", data={"csrf_token": token})
        assert submitted.status_code == 302
    assert all(len(places) == attempts for places in seen.values())
    fixed = sorted(qid for qid, places in seen.items() if len(set(places)) == 1)
    assert not fixed, f"the right answer sits at the same place in every attempt: {fixed}"
    for kind, found in positions.items():
        assert len(found) >= attempts, kind  # the shipped banks have questions of each kind
        # Spread over the positions: on average near the middle, neither mostly first nor last.
        mean = sum(found) / len(found)
        assert 0.35 < mean < 0.65, f"{kind}: the right answers sit at {mean:.2f} on average"
        first = sum(1 for p in found if p == 0) / len(found)
        assert first < 0.6, f"{kind}: {first:.0%} of the right answers are shown first"
