"""Administration: import Moodle GIFT files into question banks, export banks as GIFT."""

from __future__ import annotations

from pathlib import PurePosixPath

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from sqlalchemy import func, select
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length, Regexp

from trainer import audit
from trainer.db import get_session
from trainer.domain.messages import LocatedMessage
from trainer.domain.questions.gift import GiftError
from trainer.models import Question, QuestionBank, Role
from trainer.quizzes.gift_import import export_bank, import_gift
from trainer.security import roles

bp = Blueprint("gift", __name__, url_prefix="/admin/gift")

#: Moodle question types as the report names them.
TYPE_LABELS = {
    "multichoice": _l("Multiple choice"),
    "truefalse": _l("True/false"),
    "shortanswer": _l("Short answer"),
    "numerical": _l("Numerical"),
    "matching": _l("Matching"),
    "essay": _l("Essay"),
    "description": _l("Description"),
}


class GiftImportForm(FlaskForm):
    """Upload a GIFT file into a question bank."""

    file = FileField(
        _l("GIFT file"),
        validators=[
            FileRequired(),
            FileAllowed(["gift", "txt"], _l("Choose a .gift or .txt file.")),
        ],
    )
    bank = StringField(
        _l("Question bank"),
        validators=[
            DataRequired(),
            Length(max=120),
            Regexp(
                r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
                message=_l("Lowercase letters, digits and single hyphens only."),
            ),
        ],
    )
    submit = SubmitField(_l("Import"))


def _banks():
    """Every bank with its number of active questions, for the list on the page."""
    counts = (
        select(Question.bank_id, func.count(Question.id).label("n"))
        .where(Question.active)
        .group_by(Question.bank_id)
        .subquery()
    )
    return (
        get_session()
        .execute(
            select(QuestionBank, func.coalesce(counts.c.n, 0))
            .outerjoin(counts, counts.c.bank_id == QuestionBank.id)
            .order_by(QuestionBank.origin.desc(), QuestionBank.slug)
        )
        .all()
    )


def _translated(messages: list[LocatedMessage]) -> list[str]:
    """Import problems or warnings in the reader's language."""
    return [m.translated(_) for m in messages]


def _upload_name(name: str | None) -> str:
    """The uploaded file's own name (no client path), for file:line messages."""
    return PurePosixPath((name or "").replace("\\", "/")).name or "upload.gift"


@bp.route("/import", methods=["GET", "POST"])
@roles(Role.ADMIN)
def upload():
    """Upload a GIFT file: import it and report, or list every problem and import nothing."""
    form = GiftImportForm()
    report = problems = warnings = None
    status = 200
    if form.validate_on_submit():
        session = get_session()
        filename = _upload_name(form.file.data.filename)
        try:
            report = import_gift(
                session,
                form.file.data.read(),
                filename=filename,
                bank_slug=form.bank.data,
                actor=current_user,
            )
        except GiftError as exc:
            session.rollback()
            problems, status = _translated(exc.problems), 422
        else:
            session.commit()
            warnings = _translated(report.warnings)
    elif request.method == "POST":
        status = 422
    return (
        render_template(
            "admin/gift_import.html",
            form=form,
            report=report,
            problems=problems,
            warnings=warnings,
            banks=_banks(),
            type_labels=TYPE_LABELS,
        ),
        status,
    )


@bp.get("/export/<slug>")
@roles(Role.ADMIN)
def export(slug: str):
    """Download a question bank as a Moodle GIFT file (texts in ``?lang=``, default English)."""
    lang = request.args.get("lang", "en")
    if lang not in ("zh", "en"):
        abort(400)
    session = get_session()
    try:
        exported = export_bank(session, slug, lang=lang)
    except LookupError:
        abort(404)
    bank = session.scalar(select(QuestionBank).where(QuestionBank.slug == slug))
    audit.record(
        session,
        "gift.exported",
        actor=current_user,
        target=bank,
        details={"bank": slug, "lang": lang, "warnings": len(exported.warnings)},
    )
    session.commit()
    return Response(
        exported.text,
        mimetype="text/plain",
        headers={"Content-Disposition": f'attachment; filename="{slug}.{lang}.gift"'},
    )
