"""Every model, imported once so that `Base.metadata` is complete (Alembic reads it from here)."""

from shipyard.account.models import Credential, Region, RegionSize
from shipyard.audit.models import AuditEvent
from shipyard.auth.models import AccessToken, User, WebSession
from shipyard.auth.ratelimit import RateLimitWindow
from shipyard.ci.agents.models import Agent
from shipyard.ci.cron.models import Cron
from shipyard.ci.forges.models import Forge
from shipyard.ci.logs.models import LogLine
from shipyard.ci.pipelines.models import Pipeline, Step, Workflow
from shipyard.ci.repos.models import Org, Repo
from shipyard.ci.secrets.models import Registry, Secret
from shipyard.core.db import Base
from shipyard.core.flags import SystemFlag
from shipyard.core.vault import SystemSecret
from shipyard.jobs.models import Job, JobLog, JobStep
from shipyard.releases.collaborators.models import Collaborator
from shipyard.releases.deployments.models import Deployment, Process
from shipyard.releases.heartbeats.models import Heartbeat
from shipyard.releases.hooks.models import Hook
from shipyard.releases.notifications.models import Notification
from shipyard.releases.projects.models import Project
from shipyard.releases.servers.models import ProjectServer
from shipyard.servers.backups.models import Backup, BackupConfiguration
from shipyard.servers.cron.models import ScheduledJob
from shipyard.servers.daemons.models import Daemon
from shipyard.servers.databases.models import Database, DatabaseUser
from shipyard.servers.firewall.models import FirewallRule
from shipyard.servers.keys.models import SshKey
from shipyard.servers.models import Server, ServerEvent
from shipyard.servers.monitors.models import Monitor, MonitorSample
from shipyard.servers.nginx_templates.models import NginxTemplate
from shipyard.servers.php.models import PhpVersion
from shipyard.servers.recipes.models import Recipe
from shipyard.sites.balancing.models import Balancing
from shipyard.sites.certificates.models import AcmeAccount, Certificate
from shipyard.sites.commands.models import SiteCommand
from shipyard.sites.deployments.models import SiteDeployment
from shipyard.sites.integrations.models import Integration
from shipyard.sites.models import Site
from shipyard.sites.redirects.models import RedirectRule
from shipyard.sites.security.models import SecurityCredential, SecurityRule
from shipyard.sites.webhooks.models import SiteWebhook
from shipyard.sites.workers.models import Worker

__all__ = [
    "AccessToken",
    "AcmeAccount",
    "Agent",
    "AuditEvent",
    "Backup",
    "BackupConfiguration",
    "Balancing",
    "Base",
    "Certificate",
    "Collaborator",
    "Credential",
    "Cron",
    "Daemon",
    "Database",
    "DatabaseUser",
    "Deployment",
    "FirewallRule",
    "Forge",
    "Heartbeat",
    "Hook",
    "Integration",
    "Job",
    "JobLog",
    "JobStep",
    "LogLine",
    "Monitor",
    "MonitorSample",
    "NginxTemplate",
    "Notification",
    "Org",
    "PhpVersion",
    "Pipeline",
    "Process",
    "Project",
    "ProjectServer",
    "RateLimitWindow",
    "Recipe",
    "RedirectRule",
    "Region",
    "RegionSize",
    "Registry",
    "Repo",
    "ScheduledJob",
    "Secret",
    "SecurityCredential",
    "SecurityRule",
    "Server",
    "ServerEvent",
    "Site",
    "SiteCommand",
    "SiteDeployment",
    "SiteWebhook",
    "SshKey",
    "Step",
    "SystemFlag",
    "SystemSecret",
    "User",
    "WebSession",
    "Worker",
    "Workflow",
]
