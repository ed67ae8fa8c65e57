"""The manual reader: catalogue, lessons, reading progress, acknowledgement, search, downloads."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.helpers import login_as, post
from trainer.courses.importer import import_tree
from trainer.models import Acknowledgement, AuditEvent, LessonRead, User

FIXTURE = Path(__file__).parent / "fixtures" / "content"
L1, L2 = "01-void-or-refund", "02-after-a-timeout"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A private copy of the fixture tree; the app serves its images (CONTENT_ROOT)."""
    root = tmp_path / "content"
    shutil.copytree(FIXTURE, root)
    return root


@pytest.fixture
def app_config(tree):
    return {"CONTENT_ROOT": str(tree)}


@pytest.fixture
def course(app, tree, session, people):
    """The fixture course imported; everyone reads in English unless a test says otherwise."""
    import_tree(app, tree)
    for actor in people.values():
        session.get(User, actor.user.id).language = "en"
    session.commit()
    return "basics"


def _edit(root: Path, relative: str, old: str, new: str) -> None:
    path = root / relative
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {relative}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _bump(app, tree: Path, version: str, lesson_change: tuple[str, str]) -> None:
    old_version = re.search(
        r'version: "([^"]+)"', (tree / "courses/basics/course.yaml").read_text()
    )
    _edit(
        tree, "courses/basics/course.yaml", f'version: "{old_version[1]}"', f'version: "{version}"'
    )
    _edit(tree, f"courses/basics/{L1}.en.md", *lesson_change)
    import_tree(app, tree)


def _state(html: str) -> str:
    match = re.search(r'data-state="([a-z_]+)"', html)
    assert match, "no status badge on the page"
    return match.group(1)


def _read_all(client) -> None:
    for slug in (L1, L2):
        response = post(
            client, f"/courses/basics/{slug}/read", token_from=f"/courses/basics/{slug}"
        )
        assert response.status_code == 302


def _acknowledge(client):
    return post(
        client, "/courses/basics/acknowledge", token_from="/courses/basics/", follow_redirects=True
    )


def _acks(session, user) -> list[str]:
    session.expire_all()
    return session.scalars(
        select(Acknowledgement.version)
        .where(Acknowledgement.user_id == user.id)
        .order_by(Acknowledgement.id)
    ).all()


