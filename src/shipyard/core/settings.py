"""Process-wide configuration, read once from `SHIPYARD_*` environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob Shipyard has; README.md lists them with their defaults."""

    model_config = SettingsConfigDict(env_prefix="SHIPYARD_", extra="ignore")

    data: Path = Field(default=Path("data"), description="directory for the SQLite file and key files")
    database_url: str | None = Field(default=None, description="SQLAlchemy async URL; SQLite by default")
    secret_key: str | None = Field(default=None, description="Fernet key for secrets at rest")

    default_paging_num: int = Field(default=30, ge=1)
    max_response_items: int = Field(default=50, ge=1)
    default_git_trees_per_page: int = 1000
    default_max_blob_size: int = 10_485_760

    rate_limit_writes: int = Field(default=60, ge=1, description="write requests per minute per token")
    signin_attempts: int = Field(
        default=10, ge=1, description="dashboard sign-in attempts per minute per user name and per address"
    )
    session_hours: float = Field(default=12.0, gt=0, description="how long a dashboard sign-in lasts")
    dashboard_vendor_dir: Path | None = Field(
        default=None,
        description="the npm packages the dashboard serves under /static/vendor; default: web/node_modules",
    )
    maintenance_cache_seconds: float = 2.0

    run_worker: bool | None = Field(default=None, description="run the job worker inside `serve`")
    worker_concurrency: int = Field(default=4, ge=1)
    job_lease_seconds: float = Field(default=30.0, gt=0)
    job_poll_seconds: float = Field(
        default=1.0, gt=0, description="seconds between an idle worker's looks for due jobs"
    )
    job_modules: list[str] = Field(default_factory=list, description="extra modules that register jobs")

    public_url: str | None = Field(
        default=None,
        description="the URL hosts use to reach Shipyard (provision commands); default: the request's",
    )

    digitalocean_url: str = Field(
        default="https://api.digitalocean.com", description="DigitalOcean API (droplets, and DNS-01 records)"
    )
    linode_url: str = Field(default="https://api.linode.com", description="Akamai (Linode) API")
    vultr_url: str = Field(default="https://api.vultr.com", description="Vultr API")
    hetzner_url: str = Field(default="https://api.hetzner.cloud", description="Hetzner Cloud API")
    aws_ec2_url: str = Field(
        default="https://ec2.{region}.amazonaws.com", description="EC2 endpoint; {region} is the server's"
    )
    machine_address_timeout: float = Field(
        default=600, gt=0, le=1800, description="seconds a new machine may take to get a public IPv4"
    )
    machine_ssh_timeout: float = Field(
        default=300, gt=0, le=1200, description="seconds a new machine may take to accept SSH"
    )
    machine_poll_seconds: float = Field(default=5, gt=0, description="how often a new machine is polled")

    monitor_interval: float = Field(
        default=60.0, gt=0, description="seconds between two samples of a server that has monitors"
    )
    monitor_timeout: float = Field(
        default=30.0, gt=0, description="seconds one server's sample may take before it counts as unreachable"
    )
    monitor_minute_seconds: float = Field(
        default=60.0, gt=0, description="tests only: how many seconds a monitor's `minutes` count as one"
    )

    heartbeat_tick: float = Field(
        default=30.0, gt=0, description="seconds between two looks for heartbeats that missed their interval"
    )
    heartbeat_minute_seconds: float = Field(
        default=60.0, gt=0, description="tests only: how many seconds a heartbeat interval's minute counts as"
    )
    project_monitor_interval: float = Field(
        default=60.0, gt=0, description="seconds between two checks of the projects' monitor URLs"
    )
    project_monitor_timeout: float = Field(
        default=10.0, gt=0, le=120, description="seconds a project's monitor URL may take to answer"
    )

    blackfire_apt_url: str = Field(
        default="https://packages.blackfire.io/debian",
        pattern=r"^https?://\S+$",
        description="Blackfire's apt repository (suite `any`, component `main`)",
    )
    blackfire_apt_key_url: str = Field(
        default="https://packages.blackfire.io/gpg.key",
        pattern=r"^https?://\S+$",
        description="the ASCII-armored OpenPGP key that signs Blackfire's apt repository",
    )
    backup_tick: float = Field(
        default=60.0, gt=0, description="seconds between two looks for backup configurations that are due"
    )

    ci_lease_seconds: float = Field(
        default=60.0, gt=0, description="CI: how long an agent holds a workflow without renewing its lease"
    )
    ci_long_poll_seconds: float = Field(
        default=20.0, gt=0, le=300, description="CI: how long an agent's request for work waits for one"
    )
    ci_queue_tick: float = Field(default=0.2, gt=0, description="CI: seconds between two looks at the queue")
    ci_stream_seconds: float = Field(
        default=3600.0, gt=0, description="CI: an SSE stream ends after this long; clients reconnect"
    )
    ci_prometheus_token: SecretStr | None = Field(
        default=None, description="CI: a Bearer token for /metrics besides administrators' tokens"
    )
    ci_cron_tick: float = Field(default=30.0, gt=0, description="CI: seconds between two looks for due crons")
    acme_directory: str = Field(
        default="https://acme-v02.api.letsencrypt.org/directory",
        pattern=r"^https?://\S+$",
        description="the ACME directory Let's Encrypt certificates are ordered from",
    )
    acme_ca_bundle: Path | None = Field(
        default=None,
        description="CA certificates (PEM) to trust for the ACME directory; default: the system's",
    )
    acme_dns_resolver: str | None = Field(
        default=None,
        pattern=r"^(?:[0-9.]{7,15}|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?$",
        description="DNS-01: the resolver (`address`, `address:port` or `[v6]:port`) asked whether a "
        "challenge's TXT record is visible yet; default: the system's resolvers",
    )
    acme_dns_wait_seconds: float = Field(
        default=300, gt=0, le=3600, description="DNS-01: how long a TXT record may take to become visible"
    )
    cloudflare_url: str = Field(
        default="https://api.cloudflare.com/client/v4",
        pattern=r"^https?://\S+$",
        description="DNS-01: Cloudflare's API v4",
    )
    route53_url: str | None = Field(
        default=None,
        pattern=r"^https?://\S+$",
        description="DNS-01: the Route 53 endpoint; default: AWS's (route53.amazonaws.com)",
    )
    acme_renew_days: float = Field(
        default=30, gt=0, description="ACME certificates are renewed when they expire within this many days"
    )
    acme_renew_interval: float = Field(
        default=43200, gt=0, description="seconds between two looks for ACME certificates to renew"
    )

    smtp_host: str | None = Field(
        default=None, description="SMTP server for e-mail; unset: no e-mail is sent"
    )
    smtp_port: int | None = Field(
        default=None, ge=1, le=65535, description="default 465 with smtp_tls, 587 with smtp_starttls, else 25"
    )
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = Field(default="shipyard@localhost", description="the From address of Shipyard's e-mail")
    smtp_starttls: bool | None = Field(
        default=None, description="true: require STARTTLS; false: never; unset: when the server offers it"
    )
    smtp_tls: bool = Field(default=False, description="connect over TLS from the start (port 465)")

    admin_name: str = "admin"
    admin_email: str = "admin@localhost"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data / 'shipyard.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @property
    def worker_in_process(self) -> bool:
        """SQLite has one writer, so the server runs the worker itself unless told otherwise."""
        return self.is_sqlite if self.run_worker is None else self.run_worker


@lru_cache
def get_settings() -> Settings:
    """The settings of this process (cached; tests start fresh processes)."""
    settings = Settings()
    settings.data.mkdir(parents=True, exist_ok=True)
    return settings
