"""Administration: quizzes assembled on the web from any bank (GIFT-imported ones included),
and the second language of imported questions (see trainer/quizzes/builder.py)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, FieldList, FormField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from trainer.db import get_session
from trainer.models import Question, QuestionBank, Quiz, Role
from trainer.quizzes import builder
from trainer.security import roles

bp = Blueprint("quizbuilder", __name__, url_prefix="/admin/quizzes")

POOL_ROWS = 4  # pools a quiz may have on the form (empty rows are ignored)
SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


class PoolForm(FlaskForm):
    """One pool: draw ``count`` questions from a bank, optionally only those with some tags."""

    class Meta:
        csrf = False  # part of QuizForm, which has the token

    bank = SelectField(_l("Bank"), choices=[], validate_choice=False)
    tags = StringField(
        _l("Tags (any of them; empty: all)"), validators=[Optional(), Length(max=300)]
    )
    count = IntegerField(
        _l("How many to draw"), validators=[Optional(), NumberRange(min=1, max=200)]
    )


class QuizForm(FlaskForm):
    """A quiz's settings: title, pools, pass mark, time limit, attempts, cool-down, pages."""

    slug = StringField(
        _l("Quiz id"),
        validators=[
            DataRequired(),
            Length(max=120),
            Regexp(SLUG, message=_l("Lowercase letters, digits and single hyphens only.")),
        ],
    )
    title_zh = StringField(_l("Title (Chinese)"), validators=[DataRequired(), Length(max=200)])
    title_en = StringField(_l("Title (English)"), validators=[DataRequired(), Length(max=200)])
    pools = FieldList(FormField(PoolForm), min_entries=POOL_ROWS, max_entries=POOL_ROWS)
    pass_mark = IntegerField(
        _l("Pass mark (%)"), default=80, validators=[DataRequired(), NumberRange(min=1, max=100)]
    )
    time_limit_minutes = IntegerField(
        _l("Time limit (minutes; empty: none)"),
        validators=[Optional(), NumberRange(min=1, max=600)],
    )
    max_attempts = IntegerField(
        _l("Attempts allowed (empty: unlimited)"),
        validators=[Optional(), NumberRange(min=1, max=100)],
    )
    cooldown_minutes = IntegerField(
        _l("Wait between attempts (minutes)"),
        default=0,
        validators=[Optional(), NumberRange(min=0, max=10080)],
    )
    questions_per_page = IntegerField(
        _l("Questions per page (empty: all on one page)"),
        validators=[Optional(), NumberRange(min=1, max=100)],
    )
    shuffle_options = BooleanField(_l("Shuffle the options of each question"), default=True)
    pool_error: str | None = None  # set when no pool is given


def _banks() -> list[QuestionBank]:
    return list(get_session().scalars(select(QuestionBank).order_by(QuestionBank.slug)))


def _web_quiz_or_404(quiz_id: int) -> Quiz:
    quiz = get_session().get(Quiz, quiz_id)
    if quiz is None or quiz.origin != "web":
        abort(404)  # shipped quizzes are edited in their files
    return quiz


def _fill(form: QuizForm, quiz: Quiz) -> None:
    """The form as the quiz's current version has it."""
    d = quiz.definition
    form.slug.data = quiz.slug
    form.title_zh.data, form.title_en.data = quiz.title.get("zh"), quiz.title.get("en")
    for entry, pool in zip(form.pools.entries, d.get("pools", []), strict=False):
        entry.form.bank.data = pool.get("bank")
        entry.form.tags.data = ", ".join(pool.get("tags") or [])
        entry.form.count.data = pool.get("count")
    form.pass_mark.data = int(d.get("pass_mark", 80))
    form.time_limit_minutes.data = d.get("time_limit_minutes")
    form.max_attempts.data = d.get("max_attempts")
    form.cooldown_minutes.data = d.get("cooldown_minutes") or 0
    form.questions_per_page.data = d.get("questions_per_page")
    form.shuffle_options.data = d.get("shuffle_options", True)


def _input(form: QuizForm, known: set[str]) -> builder.QuizInput | None:
    """The quiz the form describes, or None after putting the problems on the form."""
    pools, ok = [], True
    for entry in form.pools.entries:
        f = entry.form
        if not f.bank.data and not f.count.data:
            continue  # an empty row
        if f.bank.data not in known:
            f.bank.errors = [*f.bank.errors, _("Choose a bank.")]
            ok = False
            continue
        if not f.count.data:
            f.count.errors = [*f.count.errors, _("Say how many questions to draw.")]
            ok = False
            continue
        tags = [t.strip() for t in (f.tags.data or "").replace("，", ",").split(",") if t.strip()]
        pools.append(builder.PoolInput(f.bank.data, tags, f.count.data))
    if ok and not pools:
        form.pool_error = _("Add at least one pool: a bank and how many to draw.")
        ok = False
    if not ok:
        return None
    data = builder.QuizInput(
        slug=form.slug.data,
        title={"zh": form.title_zh.data.strip(), "en": form.title_en.data.strip()},
        pools=pools,
        pass_mark=float(form.pass_mark.data),
        time_limit_minutes=form.time_limit_minutes.data,
        max_attempts=form.max_attempts.data,
        cooldown_minutes=form.cooldown_minutes.data or 0,
        questions_per_page=form.questions_per_page.data,
        shuffle_options=form.shuffle_options.data,
    )
    rows = [e for e in form.pools.entries if e.form.bank.data and e.form.count.data]
    for i, (msgid, params) in builder.pool_problems(get_session(), pools).items():
        count = rows[i].form.count
        count.errors = [*count.errors, _(msgid, **params)]
    return None if any(e.form.count.errors for e in rows) else data