class _Tags(HTMLParser):
    """Every start tag with its attributes (the real markup, not escaped text)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


# --- catalogue and lessons --------------------------------------------------------------------


def test_catalogue_lists_courses_with_the_readers_status(client, people, course):
    login_as(client, people["cashier"])
    page = client.get("/courses/").get_data(as_text=True)
    assert "Till basics" in page and 'href="/courses/basics/"' in page
    assert _state(page) == "not_started"
    post(client, f"/courses/basics/{L1}/read", token_from=f"/courses/basics/{L1}")
    page = client.get("/courses/").get_data(as_text=True)
    assert _state(page) == "reading" and "1 of 2 lessons read" in page
    assert 'aria-valuenow="50"' in page


def test_catalogue_in_chinese(client, session, people, course):
    session.get(User, people["cashier"].user.id).language = "zh"
    session.commit()
    login_as(client, people["cashier"])
    assert "收银基础" in client.get("/courses/").get_data(as_text=True)


def test_lesson_page_has_progress_and_previous_next(client, people, course):
    login_as(client, people["cashier"])
    first = client.get(f"/courses/basics/{L1}").get_data(as_text=True)
    assert "Lesson 1 of 2" in first
    assert 'aria-valuenow="0"' in first
    assert f'rel="next" href="/courses/basics/{L2}"' in first
    assert 'rel="prev"' not in first
    assert 'id="check-the-batch"' in first and "Check the batch first" in first
    assert '<dfn class="term"' in first  # glossary term with the other language beside it
    second = client.get(f"/courses/basics/{L2}").get_data(as_text=True)
    assert "Lesson 2 of 2" in second
    assert f'rel="prev" href="/courses/basics/{L1}"' in second
    assert 'rel="next"' not in second
    assert client.get("/courses/basics/no-such-lesson").status_code == 404
    assert client.get("/courses/nope/").status_code == 404


def test_mark_as_read_moves_on_and_is_idempotent(client, session, people, course):
    login_as(client, people["cashier"])
    response = post(client, f"/courses/basics/{L1}/read", token_from=f"/courses/basics/{L1}")
    assert response.location == f"/courses/basics/{L2}"
    again = post(client, f"/courses/basics/{L1}/read", token_from=f"/courses/basics/{L1}")
    assert again.location == f"/courses/basics/{L2}"
    page = client.get(f"/courses/basics/{L1}").get_data(as_text=True)
    assert 'aria-valuenow="50"' in page and "Read — next" in page
    last = post(client, f"/courses/basics/{L2}/read", token_from=f"/courses/basics/{L2}")
    assert last.location == "/courses/basics/#acknowledge"
    session.expire_all()
    rows = session.scalars(
        select(LessonRead.lesson_slug).where(LessonRead.user_id == people["cashier"].user.id)
    ).all()
    assert sorted(rows) == [L1, L2]
    missing = post(client, "/courses/basics/nope/read", token_from=f"/courses/basics/{L1}")
    assert missing.status_code == 404


def test_acknowledgement_only_after_every_lesson_is_read(client, session, people, course):
    login_as(client, people["cashier"])
    user = people["cashier"].user
    post(client, f"/courses/basics/{L1}/read", token_from=f"/courses/basics/{L1}")
    refused = _acknowledge(client).get_data(as_text=True)
    assert "Read every lesson before you confirm." in refused
    assert _acks(session, user) == []
    post(client, f"/courses/basics/{L2}/read", token_from=f"/courses/basics/{L2}")
    assert _state(client.get("/courses/").get_data(as_text=True)) == "to_acknowledge"
    accepted = _acknowledge(client).get_data(as_text=True)
    assert "you have confirmed version 1.2" in accepted
    assert _acks(session, user) == ["1.2"]
    assert _state(client.get("/courses/").get_data(as_text=True)) == "acknowledged"
    _acknowledge(client)  # a second click changes nothing
    assert _acks(session, user) == ["1.2"]
    actions = session.scalars(select(AuditEvent.action)).all()
    assert actions.count("course.acknowledged") == 1


def test_a_major_version_asks_again_a_minor_one_does_not(
    app, client, session, people, tree, course
):
    from trainer.certificates.service import requirements
    from trainer.models import CourseVersion

    login_as(client, people["cashier"])
    user = people["cashier"].user
    _read_all(client)
    _acknowledge(client)
    _bump(app, tree, "1.3", ("Find the sale.", "Find the sale in the list."))
    page = client.get("/courses/").get_data(as_text=True)
    assert _state(page) == "acknowledged" and "Confirmed v1.2" in page
    _bump(app, tree, "2.0", ("Find the sale in the list.", "Find the sale by its time."))
    page = client.get("/courses/").get_data(as_text=True)
    assert _state(page) == "reacknowledge"
    overview = client.get("/courses/basics/").get_data(as_text=True)
    assert _state(overview) == "reacknowledge"
    assert "since you confirmed version 1.2" in overview and "confirm version 2.0" in overview
    session.expire_all()
    current = session.scalar(select(CourseVersion).where(CourseVersion.current))
    assert current.version == "2.0"
    assert not requirements(session, session.get(User, user.id), current).acknowledged
    # The new major version is read again before it is confirmed.
    assert "Read every lesson before you confirm." in _acknowledge(client).get_data(as_text=True)
    assert _acks(session, user) == ["1.2"]
    _read_all(client)
    _acknowledge(client)
    assert _acks(session, user) == ["1.2", "2.0"]
    assert _state(client.get("/courses/").get_data(as_text=True)) == "acknowledged"
    session.expire_all()
    assert requirements(session, session.get(User, user.id), current).acknowledged


# --- search -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "anchor"),
    [
        ("撤销", f"{L1}#check-the-batch"),
        ("refund", f"{L1}#check-the-batch"),
        ("REFUND", f"{L1}#check-the-batch"),
        ("最后一笔", f"{L2}#check-last-transaction"),
        ("supervisor check", f"{L2}#call-a-supervisor"),
    ],
)
def test_search_finds_sections_in_either_language(client, people, course, query, anchor):
    login_as(client, people["cashier"])
    page = client.get("/courses/search", query_string={"q": query}).get_data(as_text=True)
    assert f'href="/courses/basics/{anchor}"' in page


def test_search_without_hits_and_wildcards(client, people, course):
    login_as(client, people["cashier"])
    page = client.get("/courses/search", query_string={"q": "chargeback"}).get_data(as_text=True)
    assert "Nothing found" in page and "search-hit" not in page
    for wildcard in ("%", "_", "%%"):
        page = client.get("/courses/search", query_string={"q": wildcard}).get_data(as_text=True)
        assert "search-hit" not in page, wildcard


def test_search_hit_shown_in_the_readers_language(client, session, people, course):
    session.get(User, people["cashier"].user.id).language = "zh"
    session.commit()
    login_as(client, people["cashier"])
    page = client.get("/courses/search", query_string={"q": "refund"}).get_data(as_text=True)
    assert "先看批次" in page  # the zh section title, found with an English word
    # ... and its Chinese text as the snippet, not the English text that matched.
    snippet = re.search(r'<p class="snippet">(.*?)</p>', page, re.S).group(1)
    assert "批次结算前" in snippet and "before the batch is settled" not in snippet
    page = client.get("/courses/search", query_string={"q": "撤销"}).get_data(as_text=True)
    assert "<mark>撤销</mark>" in page


def test_snippet_cuts_between_words_and_marks_every_searched_word():
    from trainer.courses.service import _snippet

    text = (
        " ".join(f"word{i}" for i in range(60))
        + " Refund the sale "
        + " ".join(f"tail{i}" for i in range(60))
    )
    parts = _snippet(text, ["refund", "SALE"], width=40)
    shown = "".join(part for part, _ in parts)
    assert shown.startswith("…") and shown.endswith("…")
    inner = shown.strip("…").split()
    # Every word shown is whole: no "ord12" or "tai" fragments at the cut.
    assert all(w.startswith(("word", "tail")) or w in ("Refund", "the", "sale") for w in inner)
    assert all(w[4:].isdigit() for w in inner if w.startswith(("word", "tail")))
    assert [part for part, marked in parts if marked] == ["Refund", "sale"]


def test_snippet_in_chinese_cuts_at_characters_and_starts_at_the_top_without_a_match():
    from trainer.courses.service import _snippet

    text = "终端显示“超时”。" * 20 + "不要重新刷卡，先查交易记录。" + "联系收单机构确认结果。" * 20
    parts = _snippet(text, ["重新刷卡"], width=30)
    assert ("重新刷卡", True) in parts
    assert len("".join(p for p, _ in parts)) <= 2 * 30 + len("重新刷卡") + 2
    assert _snippet("短文本。", ["退货"]) == [("短文本。", False)]


# --- unsafe content ---------------------------------------------------------------------------


def test_script_and_event_handlers_in_content_render_inert(app, client, people, tree, session):
    lesson = tree / f"courses/basics/{L2}.en.md"
    lesson.write_text(
        lesson.read_text(encoding="utf-8")
        + "\n<script>alert('xss-script')</script>\n\n"
        + '<img src="x" onerror="alert(\'xss-onerror\')">\n\n'
        + "[click me](javascript:alert('xss-js'))\n\n"
        + '<a href="javascript:alert(2)">raw link</a>\n\n'
        + '![pic](images/terminal.png "t\\" onerror=\\"alert(3)")\n',
        encoding="utf-8",
    )
    import_tree(app, tree)
    session.get(User, people["cashier"].user.id).language = "en"
    session.commit()
    login_as(client, people["cashier"])
    for url in (f"/courses/basics/{L2}", "/courses/basics/print"):
        page = client.get(url).get_data(as_text=True)
        assert "xss-script" in page  # shown as text …
        for tag, attrs in _tags(page):  # … never as markup
            if tag == "script":
                assert attrs.get("src") == "/static/js/app.js", attrs
            assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
            for name in ("href", "src", "action", "formaction"):
                value = (attrs.get(name) or "").strip().lower()
                assert not value.startswith("javascript:"), (tag, attrs)
        assert "script-src 'self'" in client.get(url).headers["Content-Security-Policy"]


# --- print, PDF and images --------------------------------------------------------------------


def test_printable_view_has_every_lesson(client, people, course):
    login_as(client, people["cashier"])
    page = client.get("/courses/basics/print").get_data(as_text=True)
    assert f'id="{L1}"' in page and f'id="{L2}"' in page
    assert f'href="#{L1}"' in page
    assert "Check the batch first" in page and "Call a supervisor" in page
    assert page.index("Check the batch first") < page.index("Call a supervisor")
    assert "data-print" in page


def test_manual_pdf_is_a_pdf(client, people, course):
    import trainer.pdf  # noqa: F401 (the route needs it; fail loudly when it is missing)

    login_as(client, people["cashier"])
    response = client.get("/courses/basics/manual.pdf?lang=both")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert "basics-1.2-both.pdf" in response.headers["Content-Disposition"]
    assert client.get("/courses/basics/manual.pdf?lang=fr").status_code == 404


def test_images_are_served_only_from_the_course_folder(client, people, tree, course):
    login_as(client, people["cashier"])
    with client.get("/courses/basics/assets/images/terminal.png") as image:
        assert image.status_code == 200 and image.mimetype == "image/png"
        assert image.data == (tree / "courses/basics/images/terminal.png").read_bytes()
    (tree / "courses/secret.png").write_bytes(b"\x89PNG outside the course folder")
    (tree / "courses/basics/images/notes.txt").write_text("not an image")
    refused = [
        "/courses/basics/assets/course.yaml",  # not an image
        f"/courses/basics/assets/{L1}.en.md",
        "/courses/basics/assets/images/notes.txt",
        "/courses/basics/assets/../secret.png",  # outside the course folder
        "/courses/basics/assets/images/../../secret.png",
        "/courses/basics/assets/%2e%2e/secret.png",
        "/courses/basics/assets/..%2fsecret.png",
        "/courses/basics/assets//etc/hostname.png",
        "/courses/basics/assets/images/missing.png",
        "/courses/nope/assets/images/terminal.png",
    ]
    for url in refused:
        # follow: Werkzeug answers "//" with a redirect to the merged path
        with client.get(url, follow_redirects=True) as response:
            assert response.status_code == 404, url
            assert b"outside the course folder" not in response.data, url


def test_pages_need_a_signed_in_user(client, course):
    assert client.get("/courses/").status_code == 302
    assert client.get("/courses/basics/assets/images/terminal.png").status_code == 302
