"""Report figures kept for a few minutes, per process.

Weak topics, trends and item analysis aggregate every answer of a period: hundreds of
thousands of rows at a large organisation, about a second on SQLite. Nobody needs those
figures to the second, so each result is kept for ``REPORT_CACHE_SECONDS`` (default 300) and
the page says when it was computed. Keys hold the report, the stores and the filters, never
the viewer, so two supervisors of the same stores share an entry; results hold no ORM objects.
Set ``REPORT_CACHE_SECONDS`` to 0 to compute on every request.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from datetime import datetime
from typing import TypeVar

from flask import current_app

from trainer.db import utcnow

T = TypeVar("T")
DEFAULT_SECONDS = 300
LIMIT = 256  # entries per process; the oldest go first
_lock = threading.Lock()


def cached(key: Hashable, compute: Callable[[], T]) -> tuple[T, datetime]:
    """``compute()``'s result and when it was computed: from the cache while it is fresh."""
    seconds = current_app.config.get("REPORT_CACHE_SECONDS", DEFAULT_SECONDS)
    store: dict = current_app.extensions.setdefault("trainer.report_cache", {})
    now = time.monotonic()
    hit = store.get(key)
    if hit is not None and now - hit[0] < seconds:
        return hit[2], hit[1]
    value, computed_at = compute(), utcnow()
    if seconds > 0:
        with _lock:
            store.pop(key, None)
            store[key] = (now, computed_at, value)
            while len(store) > LIMIT:
                del store[next(iter(store))]
    return value, computed_at
