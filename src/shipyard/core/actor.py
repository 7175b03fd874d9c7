"""Who is acting: the identity audit records and jobs carry, independent of how it was proven."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """`user_id` is the effective user; `sudoer_id` the admin behind a `Sudo`; `token_id` the token
    used; `session_id` the dashboard session (web_sessions.id) the action came through."""

    user_id: int | None
    sudoer_id: int | None = None
    token_id: int | None = None
    ip: str | None = None
    session_id: int | None = None
