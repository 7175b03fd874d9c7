"""Certificate jobs: activate one on the host, remove one, order one from the ACME CA, and the
recurring round that renews ACME certificates before they expire.

An order runs here, not on the host: Shipyard speaks ACME, the host only serves the challenge
files from the site's web directory (written as the site user, removed afterwards) and then the
certificate. With a DNS provider the host serves nothing but the certificate: Shipyard creates the
challenges' TXT records through the provider's API, waits until the resolver of
`SHIPYARD_ACME_DNS_RESOLVER` shows them, lets the CA validate, then deletes them. A failed order
leaves its reason (the CA's or the provider's) in a server event.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy.exc import IntegrityError

from shipyard.core.db import get_sessionmaker, utcnow
from shipyard.core.script import Script
from shipyard.core.settings import get_settings
from shipyard.hostops.certificates import (
    CHALLENGE_DIR,
    render_acme_location,
    render_activate,
    render_deactivate,
    render_prune,
    render_publish_challenges,
    render_remove_challenges,
)
from shipyard.hostops.sites import web_path
from shipyard.jobs import service as jobs
from shipyard.jobs.context import JobContext
from shipyard.jobs.registry import job
from shipyard.providers import dns
from shipyard.providers.base import ProviderError
from shipyard.servers import host, resources
from shipyard.servers.service import resource_key
from shipyard.sites import repository as sites
from shipyard.sites.certificates import letsencrypt, pki, repository
from shipyard.sites.certificates.models import AcmeAccount, Certificate
from shipyard.sites.certificates.service import ACTIVATED, ACTIVATING, FAILED, INSTALLED
from shipyard.sites.models import Site
from shipyard.sites.service import host_domain

SELF_CHECK_SECONDS = 15
DNS_POLL_SECONDS = 2


class OrderFailed(Exception):
    """An ACME order did not give a certificate; the message says why."""


async def _load(certificate_id: int) -> tuple[Certificate, Site] | None:
    async with get_sessionmaker()() as session:
        certificate = await repository.by_id(session, certificate_id)
        if certificate is None or certificate.status == resources.REMOVING:
            return None
        site = await sites.for_host(session, certificate.site_id)
        if site is None:
            return None
        session.expunge_all()
        return certificate, site


async def _on_host(ctx: JobContext, site: Site, script: Script, description: str) -> bool:
    try:
        await host.run(
            get_sessionmaker(), site.server_id, script, description=description, user_id=ctx.user_id
        )
    except host.HostActionFailed:
        return False
    return True


async def _activate(ctx: JobContext, certificate_id: int) -> bool:
    """Serve the certificate for its site, instead of the one active before; whether the host took it."""
    loaded = await _load(certificate_id)
    if loaded is None:
        return False
    certificate, site = loaded
    async with get_sessionmaker()() as session:
        before = [other.id for other in await repository.active_of_site(session, site.id)]
    script = render_activate(
        host_domain(site),
        site.id,
        certificate.id,
        certificate.certificate or "",
        certificate.private_key,
        replaces=before,
    )
    confirmed = await _on_host(
        ctx, site, script, f"Activating certificate {certificate.id} of site {site.id}"
    )
    async with get_sessionmaker()() as session:
        current = await repository.by_id(session, certificate_id)
        if confirmed:
            for other in await repository.active_of_site(session, site.id):
                if other.id != certificate_id:
                    other.active, other.activation_status = False, None
        if current is not None:
            current.active = confirmed or current.active
            current.activation_status = ACTIVATED if confirmed else FAILED
        await session.commit()
    if confirmed:
        await _on_host(
            ctx, site, render_prune(site.id, certificate.id), f"Pruning certificates of site {site.id}"
        )
    return confirmed


@job("certificates.activate", timeout=300, max_attempts=2)
async def activate(ctx: JobContext, resource_id: int) -> None:
    await _activate(ctx, resource_id)


@job("certificates.remove", timeout=300, max_attempts=3)
async def remove(ctx: JobContext, resource_id: int) -> None:
    """Stop serving the certificate if it is active, then forget it."""
    sessions = get_sessionmaker()
    async with sessions() as session:
        certificate = await repository.by_id(session, resource_id)
        site = await sites.for_host(session, certificate.site_id) if certificate is not None else None
        if certificate is None or site is None:
            return
        others_ordered = await repository.ordered_of_site(session, site.id, resource_id)
        session.expunge_all()
    description = f"Removing certificate {resource_id} of site {site.id}"
    if certificate.active and not await _on_host(
        ctx, site, render_deactivate(host_domain(site), site.id, certificate.id), description
    ):
        raise RuntimeError(f"{description} did not complete on the host; see the server's events.")
    if certificate.type == "letsencrypt" and not others_ordered:
        await _on_host(ctx, site, render_acme_location(host_domain(site), present=False), description)
    async with sessions() as session:
        active = [
            other.id for other in await repository.active_of_site(session, site.id) if other.id != resource_id
        ]
        current = await repository.by_id(session, resource_id)
        if current is not None:
            await session.delete(current)
        await session.commit()
    await _on_host(ctx, site, render_prune(site.id, active[0] if active else None), description)


async def _account() -> tuple[letsencrypt.Account | None, str, bool | str]:
    settings = get_settings()
    verify: bool | str = str(settings.acme_ca_bundle) if settings.acme_ca_bundle else True
    async with get_sessionmaker()() as session:
        stored = await repository.account(session, settings.acme_directory)
    account = letsencrypt.Account(stored.key, stored.uri) if stored is not None else None
    return account, settings.acme_directory, verify


async def _save_account(directory: str, account: letsencrypt.Account) -> None:
    async with get_sessionmaker()() as session:
        stored = await repository.account(session, directory)
        if stored is None:
            session.add(AcmeAccount(directory=directory, key=account.key, uri=account.uri))
        else:
            stored.key, stored.uri = account.key, account.uri
        with contextlib.suppress(IntegrityError):  # another job saved one first: both work
            await session.commit()


async def _place(csr: str, *, dns_01: bool) -> letsencrypt.Order:
    """The order, with Shipyard's account (made now when the CA has none, or forgot it)."""
    account, directory, verify = await _account()
    for _ in range(2):
        acme, used = await asyncio.to_thread(letsencrypt.connect, directory, verify, account)
        if used != account:
            await _save_account(directory, used)
        try:
            return await asyncio.to_thread(letsencrypt.place, acme, csr, dns=dns_01)
        except letsencrypt.AcmeFailed as exc:
            if account is None or not letsencrypt.is_unknown_account(exc):
                raise
            account = None
    raise letsencrypt.AcmeFailed("the CA refused a new account")


