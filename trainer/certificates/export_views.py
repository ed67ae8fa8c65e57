"""Pages for the bulk certificate export and for following a background job."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    SubmitField,
)
from wtforms.validators import NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from trainer import audit, jobs
from trainer.certificates import pdfmerge
from trainer.certificates.export import (
    FIRST_DAY,
    KIND,
    LAST_DAY,
    ExportFilters,
    count_certificates,
    job_params,
)
from trainer.certificates.service import MAX_EXPIRING_DAYS, course_titles, local_time
from trainer.db import get_session
from trainer.forms import choices
from trainer.i18n import LANGUAGE_NAMES, current_language, localised
from trainer.models import Course, Job, Role, Store
from trainer.security import roles

bp = Blueprint("exports", __name__)

STATUS_CHOICES = [
    ("all", _l("Any status")),
    ("valid", _l("Valid")),
    ("expired", _l("Expired")),
    ("revoked", _l("Revoked")),
]


class ExportForm(FlaskForm):
    """Which certificates to export, and how."""

    # Checkbox groups, not Ctrl-click multi-selects: they work on a phone and by keyboard.
    # "All" is ticked by default; untick it to export only the stores (courses) ticked below.
    # Nothing ticked at all means every store, as the command line and older forms have it.
    all_stores = BooleanField(_l("All stores"), default=True)
    stores = SelectMultipleField(
        _l("Stores"), widget=ListWidget(prefix_label=False), option_widget=CheckboxInput()
    )
    all_courses = BooleanField(_l("All courses"), default=True)
    courses = SelectMultipleField(
        _l("Courses"), widget=ListWidget(prefix_label=False), option_widget=CheckboxInput()
    )
    issued_from = DateField(_l("Issued from"), validators=[Optional()])
    issued_to = DateField(_l("Issued until"), validators=[Optional()])
    status = SelectField(_l("Status"), choices=choices(STATUS_CHOICES), default="all")
    expiring_within = IntegerField(
        _l("Expiring within (days)"),
        validators=[Optional(), NumberRange(min=1, max=MAX_EXPIRING_DAYS)],
    )
    language = SelectField(_l("Language of the certificates"))
    merged = BooleanField(_l("Also one merged PDF of all certificates, for printing"))
    archival = BooleanField(_l("Archival PDFs (PDF/A-3b)"))
    submit = SubmitField(_l("Export"))

    def validate_issued_from(self, field) -> None:
        """A date certificates can have been issued on."""
        _check_day(field)

    def validate_issued_to(self, field) -> None:
        """The end date may not be before the start date."""
        _check_day(field)
        if field.data and self.issued_from.data and field.data < self.issued_from.data:
            raise ValidationError(_("The end date is before the start date."))

    def validate_stores(self, field) -> None:
        """Every store, or the stores ticked: not both."""
        if self.all_stores.data and field.data:
            raise ValidationError(_("You ticked “All stores” and some stores: untick one."))

    def validate_courses(self, field) -> None:
        """Every course, or the courses ticked: not both."""
        if self.all_courses.data and field.data:
            raise ValidationError(_("You ticked “All courses” and some courses: untick one."))

    def validate_merged(self, field) -> None:
        """The merged PDF needs pypdf on the server."""
        if field.data and not pdfmerge.available():
            raise ValidationError(_("The merged PDF is not available on this server."))

    def filters(self) -> ExportFilters:
        """The filters chosen."""
        return ExportFilters(
            stores=tuple(self.stores.data or ()),
            courses=tuple(self.courses.data or ()),
            issued_from=self.issued_from.data,
            issued_to=self.issued_to.data,
            status=self.status.data,
            merged=bool(self.merged.data),
            archival=bool(self.archival.data),
            expiring_within=self.expiring_within.data or None,
        )


def _check_day(field) -> None:
    if field.data and not FIRST_DAY <= field.data <= LAST_DAY:
        raise ValidationError(
            _("Dates run from %(first)s to %(last)s.", first=FIRST_DAY, last=LAST_DAY)
        )


def _fill_choices(form: ExportForm) -> None:
    session = get_session()
    stores = session.scalars(select(Store).order_by(Store.name, Store.code))
    form.stores.choices = choices((s.code, s.name) for s in stores)
    form.courses.choices = choices(
        (code, localised(title)) for code, title in course_titles(session)
    )
    form.language.choices = choices(LANGUAGE_NAMES.items())


def _course_name(course: Course) -> str:
    return localised(course.current_version.title) if course.current_version else course.code


def _job_or_404(job_id: str) -> Job:
    """The job, for its creator and for administrators only (anyone else: 404).

    A job whose process stopped is marked failed here, so its page stops saying "running".
    """
    session = get_session()
    job = session.get(Job, job_id[:36])
    if job is None:
        abort(404)
    if job.created_by_id != current_user.id and current_user.role is not Role.ADMIN:
        abort(404)
    if jobs.fail_if_stopped(current_app, job):
        session.commit()
    return job


@bp.route("/certificates/export", methods=["GET", "POST"])
@roles(Role.COMPLIANCE, Role.ADMIN)
def export():
    """Choose certificates to export; the export runs as a background job."""
    session = get_session()
    form = ExportForm()
    _fill_choices(form)
    if not form.is_submitted():
        form.language.data = current_language()
    if form.validate_on_submit():
        filters = form.filters()
        if not count_certificates(session, filters):
            flash(_("No certificate matches these filters; nothing was exported."), "error")
        else:
            params = job_params(
                filters, lang=form.language.data, base_url=current_app.config["BASE_URL"]
            )
            job = jobs.enqueue(current_app, KIND, params, created_by=current_user)
            return redirect(url_for("exports.job", job_id=job.id))
    recent = session.scalars(
        select(Job)
        .where(Job.kind == KIND, Job.created_by_id == current_user.id)
        .order_by(Job.created_at.desc())
        .limit(10)
    ).all()
    stopped = [job for job in recent if jobs.fail_if_stopped(current_app, job)]
    if stopped:  # marked failed just now
        session.commit()
    return render_template("certificates/export.html", form=form, recent=recent)


@bp.route("/jobs/<job_id>")
@roles(Role.COMPLIANCE, Role.ADMIN)
def job(job_id: str):
    """A job's progress; reloads itself every 2 s while it runs (no JavaScript needed)."""
    job = _job_or_404(job_id)
    filters = ExportFilters.from_params(job.params.get("filters") or {})
    size = None
    if (path := jobs.result_file(current_app, job)) is not None:
        size = path.stat().st_size
    session = get_session()
    stores = session.scalars(select(Store).where(Store.code.in_(filters.stores)))
    courses = session.scalars(select(Course).where(Course.code.in_(filters.courses)))
    return render_template(
        "certificates/job.html",
        job=job,
        filters=filters,
        # Names, not codes; a store or course deleted since shows its code.
        store_names=[{s.code: s.name for s in stores}.get(c, c) for c in filters.stores],
        course_names=[
            {c.code: _course_name(c) for c in courses}.get(code, code) for code in filters.courses
        ],
        language_name=LANGUAGE_NAMES.get(job.params.get("lang"), job.params.get("lang")),
        size=size,
        running=job.status not in jobs.FINISHED,
        status_labels={
            jobs.QUEUED: _("Waiting to start"),
            jobs.RUNNING: _("Running"),
            jobs.DONE: _("Finished"),
            jobs.FAILED: _("Failed"),
        },
        status_names=dict(STATUS_CHOICES),
    )


