"""Every model, imported once so that `Base.metadata` is complete (Alembic reads it from here)."""

from shipyard.account.models import Credential, Region, RegionSize
from shipyard.audit.models import AuditEvent
from shipyard.auth.models import AccessToken, User
from shipyard.auth.ratelimit import RateLimitWindow
from shipyard.core.db import Base
from shipyard.core.flags import SystemFlag
from shipyard.jobs.models import Job, JobLog, JobStep

__all__ = [
    "AccessToken",
    "AuditEvent",
    "Base",
    "Credential",
    "Job",
    "JobLog",
    "JobStep",
    "RateLimitWindow",
    "Region",
    "RegionSize",
    "SystemFlag",
    "User",
]