async def _self_check(
    ctx: JobContext, site: Site, domain: str, challenges: list[letsencrypt.Challenge]
) -> None:
    """Wait (briefly) until nginx serves the challenges, as the CA will fetch them."""
    address = site.server.ip_address
    if not address:
        return
    async with httpx.AsyncClient(timeout=5) as client:
        for challenge in challenges:
            url = f"http://{address}{CHALLENGE_DIR}{challenge.token}"
            for _ in range(SELF_CHECK_SECONDS * 4):
                with contextlib.suppress(httpx.HTTPError):
                    response = await client.get(url, headers={"Host": domain})
                    if response.status_code == 200 and response.text.strip() == challenge.validation:
                        break
                await asyncio.sleep(0.25)
            else:
                await ctx.log(f"{url} (Host: {domain}) does not serve the challenge yet; the CA will tell")


async def _order(ctx: JobContext, certificate: Certificate, site: Site) -> tuple[str, pki.Chain]:
    """A new key and the certificate the CA issued for it."""
    if certificate.dns_provider is not None:
        return await _order_dns(ctx, certificate)
    domain = host_domain(site)
    description = f"Ordering certificate {certificate.id} of site {site.id}"
    if not await _on_host(ctx, site, render_acme_location(domain, present=True), description):
        raise OrderFailed("nginx could not be set up to serve ACME challenges; see the server's events")
    key = pki.new_key()
    order = await _place(pki.make_order_csr(key, certificate.domains), dns_01=False)
    web = web_path(site.username, domain, site.directory)
    tokens = {challenge.token: challenge.validation for challenge in order.challenges}
    if tokens and not await _on_host(
        ctx, site, render_publish_challenges(site.username, web, tokens), description
    ):
        raise OrderFailed("the challenge files could not be written into the site; see the server's events")
    try:
        await _self_check(ctx, site, certificate.domains[0], order.challenges)
        issued = await asyncio.to_thread(letsencrypt.finish, order)
    finally:
        if tokens:
            await _on_host(ctx, site, render_remove_challenges(site.username, web, list(tokens)), description)
    return key, _issued(issued)


def _issued(pem: str) -> pki.Chain:
    try:
        return pki.load_chain(pem)
    except pki.PemError as exc:
        raise OrderFailed(f"the CA sent no usable certificate: {exc}") from exc


async def _visible(ctx: JobContext, records: dict[str, list[str]]) -> None:
    """Wait until the resolver shows every TXT record of the order."""
    settings = get_settings()
    deadline = time.monotonic() + settings.acme_dns_wait_seconds
    resolver = settings.acme_dns_resolver or "the system's resolver"
    for name, values in records.items():
        while not set(values) <= await dns.txt_values(name, settings.acme_dns_resolver):
            if time.monotonic() > deadline:
                raise OrderFailed(
                    f"the TXT record {name} did not become visible at {resolver} within "
                    f"{settings.acme_dns_wait_seconds:g}s"
                )
            await asyncio.sleep(DNS_POLL_SECONDS)
        await ctx.log(f"{resolver} shows the TXT record {name}")