@bp.route("/jobs/<job_id>.json")
@roles(Role.COMPLIANCE, Role.ADMIN)
def job_status(job_id: str):
    """A job's status and progress as JSON."""
    job = _job_or_404(job_id)
    body = {
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "progress": job.progress,
        "total": job.total,
        "error": job.error,
        "download": (
            url_for("exports.download", job_id=job.id)
            if jobs.result_file(current_app, job)
            else None
        ),
    }
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/jobs/<job_id>/download")
@roles(Role.COMPLIANCE, Role.ADMIN)
def download(job_id: str):
    """The finished export's ZIP, for the job's creator and administrators."""
    job = _job_or_404(job_id)
    path = jobs.result_file(current_app, job)
    if path is None:
        abort(404)
    session = get_session()
    audit.record(
        session,
        "certificates.export_downloaded",
        actor=current_user,
        target=job,
        details={"job": job.id, "bytes": path.stat().st_size},
    )
    session.commit()
    # The stores' time zone, as on every page: a 17:30 export in Shanghai is not named 09:30.
    stamp = local_time(job.created_at).strftime("%Y%m%d-%H%M")
    response = send_file(
        path,
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"certificates-{stamp}.zip",
        max_age=0,
    )
    response.headers["Cache-Control"] = "no-store"
    return response
