"""What every feature that adds nginx part files to a site (rules, load balancing) checks first."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.auth.models import User
from shipyard.core.errors import ValidationFailed
from shipyard.hostops.sites import includes_part
from shipyard.servers import resources
from shipyard.servers import service as servers
from shipyard.servers.models import Server
from shipyard.sites import service as sites
from shipyard.sites.models import Site


async def changeable(
    session: AsyncSession, user: User, server_id: int, site_id: int, part: str, field: str
) -> tuple[Site, Server]:
    """The user's site and its ready server, for a change of the site's `part` files: a site
    being removed is a 400, a vhost that no longer includes the part a 422 on `field`."""
    site = await sites.get(session, user, server_id, site_id)
    server = await servers.get(session, user, server_id)
    servers.require_ready(server)
    if site.status == resources.REMOVING:
        raise servers.ActionFailed("The site is being removed.")
    if not includes_part(site.vhost_template, part):
        raise ValidationFailed(
            {
                field: [
                    f"The site's nginx configuration must include forge-conf/{{{{ SITE }}}}/{part}/* "
                    "(PUT .../nginx) for this to take effect."
                ]
            }
        )
    return site, server
