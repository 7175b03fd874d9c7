"""All SQL of certificates and ACME accounts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.core.db import fetch_page
from shipyard.servers.models import Server
from shipyard.sites.certificates.models import AcmeAccount, Certificate


async def page(
    session: AsyncSession, site_id: int, *, offset: int, limit: int
) -> tuple[Sequence[Certificate], int]:
    query = select(Certificate).where(Certificate.site_id == site_id)
    return await fetch_page(session, query, order_by=Certificate.id, offset=offset, limit=limit)


async def of_site(session: AsyncSession, site_id: int, certificate_id: int) -> Certificate | None:
    found: Certificate | None = await session.scalar(
        select(Certificate).where(Certificate.id == certificate_id, Certificate.site_id == site_id)
    )
    return found


async def of_user(session: AsyncSession, user_id: int, certificate_id: int) -> Certificate | None:
    """A certificate of any site on the user's servers."""
    found: Certificate | None = await session.scalar(
        select(Certificate)
        .join(Server, Server.id == Certificate.server_id)
        .where(Certificate.id == certificate_id, Server.user_id == user_id)
    )
    return found


async def by_id(session: AsyncSession, certificate_id: int) -> Certificate | None:
    """The certificate as it is now (a job's fresh look)."""
    found: Certificate | None = await session.scalar(
        select(Certificate).where(Certificate.id == certificate_id).execution_options(populate_existing=True)
    )
    return found


async def active_of_site(session: AsyncSession, site_id: int) -> Sequence[Certificate]:
    rows = await session.scalars(
        select(Certificate).where(Certificate.site_id == site_id, Certificate.active.is_(True))
    )
    return rows.all()


async def ordered_of_site(session: AsyncSession, site_id: int, except_id: int) -> int:
    """How many other certificates of the site come from an ACME CA."""
    count = await session.scalar(
        select(func.count()).where(
            Certificate.site_id == site_id, Certificate.type == "letsencrypt", Certificate.id != except_id
        )
    )
    return count or 0


async def servers_due(session: AsyncSession, before: datetime) -> Sequence[int]:
    """The servers with an installed ACME certificate that expires before `before`."""
    rows = await session.scalars(
        select(Certificate.server_id)
        .where(
            Certificate.type == "letsencrypt",
            Certificate.status == "installed",
            Certificate.expires_at < before,
        )
        .distinct()
    )
    return rows.all()


async def due_on_server(session: AsyncSession, server_id: int, before: datetime) -> Sequence[int]:
    rows = await session.scalars(
        select(Certificate.id)
        .where(
            Certificate.server_id == server_id,
            Certificate.type == "letsencrypt",
            Certificate.status == "installed",
            Certificate.expires_at < before,
        )
        .order_by(Certificate.id)
    )
    return rows.all()


async def account(session: AsyncSession, directory: str) -> AcmeAccount | None:
    found: AcmeAccount | None = await session.scalar(
        select(AcmeAccount).where(AcmeAccount.directory == directory)
    )
    return found
