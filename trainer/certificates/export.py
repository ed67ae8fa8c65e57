"""Bulk export of certificates: one ZIP of PDFs, a manifest and optionally one merged PDF.

Memory stays bounded whatever the number of certificates: certificates are read from the
database in keyset pages of :data:`BATCH_SIZE`, rendered with
:func:`trainer.pdf.render_certificates_each` one batch at a time, and each PDF goes straight
into the ZIP (a temporary file renamed into place at the end, so a failed export leaves no
file). The manifest and the merged PDF are streamed to temporary files beside it and copied into
the ZIP at the end. What grows with the number of certificates is only the ZIP's central
directory and the merged PDF's cross-reference table (well under 1 kB a certificate).
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, joinedload

from trainer import audit
from trainer.certificates.service import (
    MAX_EXPIRING_DAYS,
    day_start,
    expiring_within,
    local_day,
    pdf_data,
    status_of,
    with_status,
)
from trainer.db import utcnow
from trainer.models import Certificate, Course, Job, Store, User
from trainer.spreadsheets import safe_cell

if TYPE_CHECKING:
    from trainer.pdf import CertificateData

STATUSES = ("all", "valid", "expired", "revoked")
#: Certificates read, rendered and written per step (and progress is committed after each).
BATCH_SIZE = 25
MANIFEST = "manifest.csv"
MERGED = "all-certificates.pdf"
MANIFEST_COLUMNS = [
    "serial",
    "holder",
    "employee_no",
    "store",
    "store_name",
    "course",
    "course_title",
    "version",
    "score",
    "issued",
    "expires",
    "status",
    "revoked",
    "revocation_reason",
    "sha256",
    "file",
]
KIND = "certificates.export"


class ExportError(ValueError):
    """A filter that cannot be used; ``option`` names it (``stores``, ``issued_from`` …)."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(message)
        self.option = option


@dataclass(frozen=True)
class ExportFilters:
    """Which certificates to export. Empty store/course lists mean all of them."""

    stores: tuple[str, ...] = ()
    courses: tuple[str, ...] = ()
    issued_from: date | None = None
    issued_to: date | None = None  # inclusive
    status: str = "all"  # all | valid | expired | revoked
    merged: bool = False
    archival: bool = False  # PDF/A-3b, for long-term archiving
    expiring_within: int | None = None  # only valid ones expiring within this many days

    def to_params(self) -> dict:
        """JSON-ready form, as stored in ``Job.params`` and audited."""
        data = asdict(self)
        data["stores"], data["courses"] = list(self.stores), list(self.courses)
        for key in ("issued_from", "issued_to"):
            data[key] = data[key].isoformat() if data[key] else None
        return data

    @classmethod
    def from_params(cls, data: dict) -> ExportFilters:
        """The inverse of :meth:`to_params`."""

        def day(value: str | None) -> date | None:
            return date.fromisoformat(value) if value else None

        return cls(
            stores=tuple(data.get("stores") or ()),
            courses=tuple(data.get("courses") or ()),
            issued_from=day(data.get("issued_from")),
            issued_to=day(data.get("issued_to")),
            status=data.get("status") or "all",
            merged=bool(data.get("merged")),
            archival=bool(data.get("archival")),
            expiring_within=data.get("expiring_within") or None,
        )


@dataclass
class ExportResult:
    """What an export wrote."""

    path: Path
    count: int
    merged_pages: int = 0


def check_filters(session: Session, filters: ExportFilters) -> None:
    """Raise :class:`ExportError` naming the first filter that cannot be used."""
    if filters.status not in STATUSES:
        raise ExportError("status", f"unknown status {filters.status!r}: use {', '.join(STATUSES)}")
    for option, model, codes in (
        ("stores", Store, filters.stores),
        ("courses", Course, filters.courses),
    ):
        known = set(session.scalars(select(model.code).where(model.code.in_(codes))))
        unknown = [code for code in codes if code not in known]
        if unknown:
            noun = "store" if model is Store else "course"
            raise ExportError(option, f"unknown {noun} code(s): {', '.join(unknown)}")
    for option in ("issued_from", "issued_to"):
        day = getattr(filters, option)
        # Day starts are turned into UTC moments, and the end date gets a day added.
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise ExportError(option, f"dates run from {FIRST_DAY} to {LAST_DAY}")
    if filters.issued_from and filters.issued_to and filters.issued_from > filters.issued_to:
        raise ExportError("issued_to", "the end date is before the start date")
    days = filters.expiring_within
    if days is not None and not 1 <= days <= MAX_EXPIRING_DAYS:
        raise ExportError(
            "expiring_within", f"expiring within {days} days: use 1 to {MAX_EXPIRING_DAYS} days"
        )


