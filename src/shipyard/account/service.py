"""The account of the calling user: profile, provider credentials, and the region catalogue."""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.account import repository
from shipyard.account.models import Credential
from shipyard.account.providers import CONNECTED_FLAG, PROVIDER_SECRETS
from shipyard.account.schemas import CredentialCreate, ForgeUser, RegionCatalogue, RegionRead, SizeRead
from shipyard.auth.models import User
from shipyard.core.errors import NotFound, ValidationFailed


async def forge_user(session: AsyncSession, user: User) -> ForgeUser:
    connected = {CONNECTED_FLAG[t]: True for t in await repository.credential_types(session, user.id)}
    return ForgeUser.model_validate(
        {"id": user.id, "name": user.name, "email": user.email, "2fa_enabled": user.otp_enabled, **connected}
    )


async def list_credentials(
    session: AsyncSession, user: User, *, offset: int, limit: int
) -> tuple[Sequence[Credential], int]:
    return await repository.credentials_page(session, user.id, offset=offset, limit=limit)


async def get_credential(session: AsyncSession, user: User, credential_id: int) -> Credential:
    credential = await repository.credential(session, user.id, credential_id)
    if credential is None:
        raise NotFound("credential")
    return credential


async def create_credential(session: AsyncSession, user: User, body: CredentialCreate) -> Credential:
    required = PROVIDER_SECRETS.get(body.type)
    if required is None:
        raise ValidationFailed({"type": [f"The type must be one of: {', '.join(PROVIDER_SECRETS)}."]})
    values = body.model_dump()
    missing = {
        field: [f"The {field} field is required for {body.type}."]
        for field in required
        if not values.get(field)
    }
    if missing:
        raise ValidationFailed(missing)
    credential = Credential(
        user_id=user.id,
        type=body.type,
        name=body.name.strip(),
        secret=json.dumps({field: values[field] for field in required}),
    )
    session.add(credential)
    await session.flush()
    return credential


async def credential_secret(session: AsyncSession, credential_id: int) -> dict[str, str] | None:
    """A credential's decrypted fields, for the jobs that call its provider (None once deleted)."""
    credential = await repository.credential_with_secret(session, credential_id)
    if credential is None:
        return None
    secret: dict[str, str] = json.loads(credential.secret)
    return secret


async def delete_credential(session: AsyncSession, user: User, credential_id: int) -> None:
    await session.delete(await get_credential(session, user, credential_id))


async def region_catalogue(session: AsyncSession) -> RegionCatalogue:
    catalogue: dict[str, list[RegionRead]] = {provider: [] for provider in PROVIDER_SECRETS}
    for region in await repository.regions(session):
        sizes = [SizeRead(id=s.code, size=s.slug, name=s.name) for s in region.sizes]
        catalogue.setdefault(region.provider, []).append(
            RegionRead(id=region.code, name=region.name, sizes=sizes)
        )
    return RegionCatalogue(regions=catalogue)


async def size_slug(session: AsyncSession, provider: str, region: str, size: str) -> str | None:
    """The provider's own name of a catalogue size given by its Forge id ("01") or its slug."""
    for entry in (await region_catalogue(session)).regions.get(provider, []):
        if entry.id == region:
            return next((s.size for s in entry.sizes if size in (s.id, s.size)), None)
    return None
