"""Forge's Blackfire and Papertrail endpoints on the provisioned Debian 12 host.

Papertrail: the host's rsyslog forwards to a UDP syslog receiver in this process on the hosts'
gateway (10.213.0.1), standing in for Papertrail; a `logger` line on the host must arrive there,
and must not once Papertrail is removed. Blackfire: the hosts reach only the Debian mirror, so
the shared servers install it from `blackfire_repo` (tests/support/aptrepo.py), a signed fake of
Blackfire's apt repository that this process serves on the gateway; when it is not being served,
nothing listens there and the install must fail saying so.
"""

from __future__ import annotations

import secrets
import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.api import Account, client, new_user
from tests.support.aptrepo import FakeBlackfireRepository
from tests.support.forge import Provisioned, events, output_of, server_of, wait_until
from tests.support.hosts import GATEWAY, Host
from tests.support.server import ShipyardServer

DROP_IN = "/etc/rsyslog.d/95-shipyard-papertrail.conf"
BLACKFIRE_FILES = (
    "/etc/blackfire/agent",
    "/etc/apt/sources.list.d/blackfire.list",
    "/usr/share/keyrings/blackfire-archive-keyring.asc",
)
SERVER_ID = "d8108598-7a7a-4c5e-8f03-d0bccadc0931"
# How long a line already handled by rsyslog may take to reach the receiver.
DELIVERY_SECONDS = 3


