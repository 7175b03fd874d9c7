"""What a site's rules (redirect rules, security rules) share: listing, reading and deleting a
rule of the user's site, and the three routes that serve them (`GET ...`, `GET .../{rule_id}`,
`DELETE .../{rule_id}`). Creating one is each kind's own business.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Generic, Protocol, TypeVar

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.audit import service as audit
from shipyard.auth.dependencies import Authenticator, Principal
from shipyard.auth.models import User
from shipyard.core.actor import Actor
from shipyard.core.errors import NotFound
from shipyard.http.pagination import Paging, set_page_headers
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession
from shipyard.servers import resources
from shipyard.servers import service as servers
from shipyard.sites import service as sites


class Rule(Protocol):
    id: int
    server_id: int
    status: str


R = TypeVar("R", bound=Rule)
R_co = TypeVar("R_co", bound=Rule, covariant=True)


class PageOfSite(Protocol[R_co]):
    """A repository's page of a site's rules."""

    def __call__(
        self, session: AsyncSession, site_id: int, *, offset: int, limit: int
    ) -> Awaitable[tuple[Sequence[R_co], int]]: ...


@dataclass(frozen=True)
class SiteRules(Generic[R]):
    """One kind of rule: its name (`redirect rule`), its removal job and its repository's reads."""

    noun: str
    remove_job: str
    page_of_site: PageOfSite[R]
    one_of_site: Callable[[AsyncSession, int, int], Awaitable[R | None]]

    async def page(
        self, session: AsyncSession, user: User, server_id: int, site_id: int, *, offset: int, limit: int
    ) -> tuple[Sequence[R], int]:
        site = await sites.get(session, user, server_id, site_id)
        return await self.page_of_site(session, site.id, offset=offset, limit=limit)

    async def get(self, session: AsyncSession, user: User, server_id: int, site_id: int, rule_id: int) -> R:
        site = await sites.get(session, user, server_id, site_id)
        rule = await self.one_of_site(session, site.id, rule_id)
        if rule is None:
            raise NotFound(self.noun)
        return rule

    async def delete(
        self, session: AsyncSession, user: User, server_id: int, site_id: int, rule_id: int, *, actor: Actor
    ) -> None:
        """Marks the rule `removing`; its job takes it out of nginx and then deletes the row."""
        rule = await self.get(session, user, server_id, site_id, rule_id)
        servers.require_ready(await servers.get(session, user, server_id))
        if rule.status != resources.REMOVING:
            resources.mark_removing(session, self.remove_job, rule, actor=actor)


SitesPrincipal = Annotated[Principal, Depends(Authenticator("sites"))]


def add_routes(
    router: APIRouter,
    rules: SiteRules[R],
    *,
    kind: str,
    read: Callable[[R], BaseModel],
    envelope_model: type[BaseModel],
    list_model: type[BaseModel],
) -> None:
    """Add the list, get and delete routes of `rules` to the router (its prefix is the rules' path).
    `kind` (`redirect_rule`) names the routes, the audit records and the bodies' keys: a rule is
    `{kind: read(rule)}` (`envelope_model`), a list `{kind + "s": [...]}` (`list_model`)."""

    async def list_rules(
        server_id: ResourceId,
        site_id: ResourceId,
        principal: SitesPrincipal,
        session: DbSession,
        paging: Paging,
        request: Request,
        response: Response,
    ) -> BaseModel:
        rows, total = await rules.page(
            session, principal.user, server_id, site_id, offset=paging.offset, limit=paging.size
        )
        set_page_headers(request, response, paging, total)
        return list_model.model_validate({f"{kind}s": [read(row) for row in rows]})

    async def get_rule(
        server_id: ResourceId,
        site_id: ResourceId,
        rule_id: ResourceId,
        principal: SitesPrincipal,
        session: DbSession,
    ) -> BaseModel:
        rule = await rules.get(session, principal.user, server_id, site_id, rule_id)
        return envelope_model.model_validate({kind: read(rule)})

    async def delete_rule(
        server_id: ResourceId,
        site_id: ResourceId,
        rule_id: ResourceId,
        principal: SitesPrincipal,
        session: DbSession,
    ) -> None:
        await rules.delete(session, principal.user, server_id, site_id, rule_id, actor=principal.actor)
        audit.record(session, principal.actor, f"{kind}.delete", subject=f"{kind}:{rule_id}")

    router.add_api_route("", list_rules, methods=["GET"], response_model=list_model, name=f"list_{kind}s")
    router.add_api_route(
        "/{rule_id}", get_rule, methods=["GET"], response_model=envelope_model, name=f"get_{kind}"
    )
    router.add_api_route(
        "/{rule_id}", delete_rule, methods=["DELETE"], status_code=204, name=f"delete_{kind}"
    )
