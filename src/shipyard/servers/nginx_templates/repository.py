"""All SQL of nginx templates."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.core.db import fetch_page
from shipyard.servers.nginx_templates.models import NginxTemplate


async def page(
    session: AsyncSession, server_id: int, *, offset: int, limit: int
) -> tuple[Sequence[NginxTemplate], int]:
    query = select(NginxTemplate).where(NginxTemplate.server_id == server_id)
    return await fetch_page(session, query, order_by=NginxTemplate.id, offset=offset, limit=limit)


async def get(session: AsyncSession, server_id: int, template_id: int) -> NginxTemplate | None:
    return await session.scalar(
        select(NginxTemplate).where(NginxTemplate.id == template_id, NginxTemplate.server_id == server_id)
    )
