"""SSH keys become lines in a user's authorized_keys on the provisioned host, and really let you in."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path
from typing import Any

import httpx

from tests.support.api import Account, client, new_user
from tests.support.forge import Provisioned, output_of, wait_until
from tests.support.server import ShipyardServer

AUTHORIZED = "/home/forge/.ssh/authorized_keys"
# A valid key comment that would run something if it ever reached a shell unquoted.
HOSTILE_COMMENT = "e2e $(touch /tmp/pwned) `touch /tmp/pwned`; touch /tmp/pwned"


def keypair(directory: Path, name: str, comment: str) -> tuple[Path, str]:
    """A fresh ed25519 key pair: the private key file and the public key line."""
    private = directory / name
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(private)], check=True
    )
    return private, private.with_suffix(".pub").read_text().strip()


def logs_in(private: Path, user: str, ip: str) -> bool:
    done = subprocess.run(
        [
            "ssh",
            "-i",
            str(private),
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "BatchMode=yes",
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "LogLevel=ERROR",
            "-o",
            "ConnectTimeout=5",
            f"{user}@{ip}",
            "true",
        ],
        capture_output=True,
        timeout=30,
    )
    return done.returncode == 0


def key_of(http: httpx.Client, server_id: int, key_id: int) -> dict[str, Any]:
    response = http.get(f"/api/v1/servers/{server_id}/keys/{key_id}")
    assert response.status_code == 200, response.text
    key: dict[str, Any] = response.json()["key"]
    return key


def wait_status(http: httpx.Client, server_id: int, key_id: int, status: str) -> None:
    wait_until(
        lambda: key_of(http, server_id, key_id)["status"] == status, 120, f"key {key_id} to be {status}"
    )


def wait_gone(http: httpx.Client, server_id: int, key_id: int) -> None:
    wait_until(
        lambda: http.get(f"/api/v1/servers/{server_id}/keys/{key_id}").status_code == 404,
        120,
        f"key {key_id} to be removed",
    )


def test_key_lifecycle(server: ShipyardServer, provisioned: Provisioned, tmp_path: Path) -> None:
    sid, host = provisioned.server_id, provisioned.host
    base = f"/api/v1/servers/{sid}/keys"
    private, public = keypair(tmp_path, "laptop", HOSTILE_COMMENT)
    by_hand, by_hand_public = keypair(tmp_path, "by-hand", "added by hand")
    host.run(f"printf '%s\\n' {shlex.quote(by_hand_public)} >> {AUTHORIZED}")
    before = host.run(f"cat {AUTHORIZED}").stdout
    assert not logs_in(private, "forge", host.ip)
    try:
        with client(server, provisioned.owner) as http:
            # Form body, as the Forge SDK sends it; the username defaults to forge.
            created = http.post(base, data={"name": "laptop", "key": public + "\n"})
            assert created.status_code == 200, created.text
            key = created.json()["key"]
            assert set(key) == {"id", "name", "username", "status", "created_at"}  # no key material
            assert key["username"] == "forge" and key["status"] == "installing"
            wait_status(http, sid, key["id"], "installed")
            assert logs_in(private, "forge", host.ip)
            lines = host.run(f"cat {AUTHORIZED}").stdout
            assert lines == before + f"# shipyard-key-{key['id']}\n{public}\n"

            duplicate = http.post(base, json={"name": "again", "key": public})
            assert duplicate.status_code == 422 and "key" in duplicate.json()["errors"], duplicate.text
            assert [k["id"] for k in http.get(base).json()["keys"]] == [key["id"]]

            assert http.delete(f"{base}/{key['id']}").status_code == 204
            wait_gone(http, sid, key["id"])
        assert not logs_in(private, "forge", host.ip)
        assert logs_in(by_hand, "forge", host.ip)  # the line Shipyard did not write stays
        assert host.run(f"cat {AUTHORIZED}").stdout == before
        assert host.run(f"stat -c '%U %a' {AUTHORIZED}").stdout.strip() == "forge 600"
    finally:
        host.run(
            f"grep -vxF {shlex.quote(by_hand_public)} {AUTHORIZED} > /tmp/ak; cat /tmp/ak > {AUTHORIZED}"
        )
    assert host.run("test -e /tmp/pwned", check=False).returncode != 0


def test_a_key_for_a_missing_user_is_failed(
    server: ShipyardServer, provisioned: Provisioned, tmp_path: Path
) -> None:
    sid = provisioned.server_id
    _, public = keypair(tmp_path, "k", "missing user")
    with client(server, provisioned.owner) as http:
        created = http.post(
            f"/api/v1/servers/{sid}/keys", json={"name": "k", "key": public, "username": "nosuchuser"}
        )
        assert created.status_code == 200, created.text
        kid = created.json()["key"]["id"]
        wait_status(http, sid, kid, "failed")
        output = output_of(http, sid, f"Installing SSH key {kid}")
        assert "the user nosuchuser does not exist on this server" in output
        assert http.delete(f"/api/v1/servers/{sid}/keys/{kid}").status_code == 204
        wait_gone(http, sid, kid)


def test_key_input_is_validated(server: ShipyardServer, provisioned: Provisioned, tmp_path: Path) -> None:
    sid = provisioned.server_id
    base = f"/api/v1/servers/{sid}/keys"
    _, public = keypair(tmp_path, "k", "k")
    _, other = keypair(tmp_path, "k2", "k2")
    kind, data = public.split()[:2]
    with client(server, provisioned.owner) as http:
        before = http.get(base).json()["keys"]
        for field, value in [
            ("name", "x\ntouch /tmp/pwned"),
            ("key", f"{public}\n{other}"),
            ("key", f"{public}\rtouch /tmp/pwned"),
            ("key", f'command="touch /tmp/pwned" {public}'),
            ("key", f"{kind} $(touch /tmp/pwned)"),
            ("key", f"{kind} `touch /tmp/pwned`"),
            ("key", f"{kind} {data[:-8]}"),
            ("key", public.replace("ssh-ed25519", "ssh-rsa")),
            ("key", "not a key"),
            ("username", "forge; touch /tmp/pwned"),
            ("username", "$(touch /tmp/pwned)"),
            ("username", "`touch /tmp/pwned`"),
            ("username", "forge\ntouch /tmp/pwned"),
            ("username", "Root"),
        ]:
            body: dict[str, Any] = {"name": "k", "key": public, field: value}
            response = http.post(base, json=body)
            assert response.status_code == 422 and field in response.json()["errors"], (
                field,
                value,
                response.text,
            )
        assert http.get(base).json()["keys"] == before
    assert provisioned.host.run("test -e /tmp/pwned", check=False).returncode != 0


def test_another_users_server_is_not_found(
    server: ShipyardServer, admin_account: Account, provisioned: Provisioned, tmp_path: Path
) -> None:
    sid = provisioned.server_id
    base = f"/api/v1/servers/{sid}/keys"
    _, public = keypair(tmp_path, "k", "k")
    stranger = new_user(server, admin_account)
    with client(server, provisioned.owner) as http:
        key = http.post(base, json={"name": "mine", "key": public}).json()["key"]
    with client(server, stranger) as http:
        for method, path in [
            ("GET", ""),
            ("POST", ""),
            ("GET", f"/{key['id']}"),
            ("DELETE", f"/{key['id']}"),
        ]:
            response = http.request(method, base + path, json={"name": "x", "key": public})
            assert response.status_code == 404, (method, path, response.text)
    with client(server, provisioned.owner) as http:
        wait_status(http, sid, key["id"], "installed")
        assert http.delete(f"{base}/{key['id']}").status_code == 204
        wait_gone(http, sid, key["id"])
