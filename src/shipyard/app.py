"""`create_app`: routers, middlewares, error handlers, and the in-process worker on SQLite."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from shipyard import __version__
from shipyard.account.router import router as account_router
from shipyard.auth.router import admin_router as users_admin_router
from shipyard.auth.router import router as tokens_router
from shipyard.ci.agents.router import router as ci_agents_router
from shipyard.ci.cron.router import router as ci_cron_router
from shipyard.ci.forges.router import router as ci_forges_router
from shipyard.ci.pipelines.router import router as ci_pipelines_router
from shipyard.ci.queue.rpc import router as ci_agent_protocol_router
from shipyard.ci.repos.router import router as ci_repos_router
from shipyard.ci.secrets.router import router as ci_secrets_router
from shipyard.ci.system.router import root_router as ci_metrics_router
from shipyard.ci.system.router import router as ci_system_router
from shipyard.core.db import get_engine, get_sessionmaker
from shipyard.core.settings import get_settings
from shipyard.http.errors import install_error_handlers
from shipyard.http.formats import XmlFormatMiddleware
from shipyard.http.forms import FormBodyMiddleware
from shipyard.http.maintenance import MaintenanceMiddleware
from shipyard.http.nul import NulGuardMiddleware
from shipyard.jobs.registry import load_job_modules
from shipyard.jobs.worker import Worker
from shipyard.releases.actions.router import router as release_actions_router
from shipyard.releases.collaborators.router import router as release_collaborators_router
from shipyard.releases.deployments.router import hook_router as release_deploy_url_router
from shipyard.releases.deployments.router import rollback_router as release_rollback_router
from shipyard.releases.deployments.router import router as release_deployments_router
from shipyard.releases.environment.router import router as release_environment_router
from shipyard.releases.heartbeats.router import check_in_router as heartbeat_check_in_router
from shipyard.releases.heartbeats.router import router as release_heartbeats_router
from shipyard.releases.hooks.router import router as release_hooks_router
from shipyard.releases.notifications.router import router as release_notifications_router
from shipyard.releases.projects.router import router as projects_router
from shipyard.releases.servers.router import router as project_servers_router
from shipyard.servers.agents.router import router as server_agents_router
from shipyard.servers.backups.router import router as backups_router
from shipyard.servers.cron.router import router as cron_router
from shipyard.servers.daemons.router import router as daemons_router
from shipyard.servers.databases.router import router as databases_router
from shipyard.servers.firewall.router import router as firewall_router
from shipyard.servers.keys.router import router as keys_router
from shipyard.servers.logs.router import router as server_logs_router
from shipyard.servers.monitors.router import router as monitors_router
from shipyard.servers.nginx_templates.router import router as nginx_templates_router
from shipyard.servers.php.router import router as php_router
from shipyard.servers.recipes.router import router as recipes_router
from shipyard.servers.router import router as servers_router
from shipyard.servers.services.router import router as services_router
from shipyard.sites.apps.router import router as site_apps_router
from shipyard.sites.balancing.router import router as balancing_router
from shipyard.sites.certificates.router import router as certificates_router
from shipyard.sites.commands.router import router as site_commands_router
from shipyard.sites.deployments.router import hook_router as deploy_hook_router
from shipyard.sites.deployments.router import router as deployments_router
from shipyard.sites.git.router import router as site_git_router
from shipyard.sites.integrations.router import router as integrations_router
from shipyard.sites.packages.router import router as packages_router
from shipyard.sites.redirects.router import router as redirect_rules_router
from shipyard.sites.router import router as sites_router
from shipyard.sites.security.router import router as security_rules_router
from shipyard.sites.webhooks.router import router as site_webhooks_router
from shipyard.sites.workers.router import router as workers_router
from shipyard.system.admin import router as admin_router
from shipyard.system.router import router as system_router
from shipyard.web.app import install as install_dashboard

# Modules whose @job functions every worker must know.
JOB_MODULES: list[str] = [
    "shipyard.servers.jobs",
    "shipyard.servers.machines",
    "shipyard.servers.daemons.jobs",
    "shipyard.servers.cron.jobs",
    "shipyard.servers.firewall.jobs",
    "shipyard.servers.keys.jobs",
    "shipyard.servers.php.jobs",
    "shipyard.servers.databases.jobs",
    "shipyard.servers.monitors.jobs",
    "shipyard.mail.jobs",
    "shipyard.servers.recipes.jobs",
    "shipyard.servers.agents.jobs",
    "shipyard.servers.backups.jobs",
    "shipyard.ci.queue.jobs",
    "shipyard.ci.cron.jobs",
    "shipyard.ci.pipelines.jobs",
    "shipyard.releases.deployments.jobs",
    "shipyard.releases.notifications.jobs",
    "shipyard.releases.heartbeats.jobs",
    "shipyard.releases.monitoring.jobs",
    "shipyard.sites.jobs",
    "shipyard.sites.redirects.jobs",
    "shipyard.sites.security.jobs",
    "shipyard.sites.balancing.jobs",
    "shipyard.sites.workers.jobs",
    "shipyard.sites.integrations.jobs",
    "shipyard.sites.apps.jobs",
    "shipyard.sites.certificates.jobs",
    "shipyard.sites.git.jobs",
    "shipyard.sites.deployments.jobs",
    "shipyard.sites.webhooks.jobs",
    "shipyard.sites.commands.jobs",
]


def load_jobs() -> None:
    load_job_modules([*JOB_MODULES, *get_settings().job_modules])


def make_worker() -> Worker:
    settings = get_settings()
    return Worker(
        get_sessionmaker(),
        concurrency=settings.worker_concurrency,
        lease_seconds=settings.job_lease_seconds,
        poll_seconds=settings.job_poll_seconds,
    )


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    load_jobs()
    worker_task: asyncio.Task[None] | None = None
    worker = None
    if get_settings().worker_in_process:
        worker = make_worker()
        worker_task = asyncio.create_task(worker.run())
    try:
        yield
    finally:
        if worker and worker_task:
            worker.stop()
            await worker_task
        await get_engine().dispose()


def create_app() -> FastAPI:
    app = FastAPI(
        title="Shipyard",
        version=__version__,
        description="Servers (Forge API), zero-downtime deployments (Envoyer API) and CI (Woodpecker API).",
        openapi_url="/swagger.v1.json",
        docs_url="/api/swagger",
        redoc_url=None,
        lifespan=lifespan,
    )
    install_error_handlers(app)
    for router in (
        system_router,
        tokens_router,
        users_admin_router,
        account_router,
        admin_router,
        servers_router,
        daemons_router,
        cron_router,
        services_router,
        firewall_router,
        keys_router,
        server_logs_router,
        php_router,
        databases_router,
        monitors_router,
        nginx_templates_router,
        recipes_router,
        server_agents_router,
        backups_router,
        sites_router,
        ci_forges_router,
        ci_repos_router,
        ci_pipelines_router,
        ci_secrets_router,
        ci_cron_router,
        ci_agents_router,
        ci_system_router,
        ci_metrics_router,
        ci_agent_protocol_router,
        redirect_rules_router,
        security_rules_router,
        balancing_router,
        projects_router,
        project_servers_router,
        release_hooks_router,
        release_deployments_router,
        release_rollback_router,
        release_deploy_url_router,
        release_environment_router,
        release_actions_router,
        release_collaborators_router,
        release_notifications_router,
        release_heartbeats_router,
        heartbeat_check_in_router,
        workers_router,
        integrations_router,
        site_apps_router,
        packages_router,
        certificates_router,
        site_git_router,
        deployments_router,
        deploy_hook_router,
        site_webhooks_router,
        site_commands_router,
    ):
        app.include_router(router)
    install_dashboard(app)  # after the API's routes: the dashboard's never shadow them
    # Outermost first on the way in: maintenance, then XML shaping, then form decoding.
    app.add_middleware(NulGuardMiddleware)  # inside FormBodyMiddleware: it sees forms as JSON
    app.add_middleware(FormBodyMiddleware)
    app.add_middleware(XmlFormatMiddleware)
    app.add_middleware(MaintenanceMiddleware)
    return app
