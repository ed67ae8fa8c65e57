"""Quizzes: the list, a quiz's rules, the attempt page, autosave, submit, results, grading."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    get_template_attribute,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_translations
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import bindparam, select

from trainer.db import get_session
from trainer.domain.questions import TYPES, UNANSWERED, present
from trainer.forms import EmptyForm
from trainer.i18n import current_language
from trainer.models import AttemptItem, AttemptStatus, Quiz, Role
from trainer.quizzes import results, review, service
from trainer.quizzes.forms import (
    ordering_ids,
    present_response,
    response_from_form,
    scenario_choice,
)
from trainer.security import roles, signed_in
from trainer.simulator.service import close_quiz_runs
from trainer.web import MAX_ID, rich

bp = Blueprint("quizzes", __name__)

QUIZ_ERRORS = {  # lazy: translated when shown, in the reader's language
    "limit": _l("You have used all your attempts at this quiz."),
    "cooldown": _l("Please wait before you try again."),
    "empty": _l("This quiz has no questions yet."),
    "closed": _l("This attempt is closed: time is up or it was submitted."),
    "too_long": _l("An answer is too long to save. Please shorten it."),
    "not_scenario": _l("That choice is not available."),
}


def _message(exc: Exception) -> str:
    return str(QUIZ_ERRORS.get(str(exc), _("That choice is not available.")))


_ACTIVE_QUIZ = select(Quiz).where(Quiz.slug == bindparam("slug"), Quiz.active)  # built once


def _quiz_or_404(slug: str) -> Quiz:
    quiz = get_session().scalar(_ACTIVE_QUIZ, {"slug": slug})
    if quiz is None:
        abort(404)
    return quiz


def _own_attempt_or_404(attempt_id: int, *, position: int | None = None):
    attempt = service.load_attempt(get_session(), attempt_id, position=position)
    # Another person's attempt answers 404, not 403: nothing to enumerate.
    if attempt is None or attempt.user_id != current_user.id:
        abort(404)
    return attempt


@bp.route("/quizzes/")
@signed_in
def index():
    """Every quiz with the user's own state in it: result, attempts left, when a retake opens."""
    from trainer.tracking.standing import learner

    session = get_session()
    quizzes = session.scalars(select(Quiz).where(Quiz.active).order_by(Quiz.slug)).all()
    counted = service.counted_results(session, current_user, quizzes)
    return render_template(
        "quizzes/index.html",
        quizzes=quizzes,
        counted=counted,
        states=learner(session, current_user).quizzes,
    )


@bp.route("/quizzes/<slug>")
@signed_in
def quiz(slug: str):
    """A quiz's rules, the user's attempts, and the start (or resume) button."""
    session = get_session()
    quiz = _quiz_or_404(slug)
    check = service.check_start(session, current_user, quiz)
    session.commit()  # check_start may have closed an attempt whose time ran out
    for closed in check.closed:
        _after_grading(session, closed)
    attempts = service.user_attempts(session, current_user, quiz)
    return render_template(
        "quizzes/quiz.html",
        quiz=quiz,
        check=check,
        attempts=attempts,
        form=EmptyForm(),
        errors=QUIZ_ERRORS,
    )


@bp.post("/quizzes/<slug>/start")
@signed_in
def start(slug: str):
    """Start a new attempt, or go back to the one under way."""
    session = get_session()
    quiz = _quiz_or_404(slug)
    try:
        attempt = service.start_attempt(session, current_user, quiz)
    except service.QuizError as exc:
        session.commit()  # keep an attempt whose time ran out graded
        flash(str(QUIZ_ERRORS.get(str(exc), exc)), "error")
        return redirect(url_for("quizzes.quiz", slug=slug))
    session.commit()
    return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))


# Scenario panels rendered once per question version, language and step: the content never
# changes, and a macro call from the page costs more than the rest of a question's markup.
_PANELS: dict[tuple[str, str, str | None], Markup] = {}
_PANEL_LIMIT = 4096


