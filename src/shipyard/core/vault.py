"""Service-wide secrets (such as Shipyard's SSH identity), encrypted at rest in the database."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from shipyard.core.db import Base, Timestamps
from shipyard.core.secrets import EncryptedString


class SystemSecret(Timestamps, Base):
    __tablename__ = "system_secrets"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(EncryptedString(8192))


async def get_secret(session: AsyncSession, key: str) -> str | None:
    secret = await session.get(SystemSecret, key)
    return secret.value if secret else None


async def put_secret(session: AsyncSession, key: str, value: str) -> None:
    secret = await session.get(SystemSecret, key)
    if secret is None:
        session.add(SystemSecret(key=key, value=value))
    else:
        secret.value = value
