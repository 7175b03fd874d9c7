"""Redirect rules: strict `from` and `to`, one rule per `from` and site, and the jobs that
put each rule into the site's nginx configuration or take it out."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.auth.models import User
from shipyard.core.actor import Actor
from shipyard.core.errors import ValidationFailed
from shipyard.hostops.site_rules import REDIRECT_TYPES, redirect_from, redirect_to
from shipyard.servers import resources
from shipyard.sites import nginx_parts
from shipyard.sites.redirects import repository
from shipyard.sites.redirects.models import RedirectRule
from shipyard.sites.redirects.schemas import RedirectRuleCreate
from shipyard.sites.rules import SiteRules

FROM_RULE = (
    "The from field must be a path starting with '/' (a query string may follow '?') of letters, "
    "digits and . _ ~ ! * ( ) , : @ & = + % / - only."
)
TO_RULE = (
    "The to field must be a path starting with '/' or an http(s) URL, of letters, digits and "
    ". _ ~ ! * ( ) , : @ & = + % / ? # - only."
)


async def create(
    session: AsyncSession, user: User, server_id: int, site_id: int, body: RedirectRuleCreate, *, actor: Actor
) -> RedirectRule:
    """The rule, `installing`; its job adds it to the site's nginx configuration."""
    site, server = await nginx_parts.changeable(session, user, server_id, site_id, "server", "from")
    errors: dict[str, list[str]] = {}
    source = redirect_from(body.source)
    if source is None:
        errors["from"] = [FROM_RULE]
    if redirect_to(body.target) is None:
        errors["to"] = [TO_RULE]
    if body.type not in REDIRECT_TYPES:
        errors["type"] = [f"The type must be one of: {', '.join(REDIRECT_TYPES)}."]
    if source is not None and await repository.redirected(session, site.id, source):
        errors["from"] = ["The site already has a redirect rule from this path."]
    if errors:
        raise ValidationFailed(errors)
    rule = RedirectRule(
        server_id=server.id, site_id=site.id, source=body.source, target=body.target, type=body.type
    )
    session.add(rule)
    await session.flush()
    resources.enqueue(session, "redirect_rules.install", rule, actor=actor)
    return rule


RULES = SiteRules("redirect rule", "redirect_rules.remove", repository.page, repository.of_site)