#: The dates an export filter accepts (certificates are issued between them).
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9998, 12, 31)


def _day_start(day: date) -> datetime:
    return day_start(day)


def select_certificates(
    session: Session, filters: ExportFilters, *, now: datetime | None = None
) -> Select:
    """The certificates ``filters`` select, in id order; every filter is applied in SQL.

    Statuses follow :func:`~trainer.certificates.service.status_of` at ``now``: revoked wins,
    then expired (``expires_at <= now``), else valid. Issue dates are days in TRAINER_TIMEZONE,
    the ones printed on the certificates; ``issued_to`` is inclusive.
    """
    now = now or utcnow()
    query = select(Certificate).order_by(Certificate.id)
    if filters.stores:
        query = query.where(
            Certificate.store_id.in_(select(Store.id).where(Store.code.in_(filters.stores)))
        )
    if filters.courses:
        query = query.where(
            Certificate.course_id.in_(select(Course.id).where(Course.code.in_(filters.courses)))
        )
    if filters.issued_from:
        query = query.where(Certificate.issued_at >= _day_start(filters.issued_from))
    if filters.issued_to:
        query = query.where(Certificate.issued_at < _day_start(filters.issued_to + timedelta(1)))
    return expiring_within(with_status(query, filters.status, now), filters.expiring_within, now)


def count_certificates(session: Session, filters: ExportFilters, *, now: datetime | None = None):
    """How many certificates ``filters`` select."""
    query = select_certificates(session, filters, now=now).order_by(None)
    return session.scalar(select(func.count()).select_from(query.subquery()))


def _batches(session: Session, query: Select, size: int) -> Iterator[list[Certificate]]:
    """Keyset pages of ``query`` (ordered by id): commits in between do not disturb them."""
    last = 0
    query = query.options(joinedload(Certificate.user), joinedload(Certificate.store))
    while True:
        rows = list(session.scalars(query.where(Certificate.id > last).limit(size)).unique())
        if not rows:
            return
        yield rows
        last = rows[-1].id


_UNSAFE = re.compile(r"[^\w\-]+")


def safe_name(name: str, limit: int = 60) -> str:
    """A holder's name usable in a file name on any system: letters (Chinese too), digits, -."""
    text = unicodedata.normalize("NFC", name)
    text = _UNSAFE.sub("_", text).strip("_.")
    return text[:limit].rstrip("_") or "certificate"


def file_name(certificate: Certificate) -> str:
    """``<serial>_<holder>.pdf``; serials are unique, so names never collide."""
    return f"{certificate.serial}_{safe_name(certificate.holder_name)}.pdf"


def _manifest_row(
    certificate: Certificate, data: CertificateData, status: str, sha256: str, name: str
) -> list[str]:
    store: Store | None = certificate.store
    title = data.course_title_zh if data.language == "zh" else data.course_title_en
    return [
        certificate.serial,
        safe_cell(certificate.holder_name),
        safe_cell(data.employee_no),
        safe_cell(store.code if store else ""),
        safe_cell(store.name if store else ""),
        data.course_code,
        safe_cell(title),
        certificate.course_version,
        "" if certificate.score_percent is None else f"{certificate.score_percent:g}",
        local_day(certificate.issued_at).isoformat(),
        local_day(certificate.expires_at).isoformat() if certificate.expires_at else "",
        status,
        local_day(certificate.revoked_at).isoformat() if certificate.revoked_at else "",
        certificate.revoked_reason.value if certificate.revoked_reason else "",
        sha256,
        name,
    ]