def _panel_html(question_hash: str, lang: str, step: str | None, panel: dict | None) -> Markup:
    if not panel:
        return Markup("")
    key = (question_hash, lang, step)
    html = _PANELS.get(key)
    if html is None:
        html = get_template_attribute("quizzes/_panel.html", "panel")(panel)
        # Not while templates reload (development): an edited _panel.html shows at once.
        if len(_PANELS) < _PANEL_LIMIT and not current_app.jinja_env.auto_reload:
            _PANELS[key] = html
    return html


def _answered(item) -> bool:
    """Whether an item counts as answered: a scenario once a step is chosen."""
    if not item.response:
        return False
    return item.question.get("type") != "scenario" or bool(item.response.get("path"))


def _pages(attempt) -> list[list[int]]:
    """The positions on each page: one page, or the quiz's questions_per_page at a time."""
    positions = [item.position for item in attempt.items]
    per = attempt.questions_per_page or len(positions) or 1
    return [positions[i : i + per] for i in range(0, len(positions), per)] or [[]]


def _page_of(attempt, position: int) -> int | None:
    """The page (from 1) that shows ``position``; None when the quiz has one page."""
    if not attempt.questions_per_page:
        return None
    return next((n for n, page in enumerate(_pages(attempt), 1) if position in page), 1)


#: Types whose answers the form does not carry: a scenario advances one step per choice, and a
#: terminal question's log is written by the simulator at each key press (trainer.simulator).
SAVED_BY_THEIR_OWN_ROUTE = ("scenario", "terminal")


def _path(question, response):
    """What a type's present() needs of the saved answer: the scenario's path, the key log."""
    if question.get("type") == "scenario":
        return (response or {}).get("path")
    if question.get("type") == "terminal":
        return (response or {}).get("actions")
    return None


def _presented(attempt, shown: set[int] | None = None):
    """Each question as the page shows it: texts already rendered, headings already translated.

    Done here rather than in the template because a page has dozens of options, and a call
    from Jinja (rich, gettext) costs several times a call from Python. With ``shown``, only
    the questions at those positions (one page of a paged quiz), numbered as in the whole quiz.
    """
    lang = current_language()
    total = len(attempt.items)
    heading = _("Question %(n)d of %(total)d")  # no variables: the translated pattern
    points_labels: dict[float, str] = {}
    out = []
    for number, item in enumerate(attempt.items, start=1):
        if shown is not None and item.position not in shown:
            continue
        question = item.question
        path = _path(question, item.response)
        view = present(question, item.layout, lang, path=path)
        fmt = view["format"]
        view["stem_html"] = rich(view["stem"], fmt)
        view["panel_html"] = _panel_html(item.question_hash, lang, None, view["scenario"])
        if view.get("step"):
            step = view["step"]
            step["panel_html"] = _panel_html(item.question_hash, lang, step["id"], step["scenario"])
        for key in ("options", "steps", "lefts"):
            for choice in view.get(key, ()):
                choice["html"] = rich(choice["text"], fmt, inline=True)
        if view["type"] == "ordering":
            for opaque, step in zip(ordering_ids(item), view["steps"], strict=True):
                step["id"] = opaque
        points = view["points"]
        if points not in points_labels:
            # The plural form follows the points; the text shows them as written (0.5, 2).
            pattern = get_translations().ungettext(
                "%(num)s point", "%(num)s points", 1 if points == 1 else 2
            )
            points_labels[points] = pattern % {"num": f"{points:g}"}
        out.append(
            {
                "item": item,
                "view": view,
                "saved": present_response(item),
                "heading": f"{heading % {'n': number, 'total': total}} · {points_labels[points]}",
                # A description asks nothing; a scenario counts once a step is chosen.
                "answerable": TYPES[view["type"]].answerable,
                "answered": _answered(item),
            }
        )
    return out


