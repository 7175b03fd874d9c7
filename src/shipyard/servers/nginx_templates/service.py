"""Nginx template rules: a template may use only Forge's variables, and belongs to one server.

Templates live in Shipyard, not on the host: a site created with one gets the template with its
variables filled in (`hostops.nginx.substitute`), tested with `nginx -t` before it is activated.
Editing or deleting a template leaves existing sites as they are, as in Forge.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.auth.models import User
from shipyard.core.errors import ValidationFailed
from shipyard.core.validation import LABEL, LABEL_RULE
from shipyard.hostops.nginx import VARIABLES, unknown_variables
from shipyard.servers import owned
from shipyard.servers import service as servers
from shipyard.servers.nginx_templates.models import NginxTemplate
from shipyard.servers.nginx_templates.schemas import TemplateCreate, TemplateUpdate


def _validate(name: str | None, content: str | None) -> None:
    errors: dict[str, list[str]] = {}
    if name is not None and not LABEL.match(name):
        errors["name"] = [LABEL_RULE]
    if content is not None:
        if "\x00" in content:
            errors["content"] = ["The content must be text."]
        elif unknown := unknown_variables(content):
            errors["content"] = [
                f"Unknown template variable(s): {', '.join(unknown)}. "
                f"Known variables: {', '.join(VARIABLES)}."
            ]
    if errors:
        raise ValidationFailed(errors)


async def create(session: AsyncSession, user: User, server_id: int, body: TemplateCreate) -> NginxTemplate:
    server = await servers.get(session, user, server_id)
    _validate(body.name, body.content)
    template = NginxTemplate(server_id=server.id, name=body.name.strip(), content=body.content)
    session.add(template)
    await session.flush()
    return template


async def page(
    session: AsyncSession, user: User, server_id: int, *, offset: int, limit: int
) -> tuple[Sequence[NginxTemplate], int]:
    return await owned.page(session, user, NginxTemplate, server_id, offset=offset, limit=limit)


async def get(session: AsyncSession, user: User, server_id: int, template_id: int) -> NginxTemplate:
    return await owned.get(session, user, NginxTemplate, server_id, template_id, "template")


async def update(
    session: AsyncSession, user: User, server_id: int, template_id: int, body: TemplateUpdate
) -> NginxTemplate:
    template = await get(session, user, server_id, template_id)
    _validate(body.name, body.content)
    if body.name is not None:
        template.name = body.name.strip()
    if body.content is not None:
        template.content = body.content
    return template


async def delete(session: AsyncSession, user: User, server_id: int, template_id: int) -> None:
    await session.delete(await get(session, user, server_id, template_id))
