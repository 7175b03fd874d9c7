"""Servers at cloud providers: Shipyard against local fakes of each provider's API.

The fakes (tests/support/fakes/) check the credential (AWS: the SigV4 signature) and the request
bodies, and "create a machine" by booting a real Debian test host (from the pre-provisioned
template disk: see tests/support/clouds.py) with the public key they were given in root's
authorized_keys. DigitalOcean and AWS machines are provisioned through Shipyard in full; for
Akamai, Vultr and Hetzner the request asks for php84, which Debian 12 does not ship, so that
provisioning stops right after Shipyard logged in with its own key and read the host's facts:
create -> address -> SSH login -> delete, without a minute of package installs each.
"""

from __future__ import annotations

import base64
import secrets
from typing import Any

import httpx
import pytest

from tests.conftest import BACKENDS, ServerFactory
from tests.support.api import Account, admin, client, new_user
from tests.support.clouds import AWS_KEY, CREDENTIALS, cloud_env
from tests.support.fakes.aws import FakeAws, indexed
from tests.support.fakes.base import WITHHOLD_ADDRESS, FakeCloud
from tests.support.fakes.digitalocean import fingerprint
from tests.support.forge import (
    events,
    output_of,
    server_of,
    wait_for_event,
    wait_provisioned,
    wait_ready,
    wait_until,
)
from tests.support.hosts import HostPool
from tests.support.server import ShipyardServer

WRONG = {
    "ocean2": {"api_token": "wrong-token"},
    "akamai": {"api_token": "wrong-token"},
    "vultr2": {"api_token": "wrong-token"},
    "hetzner": {"api_token": "wrong-token"},
    "aws": {"key": AWS_KEY, "secret": "wrong-secret-" + secrets.token_hex(8)},
}
# What each provider answers to a wrong credential, as its fake quotes it.
REFUSALS = {
    "ocean2": "(401 Unauthorized): Unable to authenticate you",
    "akamai": "(401 Unauthorized): Invalid Token",
    "vultr2": "(401 Unauthorized): Invalid API token.",
    "hetzner": "(401 Unauthorized): unable to authenticate (unauthorized)",
    "aws": "(SignatureDoesNotMatch): The request signature we calculated does not match",
}
PLACES = {
    "ocean2": {"region": "ams3", "size": "01"},
    "akamai": {"region": "eu-west", "size": "01"},
    "vultr2": {"region": "ams", "size": "01"},
    "aws": {"region": "eu-west-1", "size": "01", "disk_size": 20},
    "hetzner": {"region": "fsn1", "size": "01"},
}
LABELS = {
    "ocean2": "DigitalOcean",
    "akamai": "Akamai (Linode)",
    "vultr2": "Vultr",
    "aws": "AWS",
    "hetzner": "Hetzner Cloud",
}


@pytest.fixture(scope="module", params=BACKENDS)
def shipyard(
    request: pytest.FixtureRequest, start_server: ServerFactory, clouds: dict[str, FakeCloud]
) -> ShipyardServer:
    """A Shipyard whose provider base URLs point at the fakes."""
    return start_server(request.param, cloud_env(clouds))


@pytest.fixture
def owner(shipyard: ShipyardServer) -> Account:
    return new_user(shipyard, admin(shipyard))


def add_credential(http: httpx.Client, provider: str, secret: dict[str, str]) -> int:
    response = http.post("/api/v1/credentials", json={"type": provider, "name": provider, **secret})
    assert response.status_code == 201, response.text
    credential_id: int = response.json()["credential"]["id"]
    return credential_id