def write_export(
    session: Session,
    filters: ExportFilters,
    out: Path,
    *,
    lang: str,
    base_url: str,
    progress: Callable[[int, int], None] | None = None,
    now: datetime | None = None,
    batch_size: int = BATCH_SIZE,
) -> ExportResult:
    """Write the export ZIP to ``out`` atomically (temporary file, then rename).

    ``progress(done, total)`` is called before the first certificate and after each batch. On
    any error the temporary files are removed and nothing is left at ``out``.
    """
    from trainer.certificates.pdfmerge import StreamingPdfConcatenator

    check_filters(session, filters)
    now = now or utcnow()
    # A fixed upper id makes the export a snapshot: certificates issued meanwhile are left out.
    top = session.scalar(select(func.max(Certificate.id))) or 0
    query = select_certificates(session, filters, now=now).where(Certificate.id <= top)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    report = progress or (lambda _done, _total: None)
    report(0, total)

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    done = 0
    pages = 0
    # Named after the file (a job's id): a killed job's folder is found and removed on the next
    # worker start (trainer.jobs.recover_stopped).
    with tempfile.TemporaryDirectory(prefix=f".export-{out.stem}-", dir=out.parent) as work:
        work_dir = Path(work)
        partial = work_dir / "export.zip"
        manifest_path = work_dir / MANIFEST
        merged_path = work_dir / MERGED
        with (
            zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf,
            open(manifest_path, "w", newline="", encoding="utf-8-sig") as manifest_file,
            open(merged_path, "wb") as merged_file,
        ):
            manifest = csv.writer(manifest_file)
            manifest.writerow(MANIFEST_COLUMNS)
            merger = None
            if filters.merged and total:
                title = f"Certificates ({total})" if lang == "en" else f"结业证书 ({total})"
                merger = StreamingPdfConcatenator(
                    merged_file, title=title, lang="en" if lang == "en" else "zh-CN"
                )
            for batch in _batches(session, query, batch_size):
                datas = [pdf_data(session, c, base_url=base_url, lang=lang) for c in batch]
                from trainer.pdf import render_certificates_each  # WeasyPrint loads slowly

                rendered = render_certificates_each(
                    datas,
                    chunk_size=len(datas),
                    pdf_variant="pdf/a-3b" if filters.archival else None,
                )
                for certificate, (data, pdf) in zip(batch, rendered, strict=True):
                    if data.serial != certificate.serial:
                        raise RuntimeError("certificate renderer returned PDFs out of order")
                    name = file_name(certificate)
                    info = zipfile.ZipInfo(name, date_time=_zip_time(now))
                    # PDFs are compressed already; deflating them again gains almost nothing
                    info.compress_type = zipfile.ZIP_STORED
                    info.external_attr = 0o644 << 16
                    zf.writestr(info, pdf)
                    sha = hashlib.sha256(pdf).hexdigest()
                    status = status_of(certificate, now)
                    manifest.writerow(_manifest_row(certificate, data, status, sha, name))
                    if merger is not None:
                        merger.add(pdf)
                    done += 1
                report(done, max(total, done))
            if merger is not None:
                merger.close()
                pages = merger.page_count
            manifest_file.flush()
            merged_file.flush()
            zf.write(manifest_path, MANIFEST)
            if merger is not None:
                # copied block by block: the merged PDF is never read into memory whole
                zf.write(merged_path, MERGED, compress_type=zipfile.ZIP_STORED)
        os.replace(partial, out)
    return ExportResult(path=out, count=done, merged_pages=pages)


def _zip_time(moment: datetime) -> tuple[int, int, int, int, int, int]:
    return moment.timetuple()[:6]


# --- the background job ------------------------------------------------------------------------


def job_params(filters: ExportFilters, *, lang: str, base_url: str) -> dict:
    """The ``Job.params`` of an export."""
    return {"filters": filters.to_params(), "lang": lang, "base_url": base_url}


def export_certificates(session: Session, job: Job, progress) -> str:
    """Job handler: write ``<job id>.zip`` in the export folder; returns its relative path."""
    from trainer.jobs import export_dir

    filters = ExportFilters.from_params(job.params.get("filters") or {})
    lang = job.params.get("lang") or current_app.config["DEFAULT_LANGUAGE"]
    base_url = job.params.get("base_url") or current_app.config["BASE_URL"]
    relative = f"certificates/{job.id}.zip"
    result = write_export(
        session,
        filters,
        export_dir() / relative,
        lang=lang,
        base_url=base_url,
        progress=progress,
    )
    actor = session.get(User, job.created_by_id) if job.created_by_id else None
    audit.record(
        session,
        "certificates.exported",
        actor=actor,
        target=job,
        details={"filters": filters.to_params(), "count": result.count, "via": "job"},
    )
    # committed by the job runner together with the job's "done" (which removes the file again
    # should that commit fail)
    return relative


def audit_cli_export(session: Session, filters: ExportFilters, result: ExportResult) -> None:
    """Audit an export made with `trainer certificates export` (no signed-in actor)."""
    audit.record(
        session,
        "certificates.exported",
        details={
            "filters": filters.to_params(),
            "count": result.count,
            "via": "cli",
            "out": str(result.path),
        },
    )


__all__ = [
    "KIND",
    "MANIFEST_COLUMNS",
    "STATUSES",
    "ExportError",
    "ExportFilters",
    "ExportResult",
    "check_filters",
    "count_certificates",
    "export_certificates",
    "file_name",
    "job_params",
    "safe_name",
    "select_certificates",
    "write_export",
]
