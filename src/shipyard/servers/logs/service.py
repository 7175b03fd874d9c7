"""Forge's server logs: the tail of a real log file, read over SSH on request."""

from __future__ import annotations

import re

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.auth.models import User
from shipyard.core.db import get_sessionmaker
from shipyard.core.errors import ValidationFailed
from shipyard.hostops import packages
from shipyard.hostops.logs import LogSource, log_source, render_tail
from shipyard.servers import host
from shipyard.servers import service as servers

LOG_KIND = re.compile(r"^(nginx_access|nginx_error|database|php[0-9]{2})\Z")


async def tail(session: AsyncSession, user: User, server_id: int, kind: str) -> tuple[str, str]:
    """(path, content) of the requested log."""
    server = await servers.get(session, user, server_id)
    if not LOG_KIND.match(kind):
        raise ValidationFailed({"file": ["The file must be nginx_access, nginx_error, database or phpXY."]})
    servers.require_ready(server)
    dist = packages.distribution(server.os or "")
    database = packages.database(dist, server.database_type) if server.database_type else None
    try:
        source: LogSource = log_source(
            kind, php_version=packages.php_version(dist, server.php_version), database=database
        )
    except ValueError as exc:
        raise ValidationFailed({"file": [str(exc)]}) from exc
    try:
        result = await host.run(
            get_sessionmaker(),
            server.id,
            render_tail(source),
            description="Reading a log",
            user_id=user.id,
            time_limit=30,
            record_event=False,
        )
    except host.HostActionFailed as exc:
        raise servers.ActionFailed(str(exc)) from exc
    return source.path, result.output
