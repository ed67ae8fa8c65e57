"""Bulk certificate export: seconds per certificate and peak memory, against the WeasyPrint floor.

Usage: .venv/bin/python benchmarks/export_certificates.py [--count 1000] [--batch 25]
       [--modes floor,export,merged] [--keep DIR]

It creates a temporary SQLite instance with ``--count`` certificates (holders with Chinese and
English names in five stores), then runs each mode in a fresh process, after a warm-up render, so
each peak RSS (``ru_maxrss``) is that mode's own:

- ``floor``: a bare WeasyPrint render of the same certificates as ONE multi-page document
  (``trainer.pdf.render_certificates``), the fastest the template can be laid out;
- ``each``: bare ``render_certificates_each`` in batches (what standalone PDFs cost by themselves);
- ``export``: the job handler (``export_certificates``): N standalone PDFs, manifest, ZIP;
- ``merged``: the same with the merged all-certificates.pdf;
- ``export2``: the export split over a pool of 2 processes (each its own app and session,
  writing its half to its own ZIP) — an experiment for when one process is above target.

Targets: export ≤ 1.5 × the floor per certificate, peak RSS ≤ 400 MB.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import tempfile
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta
from importlib.metadata import version
from multiprocessing import get_context
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

NAMES = ["王喆", "李堃", "欧阳娜娜", "张伟", "Sam Taylor", "陈静怡", "Li Wei", "司马相如"]
TARGET_RATIO = 1.5
TARGET_RSS_MB = 400

MODES = {
    "floor": "floor: ONE document of N pages",
    "each": "bare render_certificates_each",
    "export": "export job: N PDFs + manifest + ZIP",
    "merged": "export job with the merged PDF",
    "export2": "export, 2 processes",
}


def _app(folder: Path):
    from trainer import create_app

    return create_app(
        {
            "DATABASE_URL": f"sqlite:///{folder / 'bench.db'}",
            "SECRET_KEY": "benchmark",
            "EXPORT_DIR": str(folder / "exports"),
            "BASE_URL": "https://trainer.example.com",
        }
    )


def seed(folder: Path, count: int) -> None:
    """A migrated database with ``count`` certificates."""
    from trainer import db
    from trainer.certificates import service
    from trainer.db import utcnow
    from trainer.models import Course, CourseVersion, Role, Store, User

    app = _app(folder)
    db.upgrade(app)
    with app.app_context():
        session = app.extensions["sessionmaker"]()
        stores = [Store(code=f"S{i:03d}", name=f"门店 {i}") for i in range(1, 6)]
        session.add_all(stores)
        course = Course(code="payment-errors", position=0)
        session.add(course)
        session.flush()
        version_row = CourseVersion(
            course_id=course.id,
            version="2.1",
            major=2,
            minor=1,
            content_hash="0" * 64,
            current=True,
            title={
                "zh": "收银差错：识别、更正与上报",
                "en": "Payment-entry errors: recognise, correct, escalate",
            },
            summary={"zh": "", "en": ""},
            audience=[],
            estimated_minutes=30,
            required_quizzes=[],
            required_drills=[],
            certificate_validity_months=12,
            prerequisites=[],
        )
        session.add(version_row)
        now = utcnow()
        for i in range(count):
            user = User(
                username=f"u{i}",
                employee_no=f"E{10000 + i}",
                name=NAMES[i % len(NAMES)],
                role=Role.CASHIER,
                password_hash="!",  # never signs in
                stores=[stores[i % len(stores)]],
            )
            session.add(user)
            session.flush()
            service.issue(
                session,
                user,
                course,
                version_row,
                score=None if i % 5 == 4 else 60 + i % 41,
                issued_at=now - timedelta(days=i % 300),
            )
            if i % 200 == 199:
                session.commit()
        session.commit()
        session.close()
    app.extensions["engine"].dispose()


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(folder: str, mode: str, batch: int, part: tuple[int, int] | None = None) -> dict:
    """Run one mode in this (fresh) process."""
    from sqlalchemy import select

    from trainer import pdf
    from trainer.certificates import export
    from trainer.certificates.service import pdf_data
    from trainer.models import Certificate, Job

    app = _app(Path(folder))
    export.BATCH_SIZE = batch
    with app.app_context():
        session = app.extensions["sessionmaker"]()
        first = session.scalars(select(Certificate).limit(2)).all()
        warm = [pdf_data(session, c, base_url="https://x", lang="zh") for c in first]
        pdf.render_certificates(warm)  # warm-up: fontconfig, Pango and the parsed stylesheet
        wall, cpu = time.perf_counter(), time.process_time()
        if mode in ("floor", "each"):
            datas = [
                pdf_data(session, c, base_url=app.config["BASE_URL"], lang="zh")
                for c in session.scalars(select(Certificate).order_by(Certificate.id))
            ]
            if mode == "floor":
                size = len(pdf.render_certificates(datas))
            else:
                size = sum(len(b) for _, b in pdf.render_certificates_each(datas, chunk_size=batch))
            count = len(datas)
        else:
            job = Job(
                id=str(uuid.uuid4()),
                kind=export.KIND,
                params=export.job_params(
                    export.ExportFilters(merged=mode == "merged"),
                    lang="zh",
                    base_url=app.config["BASE_URL"],
                ),
            )
            session.add(job)
            session.commit()
            if part is not None:  # export2: this process's share of the ids
                index, parts = part
                original = export.select_certificates

                def share(session, filters, *, now=None):
                    query = original(session, filters, now=now)
                    return query.where(Certificate.id % parts == index)

                export.select_certificates = share

            def progress(done, total=None):
                job.progress = done
                session.commit()

            relative = export.export_certificates(session, job, progress)
            session.commit()
            size = (Path(folder) / "exports" / relative).stat().st_size
            count = job.progress
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        session.close()
    return {"wall_s": wall, "cpu_s": cpu, "count": count, "rss_mb": _rss_mb(), "bytes": size}


def _run(folder: Path, mode: str, batch: int) -> dict:
    context = get_context("spawn")
    if mode != "export2":
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            return pool.submit(measure, str(folder), mode, batch).result()
    wall = time.perf_counter()
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        futures = [pool.submit(measure, str(folder), "export", batch, (i, 2)) for i in range(2)]
        parts = [f.result() for f in futures]
    return {
        "wall_s": time.perf_counter() - wall,  # includes starting the two processes
        "cpu_s": sum(p["cpu_s"] for p in parts),
        "count": sum(p["count"] for p in parts),
        "rss_mb": max(p["rss_mb"] for p in parts),
        "bytes": sum(p["bytes"] for p in parts),
    }


def main(argv: list[str] | None = None) -> int:
    """Seed, run the modes, print a table and the verdict."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="certificates (default 1000)")
    parser.add_argument("--batch", type=int, default=None, help="certificates per render batch")
    parser.add_argument("--modes", default="floor,each,export,merged", help=", ".join(MODES))
    parser.add_argument("--keep", type=Path, help="use (and keep) this folder for the instance")
    args = parser.parse_args(argv)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if unknown := set(modes) - MODES.keys():
        parser.error(f"unknown mode(s): {', '.join(sorted(unknown))}")
    if args.count < 2:
        parser.error("--count must be at least 2")
    from trainer.certificates.export import BATCH_SIZE

    batch = args.batch or BATCH_SIZE

    with tempfile.TemporaryDirectory(prefix="export-bench-") as temp:
        folder = args.keep or Path(temp)
        folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        if not (folder / "bench.db").exists():
            seed(folder, args.count)
        print(
            f"WeasyPrint {version('weasyprint')}, Python {platform.python_version()}, "
            f"{os.cpu_count()} CPUs; {args.count} certificates (seeded in "
            f"{time.perf_counter() - started:.0f} s), batch {batch}"
        )
        results = {}
        for mode in modes:
            results[mode] = _run(folder, mode, batch)
            results[mode]["load"] = os.getloadavg()[0]

    header = (
        f"{'mode':38} {'total s':>8} {'ms/cert':>8} {'cpu ms':>7} {'peak RSS':>9} {'MB out':>7}"
    )
    print(header)
    print("-" * len(header))
    for mode, r in results.items():
        r["ms"] = r["wall_s"] / r["count"] * 1000
        print(
            f"{MODES[mode]:38} {r['wall_s']:8.1f} {r['ms']:8.1f} "
            f"{r['cpu_s'] / r['count'] * 1000:7.1f} {r['rss_mb']:6.0f} MB "
            f"{r['bytes'] / 1048576:7.1f}   (load {r['load']:.1f})"
        )
    verdict = 0
    if "floor" in results:
        floor = results["floor"]
        print()
        for mode, r in results.items():
            if mode == "floor":
                continue
            ratio = r["ms"] / floor["ms"]
            cpu_ratio = (r["cpu_s"] / r["count"]) / (floor["cpu_s"] / floor["count"])
            ok = ratio <= TARGET_RATIO and r["rss_mb"] <= TARGET_RSS_MB
            if mode != "each":
                verdict |= 0 if ok else 1
            print(
                f"{MODES[mode]}: {ratio:.2f}x the floor per certificate in wall time, "
                f"{cpu_ratio:.2f}x in CPU time (target ≤ {TARGET_RATIO}x), peak "
                f"{r['rss_mb']:.0f} MB (target ≤ {TARGET_RSS_MB} MB): "
                f"{'OK' if ok else 'ABOVE TARGET'}"
            )
        print("(wall times include other processes' load on the machine; CPU time does not)")
    return verdict


if __name__ == "__main__":
    raise SystemExit(main())
