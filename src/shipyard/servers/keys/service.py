"""SSH key rules: validation, ownership through the server, and the jobs that apply them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.auth.models import User
from shipyard.core.actor import Actor
from shipyard.core.errors import ValidationFailed
from shipyard.core.validation import LABEL, LABEL_RULE, OPENSSH_PUBLIC_KEY, UNIX_USER
from shipyard.remote.keys import is_public_key
from shipyard.servers import owned, resources
from shipyard.servers import service as servers
from shipyard.servers.keys import repository
from shipyard.servers.keys.models import SshKey
from shipyard.servers.keys.schemas import SshKeyCreate


def authorized_key_line(text: str) -> str | None:
    """The key as one `type base64 [comment]` line, or None unless it is one valid OpenSSH public key."""
    line = text.strip()
    if not OPENSSH_PUBLIC_KEY.match(line) or not is_public_key(line):
        return None
    return line


def _blob(line: str) -> str:
    return line.split(" ", 2)[1]


def _validate(body: SshKeyCreate) -> tuple[dict[str, list[str]], str | None]:
    errors: dict[str, list[str]] = {}
    if not LABEL.match(body.name):
        errors["name"] = [LABEL_RULE]
    line = authorized_key_line(body.key)
    if line is None:
        errors["key"] = [
            "The key must be one OpenSSH public key line (ssh-ed25519, ssh-rsa, ecdsa-sha2-*, sk-*): "
            "type, base64 data and an optional comment."
        ]
    if not UNIX_USER.match(body.username or "forge"):
        errors["username"] = ["The username must be a valid Unix user name."]
    return errors, line


async def create(
    session: AsyncSession, user: User, server_id: int, body: SshKeyCreate, *, actor: Actor
) -> SshKey:
    server = await servers.get(session, user, server_id)
    errors, line = _validate(body)
    if errors:
        raise ValidationFailed(errors)
    assert line is not None
    username = body.username or "forge"
    for other in await repository.of_user(session, server.id, username):
        if _blob(other.key) == _blob(line):
            raise ValidationFailed(
                {"key": [f"This key is already authorized for {username} on this server (key {other.id})."]}
            )
    servers.require_ready(server)
    key = SshKey(server_id=server.id, name=body.name, username=username, key=line)
    session.add(key)
    await session.flush()
    resources.enqueue(session, "keys.install", key, actor=actor)
    return key


async def page(
    session: AsyncSession, user: User, server_id: int, *, offset: int, limit: int
) -> tuple[Sequence[SshKey], int]:
    return await owned.page(session, user, SshKey, server_id, offset=offset, limit=limit)


async def get(session: AsyncSession, user: User, server_id: int, key_id: int) -> SshKey:
    return await owned.get(session, user, SshKey, server_id, key_id, "key")


async def delete(session: AsyncSession, user: User, server_id: int, key_id: int, *, actor: Actor) -> None:
    """Marks the key `removing`; the job removes its line on the host and then deletes the row."""
    key = await get(session, user, server_id, key_id)
    servers.require_ready(await servers.get(session, user, server_id))
    resources.mark_removing(session, "keys.remove", key, actor=actor)
