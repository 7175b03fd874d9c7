"""All SQL of firewall rules."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.servers.firewall.models import FirewallRule


async def by_id(session: AsyncSession, rule_id: int) -> FirewallRule | None:
    return await session.get(FirewallRule, rule_id, populate_existing=True)


async def same_target(
    session: AsyncSession, server_id: int, port: str, ip_address: str | None
) -> FirewallRule | None:
    """A rule of the server (not being removed) for the same port and source: ufw holds only one."""
    source = (
        FirewallRule.ip_address.is_(None) if ip_address is None else FirewallRule.ip_address == ip_address
    )
    return await session.scalar(
        select(FirewallRule)
        .where(
            FirewallRule.server_id == server_id,
            FirewallRule.port == port,
            source,
            FirewallRule.status != "removing",
        )
        .limit(1)
    )