def create(http: httpx.Client, provider: str, name: str, credential_id: int, **extra: Any) -> dict[str, Any]:
    response = http.post(
        "/api/v1/servers",
        json={
            "provider": provider,
            "name": name,
            "credential_id": credential_id,
            **PLACES[provider],
            **extra,
        },
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["provision_command"] is None and body["server"]["is_ready"] is False
    assert body["server"]["ip_address"] is None and body["server"]["ubuntu_version"] == "24.04"
    return body


def finished(http: httpx.Client, server_id: int) -> dict[str, str]:
    return {e["description"]: e["status"] for e in reversed(events(http, server_id))}


def delete_and_wait(http: httpx.Client, server_id: int) -> None:
    assert http.delete(f"/api/v1/servers/{server_id}").status_code == 204
    wait_until(
        lambda: http.get(f"/api/v1/servers/{server_id}").status_code == 404, 120, "the server to be deleted"
    )


def check_create_request(provider: str, cloud: FakeCloud, machine_id: str, public_key: str) -> None:
    """The provider got the catalogue's size, Ubuntu 24.04 and Shipyard's key the way it takes keys."""
    request = cloud.machines[machine_id].request
    if provider == "ocean2":
        assert request["size"] == "s-1vcpu-1gb" and request["region"] == "ams3"
        assert request["image"] == "ubuntu-24-04-x64" and request["ssh_keys"] == [fingerprint(public_key)]
    elif provider == "akamai":
        assert request["type"] == "g6-nanode-1" and request["image"] == "linode/ubuntu24.04"
        assert request["authorized_keys"] == [public_key] and len(request["root_pass"]) >= 11
    elif provider == "vultr2":
        assert request["plan"] == "vc2-1c-1gb" and request["os_id"] == 2284
        assert cloud.keys[request["sshkey_id"][0]]["ssh_key"] == public_key
    elif provider == "hetzner":
        assert request["server_type"] == "cpx11" and request["location"] == "fsn1"
        assert request["image"] == "ubuntu-24.04" and len(request["ssh_keys"]) == 1
    else:
        assert isinstance(cloud, FakeAws)
        assert request["InstanceType"] == "t3.micro" and request["ImageId"] == "ami-noble2"  # the newest
        assert request["BlockDeviceMapping.1.Ebs.VolumeSize"] == "20"
        assert "disable_root: false" in base64.b64decode(request["UserData"]).decode()
        assert cloud.key_pairs[request["KeyName"]] == public_key and cloud.regions == {"eu-west-1"}
        group = cloud.groups[indexed(request, "SecurityGroupId")[0]]
        assert sorted(port for _, port, _ in group["ports"]) == [22, 80, 443]


@pytest.mark.parametrize("provider", ["ocean2", "aws"])
def test_a_machine_is_created_provisioned_and_deleted(
    shipyard: ShipyardServer, clouds: dict[str, FakeCloud], hosts: HostPool, owner: Account, provider: str
) -> None:
    cloud = clouds[provider]
    with client(shipyard, owner) as http:
        credential_id = add_credential(http, provider, CREDENTIALS[provider])
        created = create(http, provider, f"{provider}-web", credential_id)
        server_id = created["server"]["id"]
        final = wait_ready(http, server_id)
        machine = cloud.machines[final["provider_id"]]
        host = machine.host
        assert host is not None and final["ip_address"] == host.ip
        public_key = http.post(f"/api/v1/servers/{server_id}/reconnect").json()["public_key"]
        check_create_request(provider, cloud, machine.id, public_key)
        label = LABELS[provider]
        assert finished(http, server_id) == {
            f"Creating machine at {label}": "finished",
            "Waiting for the machine's address": "finished",
            "Waiting for SSH": "finished",
            "Gathering facts": "finished",
            "Provisioning server": "finished",
        }
        assert f"{label} created machine {machine.id}" in output_of(
            http, server_id, f"Creating machine at {label}"
        )
        for unit in ("nginx", "php8.2-fpm", "mariadb"):
            assert host.is_active(unit), unit
        assert httpx.get(f"http://{host.ip}/", timeout=10).status_code == 200
        assert public_key in host.run("cat /home/forge/.ssh/authorized_keys").stdout

        delete_and_wait(http, server_id)
    assert len(cloud.deletes(machine.id)) == 1 and machine.deleted
    assert host not in hosts.started  # the fake took the machine down


@pytest.mark.parametrize("provider", ["akamai", "vultr2", "hetzner"])
def test_a_machine_is_created_reached_over_ssh_and_deleted(
    shipyard: ShipyardServer, clouds: dict[str, FakeCloud], hosts: HostPool, owner: Account, provider: str
) -> None:
    cloud = clouds[provider]
    with client(shipyard, owner) as http:
        credential_id = add_credential(http, provider, CREDENTIALS[provider])
        created = create(http, provider, f"{provider}-ssh", credential_id, php_version="php84")
        server_id = created["server"]["id"]
        final = wait_provisioned(http, server_id)
        machine = cloud.machines[final["provider_id"]]
        host = machine.host
        assert host is not None and final["ip_address"] == host.ip
        public_key = http.post(f"/api/v1/servers/{server_id}/reconnect").json()["public_key"]
        check_create_request(provider, cloud, machine.id, public_key)
        steps = finished(http, server_id)
        assert steps["Waiting for SSH"] == "finished" and steps["Gathering facts"] == "finished", steps
        assert f"root@{host.ip} accepts Shipyard's SSH key." in output_of(http, server_id, "Waiting for SSH")
        assert "ID=debian" in output_of(http, server_id, "Gathering facts")  # read on the host over SSH
        assert "php84 is not available" in output_of(http, server_id, "Provisioning server")
        assert final["status"] == "failed"
        assert public_key in host.run("cat /root/.ssh/authorized_keys").stdout

        delete_and_wait(http, server_id)
    assert len(cloud.deletes(machine.id)) == 1 and machine.deleted
    assert host not in hosts.started


@pytest.mark.parametrize("provider", ["ocean2", "akamai", "vultr2", "hetzner", "aws"])
def test_a_refused_credential_is_a_clear_event(
    shipyard: ShipyardServer, clouds: dict[str, FakeCloud], owner: Account, provider: str
) -> None:
    cloud = clouds[provider]
    before = len(cloud.machines)
    with client(shipyard, owner) as http:
        credential_id = add_credential(http, provider, WRONG[provider])
        server_id = create(http, provider, f"{provider}-refused", credential_id)["server"]["id"]
        final = wait_provisioned(http, server_id)
        assert final["status"] == "failed" and final["provider_id"] is None
        description = f"Creating machine at {LABELS[provider]}"
        assert finished(http, server_id) == {description: "failed"}
        reason = output_of(http, server_id, description)
        assert f"{LABELS[provider]} refused" in reason and REFUSALS[provider] in reason, reason
        assert all(secret not in reason for secret in WRONG[provider].values())
        delete_and_wait(http, server_id)  # nothing to delete at the provider
    assert len(cloud.machines) == before


def test_no_address_in_time_then_a_refused_delete_keeps_the_server(
    start_server: ServerFactory, shipyard: ShipyardServer, clouds: dict[str, FakeCloud]
) -> None:
    cloud = clouds["hetzner"]
    impatient = start_server(shipyard.backend, cloud_env(clouds, SHIPYARD_MACHINE_ADDRESS_TIMEOUT="3"))
    with client(impatient, admin(impatient)) as http:
        credential_id = add_credential(http, "hetzner", CREDENTIALS["hetzner"])
        server_id = create(http, "hetzner", WITHHOLD_ADDRESS, credential_id)["server"]["id"]
        final = wait_provisioned(http, server_id)
        machine_id = final["provider_id"]
        assert final["status"] == "failed" and machine_id in cloud.machines and final["ip_address"] is None
        assert output_of(http, server_id, "Waiting for the machine's address") == (
            f"Hetzner Cloud gave machine {machine_id} no public IPv4 address within 3s. "
            "The machine still exists at Hetzner Cloud: delete this server to delete it there."
        )
        cloud.refuse_delete = (403, "insufficient permissions for this request")
        try:
            assert http.delete(f"/api/v1/servers/{server_id}").status_code == 204
            assert server_of(http, server_id)["status"] == "removing"
            event = wait_for_event(http, server_id, "Deleting machine at Hetzner Cloud", timeout=60)
            assert event["status"] == "failed"
            assert output_of(http, server_id, "Deleting machine at Hetzner Cloud") == (
                f"Hetzner Cloud refused DELETE /v1/servers/{machine_id} (403 Forbidden): "
                "insufficient permissions for this request (forbidden). "
                "The server stays in Shipyard: delete it again to retry."
            )
            wait_until(
                lambda: server_of(http, server_id)["status"] == "failed", 30, "the server to be failed"
            )
            assert cloud.live(machine_id) is not None
        finally:
            cloud.refuse_delete = None
        delete_and_wait(http, server_id)
    assert cloud.live(machine_id) is None and len(cloud.deletes(machine_id)) == 2


def test_the_credential_must_be_the_users_own(shipyard: ShipyardServer) -> None:
    boss = admin(shipyard)
    first, second = new_user(shipyard, boss), new_user(shipyard, boss)
    with client(shipyard, first) as http:
        theirs = add_credential(http, "ocean2", CREDENTIALS["ocean2"])
    with client(shipyard, second) as http:
        response = http.post(
            "/api/v1/servers",
            json={"provider": "ocean2", "name": "borrowed", "credential_id": theirs, **PLACES["ocean2"]},
        )
        assert response.status_code == 422
        assert response.json()["errors"] == {"credential_id": ["The credential does not exist."]}
