"""The manual reader: catalogue, lessons, acknowledgement, search, print and PDF."""

from __future__ import annotations

import os
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from trainer.courses.importer import asset_url, content_root
from trainer.courses.service import (
    CourseError,
    acknowledge,
    course_by_code,
    current_courses,
    read_slugs,
    search,
    statuses,
)
from trainer.db import get_session
from trainer.forms import EmptyForm
from trainer.i18n import current_language, localised
from trainer.models import Lesson
from trainer.security import signed_in
from trainer.tracking.standing import learner

bp = Blueprint("courses", __name__, url_prefix="/courses")

IMAGE_TYPES = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg"}


def _course_or_404(code: str):
    found = course_by_code(get_session(), code)
    if found is None:
        abort(404)
    return found


@bp.route("/")
@signed_in
def catalogue():
    """Every course with the signed-in user's status in it."""
    session = get_session()
    rows = statuses(session, current_user, current_courses(session))
    return render_template(
        "courses/catalogue.html", statuses=rows, standing=learner(session, current_user).courses
    )


@bp.route("/<code>/")
@signed_in
def course(code: str):
    """A course's overview: lessons read, acknowledgement, quizzes, downloads."""
    session = get_session()
    course, version = _course_or_404(code)
    status = statuses(session, current_user, [(course, version)])[0]
    return render_template(
        "courses/course.html",
        course=course,
        version=version,
        status=status,
        standing=learner(session, current_user).courses[course.code],
        read=read_slugs(session, current_user, course, version),
        form=EmptyForm(),
    )


@bp.route("/<code>/<slug>")
@signed_in
def lesson(code: str, slug: str):
    """One lesson, with progress, previous/next and 'mark as read'."""
    session = get_session()
    course, version = _course_or_404(code)
    lessons = version.lessons
    index = next((i for i, item in enumerate(lessons) if item.slug == slug), None)
    if index is None:
        abort(404)
    lesson = session.get(Lesson, lessons[index].id)
    read = read_slugs(session, current_user, course, version)
    return render_template(
        "courses/lesson.html",
        course=course,
        version=version,
        lesson=lesson,
        html=lesson.html(current_language()),
        index=index,
        lessons=lessons,
        read=read,
        previous=lessons[index - 1] if index > 0 else None,
        next=lessons[index + 1] if index + 1 < len(lessons) else None,
        form=EmptyForm(),
        percent=round(100 * len(read & {x.slug for x in lessons}) / len(lessons)),
    )


@bp.post("/<code>/<slug>/read")
@signed_in
def mark_read(code: str, slug: str):
    """Mark a lesson as read and go on to the next one (or back to the course)."""
    from trainer.courses.service import mark_read as record_read

    session = get_session()
    course, version = _course_or_404(code)
    slugs = [lesson.slug for lesson in version.lessons]
    if slug not in slugs:
        abort(404)
    record_read(session, current_user, course, version, slug)
    session.commit()
    following = slugs.index(slug) + 1
    if following < len(slugs):
        return redirect(url_for("courses.lesson", code=code, slug=slugs[following]))
    return redirect(url_for("courses.course", code=code) + "#acknowledge")


@bp.post("/<code>/acknowledge")
@signed_in
def acknowledge_course(code: str):
    """'I have read and understood version N.'"""
    session = get_session()
    course, version = _course_or_404(code)
    try:
        acknowledge(session, current_user, course, version)
        session.commit()
    except CourseError:
        flash(_("Read every lesson before you confirm."), "error")
    except IntegrityError:  # a parallel request (a double click) recorded it first
        session.rollback()
    else:
        flash(_("Thank you: you have confirmed version %(v)s.", v=version.version), "success")
        from trainer.certificates.service import check_and_issue

        certificate = check_and_issue(session, current_user, course_code=code)
        if certificate is not None:
            flash(
                _(
                    "Congratulations! Your certificate %(serial)s has been issued.",
                    serial=certificate.serial,
                ),
                "success",
            )
    return redirect(url_for("courses.course", code=code))


@bp.route("/<code>/print")
@signed_in
def printable(code: str):
    """The whole course on one page, for printing."""
    course, version = _course_or_404(code)
    lessons = (
        get_session()
        .scalars(
            select(Lesson).where(Lesson.course_version_id == version.id).order_by(Lesson.position)
        )
        .all()
    )
    return render_template("courses/print.html", course=course, version=version, lessons=lessons)


@bp.route("/<code>/manual.pdf")
@signed_in
def manual_pdf(code: str):
    """The course manual as a PDF for the counter (?lang=zh|en|both)."""
    lang = request.args.get("lang", current_language())
    if lang not in ("zh", "en", "both"):
        abort(404)
    course, version = _course_or_404(code)
    filename = f"{course.code}-{version.version}-{lang}.pdf"
    # A course version never changes (its content hash is fixed), so its manual is rendered
    # once per language and kept: a 56-page bilingual manual takes WeasyPrint many seconds.
    cached = (
        Path(current_app.instance_path)
        / "cache"
        / "manuals"
        / f"{course.code}-{version.content_hash[:16]}-{lang}.pdf"
    )
    if not cached.exists():
        data = _render_manual(course, version, lang)
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.part")
        partial.write_bytes(data)
        partial.replace(cached)  # atomic: a concurrent request never reads half a file
    return Response(
        cached.read_bytes(),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _render_manual(course, version, lang: str) -> bytes:
    from trainer import pdf

    lessons = (
        get_session()
        .scalars(
            select(Lesson).where(Lesson.course_version_id == version.id).order_by(Lesson.position)
        )
        .all()
    )
    # Lesson images point at the assets route; the PDF reads them from the course folder.
    web_prefix = f'src="{asset_url(course.code, "")}'

    def for_pdf(html: str) -> str:
        return html.replace(web_prefix, 'src="')

    return pdf.render_manual(
        {
            "code": course.code,
            "version": version.version,
            "title": version.title,
            "summary": version.summary,
            "organisation": current_app.config["SITE_NAME"],
            "lessons": [
                {
                    "slug": x.slug,
                    "title": x.title,
                    "html": {"zh": for_pdf(x.html_zh), "en": for_pdf(x.html_en)},
                }
                for x in lessons
            ],
        },
        lang,
        assets_dir=_course_folder(course.code),
    )


@bp.route("/<code>/assets/<path:filename>")
@signed_in
def asset(code: str, filename: str):
    """An image stored beside a course's lessons."""
    _course_or_404(code)
    if Path(filename).suffix.lower() not in IMAGE_TYPES:
        abort(404)
    if any(part.startswith(".") for part in filename.replace("\\", "/").split("/")):
        abort(404)  # no hidden files, no "..": only the images stored beside the lessons
    return send_from_directory(_course_folder(code), filename)  # refuses paths outside it


def _course_folder(code: str) -> Path:
    return content_root(current_app) / "courses" / code


@bp.route("/search")
@signed_in
def search_manuals():
    """Search every manual section, in Chinese or English."""
    query = request.args.get("q", "").strip()[:100]
    hits = search(get_session(), query, current_language()) if query else []
    return render_template("courses/search.html", query=query, hits=hits, localised=localised)
