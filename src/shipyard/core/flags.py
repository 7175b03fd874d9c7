"""Process-shared switches kept in the database, such as maintenance mode."""

from __future__ import annotations

from sqlalchemy import String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from shipyard.core.db import Base, Timestamps

MAINTENANCE = "maintenance"


class SystemFlag(Timestamps, Base):
    __tablename__ = "system_flags"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(255))


async def get_flag(session: AsyncSession, key: str) -> str | None:
    return await session.scalar(select(SystemFlag.value).where(SystemFlag.key == key))


async def set_flag(session: AsyncSession, key: str, value: str | None) -> None:
    """Set or (with None) clear a flag."""
    flag = await session.get(SystemFlag, key)
    if value is None:
        if flag is not None:
            await session.delete(flag)
    elif flag is None:
        session.add(SystemFlag(key=key, value=value))
    else:
        flag.value = value
