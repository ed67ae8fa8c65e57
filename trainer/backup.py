"""`trainer backup FILE` and `trainer restore FILE`: the database and the instance files.

A backup is a gzipped tar archive:

* ``manifest.json``: format, database kind, schema revision, time, rows per table;
* ``database.sqlite`` (SQLite's online backup API: a consistent copy while the site writes)
  or ``database.pgdump`` (``pg_dump --format=custom``: one snapshot transaction; needs the
  PostgreSQL client tools, Debian package ``postgresql-client``);
* ``instance/secret_key`` (so sessions and the site's signatures survive a move) and
  ``instance/exports-manifest.json`` (each export file with its size and SHA-256; the files
  themselves hold personal data and expire, so they are listed, not copied).

A restore goes into an empty database only (a fresh installation, or a disaster recovery):
it refuses one that holds any table, so it can never merge into or overwrite live data.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

from flask import Flask
from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import Engine, make_url

from trainer.db import Base, utcnow

FORMAT = "trainer-backup/1"
MANIFEST = "manifest.json"


class BackupError(RuntimeError):
    """A backup or restore that cannot be done, with the reason."""


def _libpq_url(engine: Engine) -> str:
    """The engine's URL as the PostgreSQL tools take it (no SQLAlchemy driver name)."""
    url = engine.url.set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed: install the PostgreSQL client tools "
            "(Debian/Ubuntu: apt-get install postgresql-client)"
        )
    return path


def _sqlite_path(engine: Engine) -> Path:
    return Path(make_url(str(engine.url)).database or "")


def _row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in Base.metadata.sorted_tables
        }


def _exports_manifest(app: Flask) -> list[dict]:
    from trainer.jobs import export_dir

    root = export_dir(app)
    files = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not any(p.startswith(".export-") for p in path.parts):
            digest = hashlib.sha256()
            with path.open("rb") as f:
                for block in iter(lambda f=f: f.read(1 << 20), b""):
                    digest.update(block)
            files.append(
                {
                    "path": str(path.relative_to(root)),
                    "size": path.stat().st_size,
                    "sha256": digest.hexdigest(),
                }
            )
    return files


def backup(app: Flask, out: Path) -> dict:
    """Write a backup of ``app``'s database and instance files to ``out``; its manifest."""
    engine: Engine = app.extensions["engine"]
    with tempfile.TemporaryDirectory(prefix=".backup-", dir=out.parent) as work:
        work_dir = Path(work)
        if engine.dialect.name == "sqlite":
            dump = work_dir / "database.sqlite"
            source = sqlite3.connect(_sqlite_path(engine))
            target = sqlite3.connect(dump)
            try:
                source.backup(target)  # all pages in one step: one consistent snapshot
            finally:
                target.close()
                source.close()
            schema = None
        else:
            dump = work_dir / "database.pgdump"
            with engine.connect() as conn:
                schema = conn.execute(text("SELECT current_schema()")).scalar()
            _run(
                [
                    _tool("pg_dump"),
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--schema={schema}",
                    f"--file={dump}",
                    f"--dbname={_libpq_url(engine)}",
                ]
            )
        with engine.connect() as conn:
            revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        manifest = {
            "format": FORMAT,
            "database": engine.dialect.name,
            "schema": schema,
            "revision": revision,
            "created_at": utcnow().isoformat(),
            "rows_at_end": _row_counts(engine),
        }
        (work_dir / MANIFEST).write_text(json.dumps(manifest, indent=2))
        exports = work_dir / "exports-manifest.json"
        exports.write_text(json.dumps(_exports_manifest(app), indent=2))
        partial = work_dir / "backup.tar.gz"
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(work_dir / MANIFEST, MANIFEST)
            archive.add(dump, dump.name)
            key = Path(app.instance_path) / "secret_key"
            if key.is_file():
                archive.add(key, "instance/secret_key")
            archive.add(exports, "instance/exports-manifest.json")
        partial.replace(out)  # never a half-written backup under the name asked for
    return manifest


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip()[:2000]}")


def _read_manifest(archive: tarfile.TarFile, path: Path) -> dict:
    try:
        manifest = json.load(archive.extractfile(MANIFEST))
    except (KeyError, AttributeError, ValueError):
        raise BackupError(f"{path}: not a trainer backup (no manifest.json)") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: not a trainer backup of a known format")
    return manifest


def restore(app: Flask, path: Path) -> dict:
    """Restore the backup at ``path`` into ``app``'s database, which must be empty."""
    engine: Engine = app.extensions["engine"]
    try:
        archive = tarfile.open(path, "r:gz")  # noqa: SIM115 (closed by the with below)
    except (tarfile.TarError, OSError):
        raise BackupError(f"{path}: not a trainer backup (not a .tar.gz archive)") from None
    with archive, tempfile.TemporaryDirectory(prefix=".restore-") as work:
        manifest = _read_manifest(archive, path)
        if manifest["database"] != engine.dialect.name:
            raise BackupError(
                f"{path} holds a {manifest['database']} database; this site uses "
                f"{engine.dialect.name}"
            )
        tables = inspect(engine).get_table_names()
        if tables:
            raise BackupError(
                f"the database is not empty ({len(tables)} tables): restore only into a new, "
                "empty database"
            )
        archive.extractall(work, filter="data")
        work_dir = Path(work)
        if engine.dialect.name == "sqlite":
            engine.dispose()
            source = sqlite3.connect(work_dir / "database.sqlite")
            target = sqlite3.connect(_sqlite_path(engine))
            try:
                source.backup(target)
            finally:
                target.close()
                source.close()
        else:
            _run(
                [
                    _tool("pg_restore"),
                    "--no-owner",
                    "--no-privileges",
                    "--exit-on-error",
                    "--single-transaction",
                    f"--dbname={_libpq_url(engine)}",
                    str(work_dir / "database.pgdump"),
                ]
            )
        key = work_dir / "instance" / "secret_key"
        if key.is_file():
            instance = Path(app.instance_path)
            instance.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(key, instance / "secret_key")
        exports = work_dir / "instance" / "exports-manifest.json"
        if exports.is_file():
            shutil.copyfile(exports, Path(app.instance_path) / "exports-manifest.json")
    return manifest
