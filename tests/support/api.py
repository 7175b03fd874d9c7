"""Small helpers for talking to a test server the way API users do."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import httpx

from tests.support.server import ShipyardServer


@dataclass
class Account:
    name: str
    password: str
    token: str
    id: int

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}


def client(server: ShipyardServer, account: Account | None = None) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers=account.headers() if account else {}, timeout=30)


def token_for(server: ShipyardServer, name: str, password: str, scopes: list[str] | None = None) -> str:
    response = httpx.post(
        f"{server.url}/api/v1/users/{name}/tokens",
        auth=(name, password),
        json={"name": "t-" + secrets.token_hex(4), "scopes": scopes or []},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["sha1"])


def admin(server: ShipyardServer) -> Account:
    password = server.admin_password
    token = token_for(server, "admin", password)
    return Account("admin", password, token, 1)


def new_user(server: ShipyardServer, admin_account: Account, *, is_admin: bool = False) -> Account:
    """A fresh user with a full-access token, created through the admin API."""
    name = "u" + secrets.token_hex(5)
    password = secrets.token_urlsafe(12)
    response = httpx.post(
        f"{server.url}/api/v1/admin/users",
        headers=admin_account.headers(),
        json={"username": name, "email": f"{name}@example.test", "password": password, "admin": is_admin},
    )
    assert response.status_code == 201, response.text
    return Account(name, password, token_for(server, name, password), response.json()["id"])