async def _order_dns(ctx: JobContext, certificate: Certificate) -> tuple[str, pki.Chain]:
    """The DNS-01 order: TXT records through the provider, visible, validated, then deleted."""
    settings = get_settings()
    provider = dns.driver(
        certificate.dns_provider or "",
        json.loads(certificate.dns_credentials or "{}"),
        cloudflare_url=settings.cloudflare_url,
        route53_url=settings.route53_url,
        digitalocean_url=settings.digitalocean_url,
    )
    key = pki.new_key()
    order = await _place(pki.make_order_csr(key, certificate.domains), dns_01=True)
    try:
        for name, values in order.records.items():
            await provider.publish(name, values)
            await ctx.log(f"{provider.label} has the TXT record {name}")
        await _visible(ctx, order.records)
        issued = await asyncio.to_thread(letsencrypt.finish, order)
    finally:
        try:
            await provider.cleanup()
        except ProviderError as exc:
            await ctx.log(f"the TXT records could not all be deleted: {exc}")
    return key, _issued(issued)


async def _obtain(ctx: JobContext, certificate_id: int, *, renewal: bool) -> bool:
    """Order the certificate (again) and store it; whether the CA issued it."""
    loaded = await _load(certificate_id)
    if loaded is None:
        return False
    certificate, site = loaded
    what = "Renewing" if renewal else "Ordering"
    try:
        key, chain = await _order(ctx, certificate, site)
    except (OrderFailed, letsencrypt.AcmeFailed, ProviderError) as exc:
        await host.record(
            get_sessionmaker(),
            site.server_id,
            f"{what} certificate {certificate_id} of site {site.id}",
            f"{what} {', '.join(certificate.domains)} from {get_settings().acme_directory} failed: {exc}\n",
            failed=True,
        )
        if not renewal:
            async with get_sessionmaker()() as session:
                current = await repository.by_id(session, certificate_id)
                if current is not None and current.status != resources.REMOVING:
                    current.status, current.activation_status = FAILED, None
                    await session.commit()
        return False
    async with get_sessionmaker()() as session:
        current = await repository.by_id(session, certificate_id)
        if current is None or current.status == resources.REMOVING:
            return False
        current.private_key, current.certificate, current.expires_at = key, chain.pem(), chain.expires_at
        current.status = INSTALLED
        if not renewal or current.active:
            current.activation_status = ACTIVATING
        await session.commit()
        serve = not renewal or current.active
    await host.record(
        get_sessionmaker(),
        site.server_id,
        f"{what} certificate {certificate_id} of site {site.id}",
        f"{get_settings().acme_directory} issued a certificate for {', '.join(chain.names)}, "
        f"valid until {chain.expires_at:%Y-%m-%d %H:%M:%S} UTC.\n",
        failed=False,
    )
    if serve:
        await _activate(ctx, certificate_id)
    return True


@job("certificates.obtain", timeout=600, max_attempts=2)
async def obtain(ctx: JobContext, resource_id: int) -> None:
    """Order a certificate from the ACME CA; once issued it becomes the site's active one."""
    await _obtain(ctx, resource_id, renewal=False)


@job("certificates.renew", timeout=1800, max_attempts=2)
async def renew(ctx: JobContext, server_id: int, within_days: float) -> dict[str, Any]:
    """Renew the server's ACME certificates that expire within `within_days` (active ones are
    served anew); a failed renewal keeps the certificate it had and is tried again next round."""
    async with get_sessionmaker()() as session:
        due = await repository.due_on_server(session, server_id, utcnow() + timedelta(days=within_days))
    renewed: list[int] = []
    for certificate_id in due:
        if await _obtain(ctx, certificate_id, renewal=True):
            renewed.append(certificate_id)
    return {"renewed": renewed, "failed": [c for c in due if c not in renewed]}


@job("certificates.renew_due", timeout=120, every=lambda: get_settings().acme_renew_interval)
async def renew_due(ctx: JobContext, within_days: float | None = None) -> dict[str, Any]:
    """Queue a renewal on every server with ACME certificates that expire within
    `SHIPYARD_ACME_RENEW_DAYS` (or `within_days`), unless one is queued there already."""
    days = get_settings().acme_renew_days if within_days is None else within_days
    queued: list[int] = []
    async with get_sessionmaker()() as session:
        for server_id in await repository.servers_due(session, utcnow() + timedelta(days=days)):
            if not await jobs.unfinished(session, ["certificates.renew"], resource_key(server_id)):
                jobs.enqueue(
                    session,
                    "certificates.renew",
                    {"server_id": server_id, "within_days": days},
                    resource_key=resource_key(server_id),
                )
                queued.append(server_id)
        await session.commit()
    for server_id in queued:
        await ctx.log(f"queued the renewal of certificates on server {server_id}")
    return {"queued": queued}
