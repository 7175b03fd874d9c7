"""Shipyard's own SSH key: generated once, kept encrypted in the database, shared by all processes."""

from __future__ import annotations

import json

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shipyard.core.vault import get_secret, put_secret
from shipyard.remote.keys import KeyPair, generate_keypair

IDENTITY = "ssh_identity"


async def identity(sessions: async_sessionmaker[AsyncSession]) -> KeyPair:
    """The key pair, created on first use (a concurrent first use by another process wins)."""
    for _ in range(2):
        async with sessions() as session:
            stored = await get_secret(session, IDENTITY)
            if stored is not None:
                data = json.loads(stored)
                return KeyPair(data["private"], data["public"])
            pair = generate_keypair("shipyard")
            await put_secret(
                session,
                IDENTITY,
                json.dumps({"private": pair.private_openssh, "public": pair.public_openssh}),
            )
            try:
                await session.commit()
            except IntegrityError:
                continue
            return pair
    raise RuntimeError("could not create Shipyard's SSH identity")
