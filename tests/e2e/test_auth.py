"""Every Forgejo authentication method, token endpoints, OTP, scopes and sudo, over real HTTP."""

from __future__ import annotations

import base64
import sqlite3
import subprocess

import httpx
import pyotp
import pytest

from tests.support.api import Account, client, new_user, token_for
from tests.support.postgres import PostgresCluster
from tests.support.server import ShipyardServer


def _whoami(server: ShipyardServer, **kwargs: object) -> httpx.Response:
    return httpx.get(f"{server.url}/api/v1/user", **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "method", ["bearer", "token-header", "token-query", "access-token-query", "basic-password", "basic-token"]
)
def test_each_auth_method_identifies_the_user(
    server: ShipyardServer, admin_account: Account, method: str
) -> None:
    user = new_user(server, admin_account)
    basic_password = base64.b64encode(f"{user.name}:{user.password}".encode()).decode()
    basic_token = base64.b64encode(f"{user.name}:{user.token}".encode()).decode()
    request = {
        "bearer": {"headers": {"Authorization": f"Bearer {user.token}"}},
        "token-header": {"headers": {"Authorization": f"token {user.token}"}},
        "token-query": {"params": {"token": user.token}},
        "access-token-query": {"params": {"access_token": user.token}},
        "basic-password": {"headers": {"Authorization": f"Basic {basic_password}"}},
        "basic-token": {"headers": {"Authorization": f"Basic {basic_token}"}},
    }[method]
    response = _whoami(server, **request)
    assert response.status_code == 200, response.text
    assert response.json()["user"]["name"] == user.name
    assert response.json()["user"]["email"] == f"{user.name}@example.test"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "token 0000"},
        {"Authorization": "Basic " + base64.b64encode(b"admin:wrong-password").decode()},
        {"Authorization": "Basic " + base64.b64encode(b"nobody-at-all:some-password").decode()},
        {"Authorization": "Basic " + base64.b64encode(b":").decode()},
        {"Authorization": "Basic %%%"},
        {"Authorization": "Digest abc"},
    ],
)
def test_missing_or_bad_credentials_are_401(server: ShipyardServer, headers: dict[str, str]) -> None:
    response = _whoami(server, headers=headers)
    assert response.status_code == 401
    assert response.json()["message"]


def test_token_lifecycle(server: ShipyardServer, admin_account: Account) -> None:
    user = new_user(server, admin_account)
    url = f"{server.url}/api/v1/users/{user.name}/tokens"
    created = httpx.post(
        url, auth=(user.name, user.password), json={"name": "ci", "scopes": ["read:servers"]}
    )
    assert created.status_code == 201
    body = created.json()
    assert set(body) == {"id", "name", "sha1", "token_last_eight", "scopes"}
    assert len(body["sha1"]) == 40 and body["token_last_eight"] == body["sha1"][-8:]
    assert body["scopes"] == ["read:servers"]

    # A token cannot mint tokens: the endpoint wants basic auth with a password.
    assert httpx.post(url, headers=user.headers(), json={"name": "x"}).status_code == 401
    assert httpx.post(url, auth=(user.name, user.token), json={"name": "x"}).status_code == 401
    # A duplicate name is a 422 naming the field, and creates nothing.
    duplicate = httpx.post(url, auth=(user.name, user.password), json={"name": "ci"})
    assert duplicate.status_code == 422 and "name" in duplicate.json()["errors"]

    listed = httpx.get(url, headers=user.headers())
    assert listed.status_code == 200
    assert "ci" in {t["name"] for t in listed.json()}
    assert all(t["sha1"] == "" and len(t["token_last_eight"]) == 8 for t in listed.json())
    assert len(listed.json()) == 2

    # Deleting by name, then by id; a deleted token stops working at once.
    assert httpx.delete(f"{url}/ci", headers=user.headers()).status_code == 204
    assert _whoami(server, headers={"Authorization": f"Bearer {body['sha1']}"}).status_code == 401
    spare = token_for(server, user.name, user.password)
    spare_id = next(
        t["id"]
        for t in httpx.get(url, headers=user.headers()).json()
        if t["name"].startswith("t-") and t["token_last_eight"] == spare[-8:]
    )
    assert httpx.delete(f"{url}/{spare_id}", headers=user.headers()).status_code == 204
    assert _whoami(server, headers={"Authorization": f"Bearer {spare}"}).status_code == 401
    assert httpx.delete(f"{url}/nope", headers=user.headers()).status_code == 404


