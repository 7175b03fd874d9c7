"""Shared fixtures: one PostgreSQL cluster and one `shipyard serve` per backend per test worker."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.support.acme import Pebble
from tests.support.api import Account, admin, client, new_user
from tests.support.aptrepo import FakeBlackfireRepository
from tests.support.clouds import start_clouds
from tests.support.dns_providers import DnsProviders
from tests.support.fakes.base import FakeCloud
from tests.support.forge import Provisioned, wait_ready
from tests.support.hosts import HostPool
from tests.support.postgres import PostgresCluster
from tests.support.server import ShipyardServer
from tests.support.smtp import MailSink
from tests.support.templates import provisioned_template

BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PostgresCluster]:
    cluster = PostgresCluster().start()
    yield cluster
    cluster.stop()


ServerFactory = Callable[..., ShipyardServer]


@pytest.fixture(scope="session")
def start_server(pg_cluster: PostgresCluster) -> Iterator[ServerFactory]:
    """Start a server on a backend with extra environment; all are stopped at the end of the session."""
    started: list[ShipyardServer] = []

    def start(backend: str, env: dict[str, str] | None = None, listen: str = "127.0.0.1") -> ShipyardServer:
        url = pg_cluster.create_database() if backend == "postgres" else None
        server = ShipyardServer(url, env, listen)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.cleanup()


@pytest.fixture(scope="session")
def mail_sink() -> Iterator[MailSink]:
    """A real SMTP server on loopback that keeps every message; tests tell theirs apart by recipient."""
    sink = MailSink().start()
    yield sink
    sink.stop()


def smtp_env(sink: MailSink) -> dict[str, str]:
    """The settings that make a server send its e-mail to `sink`."""
    return {
        "SHIPYARD_SMTP_HOST": "127.0.0.1",
        "SHIPYARD_SMTP_PORT": str(sink.port),
        "SHIPYARD_SMTP_STARTTLS": "false",
        "SHIPYARD_SMTP_FROM": "Shipyard <shipyard@example.test>",
    }


@pytest.fixture(scope="session")
def blackfire_repo() -> Iterator[FakeBlackfireRepository]:
    """Where the shared servers find Blackfire's apt repository: a signed fake that this process
    serves to the test hosts only inside `serving()` (tests/e2e/test_server_agents.py)."""
    repository = FakeBlackfireRepository()
    yield repository
    repository.cleanup()


@pytest.fixture(scope="session")
def acme_ca() -> Iterator[Pebble]:
    """The ACME CA of the shared servers: pebble, started by the tests that order from it (`pebble`)."""
    ca = Pebble()
    yield ca
    ca.stop()


@pytest.fixture
def pebble(acme_ca: Pebble) -> Pebble:
    """pebble, running (it stays up for the rest of the session)."""
    return acme_ca.start()


@pytest.fixture(scope="session")
def dns_apis(acme_ca: Pebble) -> Iterator[DnsProviders]:
    """The fake DNS provider APIs of the shared servers (DNS-01), started by the tests that use
    them (`dns_providers`); their TXT records are what `acme_ca`'s DNS responder answers."""
    apis = DnsProviders(acme_ca)
    yield apis
    apis.stop()


@pytest.fixture(scope="session")
def clouds(hosts: HostPool) -> Iterator[dict[str, FakeCloud]]:
    """The fake cloud provider APIs (tests/support/clouds.py), whose machines are test hosts."""
    fakes = start_clouds(hosts)
    yield fakes
    for fake in fakes.values():
        fake.stop()


@pytest.fixture
def dns_providers(dns_apis: DnsProviders) -> DnsProviders:
    """The fake DNS provider APIs and pebble, running (they stay up for the rest of the session)."""
    return dns_apis.start()


@pytest.fixture(scope="session", params=BACKENDS)
def server(
    request: pytest.FixtureRequest,
    start_server: ServerFactory,
    mail_sink: MailSink,
    blackfire_repo: FakeBlackfireRepository,
    acme_ca: Pebble,
    dns_apis: DnsProviders,
) -> ShipyardServer:
    """The shared server of a backend; tests on it create their own users and leave global state alone.

    Its write rate limit is out of the way (tests/e2e/test_limits.py checks limits on servers of
    their own), its e-mail goes to `mail_sink`, it installs Blackfire from `blackfire_repo`, orders
    ACME certificates from `acme_ca` (with DNS-01 through `dns_apis`) and looks for due backups
    every two seconds. A heartbeat's minute lasts 0.3 s (a 10-minute heartbeat is missing after
    3.3 s), looked for every second, and projects' monitor URLs are checked every second.
    """
    return start_server(
        request.param,
        {
            "SHIPYARD_RATE_LIMIT_WRITES": "1000000",
            "SHIPYARD_BACKUP_TICK": "2",
            "SHIPYARD_HEARTBEAT_TICK": "1",
            "SHIPYARD_HEARTBEAT_MINUTE_SECONDS": "0.3",
            "SHIPYARD_PROJECT_MONITOR_INTERVAL": "1",
            **smtp_env(mail_sink),
            **blackfire_repo.env(),
            **acme_ca.env(),
            **dns_apis.env(),
        },
    )


@pytest.fixture(scope="session")
def admin_account(server: ShipyardServer) -> Account:
    return admin(server)


@pytest.fixture(scope="session")
def hosts(worker_id: str) -> Iterator[HostPool]:
    """Real Debian 12 hosts over SSH; every host started is removed at the end of the session."""
    pool = HostPool(worker_id)
    yield pool
    pool.down_all()


@pytest.fixture(scope="session")
def provisioned(server: ShipyardServer, admin_account: Account, hosts: HostPool) -> Provisioned:
    """One host per backend and test worker, provisioned through the API with a root key (the
    suite's option); every server-resource test works on it and leaves it as it found it."""
    owner = new_user(server, admin_account)
    host = hosts.up(template=provisioned_template(hosts))
    with client(server, owner) as http:
        created = http.post(
            "/api/v1/servers",
            json={
                "provider": "custom",
                "name": "web-1",
                "ip_address": host.ip,
                "private_ip_address": host.ip,
                "database_type": "mysql8",
                "database": "app",
                "tags": ["e2e"],
                "root_private_key": hosts.root_key(),
            },
        )
        assert created.status_code == 200, created.text
        body = created.json()
        assert body["server"]["is_ready"] is False and body["provision_command"] is None
        wait_ready(http, body["server"]["id"])
    return Provisioned(owner, host, body)
