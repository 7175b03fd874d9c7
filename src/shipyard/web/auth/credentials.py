"""The account page's cloud provider credentials: the API tokens (or AWS keys) Shipyard creates
servers with. Values are write-only, as in the API; the owner of the rows is the visitor."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.account import service as account
from shipyard.account.providers import PROVIDER_SECRETS
from shipyard.account.schemas import CredentialCreate
from shipyard.audit import service as audit
from shipyard.providers.registry import LABELS
from shipyard.web.context import Visitor
from shipyard.web.sections import ROWS_SHOWN, Column, Input, Section, by_key


async def _provider_choices(session: AsyncSession, visitor: Visitor, owner: Any) -> Sequence[tuple[str, str]]:
    return [(provider, LABELS[provider]) for provider in PROVIDER_SECRETS]


async def _credentials(session: AsyncSession, visitor: Visitor, owner: Any) -> Sequence[Any]:
    rows, _ = await account.list_credentials(session, visitor.user, offset=0, limit=ROWS_SHOWN + 1)
    return rows


async def _add(session: AsyncSession, visitor: Visitor, owner: Any) -> str:
    credential = await account.create_credential(session, visitor.user, visitor.model(CredentialCreate))
    audit.record(session, visitor.actor, "credential.create", subject=f"credential:{credential.id}")
    return f"Credential {credential.name} added: new servers can be created at {LABELS[credential.type]}."


async def _delete(session: AsyncSession, visitor: Visitor, owner: Any, row_id: int) -> str:
    await account.delete_credential(session, visitor.user, row_id)
    audit.record(session, visitor.actor, "credential.delete", subject=f"credential:{row_id}")
    return "Credential removed."


CREDENTIALS = Section(
    key="credentials",
    title="Cloud providers",
    empty="No provider credentials yet: add one to create servers at a cloud provider.",
    remove_confirm=(
        "Remove this credential? Servers created with it stay, but can no longer be deleted at the provider."
    ),
    inputs=(
        Input("type", "Provider", "select", choices=_provider_choices, required=True),
        Input("name", "Name", required=True),
        Input("api_token", "API token", "password", hint="DigitalOcean, Akamai, Vultr and Hetzner"),
        Input("key", "Access key id", hint="AWS"),
        Input("secret", "Secret access key", "password", hint="AWS"),
    ),
    columns=(
        Column("Name", lambda row: row.name),
        Column("Provider", lambda row: LABELS.get(row.type, row.type)),
    ),
    rows=_credentials,
    create=_add,
    delete=_delete,
    add_label="Add a credential",
)

BY_KEY = by_key([CREDENTIALS])
