"""Settings: defaults here, every one overridable by a ``TRAINER_*`` environment variable."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: setting name -> (environment variable, default). Defaults that depend on the instance folder
#: are filled in by :func:`load_config`.
ENVIRONMENT = {
    "DATABASE_URL": "TRAINER_DATABASE_URL",
    "SECRET_KEY": "TRAINER_SECRET_KEY",
    "DEFAULT_LANGUAGE": "TRAINER_LANGUAGE",
    "REDIS_URL": "TRAINER_REDIS_URL",
    "REDIS_NAMESPACE": "TRAINER_REDIS_NAMESPACE",
    "SITE_NAME": "TRAINER_SITE_NAME",
    "BASE_URL": "TRAINER_BASE_URL",
    "CONTENT_ROOT": "TRAINER_CONTENT_ROOT",
    "TIMEZONE": "TRAINER_TIMEZONE",
    "EXPORT_RETENTION_DAYS": "TRAINER_EXPORT_RETENTION_DAYS",
    "SMTP_URL": "TRAINER_SMTP_URL",
}

LANGUAGES = ("zh", "en")

#: Addresses that mean "every interface": nobody can browse to them, so links name loopback.
_ANY_ADDRESS = ("0.0.0.0", "::", "")  # noqa: S104 (compared with, never bound)


def local_url(host: str, port: int | str) -> str:
    """The address a browser on this machine uses for a server bound to ``host:port``."""
    if host in _ANY_ADDRESS:
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def _secret_key(instance: Path) -> str:
    """Read the instance's secret key, creating it on first start (never a hard-coded key)."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # O_EXCL: two servers starting at once must not overwrite each other's key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key


def load_config(instance: Path, environ: dict[str, str] | None = None) -> dict:
    """Build the Flask config from defaults and ``TRAINER_*`` environment variables."""
    env = os.environ if environ is None else environ
    cfg: dict = {
        "DATABASE_URL": f"sqlite:///{instance / 'trainer.db'}",
        "SECRET_KEY": None,
        "DEFAULT_LANGUAGE": "zh",
        "REDIS_URL": None,
        # Several instances on one Redis (production and training, say) each set their own, so
        # they neither share sign-in limits nor run each other's jobs.
        "REDIS_NAMESPACE": "",
        "SITE_NAME": "Trainer",
        # Unset, the address `trainer serve` binds (TRAINER_HOST, TRAINER_PORT): the printed
        # sign-in address and the QR codes then open the running site.
        "BASE_URL": local_url(
            env.get("TRAINER_HOST") or "127.0.0.1", env.get("TRAINER_PORT") or 5000
        ),
        "CONTENT_ROOT": str(Path(__file__).resolve().parents[1]),
        # Times are stored in UTC and shown in the stores' time zone.
        "TIMEZONE": "Asia/Shanghai",
        # Export files are deleted this many days after they were made (the jobs stay).
        "EXPORT_RETENTION_DAYS": "30",
        "SMTP_URL": None,
    }
    for name, var in ENVIRONMENT.items():
        if env.get(var):
            cfg[name] = env[var]
    if cfg["DEFAULT_LANGUAGE"] not in LANGUAGES:
        raise ValueError(
            f"TRAINER_LANGUAGE={cfg['DEFAULT_LANGUAGE']!r}: expected one of {', '.join(LANGUAGES)}"
        )
    try:
        ZoneInfo(cfg["TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"TRAINER_TIMEZONE={cfg['TIMEZONE']!r}: not a time zone name such as Asia/Shanghai"
        ) from None
    days = str(cfg["EXPORT_RETENTION_DAYS"]).strip()
    if not days.isdigit() or int(days) < 1:
        raise ValueError(
            f"TRAINER_EXPORT_RETENTION_DAYS={cfg['EXPORT_RETENTION_DAYS']!r}: "
            "expected a whole number of days, 1 or more"
        )
    cfg["EXPORT_RETENTION_DAYS"] = int(days)
    if cfg["REDIS_NAMESPACE"]:
        cfg["JOBS_QUEUE"] = f"trainer-{cfg['REDIS_NAMESPACE']}"  # see jobs.queue()
    if not cfg["SECRET_KEY"]:
        cfg["SECRET_KEY"] = _secret_key(instance)
    secure = cfg["BASE_URL"].startswith("https://")
    cfg.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=secure,
        PERMANENT_SESSION_LIFETIME=12 * 3600,
        WTF_CSRF_TIME_LIMIT=None,  # a till PC left open all shift must still submit its forms
        BABEL_DEFAULT_LOCALE=cfg["DEFAULT_LANGUAGE"],
        BABEL_DEFAULT_TIMEZONE=cfg["TIMEZONE"],
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
        MAX_CONTENT_LENGTH=16 * 1024 * 1024,
        # Without Redis the counts live in the database, shared by every worker (ratelimit.py).
        RATELIMIT_STORAGE_URI=cfg["REDIS_URL"] or "trainer-db://",
        RATELIMIT_KEY_PREFIX=cfg["REDIS_NAMESPACE"],
        RATELIMIT_HEADERS_ENABLED=True,
        LOGIN_RATE_LIMIT="10 per minute",
        VERIFY_RATE_LIMIT="30 per minute",
        # A person presses terminal keys fast, but not five times a second for a minute.
        SIMULATOR_KEY_RATE_LIMIT="300 per minute",
    )
    return cfg
