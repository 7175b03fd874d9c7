"""The resource sections of a site's page: certificates, workers, redirect and security rules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.audit import service as audit
from shipyard.sites import service as sites
from shipyard.sites.certificates import service as certificates
from shipyard.sites.certificates.schemas import LetsEncryptCreate
from shipyard.sites.redirects import service as redirects
from shipyard.sites.redirects.schemas import RedirectRuleCreate
from shipyard.sites.security import service as security
from shipyard.sites.security.schemas import SecurityRuleCreate
from shipyard.sites.workers import service as workers
from shipyard.sites.workers.schemas import WorkerCreate
from shipyard.web.context import Visitor
from shipyard.web.sections import ROWS_SHOWN, Action, Column, Input, Section, by_key, code
from shipyard.web.templating import reltime, status_badge

Owner = tuple[int, int]
STATUS = Column("Status", lambda row: status_badge(row.status))


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]


# Certificates.


async def _certificates(session: AsyncSession, visitor: Visitor, owner: Owner) -> Sequence[Any]:
    rows, _ = await certificates.page(session, visitor.user, *owner, offset=0, limit=ROWS_SHOWN + 1)
    return rows


async def _letsencrypt(session: AsyncSession, visitor: Visitor, owner: Owner) -> str:
    domains = _split(visitor.text("domains")) or [(await sites.get(session, visitor.user, *owner)).name]
    body = visitor.model(LetsEncryptCreate, domains=domains)
    certificate = await certificates.letsencrypt(session, visitor.user, *owner, body, actor=visitor.actor)
    audit.record(session, visitor.actor, "certificate.letsencrypt", subject=f"certificate:{certificate.id}")
    return "Ordering the certificate from Let's Encrypt: it is activated once issued."


async def _activate(session: AsyncSession, visitor: Visitor, owner: Owner, row_id: int) -> str:
    await certificates.activate(session, visitor.user, *owner, row_id, actor=visitor.actor)
    audit.record(session, visitor.actor, "certificate.activate", subject=f"certificate:{row_id}")
    return "Activating the certificate."


async def _delete_certificate(session: AsyncSession, visitor: Visitor, owner: Owner, row_id: int) -> str:
    await certificates.delete(session, visitor.user, *owner, row_id, actor=visitor.actor)
    audit.record(session, visitor.actor, "certificate.delete", subject=f"certificate:{row_id}")
    return "Removing the certificate."


# Workers.


async def _workers(session: AsyncSession, visitor: Visitor, owner: Owner) -> Sequence[Any]:
    rows, _, _, _ = await workers.page(session, visitor.user, *owner, offset=0, limit=ROWS_SHOWN + 1)
    return rows


async def _create_worker(session: AsyncSession, visitor: Visitor, owner: Owner) -> str:
    worker, _, _ = await workers.create(
        session, visitor.user, *owner, visitor.model(WorkerCreate), actor=visitor.actor
    )
    audit.record(session, visitor.actor, "worker.create", subject=f"worker:{worker.id}")
    return "Starting the worker."


async def _restart_worker(session: AsyncSession, visitor: Visitor, owner: Owner, row_id: int) -> str:
    await workers.restart(session, visitor.user, *owner, row_id, actor=visitor.actor)
    audit.record(session, visitor.actor, "worker.restart", subject=f"worker:{row_id}")
    return "Restarting the worker."


async def _delete_worker(session: AsyncSession, visitor: Visitor, owner: Owner, row_id: int) -> str:
    await workers.delete(session, visitor.user, *owner, row_id, actor=visitor.actor)
    audit.record(session, visitor.actor, "worker.delete", subject=f"worker:{row_id}")
    return "Stopping and removing the worker."


# Redirect rules.


async def _redirects(session: AsyncSession, visitor: Visitor, owner: Owner) -> Sequence[Any]:
    rows, _ = await redirects.RULES.page(session, visitor.user, *owner, offset=0, limit=ROWS_SHOWN + 1)
    return rows


async def _create_redirect(session: AsyncSession, visitor: Visitor, owner: Owner) -> str:
    rule = await redirects.create(
        session, visitor.user, *owner, visitor.model(RedirectRuleCreate), actor=visitor.actor
    )
    audit.record(session, visitor.actor, "redirect_rule.create", subject=f"redirect_rule:{rule.id}")
    return "Adding the redirect."


async def _delete_redirect(session: AsyncSession, visitor: Visitor, owner: Owner, row_id: int) -> str:
    await redirects.RULES.delete(session, visitor.user, *owner, row_id, actor=visitor.actor)
    audit.record(session, visitor.actor, "redirect_rule.delete", subject=f"redirect_rule:{row_id}")
    return "Removing the redirect."


# Security rules (HTTP basic authentication).


async def _security(session: AsyncSession, visitor: Visitor, owner: Owner) -> Sequence[Any]:
    rows, _ = await security.RULES.page(session, visitor.user, *owner, offset=0, limit=ROWS_SHOWN + 1)
    return rows


async def _create_security(session: AsyncSession, visitor: Visitor, owner: Owner) -> str:
    rule = await security.create(
        session, visitor.user, *owner, visitor.model(SecurityRuleCreate), actor=visitor.actor
    )
    audit.record(session, visitor.actor, "security_rule.create", subject=f"security_rule:{rule.id}")
    return "Protecting the path with a password."


async def _delete_security(session: AsyncSession, visitor: Visitor, owner: Owner, row_id: int) -> str:
    await security.RULES.delete(session, visitor.user, *owner, row_id, actor=visitor.actor)
    audit.record(session, visitor.actor, "security_rule.delete", subject=f"security_rule:{row_id}")
    return "Removing the protection."


SECTIONS: tuple[Section, ...] = (
    Section(
        key="certificates",
        title="Certificates",
        empty="No certificates: order one from Let's Encrypt to serve the site over HTTPS.",
        inputs=(Input("domains", "Domains", hint="comma-separated; blank: the site's domain"),),
        columns=(
            Column("Domains", lambda row: ", ".join(row.domains)),
            Column("Type", lambda row: row.type),
            Column("Active", lambda row: status_badge("active") if row.active else ""),
            Column("Expires", lambda row: reltime(row.expires_at)),
            STATUS,
        ),
        rows=_certificates,
        create=_letsencrypt,
        delete=_delete_certificate,
        add_label="Let's Encrypt",
        actions=(Action("activate", "Activate", _activate),),
    ),
    Section(
        key="workers",
        title="Queue workers",
        empty="No queue workers: start one to process the application's queue.",
        inputs=(
            Input("connection", "Connection", required=True, default="redis"),
            Input("queue", "Queues", hint="comma-separated; blank: default"),
            Input("processes", "Processes", kind="number", default="1"),
            Input("timeout", "Timeout (s)", kind="number", default="60"),
            Input("sleep", "Sleep (s)", kind="number", default="3"),
            Input("tries", "Tries", kind="number"),
            Input("stopwaitsecs", "Stop wait (s)", kind="number", default="10"),
            Input("environment", "Environment"),
            Input("daemon", "Run as daemon (queue:work --daemon)", kind="checkbox"),
            Input("force", "Run in maintenance mode too (--force)", kind="checkbox"),
        ),
        columns=(
            Column("Connection", lambda row: row.connection),
            Column("Queues", lambda row: row.queue or "default"),
            Column("Processes", lambda row: row.processes),
            STATUS,
        ),
        rows=_workers,
        create=_create_worker,
        delete=_delete_worker,
        add_label="Add worker",
        actions=(Action("restart", "Restart", _restart_worker),),
    ),
    Section(
        key="redirects",
        title="Redirect rules",
        empty="No redirects.",
        inputs=(
            Input("from", "From path", required=True),
            Input("to", "To path or URL", required=True),
            Input("type", "Type", kind="select", options=("redirect", "permanent")),
        ),
        columns=(
            Column("From", lambda row: code(row.source)),
            Column("To", lambda row: code(row.target)),
            Column("Type", lambda row: row.type),
            STATUS,
        ),
        rows=_redirects,
        create=_create_redirect,
        delete=_delete_redirect,
        add_label="Add redirect",
    ),
    Section(
        key="security",
        title="Security rules",
        empty="No password protection.",
        inputs=(
            Input("name", "Name (the realm browsers show)", required=True),
            Input("path", "Path", hint="blank: the whole site"),
            Input("credentials[0][username]", "User name", required=True),
            Input("credentials[0][password]", "Password", kind="password", required=True),
        ),
        columns=(
            Column("Name", lambda row: row.name),
            Column("Path", lambda row: code(row.path or "/")),
            STATUS,
        ),
        rows=_security,
        create=_create_security,
        delete=_delete_security,
        add_label="Add security rule",
    ),
)

BY_KEY = by_key(SECTIONS)