def _navigator(attempt, page: int) -> list[dict]:
    """Every question of a paged quiz: its number, page, whether it is answered and shown."""
    page_of = {pos: n for n, positions in enumerate(_pages(attempt), 1) for pos in positions}
    return [
        {
            "number": number,
            "position": item.position,
            "page": page_of[item.position],
            "here": page_of[item.position] == page,
            "answerable": TYPES[item.question.get("type")].answerable,
            "answered": _answered(item),
        }
        for number, item in enumerate(attempt.items, start=1)
    ]


def _progress(questions: list[dict]) -> dict:
    """The page's "Answered: n of total" line, and the patterns its script fills in."""
    asked = [entry for entry in questions if entry["answerable"]]
    answered = sum(entry["answered"] for entry in asked)
    # gettext without variables gives the translated pattern, filled in here and by the script.
    pattern = _("Answered: %(n)d of %(total)d")
    return {
        "text": pattern % {"n": answered, "total": len(asked)},
        "pattern": pattern,
        "unanswered": _(
            "%(left)d of %(total)d questions are not answered yet. Submit anyway? "
            "You cannot change your answers afterwards."
        ),
    }


@bp.route("/attempts/<int:attempt_id>")
@signed_in
def attempt(attempt_id: int):
    """The attempt page: every question, answers saved as the learner goes."""
    session = get_session()
    attempt = _own_attempt_or_404(attempt_id)
    if attempt.status is AttemptStatus.IN_PROGRESS and not service.is_open(attempt):
        if service.submit(session, attempt):
            session.commit()
            flash(_("Time is up: the answers saved before the deadline were graded."), "info")
            _after_grading(session, attempt)
        else:
            session.rollback()
    if attempt.status is not AttemptStatus.IN_PROGRESS:
        return redirect(url_for("quizzes.result", attempt_id=attempt.id))
    pages = _pages(attempt)
    paged = attempt.questions_per_page is not None and len(pages) > 1
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), len(pages))
    if not paged:
        questions = _presented(attempt)
        return render_template(
            "quizzes/attempt.html",
            attempt=attempt,
            questions=questions,
            progress=_progress(questions),
            deadline=attempt.deadline_at,
            paging=None,
        )
    navigator = _navigator(attempt, page)
    return render_template(
        "quizzes/attempt.html",
        attempt=attempt,
        questions=_presented(attempt, set(pages[page - 1])),
        progress=_progress(navigator),
        deadline=attempt.deadline_at,
        paging={
            "page": page,
            "pages": len(pages),
            "navigator": navigator,
            "shown": ",".join(str(pos) for pos in pages[page - 1]),
        },
    )


def _only() -> int | None:
    """The one question position an autosave names (None: all of them). A number no position
    can be (2**63 overflowed SQLite) names none: -1."""
    value = request.form.get("only", type=int)
    if value is not None and not 0 <= value <= MAX_ID:
        return -1
    return value


def _posted(attempt) -> dict:
    """The answers in the posted form, by item position (scenarios advance one step at a time).

    A page of a paged quiz names the positions it shows ("shown"): the questions on other
    pages are not in the form, and must not read as cleared.
    """
    shown_field = request.form.get("shown")
    shown = None
    if shown_field is not None:
        shown = {int(p) for p in shown_field.split(",") if p.strip().isdigit()}
    responses = {
        item.position: response_from_form(item, request.form)
        for item in attempt.items
        if item.question.get("type") not in SAVED_BY_THEIR_OWN_ROUTE
        and (shown is None or item.position in shown)
    }
    only = _only()
    if only is not None:
        responses = {only: responses[only]} if only in responses else {}
    return responses


def _save_posted(session, attempt, *, keep_saved: bool = False):
    responses = _posted(attempt)
    if keep_saved:  # blank fields leave saved answers alone (see submit)
        responses = {pos: r for pos, r in responses.items() if r is not None}
    return service.save_responses(session, attempt, responses)


