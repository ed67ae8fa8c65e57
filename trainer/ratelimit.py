"""Rate-limit counts in the application's database, shared by every server process.

Flask-Limiter keeps its counts in a ``limits`` storage. The in-memory one counts per process,
so with several gunicorn workers a limit of 10 let 16 of 30 wrong passwords through. Without
Redis (``TRAINER_REDIS_URL``) the counts live here instead, in ``rate_limit_count``: one row
per key and fixed window, incremented by one atomic INSERT … ON CONFLICT DO UPDATE …
RETURNING that SQLite and PostgreSQL both run (so two workers never lose a hit).
"""

from __future__ import annotations

import hashlib
import itertools
import time
import weakref

from limits.storage import Storage
from sqlalchemy import case, delete, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from trainer.models import RateLimitCount

SCHEME = "trainer-db"
_TABLE = RateLimitCount.__table__
#: Expired rows are deleted on every this many-th hit of a process.
_PRUNE_EVERY = 200
#: Longest key stored as it is; longer ones (keys hold form input) are shortened with a hash.
_MAX_KEY = 200
#: Engines by the name in their storage URI (``trainer-db://<name>``): Flask-Limiter builds
#: the storage from a URI, and its limiter object is shared by every app of a process.
_ENGINES: weakref.WeakValueDictionary[str, Engine] = weakref.WeakValueDictionary()


def storage_uri(engine: Engine) -> str:
    """The RATELIMIT_STORAGE_URI that counts in ``engine``'s database."""
    name = f"engine-{id(engine)}"
    _ENGINES[name] = engine
    return f"{SCHEME}://{name}"


def _key(key: str) -> str:
    if len(key) <= _MAX_KEY:
        return key
    return key[:100] + "#" + hashlib.sha256(key.encode()).hexdigest()


class DatabaseStorage(Storage):
    """A ``limits`` storage on a SQLAlchemy engine (fixed-window counts).

    Configured as ``RATELIMIT_STORAGE_URI = storage_uri(engine)`` (see create_app).
    """

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str, **options) -> None:
        super().__init__(uri, **options)
        engine = _ENGINES[uri.removeprefix(f"{SCHEME}://")]
        self.engine = engine
        self._insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
        self._hits = itertools.count(1)

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        new = self._insert(_TABLE).values(key=_key(key), count=amount, expires_at=now + expiry)
        ended = _TABLE.c.expires_at <= now
        upsert = new.on_conflict_do_update(
            index_elements=[_TABLE.c.key],
            set_={
                "count": case((ended, amount), else_=_TABLE.c.count + amount),
                "expires_at": case((ended, now + expiry), else_=_TABLE.c.expires_at),
            },
        ).returning(_TABLE.c.count)
        with self.engine.begin() as conn:
            count = conn.execute(upsert).scalar_one()
            if next(self._hits) % _PRUNE_EVERY == 0:
                conn.execute(delete(_TABLE).where(_TABLE.c.expires_at < now))
        return count

    def _row(self, key: str):
        with self.engine.connect() as conn:
            return conn.execute(
                select(_TABLE.c.count, _TABLE.c.expires_at).where(
                    _TABLE.c.key == _key(key), _TABLE.c.expires_at > time.time()
                )
            ).first()

    def get(self, key: str) -> int:
        row = self._row(key)
        return row.count if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return row.expires_at if row else time.time()

    def check(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with self.engine.begin() as conn:
            return conn.execute(delete(_TABLE)).rowcount

    def clear(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(_TABLE).where(_TABLE.c.key == _key(key)))