def test_other_users_tokens_are_not_found(server: ShipyardServer, admin_account: Account) -> None:
    alice, bob = new_user(server, admin_account), new_user(server, admin_account)
    url = f"{server.url}/api/v1/users/{bob.name}/tokens"
    assert httpx.get(url, headers=alice.headers()).status_code == 404
    assert httpx.delete(f"{url}/1", headers=alice.headers()).status_code == 404
    assert httpx.post(url, auth=(alice.name, alice.password), json={"name": "steal"}).status_code == 404
    # The admin may manage anyone's tokens.
    assert httpx.get(url, headers=admin_account.headers()).status_code == 200


def test_two_factor_requires_the_otp_header_for_passwords(
    server: ShipyardServer, admin_account: Account
) -> None:
    user = new_user(server, admin_account)
    uri = server.cli("admin", "otp", "enable", "--user", user.name).stdout.strip()
    totp = pyotp.parse_uri(uri)
    assert isinstance(totp, pyotp.TOTP)
    assert _whoami(server, auth=(user.name, user.password)).status_code == 401
    assert (
        _whoami(server, auth=(user.name, user.password), headers={"X-Shipyard-OTP": "000000"}).status_code
        == 401
    )
    for header in ("X-Shipyard-OTP", "X-Forgejo-OTP"):
        response = _whoami(server, auth=(user.name, user.password), headers={header: totp.now()})
        assert response.status_code == 200, header
        assert response.json()["user"]["2fa_enabled"] is True
    tokens = f"{server.url}/api/v1/users/{user.name}/tokens"
    assert httpx.post(tokens, auth=(user.name, user.password), json={"name": "x"}).status_code == 401
    assert (
        httpx.post(
            tokens, auth=(user.name, user.password), headers={"X-Forgejo-OTP": totp.now()}, json={"name": "x"}
        ).status_code
        == 201
    )
    # Tokens are not second factors' business: they keep working.
    assert _whoami(server, headers=user.headers()).status_code == 200


def _credential(http: httpx.Client) -> httpx.Response:
    return http.post(
        "/api/v1/credentials", json={"type": "hetzner", "name": "h", "api_token": "secret-value"}
    )


def test_scopes_follow_envoyers_rule(server: ShipyardServer, admin_account: Account) -> None:
    user = new_user(server, admin_account)
    with client(server, user) as full:
        existing = _credential(full).json()["credential"]["id"]

    def as_scopes(*scopes: str) -> httpx.Client:
        account = Account(
            user.name, user.password, token_for(server, user.name, user.password, list(scopes)), user.id
        )
        return client(server, account)

    with as_scopes("servers:create") as other:
        assert other.get("/api/v1/credentials").status_code == 200  # any token may GET
        denied = _credential(other)
        assert denied.status_code == 403
        assert "credentials:create" in denied.json()["message"]
        assert other.delete(f"/api/v1/credentials/{existing}").status_code == 403
    with as_scopes("credentials:create") as creator:
        assert _credential(creator).status_code == 201
        refused = creator.delete(f"/api/v1/credentials/{existing}")
        assert refused.status_code == 403 and "credentials:delete" in refused.json()["message"]
    with as_scopes("credentials:delete") as deleter:
        assert deleter.delete(f"/api/v1/credentials/{existing}").status_code == 204
    with as_scopes("write:credentials") as writer:
        created = _credential(writer)
        assert created.status_code == 201
        assert writer.delete(f"/api/v1/credentials/{created.json()['credential']['id']}").status_code == 204
    with as_scopes("read:credentials") as reader:
        assert reader.get("/api/v1/credentials").status_code == 200
        assert _credential(reader).status_code == 403