@bp.post("/attempts/<int:attempt_id>/save")
@signed_in
def save(attempt_id: int):
    """Save answers: JSON for the page's autosave, a redirect for a plain form post."""
    session = get_session()
    # The page's autosave names the one question that changed ("only"): load just that item.
    attempt = _own_attempt_or_404(attempt_id, position=_only())
    wants_json = request.headers.get("X-Requested-With") == "fetch"
    try:
        saved_at = _save_posted(session, attempt)
    except service.QuizError as exc:
        session.rollback()
        if wants_json:
            return jsonify(ok=False, error=str(exc), message=_message(exc)), 409
        flash(_message(exc), "error")
        return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))
    session.commit()
    if wants_json:
        return jsonify(ok=True, saved_at=saved_at.isoformat())
    goto = request.form.get("goto", type=int)
    if goto is not None:  # the navigator of a paged quiz: saved, then the page asked for
        return redirect(url_for("quizzes.attempt", attempt_id=attempt.id, page=goto))
    flash(_("Your answers are saved."), "success")
    # A paged quiz names its page: a plain save comes back to it, not to page 1.
    page = request.form.get("page", type=int)
    return redirect(url_for("quizzes.attempt", attempt_id=attempt.id, page=page))


@bp.post("/attempts/<int:attempt_id>/step")
@signed_in
def step(attempt_id: int):
    """Make one choice in a multi-step scenario; the page then shows its consequence."""
    session = get_session()
    attempt = _own_attempt_or_404(attempt_id)
    # One button per choice carries "position|step|shown choice", so this works without
    # JavaScript; the shown choice (c0, c1 …) is mapped back to the option it stands for.
    position_text, _sep, rest = request.form.get("choice", "").partition("|")
    step_id, _sep, shown = rest.partition("|")
    position = int(position_text) if position_text.isdigit() else -1
    item = next((i for i in attempt.items if i.position == position), None)
    option_id = scenario_choice(item, step_id, shown) if item is not None else ""
    try:
        _save_posted(session, attempt, keep_saved=True)  # keep the other answers typed so far
    except service.QuizError as exc:
        session.rollback()
        flash(_message(exc), "error")
        page = _page_of(attempt, position)
        return redirect(
            url_for("quizzes.attempt", attempt_id=attempt.id, page=page) + f"#q{position}"
        )
    try:
        service.advance_scenario(session, attempt, position, step_id, option_id)
    except service.QuizError as exc:
        # A stale or double-clicked choice: the other answers are still saved.
        flash(_message(exc), "error")
    session.commit()
    page = _page_of(attempt, position)
    return redirect(url_for("quizzes.attempt", attempt_id=attempt.id, page=page) + f"#q{position}")


@bp.post("/attempts/<int:attempt_id>/submit")
@signed_in
def submit(attempt_id: int):
    """Save what was posted, then grade once (a second submit just shows the result)."""
    session = get_session()
    attempt = _own_attempt_or_404(attempt_id)
    if attempt.status is AttemptStatus.IN_PROGRESS:
        # Blank fields do not erase saved answers: a page opened before they were saved (another
        # tab, a reload that failed) must not wipe them at the last moment. Clearing an answer
        # is done by saving (autosave does it as the learner goes).
        responses = {pos: r for pos, r in _posted(attempt).items() if r is not None}
        in_time = service.is_open(attempt)
        try:
            submitted = service.submit(session, attempt, responses=responses)
        except service.QuizError as exc:  # e.g. an answer too long: nothing is submitted
            session.rollback()
            flash(_message(exc), "error")
            return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))
        if submitted:
            # Terminal questions' runs are graded with the attempt, so they can be replayed.
            close_quiz_runs(session, attempt.id, attempt.submitted_at)
            session.commit()
            if not in_time:
                flash(_("Time is up: the answers saved before the deadline were graded."), "info")
            _after_grading(session, attempt)
        else:
            session.rollback()  # another tab or a double click submitted it first
    return redirect(url_for("quizzes.result", attempt_id=attempt.id))


def _after_grading(session, attempt) -> None:
    if attempt.status is AttemptStatus.GRADED and attempt.passed:
        _issue_for(session, attempt)


