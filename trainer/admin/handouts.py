"""One-time passwords from a roster import, handed out once as a CSV file and as sign-in slips.

The passwords exist in clear only between the import and the hand-out: they are kept in a file
of the instance folder (readable by the server alone, shared by every app server like the
exports), each format can be taken once, by the admin who imported, within an hour. Taking a
format is claimed by creating a marker file with O_EXCL, so two clicks or two servers cannot
both deliver it. The file goes once both formats are taken or the hour has passed.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from dataclasses import asdict, dataclass
from pathlib import Path

FORMATS = ("csv", "pdf")
LIFETIME_SECONDS = 3600
_TOKEN_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


@dataclass(frozen=True)
class Slip:
    """What one new person needs to sign in for the first time."""

    name: str
    stores: str
    username: str
    password: str


def _folder(instance: Path) -> Path:
    return Path(instance) / "handouts"


def _path(instance: Path, token: str, suffix: str = "json") -> Path | None:
    # The token comes from a URL: only our own alphabet, so it cannot name another file.
    if not token or len(token) > 64 or not set(token) <= _TOKEN_CHARS:
        return None
    return _folder(instance) / f"{token}.{suffix}"


def create(instance: Path, creator_id: int, slips: list[Slip]) -> str:
    """Keep ``slips`` for their one hand-out; returns the token naming them."""
    purge_expired(instance)
    folder = _folder(instance)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    token = secrets.token_urlsafe(24)
    data = {
        "created": time.time(),
        "creator": creator_id,
        "slips": [asdict(s) for s in slips],
    }
    fd = os.open(_path(instance, token), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False)
    return token


def available(instance: Path, token: str, creator_id: int) -> list[str]:
    """The formats of the hand-out ``token`` that ``creator_id`` can still take."""
    data = _load(instance, token, creator_id)
    if data is None:
        return []
    return [fmt for fmt in FORMATS if not _path(instance, token, f"{fmt}.taken").exists()]


def take(instance: Path, token: str, creator_id: int, fmt: str) -> list[Slip] | None:
    """The slips, the first time ``fmt`` is asked for by their creator; otherwise None."""
    if fmt not in FORMATS:
        return None
    data = _load(instance, token, creator_id)
    if data is None:
        return None
    try:
        os.close(os.open(_path(instance, token, f"{fmt}.taken"), os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        return None
    if all(_path(instance, token, f"{f}.taken").exists() for f in FORMATS):
        _remove(instance, token)
    return [Slip(**s) for s in data["slips"]]


def purge_expired(instance: Path, now: float | None = None) -> int:
    """Delete hand-outs older than an hour (and their markers); returns how many went."""
    folder = _folder(instance)
    if not folder.is_dir():
        return 0
    now = time.time() if now is None else now
    gone = 0
    for path in folder.glob("*.json"):
        try:
            expired = now - path.stat().st_mtime > LIFETIME_SECONDS
        except FileNotFoundError:
            continue
        if expired:
            _remove(instance, path.stem)
            gone += 1
    return gone


def _load(instance: Path, token: str, creator_id: int) -> dict | None:
    path = _path(instance, token)
    if path is None:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    if data.get("creator") != creator_id or time.time() - data["created"] > LIFETIME_SECONDS:
        return None
    return data


def _remove(instance: Path, token: str) -> None:
    for suffix in ("json", *(f"{fmt}.taken" for fmt in FORMATS)):
        path = _path(instance, token, suffix)
        if path is not None:
            path.unlink(missing_ok=True)
