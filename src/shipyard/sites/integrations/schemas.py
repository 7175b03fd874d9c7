"""Forge's integration bodies and answers."""

from __future__ import annotations

from pydantic import BaseModel, Field, create_model

from shipyard.servers.cron.schemas import JobRead
from shipyard.servers.daemons.schemas import DaemonRead

DAEMON_KINDS = ("horizon", "octane", "reverb", "pulse", "inertia")


class DaemonCreate(BaseModel):
    """The settings of a daemon integration; each takes its own (Horizon and Pulse none)."""

    port: int | None = Field(
        default=None, ge=1, le=65535, description="octane: 8000, reverb: 8080 by default"
    )
    server: str | None = Field(
        default=None, max_length=16, description="octane: swoole, roadrunner or frankenphp"
    )
    host: str | None = Field(default=None, max_length=253, description="reverb: ws.<site domain> by default")
    connections: int | None = Field(default=None, ge=1, le=1_000_000, description="reverb: 1000 by default")
    deploys_restart_inertia_daemon: bool | None = Field(default=None, description="inertia: false by default")


class DaemonEnabled(BaseModel):
    daemon: DaemonRead


class ReverbEnabled(BaseModel):
    daemon: DaemonRead
    reverb_host: str
    reverb_port: int
    reverb_connections: int


# `GET .../integrations/<kind>`: whether the daemon is on, and whether the app has the package.
DAEMON_STATUS: dict[str, type[BaseModel]] = {
    kind: create_model(  # type: ignore[call-overload]
        f"{kind.capitalize()}Status",
        enabled=(bool, ...),
        daemon=(DaemonRead | None, ...),
        **(
            {
                "reverb_host": (str | None, ...),
                "reverb_port": (int | None, ...),
                "reverb_connections": (int | None, ...),
            }
            if kind == "reverb"
            else {}
        ),
        **{f"{kind}_installed": (bool, ...)},
    )
    for kind in DAEMON_KINDS
}


class MaintenanceCreate(BaseModel):
    secret: str | None = Field(
        default=None, max_length=128, description="lets a browser past maintenance mode"
    )
    status: int = Field(default=503, ge=200, le=599, description="the status code of the maintenance page")


class MaintenanceChange(BaseModel):
    enabled: bool
    status: str | None


class MaintenanceStatus(BaseModel):
    enabled: bool
    status: str | None = Field(description="enabling or disabling while artisan down/up is queued")
    laravel_installed: bool


class SchedulerStatus(BaseModel):
    enabled: bool
    job: JobRead | None
    laravel_installed: bool


class SchedulerEnabled(BaseModel):
    job: JobRead