def _issue_for(session, attempt) -> None:
    from trainer.certificates.service import check_and_issue

    course_code = session.get(Quiz, attempt.quiz_id).course_code
    if course_code:
        from trainer.models import User

        certificate = check_and_issue(
            session, session.get(User, attempt.user_id), course_code=course_code
        )
        if certificate is not None and attempt.user_id == current_user.id:
            flash(
                _(
                    "Congratulations! Your certificate %(serial)s has been issued.",
                    serial=certificate.serial,
                ),
                "success",
            )


def _viewable_attempt_or_404(attempt_id: int):
    """The learner's own attempt, or one of a person the viewer oversees (read-only)."""
    from trainer.tracking.service import person_in_scope

    session = get_session()
    attempt = service.load_attempt(session, attempt_id)
    if attempt is None:
        abort(404)
    if attempt.user_id != current_user.id:
        learner = person_in_scope(session, current_user, attempt.user_id)
        if learner is None or attempt.status is AttemptStatus.IN_PROGRESS:
            abort(404)
        return attempt, learner
    return attempt, None


@bp.route("/attempts/<int:attempt_id>/result")
@signed_in
def result(attempt_id: int):
    """Score, pass or fail, feedback per question, and what to review by topic.

    Supervisors of the learner's store, compliance and admins may read it too (no actions).
    """
    attempt, learner = _viewable_attempt_or_404(attempt_id)
    if attempt.status is AttemptStatus.IN_PROGRESS:
        return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))
    show_feedback = attempt.review_policy == "after_submission"
    questions, to_review = [], []
    if show_feedback:  # the review section and its links show only with the feedback
        questions, to_review = results.present(get_session(), attempt)
    return render_template(
        "quizzes/result.html",
        attempt=attempt,
        questions=questions,
        review=to_review,
        show_feedback=show_feedback,
        labels=results.page_labels(),
        learner=learner,
    )


@bp.route("/grading")
@roles(Role.SUPERVISOR, Role.ADMIN)
def grading_queue():
    """Free-text answers waiting for a supervisor's grade."""
    session = get_session()
    items = review.review_queue(session, current_user)
    items = [i for i in items if i.attempt.user_id != current_user.id]
    from trainer.models import User

    learners = {
        u.id: u
        for u in session.scalars(
            select(User).where(User.id.in_({i.attempt.user_id for i in items}))
        )
    }
    return render_template("quizzes/grading_queue.html", items=items, learners=learners)


@bp.route("/grading/<int:item_id>", methods=["GET", "POST"])
@roles(Role.SUPERVISOR, Role.ADMIN)
def grade_item(item_id: int):
    """Read one free-text answer and give it a score."""
    session = get_session()
    item = session.get(AttemptItem, item_id)
    if (
        item is None
        or item.question.get("type") != "essay"
        or item.attempt.status is AttemptStatus.IN_PROGRESS  # not submitted: nothing to grade
        or item.status is None
        or item.status == UNANSWERED
        or not review.can_review(session, current_user, item.attempt)
    ):
        abort(404)
    form = EmptyForm()
    error = None
    if request.method == "POST" and form.validate_on_submit():
        score = request.form.get("score", type=float)
        try:
            if score is None or not 0 <= score <= item.max_score:
                raise service.QuizError(
                    _("Enter a score from 0 to %(max)s.", max=f"{item.max_score:g}")
                )
            comment = (request.form.get("comment") or "")[:1000]
            review.grade_essay(session, item, score, comment, current_user)
        except service.QuizError as exc:
            error = str(exc)
        else:
            session.commit()
            if item.attempt.status is AttemptStatus.GRADED and item.attempt.passed:
                _issue_for(session, item.attempt)
            flash(_("Grade saved."), "success")
            return redirect(url_for("quizzes.grading_queue"))
    from trainer.models import User

    return render_template(
        "quizzes/grade_item.html",
        item=item,
        form=form,
        error=error,
        learner=session.get(User, item.attempt.user_id),
    )