def test_unknown_scope_is_rejected(server: ShipyardServer, admin_account: Account) -> None:
    user = new_user(server, admin_account)
    response = httpx.post(
        f"{server.url}/api/v1/users/{user.name}/tokens",
        auth=(user.name, user.password),
        json={"name": "bad", "scopes": ["credentials:create", "root:everything"]},
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["scopes.1"]


def test_sudo(server: ShipyardServer, admin_account: Account) -> None:
    user = new_user(server, admin_account)
    other = new_user(server, admin_account)
    by_header = _whoami(server, headers={**admin_account.headers(), "Sudo": user.name})
    assert by_header.status_code == 200 and by_header.json()["user"]["name"] == user.name
    by_query = _whoami(server, headers=admin_account.headers(), params={"sudo": user.name})
    assert by_query.status_code == 200 and by_query.json()["user"]["name"] == user.name
    # A sudo write is done as the user and audited with the admin behind it.
    with client(server, admin_account) as http:
        created = http.post(
            "/api/v1/credentials",
            headers={"Sudo": user.name},
            json={"type": "aws", "name": "k", "key": "AKIA", "secret": "s3cr3t"},
        )
        assert created.status_code == 201
        credential_id = created.json()["credential"]["id"]
        events = http.get("/api/v1/admin/audit", params={"limit": 50}).json()
    event = next(e for e in events if e["subject"] == f"credential:{credential_id}")
    assert event["action"] == "credential.create"
    assert event["user_id"] == user.id and event["sudoer_id"] == 1 and event["token_id"] is not None
    with client(server, user) as http:
        assert http.get(f"/api/v1/credentials/{credential_id}").status_code == 200
    # Not an admin: 403; an unknown user: 404.
    assert _whoami(server, headers={**user.headers(), "Sudo": other.name}).status_code == 403
    assert _whoami(server, headers={**admin_account.headers(), "Sudo": "nobody-here"}).status_code == 404


def test_another_users_resource_is_404(server: ShipyardServer, admin_account: Account) -> None:
    alice, bob = new_user(server, admin_account), new_user(server, admin_account)
    with client(server, alice) as http:
        credential_id = _credential(http).json()["credential"]["id"]
    with client(server, bob) as http:
        assert http.get(f"/api/v1/credentials/{credential_id}").status_code == 404
        assert http.delete(f"/api/v1/credentials/{credential_id}").status_code == 404
        assert http.get(f"/api/v1/credentials/{credential_id + 10_000}").status_code == 404
        assert http.get("/api/v1/credentials").json()["credentials"] == []
    with client(server, alice) as http:
        assert http.get(f"/api/v1/credentials/{credential_id}").status_code == 200


def test_admin_endpoints_need_an_admin(server: ShipyardServer, admin_account: Account) -> None:
    user = new_user(server, admin_account)
    with client(server, user) as http:
        assert http.get("/api/v1/admin/users").status_code == 403
        assert http.get("/api/v1/admin/audit").status_code == 403


def _database_dump(server: ShipyardServer, pg_cluster: PostgresCluster) -> bytes:
    """Everything the database holds, as an operator's backup would see it."""
    if server.backend == "postgres":
        url = server.env["SHIPYARD_DATABASE_URL"].replace("postgresql+asyncpg", "postgresql")
        return subprocess.run(
            [str(pg_cluster.bindir / "pg_dump"), url], capture_output=True, check=True
        ).stdout
    with sqlite3.connect(server.data / "shipyard.db") as conn:
        return "\n".join(conn.iterdump()).encode()


def test_secrets_are_not_stored_in_plaintext(
    server: ShipyardServer, admin_account: Account, pg_cluster: PostgresCluster
) -> None:
    user = new_user(server, admin_account)
    uri = server.cli("admin", "otp", "enable", "--user", user.name).stdout.strip()
    otp_secret = pyotp.parse_uri(uri).secret
    with client(server, user) as http:
        assert _credential(http).status_code == 201
    dump = _database_dump(server, pg_cluster)
    assert f"{user.name}@example.test".encode() in dump  # the dump really holds the user's rows
    for secret in (user.token, user.password, "secret-value", otp_secret):
        assert secret.encode() not in dump
    assert user.token[-8:].encode() in dump  # the last eight are kept on purpose
