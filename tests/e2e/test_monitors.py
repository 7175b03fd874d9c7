"""Server monitors: Shipyard samples a real host over SSH, moves monitors between OK and ALERT,
and e-mails every change through a real SMTP server (aiosmtpd on loopback).

Each backend gets its own Shipyard (sampling every second, a monitor "minute" of five seconds,
SMTP pointed at the sink) and its own freshly provisioned host. The test hosts share the
machine's disk, so the disk monitor's threshold is set a margin above the current use and the
test fills the disk past it with fallocate, far beyond what other test sessions change in the
few seconds the file exists.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.conftest import BACKENDS, ServerFactory, smtp_env
from tests.support.api import Account, admin, client, new_user
from tests.support.forge import events, output_of, wait_ready, wait_until
from tests.support.hosts import Host, HostPool
from tests.support.server import ShipyardServer
from tests.support.smtp import MailSink, Received
from tests.support.templates import provisioned_template

MINUTE_SECONDS = 5
MONITOR_TIMEOUT = 5
FILL = "/var/tmp/shipyard-monitor-fill"
FILL_SHARE = 0.05  # of the disk: the file that pushes the host past the threshold
BLOCK_SSH = "iptables -I INPUT -p tcp --dport 22 -j DROP && iptables -I OUTPUT -p tcp --sport 22 -j DROP"
UNBLOCK_SSH = "iptables -D INPUT -p tcp --dport 22 -j DROP; iptables -D OUTPUT -p tcp --sport 22 -j DROP"


@dataclass(frozen=True)
class Monitored:
    """A Shipyard that samples often, the admin of it, and a server provisioned on a real host."""

    server: ShipyardServer
    admin: Account
    owner: Account
    host: Host
    server_id: int
    name: str


@pytest.fixture(scope="module", params=BACKENDS)
def monitored(
    request: pytest.FixtureRequest, start_server: ServerFactory, hosts: HostPool, mail_sink: MailSink
) -> Iterator[Monitored]:
    server = start_server(
        request.param,
        {
            "SHIPYARD_RATE_LIMIT_WRITES": "1000000",
            "SHIPYARD_MONITOR_INTERVAL": "1",
            "SHIPYARD_MONITOR_TIMEOUT": str(MONITOR_TIMEOUT),
            "SHIPYARD_MONITOR_MINUTE_SECONDS": str(MINUTE_SECONDS),
            **smtp_env(mail_sink),
        },
    )
    administrator = admin(server)
    owner = new_user(server, administrator)
    host = hosts.up(template=provisioned_template(hosts))
    name = f"mon-{secrets.token_hex(3)}"
    with client(server, owner) as http:
        created = http.post(
            "/api/v1/servers",
            json={
                "provider": "custom",
                "name": name,
                "ip_address": host.ip,
                "database_type": "mysql8",
                "root_private_key": hosts.root_key(),
            },
        )
        assert created.status_code == 200, created.text
        server_id = created.json()["server"]["id"]
        wait_ready(http, server_id)
    yield Monitored(server, administrator, owner, host, server_id, name)
    hosts.down(host)


def monitor_of(http: httpx.Client, server_id: int, monitor_id: int) -> dict[str, Any]:
    response = http.get(f"/api/v1/servers/{server_id}/monitors/{monitor_id}")
    assert response.status_code == 200, response.text
    monitor: dict[str, Any] = response.json()["monitor"]
    return monitor


def wait_state(http: httpx.Client, server_id: int, monitor_id: int, state: str) -> dict[str, Any]:
    return wait_until(  # type: ignore[no-any-return]
        lambda: (m := monitor_of(http, server_id, monitor_id))["state"] == state and m,
        90,
        f"monitor {monitor_id} to be {state}",
        every=0.2,
    )


def create(http: httpx.Client, server_id: int, **body: Any) -> dict[str, Any]:
    response = http.post(f"/api/v1/servers/{server_id}/monitors", json=body)
    assert response.status_code == 200, response.text
    monitor: dict[str, Any] = response.json()["monitor"]
    return monitor


def sampling_round(m: Monitored, since: datetime, outcome: str) -> dict[str, Any]:
    """The first finished sampling run that started after `since` and `sampled` or `missed` the server."""

    def found() -> dict[str, Any] | None:
        runs = httpx.get(
            f"{m.server.url}/api/v1/admin/jobs", headers=m.admin.headers(), params={"limit": 50}
        ).json()
        for run in reversed(runs):
            if (
                run["name"] == "monitors.sample"
                and run["status"] == "succeeded"
                and datetime.fromisoformat(run["started_at"]) >= since
                and m.server_id in run["result"][outcome]
            ):
                return run  # type: ignore[no-any-return]
        return None

    return wait_until(found, 90, f"a sampling run that {outcome} server {m.server_id}", every=0.2)  # type: ignore[no-any-return]


def latest_value(mail: Received) -> float:
    match = re.search(r"^Latest:\s+([0-9.]+)%", mail.body, re.MULTILINE)
    assert match, mail.body
    return float(match.group(1))


def disk_kb(host: Host) -> tuple[int, int]:
    used, available = host.run("df -k --output=used,avail / | tail -n 1").stdout.split()
    return int(used), int(available)


def forge_time(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)


def test_a_disk_monitor_alerts_and_recovers_by_email(monitored: Monitored, mail_sink: MailSink) -> None:
    m, host, sid = monitored, monitored.host, monitored.server_id
    used, available = disk_kb(host)
    total = used + available
    fill_kb = int(total * FILL_SHARE)
    assert available > 3 * fill_kb, f"the machine's disk is too full for this test ({available} KiB free)"
    threshold = round(used * 100 / total + FILL_SHARE * 100 / 2, 2)
    notify = f"ops-{secrets.token_hex(4)}@example.test"
    with client(m.server, m.owner) as http:
        monitor = create(
            http, sid, type="disk", operator="gte", threshold=threshold, minutes=1, notify=notify
        )
        mid = monitor["id"]
        assert monitor["status"] == "installed" and monitor["state"] == "OK"
        assert monitor["threshold"] == threshold and monitor["minutes"] == 1 and monitor["notify"] == notify

        # A round samples the host while it is below the threshold: still OK, no e-mail.
        since = datetime.now(UTC)
        sampling_round(m, since, "sampled")
        assert monitor_of(http, sid, mid)["state"] == "OK" and mail_sink.to(notify) == []

        host.run(f"fallocate -l {fill_kb}K {FILL}")
        try:
            alert = wait_state(http, sid, mid, "ALERT")
            # Not before the condition had held for the whole window (one "minute").
            window = timedelta(seconds=MINUTE_SECONDS)
            assert forge_time(alert["state_changed_at"]) >= since + window - timedelta(seconds=1)
            [mail] = mail_sink.wait_for(notify, 1)
            assert mail.subject.startswith(f"[ALERT] {m.name}: used disk space is "), mail.subject
            assert f"(>= {threshold:g}%)" in mail.subject
            assert f"Monitor {mid} on server {m.name} ({host.ip}) is now ALERT" in mail.body
            assert f"greater than or equal to {threshold:g}% for 1 minute" in mail.body
            assert latest_value(mail) >= threshold
            assert mail.recipients == [notify] and mail.sender == "shipyard@example.test"
            assert mail.message["From"] == "Shipyard <shipyard@example.test>"

            # The host stops answering, then frees its disk: with nothing to judge by, the monitor
            # keeps its state and nobody is e-mailed, and sampling goes on.
            host.run(BLOCK_SSH)
        finally:
            host.run(f"rm -f {FILL}")
        try:
            missed = sampling_round(m, datetime.now(UTC), "missed")
            detail = httpx.get(
                f"{m.server.url}/api/v1/admin/jobs/{missed['id']}", headers=m.admin.headers()
            ).json()
            assert any(
                f"server {sid}: not sampled, its monitors keep their state" in line["line"]
                for line in detail["logs"]
            ), detail["logs"]
            assert monitor_of(http, sid, mid)["state"] == "ALERT" and len(mail_sink.to(notify)) == 1
        finally:
            host.run(UNBLOCK_SSH)

        # Reachable again: the first sample shows the disk below the threshold.
        ok = wait_state(http, sid, mid, "OK")
        assert forge_time(ok["state_changed_at"]) >= forge_time(alert["state_changed_at"])
        _, recovered = mail_sink.wait_for(notify, 2)
        assert recovered.subject.startswith(f"[OK] {m.name}: used disk space is back to "), recovered.subject
        assert "is OK again" in recovered.body and latest_value(recovered) < threshold

        descriptions = [e["description"] for e in events(http, sid)]
        assert f"Monitor {mid} is ALERT" in descriptions and f"Monitor {mid} is OK" in descriptions
        told = output_of(http, sid, f"Monitor {mid} is ALERT")
        assert told.startswith(mail.subject) and f"E-mail to {notify} queued as job " in told
        assert "not configured" not in told

        assert [x["id"] for x in http.get(f"/api/v1/servers/{sid}/monitors").json()["monitors"]] == [mid]
        assert http.delete(f"/api/v1/servers/{sid}/monitors/{mid}").status_code == 204
        assert http.get(f"/api/v1/servers/{sid}/monitors/{mid}").status_code == 404


def test_memory_and_cpu_monitors_read_the_host(monitored: Monitored, mail_sink: MailSink) -> None:
    m, sid = monitored, monitored.server_id
    memory_to, cpu_to = (f"{kind}-{secrets.token_hex(4)}@example.test" for kind in ("mem", "cpu"))
    with client(m.server, m.owner) as http:
        # Conditions that always hold, over a window of no minutes: ALERT at the next sample.
        memory = create(
            http, sid, type="used_memory", operator="lte", threshold=100, minutes=0, notify=memory_to
        )
        cpu = create(http, sid, type="cpu_load", operator="gte", threshold=0, minutes=0, notify=cpu_to)
        for monitor in (memory, cpu):
            wait_state(http, sid, monitor["id"], "ALERT")
        [memory_mail] = mail_sink.wait_for(memory_to, 1)
        [cpu_mail] = mail_sink.wait_for(cpu_to, 1)

        # The value is the host's: (MemTotal - MemAvailable) / MemTotal, give or take what the
        # machine's other work changed since the sample.
        meminfo = dict(
            line.split(":", 1) for line in m.host.run("cat /proc/meminfo").stdout.splitlines() if ":" in line
        )
        total, available = (int(meminfo[key].split()[0]) for key in ("MemTotal", "MemAvailable"))
        assert abs(latest_value(memory_mail) - (total - available) * 100 / total) < 10
        assert memory_mail.subject.startswith(f"[ALERT] {m.name}: used memory is ")
        assert "less than or equal to 100% for 0 minutes" in memory_mail.body
        assert cpu_mail.subject.startswith(f"[ALERT] {m.name}: CPU load is ")
        assert "1-minute load average as a share of the CPUs" in cpu_mail.body

        for monitor in (memory, cpu):
            assert http.delete(f"/api/v1/servers/{sid}/monitors/{monitor['id']}").status_code == 204


def test_monitor_input_is_validated(monitored: Monitored) -> None:
    m, sid = monitored, monitored.server_id
    good = {"type": "disk", "operator": "gte", "threshold": 80, "minutes": 5, "notify": "ops@example.test"}
    with client(m.server, m.owner) as http:
        for field, value in [
            ("type", "swap"),
            ("type", "cpu"),
            ("operator", "gt"),
            ("operator", ">="),
            ("threshold", -1),
            ("threshold", 100.5),
            ("threshold", "abc"),
            ("threshold", "nan"),
            ("minutes", -1),
            ("minutes", "soon"),
            ("notify", "not-an-address"),
            ("notify", "ops@example.test\r\nBcc: victim@example.test"),
            ("notify", "a@b.c, d@e.f"),
        ]:
            response = http.post(f"/api/v1/servers/{sid}/monitors", json={**good, field: value})
            assert response.status_code == 422, (field, value, response.text)
            assert field in response.json()["errors"], (field, value, response.text)
        missing = {key: value for key, value in good.items() if key != "notify"}
        assert http.post(f"/api/v1/servers/{sid}/monitors", json=missing).status_code == 422

        # The Forge SDK's form body, with a fractional threshold: a CPU load above 100% is allowed.
        form = http.post(
            f"/api/v1/servers/{sid}/monitors",
            data={
                "type": "cpu_load",
                "operator": "gte",
                "threshold": "150.5",
                "minutes": "5",
                "notify": "a@b.co",
            },
        )
        assert form.status_code == 200, form.text
        created = form.json()["monitor"]
        assert created["threshold"] == 150.5 and created["minutes"] == 5 and created["state"] == "OK"
        assert http.delete(f"/api/v1/servers/{sid}/monitors/{created['id']}").status_code == 204
        assert http.get(f"/api/v1/servers/{sid}/monitors").json()["monitors"] == []


def test_another_users_monitors_are_not_found(monitored: Monitored) -> None:
    m, sid = monitored, monitored.server_id
    with client(m.server, m.owner) as http:
        mid = create(http, sid, type="disk", operator="gte", threshold=99, minutes=5, notify="a@b.co")["id"]
    stranger = new_user(m.server, m.admin)
    with client(m.server, stranger) as http:
        body = {"type": "disk", "operator": "gte", "threshold": 99, "notify": "a@b.co"}
        assert http.get(f"/api/v1/servers/{sid}/monitors").status_code == 404
        assert http.post(f"/api/v1/servers/{sid}/monitors", json=body).status_code == 404
        assert http.get(f"/api/v1/servers/{sid}/monitors/{mid}").status_code == 404
        assert http.delete(f"/api/v1/servers/{sid}/monitors/{mid}").status_code == 404
    with client(m.server, m.owner) as http:
        assert http.delete(f"/api/v1/servers/{sid}/monitors/{mid}").status_code == 204