class SyslogReceiver:
    """A UDP syslog listener on the hosts' gateway that keeps every datagram it gets."""

    def __init__(self) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind((GATEWAY, 0))
        self.socket.settimeout(0.2)
        self.port: int = self.socket.getsockname()[1]
        self.messages: list[str] = []

    def collect(self, seconds: float = 0.5) -> list[str]:
        """Read what arrives within `seconds`; returns every message so far."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                data, _ = self.socket.recvfrom(65535)
            except TimeoutError:
                continue
            self.messages.append(data.decode("utf-8", "replace"))
        return self.messages

    def saw(self, text: str, seconds: float = 0.5) -> bool:
        return any(text in message for message in self.collect(seconds))

    def close(self) -> None:
        self.socket.close()


def package_installed(host: Host, package: str) -> bool:
    status = host.run(f"dpkg-query -W -f='${{Status}}' {package} 2>/dev/null || true").stdout
    return status == "install ok installed"


def wait_status(http: httpx.Client, server_id: int, field: str, leaving: str) -> dict[str, Any]:
    """The server once `field` is no longer `leaving` (the way Forge's SDK polls)."""
    return wait_until(  # type: ignore[no-any-return]
        lambda: (s := server_of(http, server_id))[field] != leaving and s,
        600,
        f"{field} to leave {leaving!r}",
    )


def assert_422(response: httpx.Response, field: str) -> None:
    assert response.status_code == 422, response.text
    assert field in response.json()["errors"], response.text


@pytest.fixture
def receiver() -> Iterator[SyslogReceiver]:
    listener = SyslogReceiver()
    yield listener
    listener.close()


@pytest.fixture
def syslog_host(provisioned: Provisioned) -> Iterator[Provisioned]:
    """Leave the shared host as it was: no forwarding, and rsyslog only if it was there before."""
    had_rsyslog = package_installed(provisioned.host, "rsyslog")
    yield provisioned
    provisioned.host.run(f"rm -f {DROP_IN}")
    if not had_rsyslog:
        provisioned.host.run("apt-get purge -y -q --autoremove rsyslog >/dev/null", timeout=300)


@pytest.fixture
def blackfire_host(provisioned: Provisioned) -> Iterator[Provisioned]:
    """Leave the shared host as it was: no Blackfire packages, configuration or repository."""
    yield provisioned
    host = provisioned.host
    host.run(
        "systemctl stop blackfire-agent 2>/dev/null; "
        "apt-get purge -y -q blackfire blackfire-php >/dev/null 2>&1; "
        f"rm -f {' '.join(BLACKFIRE_FILES)}; rmdir /etc/blackfire 2>/dev/null; true",
        timeout=300,
    )


def test_papertrail_forwards_the_system_log(
    server: ShipyardServer, syslog_host: Provisioned, receiver: SyslogReceiver
) -> None:
    sid, host = syslog_host.server_id, syslog_host.host
    base = f"/api/v1/servers/{sid}/papertrail"
    with client(server, syslog_host.owner) as http:
        for bad in (
            "logs.papertrailapp.com:0",
            "logs.papertrailapp.com:65536",
            "logs.papertrailapp.com:12a",
            "logs papertrailapp.com",
            "logs.papertrailapp.com;touch /tmp/pwned",
            'x" protocol="tcp',
            "logs.papertrailapp.com\n*.* /tmp/all",
            "999.1.2.3",
            "[2001:db8::1",
            "",
        ):
            assert_422(http.post(f"{base}/install", data={"host": bad}), "host")
        assert_422(http.post(f"{base}/install", json={}), "host")
        assert server_of(http, sid)["papertrail_status"] is None

        # Form-encoded, as the Forge SDK sends it.
        installed = http.post(f"{base}/install", data={"host": f"{GATEWAY}:{receiver.port}"})
        assert installed.status_code == 202, installed.text
        final = wait_status(http, sid, "papertrail_status", "installing")
        description = f"Installing Papertrail ({GATEWAY}:{receiver.port})"
        assert final["papertrail_status"] == "installed", output_of(http, sid, description)
        forwarding = host.run(f"cat {DROP_IN}").stdout
        assert f'target="{GATEWAY}" port="{receiver.port}" protocol="udp"' in forwarding, forwarding
        assert host.is_active("rsyslog")
        assert '"changed": true' in output_of(http, sid, description)
        # Installing again with the same destination changes nothing on the host.
        assert http.post(f"{base}/install", json={"host": f"{GATEWAY}:{receiver.port}"}).status_code == 202
        assert wait_status(http, sid, "papertrail_status", "installing")["papertrail_status"] == "installed"
        assert '"changed": false' in output_of(http, sid, description)

        marker = f"shipyard-papertrail-{secrets.token_hex(6)}"
        host.run(f"logger -t shipyard-test {marker}")
        wait_until(lambda: receiver.saw(marker), 30, "the logged line at the receiver", every=0)
        line = next(message for message in receiver.messages if marker in message)
        assert "shipyard-test" in line and host.name in line, line

        removed = http.delete(f"{base}/remove")
        assert removed.status_code == 202, removed.text
        final = wait_status(http, sid, "papertrail_status", "removing")
        assert final["papertrail_status"] is None, output_of(http, sid, "Removing Papertrail")
        assert host.run(f"test -e {DROP_IN}", check=False).returncode == 1
        assert host.is_active("rsyslog")

        # rsyslog still handles the host's log (the line reaches /var/log/syslog), but no longer sends it.
        after = f"shipyard-papertrail-{secrets.token_hex(6)}"
        host.run(f"logger -t shipyard-test {after}")
        wait_until(
            lambda: after in host.run("cat /var/log/syslog").stdout, 30, "the line in the host's syslog"
        )
        assert not receiver.saw(after, DELIVERY_SECONDS), receiver.messages


def test_blackfire_installs_the_agent_and_probe(
    server: ShipyardServer, blackfire_host: Provisioned, blackfire_repo: FakeBlackfireRepository
) -> None:
    sid, host = blackfire_host.server_id, blackfire_host.host
    base = f"/api/v1/servers/{sid}/blackfire"
    token = secrets.token_hex(32)
    with client(server, blackfire_host.owner) as http:
        for body, field in (
            ({"server_id": "abc; id", "server_token": token}, "server_id"),
            ({"server_id": SERVER_ID + "\n", "server_token": token}, "server_id"),
            ({"server_id": SERVER_ID, "server_token": "short"}, "server_token"),
            ({"server_id": SERVER_ID, "server_token": token + "\nserver-id=x"}, "server_token"),
            ({"server_id": SERVER_ID, "server_token": "$(touch /tmp/pwned)" + token}, "server_token"),
            ({"server_id": SERVER_ID}, "server_token"),
            ({"server_token": token}, "server_id"),
        ):
            refused = http.post(f"{base}/install", data=body)
            assert_422(refused, field)
            assert token not in refused.text

        with blackfire_repo.serving(hold=True):
            accepted = http.post(f"{base}/install", data={"server_id": SERVER_ID, "server_token": token})
            assert accepted.status_code == 202, accepted.text
            # The repository holds every request, so the install cannot have finished yet.
            assert server_of(http, sid)["blackfire_status"] == "installing"
            again = http.post(f"{base}/install", data={"server_id": SERVER_ID, "server_token": token})
            assert again.status_code == 409, again.text
            assert http.delete(f"{base}/remove").status_code == 409
            blackfire_repo.release()
            final = wait_status(http, sid, "blackfire_status", "installing")
        output = output_of(http, sid, "Installing Blackfire")
        assert final["blackfire_status"] == "installed", output
        assert "/debian/dists/any/InRelease" in blackfire_repo.requests

        assert host.is_active("blackfire-agent")
        assert package_installed(host, "blackfire") and package_installed(host, "blackfire-php")
        config = host.run("cat /etc/blackfire/agent").stdout
        assert f"server-id={SERVER_ID}\n" in config and f"server-token={token}\n" in config
        assert host.run("stat -c '%a %U:%G' /etc/blackfire/agent").stdout.strip() == "640 root:blackfire"
        journal = host.run("journalctl -u blackfire-agent --no-pager").stdout
        assert f"running for server {SERVER_ID}" in journal, journal
        source = host.run("cat /etc/apt/sources.list.d/blackfire.list").stdout
        assert source == (
            "deb [signed-by=/usr/share/keyrings/blackfire-archive-keyring.asc] "
            f"{blackfire_repo.apt_url} any main\n"
        )

        # The token reaches the host only in its config file: never the API or an event.
        assert token not in output and "blackfire-agent" in output
        assert token not in http.get(f"/api/v1/servers/{sid}").text
        assert token not in http.get("/api/v1/servers").text
        assert all(token not in str(event) for event in events(http, sid))

        # Installing again with a new token reconfigures the agent.
        pid = host.run("systemctl show -p MainPID --value blackfire-agent").stdout.strip()
        new_token = secrets.token_hex(32)
        with blackfire_repo.serving():
            body = {"server_id": SERVER_ID, "server_token": new_token}
            assert http.post(f"{base}/install", data=body).status_code == 202
            final = wait_status(http, sid, "blackfire_status", "installing")
        output = output_of(http, sid, "Installing Blackfire")
        assert final["blackfire_status"] == "installed", output
        assert f"server-token={new_token}\n" in host.run("cat /etc/blackfire/agent").stdout
        assert host.is_active("blackfire-agent")
        assert host.run("systemctl show -p MainPID --value blackfire-agent").stdout.strip() != pid
        assert new_token not in output and "(the probe is new)" not in output

        removed = http.delete(f"{base}/remove")
        assert removed.status_code == 202, removed.text
        final = wait_status(http, sid, "blackfire_status", "removing")
        assert final["blackfire_status"] is None, output_of(http, sid, "Removing Blackfire")
    assert not host.is_active("blackfire-agent")
    assert not package_installed(host, "blackfire") and not package_installed(host, "blackfire-php")
    leftovers = host.run(f"ls -d {' '.join(BLACKFIRE_FILES)} /etc/blackfire 2>/dev/null || true").stdout
    assert leftovers == ""
    assert host.run("getent passwd blackfire", check=False).returncode == 2


def test_a_status_left_by_a_cancelled_job_does_not_block(
    server: ShipyardServer,
    admin_account: Account,
    blackfire_host: Provisioned,
    blackfire_repo: FakeBlackfireRepository,
) -> None:
    """Changes to a server run one at a time: a Papertrail install queued behind a held Blackfire
    install is cancelled by an administrator, which leaves `installing` with no job behind it."""
    sid = blackfire_host.server_id
    base = f"/api/v1/servers/{sid}"
    token = secrets.token_hex(32)
    with client(server, blackfire_host.owner) as http, client(server, admin_account) as admin_http:
        with blackfire_repo.serving(hold=True):
            body = {"server_id": SERVER_ID, "server_token": token}
            assert http.post(f"{base}/blackfire/install", json=body).status_code == 202
            queued = http.post(f"{base}/papertrail/install", json={"host": "logs.papertrailapp.com:12345"})
            assert queued.status_code == 202, queued.text
            assert http.delete(f"{base}/papertrail/remove").status_code == 409
            jobs = admin_http.get("/api/v1/admin/jobs").json()
            assert token not in str(jobs)
            ours = {"server_id": sid}
            job = next(j for j in jobs if j["name"] == "papertrail.install" and j["args"] == ours)
            assert job["status"] == "queued", job
            cancelled = admin_http.post(f"/api/v1/admin/jobs/{job['id']}/cancel")
            assert cancelled.json()["status"] == "cancelled", cancelled.text
            assert server_of(http, sid)["papertrail_status"] == "installing"

            removal = http.delete(f"{base}/papertrail/remove")
            assert removal.status_code == 202, removal.text
            blackfire_repo.release()
            assert wait_status(http, sid, "blackfire_status", "installing")["blackfire_status"] == "installed"
        final = wait_status(http, sid, "papertrail_status", "removing")
        assert final["papertrail_status"] is None, output_of(http, sid, "Removing Papertrail")
        assert http.delete(f"{base}/blackfire/remove").status_code == 202
        assert wait_status(http, sid, "blackfire_status", "removing")["blackfire_status"] is None


def test_blackfire_fails_when_its_repository_cannot_be_reached(
    server: ShipyardServer, blackfire_host: Provisioned, blackfire_repo: FakeBlackfireRepository
) -> None:
    sid, host = blackfire_host.server_id, blackfire_host.host
    base = f"/api/v1/servers/{sid}/blackfire"
    token = secrets.token_hex(32)
    with client(server, blackfire_host.owner) as http:
        # Nothing serves the repository now: its address refuses connections.
        accepted = http.post(f"{base}/install", json={"server_id": SERVER_ID, "server_token": token})
        assert accepted.status_code == 202, accepted.text
        final = wait_status(http, sid, "blackfire_status", "installing")
        output = output_of(http, sid, "Installing Blackfire")
        assert final["blackfire_status"] == "failed", output
        assert "the Blackfire repository could not be reached" in output, output
        assert blackfire_repo.key_url in output and token not in output
        failed = next(e for e in events(http, sid) if e["description"] == "Installing Blackfire")
        assert failed["status"] == "failed"
        # Nothing was left behind that would break the host's next apt-get update.
        leftovers = host.run(f"ls -d {' '.join(BLACKFIRE_FILES)} 2>/dev/null || true").stdout
        assert leftovers == ""
        assert not package_installed(host, "blackfire")

        # A failed install can be removed, which clears the status.
        assert http.delete(f"{base}/remove").status_code == 202
        assert wait_status(http, sid, "blackfire_status", "removing")["blackfire_status"] is None


def test_another_users_server_is_not_found(
    server: ShipyardServer, admin_account: Account, provisioned: Provisioned
) -> None:
    stranger = new_user(server, admin_account)
    sid = provisioned.server_id
    base = f"/api/v1/servers/{sid}"
    with client(server, stranger) as http:
        body = {"server_id": SERVER_ID, "server_token": secrets.token_hex(32)}
        assert http.post(f"{base}/blackfire/install", json=body).status_code == 404
        assert http.delete(f"{base}/blackfire/remove").status_code == 404
        assert http.post(f"{base}/papertrail/install", json={"host": "a.b:1"}).status_code == 404
        assert http.delete(f"{base}/papertrail/remove").status_code == 404
