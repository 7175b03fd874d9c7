"""The resource sections of a site's page: certificates, workers, redirect and security rules."""

from __future__ import annotations

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
from shipyard.web.sections import Action, Column, Input, Section, by_key, code, creating, on_row, paged
from shipyard.web.templating import reltime, status_badge

Owner = tuple[int, int]
STATUS = Column("Status", lambda row: status_badge(row.status))


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]


# Certificates.


async def _letsencrypt(session: AsyncSession, visitor: Visitor, owner: Owner) -> str:
    domains = _split(visitor.text("domains")) or [(await sites.get(session, visitor.user, *owner)).name]
    body = visitor.model(LetsEncryptCreate, domains=domains)
    certificate = await certificates.letsencrypt(session, visitor.user, *owner, body, actor=visitor.actor)
    audit.record(session, visitor.actor, "certificate.letsencrypt", subject=f"certificate:{certificate.id}")
    return "Ordering the certificate from Let's Encrypt: it is activated once issued."


# Workers.


async def _create_worker(session: AsyncSession, visitor: Visitor, owner: Owner) -> str:
    worker, _, _ = await workers.create(
        session, visitor.user, *owner, visitor.model(WorkerCreate), actor=visitor.actor
    )
    audit.record(session, visitor.actor, "worker.create", subject=f"worker:{worker.id}")
    return "Starting the worker."


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
        rows=paged(certificates.page),
        create=_letsencrypt,
        delete=on_row(certificates.delete, "certificate", "delete", "Removing the certificate."),
        add_label="Let's Encrypt",
        actions=(
            Action(
                "activate",
                "Activate",
                on_row(certificates.activate, "certificate", "activate", "Activating the certificate."),
            ),
        ),
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
        rows=paged(workers.page),
        create=_create_worker,
        delete=on_row(workers.delete, "worker", "delete", "Stopping and removing the worker."),
        add_label="Add worker",
        actions=(
            Action(
                "restart", "Restart", on_row(workers.restart, "worker", "restart", "Restarting the worker.")
            ),
        ),
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
        rows=paged(redirects.RULES.page),
        create=creating(redirects.create, RedirectRuleCreate, "redirect_rule", "Adding the redirect."),
        delete=on_row(redirects.RULES.delete, "redirect_rule", "delete", "Removing the redirect."),
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
        rows=paged(security.RULES.page),
        create=creating(
            security.create, SecurityRuleCreate, "security_rule", "Protecting the path with a password."
        ),
        delete=on_row(security.RULES.delete, "security_rule", "delete", "Removing the protection."),
        add_label="Add security rule",
    ),
)

BY_KEY = by_key(SECTIONS)
