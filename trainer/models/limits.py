"""Rate-limit counts shared by every server process (see trainer/ratelimit.py)."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from trainer.db import Base


class RateLimitCount(Base):
    """Hits on one rate-limit key in its current fixed window."""

    __tablename__ = "rate_limit_count"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int]
    # Seconds since the epoch (UTC) when the window ends: compared with time.time().
    expires_at: Mapped[float] = mapped_column(index=True)