def _edit(quiz: Quiz | None):
    session = get_session()
    form = QuizForm()
    banks = _banks()
    for entry in form.pools.entries:
        entry.form.bank.choices = [("", "—")] + [
            (b.slug, f"{b.slug} · {b.title.get('en') or b.slug}") for b in banks
        ]
    if quiz is not None:
        if request.method == "GET":
            _fill(form, quiz)
        form.slug.data = quiz.slug  # the id of a quiz never changes (attempts name it)
    status = 200
    if form.validate_on_submit():
        taken = quiz is None and session.scalar(select(Quiz.id).where(Quiz.slug == form.slug.data))
        if taken:
            form.slug.errors = [*form.slug.errors, _("That quiz id is taken.")]
        data = _input(form, {b.slug for b in banks})
        if data is not None and not taken:
            saved = builder.save_quiz(session, data, current_user, quiz)
            session.commit()
            flash(
                _(
                    "Quiz %(quiz)s saved (version %(version)d).",
                    quiz=saved.slug,
                    version=saved.definition["version"],
                ),
                "success",
            )
            return redirect(url_for("quizbuilder.index"))
        status = 422
    elif request.method == "POST":
        status = 422
    return render_template("admin/quiz_form.html", form=form, quiz=quiz), status


@bp.route("/")
@roles(Role.ADMIN)
def index():
    """Quizzes assembled on the web, and the GIFT banks whose questions can be translated."""
    session = get_session()
    quizzes = session.scalars(select(Quiz).where(Quiz.origin == "web").order_by(Quiz.slug)).all()
    banks = session.scalars(
        select(QuestionBank).where(QuestionBank.origin == "gift").order_by(QuestionBank.slug)
    ).all()
    return render_template("admin/quizzes.html", quizzes=quizzes, banks=banks)


@bp.route("/new", methods=["GET", "POST"])
@roles(Role.ADMIN)
def new():
    """Assemble a new quiz from pools of any banks."""
    return _edit(None)


@bp.route("/<int:quiz_id>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def edit(quiz_id: int):
    """Change a web quiz: saving makes a new version (attempts under way keep theirs)."""
    return _edit(_web_quiz_or_404(quiz_id))


def _gift_bank_or_404(slug: str) -> QuestionBank:
    bank = get_session().scalar(select(QuestionBank).where(QuestionBank.slug == slug))
    if bank is None or bank.origin != "gift":
        abort(404)  # shipped questions are edited in their files
    return bank


@bp.route("/banks/<slug>")
@roles(Role.ADMIN)
def bank(slug: str):
    """An imported bank's questions, with whether each has its two languages yet."""
    found = _gift_bank_or_404(slug)
    questions = get_session().scalars(
        select(Question)
        .where(Question.bank_id == found.id, Question.active)
        .order_by(Question.position)
    )
    rows = [
        (q, all(t["zh"] != t["en"] for _p, t in builder.local_texts(q.data))) for q in questions
    ]
    return render_template("admin/quiz_bank.html", bank=found, rows=rows)


# What each part of a question is called on the translation page.
PART_LABELS = {
    "stem": _l("Question text"),
    "general_feedback": _l("General feedback"),
    "explanation": _l("Explanation"),
    "options": _l("Option %(n)d"),
    "answers": _l("Answer %(n)d"),
    "pairs": _l("Pair %(n)d"),
    "steps": _l("Step %(n)d"),
    "text": _l("text"),
    "feedback": _l("feedback"),
    "left": _l("left"),
    "right": _l("right"),
    "feedback_true": _l("Feedback for “true”"),
    "feedback_false": _l("Feedback for “false”"),
    "unit": _l("Unit"),
}


def _part_label(path: tuple) -> str:
    words = []
    for i, part in enumerate(path):
        if isinstance(part, int):
            continue
        label = PART_LABELS.get(part)
        nxt = path[i + 1] if i + 1 < len(path) else None
        if label is None:
            words.append(part)
        elif isinstance(nxt, int):
            words.append(str(label) % {"n": nxt + 1})
        else:
            words.append(str(label))
    return " · ".join(words)


@bp.route("/banks/<slug>/questions/<int:question_id>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def translate(slug: str, question_id: int):
    """Give an imported question's texts in Chinese and English."""
    session = get_session()
    found = _gift_bank_or_404(slug)
    question = session.get(Question, question_id)
    if question is None or question.bank_id != found.id:
        abort(404)
    form = FlaskForm()  # the CSRF token
    texts = list(builder.local_texts(question.data))
    error, status = None, 200
    if request.method == "POST" and form.validate_on_submit():
        posted = {
            path: {lang: request.form.get(f"t{i}-{lang}", "") for lang in ("zh", "en")}
            for i, (path, _text) in enumerate(texts)
        }
        try:
            changed = builder.translate_question(session, question, posted, current_user)
        except ValueError:
            error, status = _("Every text needs both languages (at most 4000 characters)."), 422
            texts = [(path, posted[path]) for path, _text in texts]
        else:
            session.commit()
            flash(_("Question saved.") if changed else _("Nothing changed."), "success")
            return redirect(url_for("quizbuilder.bank", slug=slug))
    elif request.method == "POST":
        status = 422
    parts = [(i, _part_label(path), text) for i, (path, text) in enumerate(texts)]
    return (
        render_template(
            "admin/quiz_translate.html",
            bank=found,
            question=question,
            parts=parts,
            form=form,
            error=error,
        ),
        status,
    )
