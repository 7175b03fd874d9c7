"""First start: an empty database gets an administrator, and the operator is told how to get in."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from shipyard.auth import service as users
from shipyard.core.db import session_scope
from shipyard.core.errors import ValidationFailed
from shipyard.core.settings import get_settings


async def ensure_admin() -> Path | None:
    """Create the first administrator when there are no users; return the file holding its password."""
    settings = get_settings()
    password = secrets.token_urlsafe(18)
    try:
        async with session_scope() as session:
            if await users.has_users(session):
                return None
            await users.create_user(
                session,
                name=settings.admin_name,
                email=settings.admin_email,
                password=password,
                is_admin=True,
            )
    except (IntegrityError, ValidationFailed):
        return None  # another process starting at the same moment created it
    path = settings.data / "initial-admin-password"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(password + "\n")
    return path
