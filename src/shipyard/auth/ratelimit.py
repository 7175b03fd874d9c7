"""Per-token write rate limits in fixed one-minute windows, counted in the database.

Counting in the database (not in memory) keeps the limit true when several server processes
share one PostgreSQL.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import Integer, String, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from shipyard.core.db import Base

WINDOW_SECONDS = 60


class RateLimitWindow(Base):
    __tablename__ = "rate_limit_windows"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    window: Mapped[int] = mapped_column(Integer, primary_key=True)
    hits: Mapped[int] = mapped_column(Integer, default=0)


@dataclass(frozen=True)
class RateState:
    limit: int
    remaining: int
    reset_at: int

    @property
    def exceeded(self) -> bool:
        return self.remaining < 0

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(max(self.remaining, 0)),
            "X-RateLimit-Reset": str(self.reset_at),
        }


async def hit(session: AsyncSession, key: str, limit: int) -> RateState:
    """Count one request for `key` in the current window and commit at once."""
    now = int(time.time())
    window = now // WINDOW_SECONDS
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    upsert = insert(RateLimitWindow).values(key=key, window=window, hits=1)
    statement = upsert.on_conflict_do_update(
        index_elements=[RateLimitWindow.key, RateLimitWindow.window],
        set_={"hits": RateLimitWindow.hits + 1},
    ).returning(RateLimitWindow.hits)
    hits = (await session.execute(statement)).scalar_one()
    if hits == 1:
        await session.execute(
            delete(RateLimitWindow).where(RateLimitWindow.key == key, RateLimitWindow.window < window)
        )
    await session.commit()
    return RateState(limit=limit, remaining=limit - hits, reset_at=(window + 1) * WINDOW_SECONDS)
