"""Databases and database users become real databases, accounts and grants on the server's
MariaDB (the provisioned host) and PostgreSQL (a host provisioned here), checked by logging in."""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.api import Account, client, new_user
from tests.support.forge import Provisioned, events, wait_ready, wait_until
from tests.support.hosts import Host, HostPool
from tests.support.server import ShipyardServer
from tests.support.templates import provisioned_template

# Quotes, a backslash and shell syntax: the password must reach the database server unchanged.
PASSWORD = "p'q\"r\\s $(touch /tmp/pwned) `id`;"
NEW_PASSWORD = "an0ther 'one'\\"


def wait_status(http: httpx.Client, path: str, key: str, status: str) -> dict[str, Any]:
    def check() -> dict[str, Any] | None:
        response = http.get(path)
        assert response.status_code == 200, response.text
        found: dict[str, Any] = response.json()[key]
        assert found["status"] != "failed", found
        return found if found["status"] == status else None

    return wait_until(check, 120, f"{path} to be {status}")  # type: ignore[no-any-return]


def wait_gone(http: httpx.Client, path: str) -> None:
    wait_until(lambda: http.get(path).status_code == 404, 120, f"{path} to be removed")


def mariadb(host: Host, user: str, password: str, database: str, sql: str) -> Any:
    """`mariadb` on the host as a database user, with a password like a person would type it."""
    return host.run(
        f"mariadb -u {shlex.quote(user)} -p{shlex.quote(password)} {shlex.quote(database)} "
        f"-N -e {shlex.quote(sql)} 2>&1",
        check=False,
    )


def psql(host: Host, user: str, password: str, database: str, sql: str) -> Any:
    """`psql` over TCP to 127.0.0.1 with password authentication."""
    return host.run(
        f"PGPASSWORD={shlex.quote(password)} psql -X -q -h 127.0.0.1 -U {shlex.quote(user)} "
        f"-d {shlex.quote(database)} -v ON_ERROR_STOP=1 -At -c {shlex.quote(sql)} 2>&1",
        check=False,
    )


def as_postgres(host: Host, database: str, sql: str) -> str:
    """What `psql` prints when the postgres superuser runs `sql` in `database` on the host."""
    command = f"cd / && runuser -u postgres -- psql -d {shlex.quote(database)} -At -c {shlex.quote(sql)}"
    return host.run(command).stdout.strip()


def database_outputs(http: httpx.Client, server_id: int) -> str:
    """The output of every database action recorded on the server."""
    return "\n".join(
        http.get(f"/api/v1/servers/{server_id}/events/{event['id']}").json()["output"]
        for event in events(http, server_id)
        if "database" in event["description"].lower()
    )


def test_mariadb_databases_users_and_grants(server: ShipyardServer, provisioned: Provisioned) -> None:
    sid, host = provisioned.server_id, provisioned.host
    base = f"/api/v1/servers/{sid}"
    with client(server, provisioned.owner) as http:
        # A database with a user; a second one through the deprecated /mysql alias, named so that
        # an unescaped `_` in a grant on the first would match it.
        created = http.post(
            f"{base}/databases", json={"name": "e2e_shop", "user": "e2e_user", "password": PASSWORD}
        )
        assert created.status_code == 200, created.text
        shop = created.json()["database"]
        assert shop["name"] == "e2e_shop" and shop["status"] == "installing"
        assert set(shop) == {"id", "name", "status", "created_at"}
        other = http.post(f"{base}/mysql", data={"name": "e2eXshop"}).json()["database"]
        taken = http.post(f"{base}/databases", json={"name": "e2e_shop"})
        assert taken.status_code == 422 and "name" in taken.json()["errors"], taken.text

        wait_status(http, f"{base}/databases/{shop['id']}", "database", "installed")
        wait_status(http, f"{base}/mysql/{other['id']}", "database", "installed")
        users = http.get(f"{base}/database-users").json()["users"]
        assert [(u["name"], u["databases"]) for u in users] == [("e2e_user", [shop["id"]])]
        uid = users[0]["id"]
        user = wait_status(http, f"{base}/database-users/{uid}", "user", "installed")
        assert "password" not in user

        # The user works in its database and nowhere else.
        made = mariadb(
            host,
            "e2e_user",
            PASSWORD,
            "e2e_shop",
            "CREATE TABLE t (i INT); INSERT INTO t VALUES (7); SELECT i FROM t",
        )
        assert made.returncode == 0 and made.stdout.strip() == "7", made.stdout
        refused = mariadb(host, "e2e_user", PASSWORD, "e2eXshop", "SELECT 1")
        assert refused.returncode != 0 and "Access denied" in refused.stdout, refused.stdout
        assert mariadb(host, "e2e_user", "wrong", "e2e_shop", "SELECT 1").returncode != 0

        # PUT replaces the grants (through the deprecated alias here): the effect is on the host.
        updated = http.put(f"{base}/mysql-users/{uid}", data={"databases[0]": str(other["id"])})
        assert updated.status_code == 200, updated.text
        assert updated.json()["user"]["databases"] == [other["id"]]
        assert updated.json()["user"]["status"] == "installing"
        wait_status(http, f"{base}/mysql-users/{uid}", "user", "installed")
        assert mariadb(host, "e2e_user", PASSWORD, "e2eXshop", "SELECT 1").returncode == 0
        moved = mariadb(host, "e2e_user", PASSWORD, "e2e_shop", "SELECT i FROM t")
        assert moved.returncode != 0 and "Access denied" in moved.stdout, moved.stdout

        # A second user, granted both databases.
        second = http.post(
            f"{base}/database-users",
            json={"name": "e2e_second", "password": NEW_PASSWORD, "databases": [shop["id"], other["id"]]},
        )
        assert second.status_code == 200, second.text
        second_id = second.json()["user"]["id"]
        assert second.json()["user"]["databases"] == [shop["id"], other["id"]]
        wait_status(http, f"{base}/database-users/{second_id}", "user", "installed")
        assert mariadb(host, "e2e_second", NEW_PASSWORD, "e2e_shop", "SELECT i FROM t").stdout.strip() == "7"
        assert mariadb(host, "e2e_second", NEW_PASSWORD, "e2eXshop", "SELECT 1").returncode == 0

        # Sync imports what was created by hand, and leaves out names it could not manage.
        host.run("mariadb -e 'CREATE DATABASE e2e_by_hand; CREATE DATABASE `e2e-dash`'")
        assert http.post(f"{base}/databases/sync").status_code == 202

        def imported() -> dict[str, Any] | None:
            listed = {d["name"]: d for d in http.get(f"{base}/databases").json()["databases"]}
            return listed.get("e2e_by_hand")

        by_hand = wait_until(imported, 120, "the database made by hand to be imported")
        assert by_hand["status"] == "installed"
        names = [d["name"] for d in http.get(f"{base}/databases").json()["databases"]]
        assert "e2e-dash" not in names and not {"mysql", "sys", "information_schema"} & set(names)
        assert names.count("e2e_shop") == 1

        # Deleting drops on the host: users (and their grants), then databases.
        for path in (f"{base}/database-users/{uid}", f"{base}/mysql-users/{second_id}"):
            assert http.delete(path).status_code == 204
            wait_gone(http, path)
        accounts = host.run("mariadb -N -e \"SELECT COUNT(*) FROM mysql.user WHERE User LIKE 'e2e%'\"")
        assert accounts.stdout.strip() == "0"
        assert mariadb(host, "e2e_second", NEW_PASSWORD, "e2e_shop", "SELECT 1").returncode != 0
        for database in (shop, other, by_hand):
            path = f"{base}/databases/{database['id']}"
            assert http.delete(path).status_code == 204
            wait_gone(http, path)
        left = host.run("mariadb -N -e 'SHOW DATABASES'").stdout.split()
        assert not {"e2e_shop", "e2eXshop", "e2e_by_hand"} & set(left), left
        grants = host.run("mariadb -N -e \"SELECT COUNT(*) FROM mysql.db WHERE Db LIKE 'e2e%'\"")
        assert grants.stdout.strip() == "0"

        # The password never shows: not in responses, not in what ran on the server.
        outputs = database_outputs(http, sid)
        assert "GRANT ALL PRIVILEGES ON `e2e\\_shop`.* TO 'e2e_user'@'localhost';" in outputs
        assert PASSWORD not in outputs and NEW_PASSWORD not in outputs
    host.run("mariadb -e 'DROP DATABASE `e2e-dash`'")
    assert host.run("test -e /tmp/pwned", check=False).returncode != 0


BAD_DATABASES: list[dict[str, Any]] = [
    {"name": "x; DROP DATABASE app"},
    {"name": "a`b"},
    {"name": "a'b"},
    {"name": "$(touch /tmp/pwned)"},
    {"name": "e2e\nname"},
    {"name": "mysql"},
    {"name": "information_schema"},
    {"name": "x" * 65},
    {"name": ""},
    {"name": "e2e_ok", "user": "u'; DROP USER root; --", "password": "x"},
    {"name": "e2e_ok", "user": "e2e_nopass"},
    {"name": "e2e_ok", "user": "root", "password": "x"},
    {"name": "e2e_ok", "user": "e2e_user", "password": "one\ntwo"},
]
BAD_USERS: list[dict[str, Any]] = [
    {"name": "a'b", "password": "x"},
    {"name": "forge", "password": "x"},
    {"name": "root", "password": "x"},
    {"name": "u" * 33, "password": "x"},
    {"name": "e2e_u", "password": ""},
    {"name": "e2e_u", "password": "x", "databases": [2147483000]},
    {"name": "e2e_u", "password": "x", "databases": ["1; DROP"]},
]


def test_bad_names_and_injections_are_refused_and_nothing_runs(
    server: ShipyardServer, provisioned: Provisioned
) -> None:
    sid, host = provisioned.server_id, provisioned.host
    base = f"/api/v1/servers/{sid}"
    with client(server, provisioned.owner) as http:
        before = len(events(http, sid))
        listed = http.get(f"{base}/databases").json()["databases"]
        for body in BAD_DATABASES:
            response = http.post(f"{base}/databases", json=body)
            assert response.status_code == 422, (body, response.text)
        for body in BAD_USERS:
            response = http.post(f"{base}/database-users", json=body)
            assert response.status_code == 422, (body, response.text)
        assert http.put(f"{base}/database-users/2147483000", json={"databases": []}).status_code == 404
        assert http.get(f"{base}/databases").json()["databases"] == listed
        assert http.get(f"{base}/database-users").json()["users"] == []
        assert len(events(http, sid)) == before
    assert host.run("test -e /tmp/pwned", check=False).returncode != 0
    assert "e2e_ok" not in host.run("mariadb -N -e 'SHOW DATABASES'").stdout


def test_another_users_server_is_not_found(
    server: ShipyardServer, admin_account: Account, provisioned: Provisioned
) -> None:
    stranger = new_user(server, admin_account)
    base = f"/api/v1/servers/{provisioned.server_id}"
    with client(server, stranger) as http:
        assert http.get(f"{base}/databases").status_code == 404
        assert http.post(f"{base}/databases", json={"name": "e2e_theirs"}).status_code == 404
        assert http.post(f"{base}/databases/sync").status_code == 404
        assert http.get(f"{base}/mysql-users").status_code == 404


@pytest.fixture(scope="module")
def postgres_host(server: ShipyardServer, admin_account: Account, hosts: HostPool) -> Iterator[Provisioned]:
    """One host provisioned with PostgreSQL for this module (per backend); removed afterwards."""
    owner = new_user(server, admin_account)
    host = hosts.up(template=provisioned_template(hosts, "postgres"))
    with client(server, owner) as http:
        created = http.post(
            "/api/v1/servers",
            json={
                "provider": "custom",
                "name": "pg-1",
                "ip_address": host.ip,
                "database_type": "postgres",
                "database": "app",
                "root_private_key": hosts.root_key(),
            },
        )
        assert created.status_code == 200, created.text
        body = created.json()
        wait_ready(http, body["server"]["id"])
    yield Provisioned(owner, host, body)
    with client(server, owner) as http:
        http.delete(f"/api/v1/servers/{body['server']['id']}")
    hosts.down(host)


def test_postgres_databases_users_and_grants(server: ShipyardServer, postgres_host: Provisioned) -> None:
    sid, host = postgres_host.server_id, postgres_host.host
    base = f"/api/v1/servers/{sid}"
    with client(server, postgres_host.owner) as http:
        shop = http.post(
            f"{base}/databases", json={"name": "e2e_shop", "user": "e2e_user", "password": PASSWORD}
        ).json()["database"]
        other = http.post(f"{base}/databases", json={"name": "e2e_other"}).json()["database"]
        too_long = http.post(f"{base}/databases", json={"name": "d" * 64})
        assert too_long.status_code == 422 and "63" in too_long.text, too_long.text
        wait_status(http, f"{base}/databases/{shop['id']}", "database", "installed")
        wait_status(http, f"{base}/databases/{other['id']}", "database", "installed")
        uid = http.get(f"{base}/database-users").json()["users"][0]["id"]
        wait_status(http, f"{base}/database-users/{uid}", "user", "installed")

        made = psql(
            host,
            "e2e_user",
            PASSWORD,
            "e2e_shop",
            "CREATE TABLE t (i int); INSERT INTO t VALUES (7); SELECT i FROM t",
        )
        assert made.returncode == 0 and made.stdout.strip() == "7", made.stdout
        refused = psql(host, "e2e_user", PASSWORD, "e2e_other", "SELECT 1")
        assert refused.returncode != 0 and "CONNECT privilege" in refused.stdout, refused.stdout
        # Not the provisioned database either, whatever PUBLIC may do there: not a superuser.
        assert (
            psql(
                host,
                "e2e_user",
                PASSWORD,
                "e2e_shop",
                "SELECT rolsuper FROM pg_roles WHERE rolname = current_user",
            ).stdout.strip()
            == "f"
        )

        updated = http.put(f"{base}/database-users/{uid}", json={"databases": [other["id"]]})
        assert updated.status_code == 200 and updated.json()["user"]["databases"] == [other["id"]]
        wait_status(http, f"{base}/database-users/{uid}", "user", "installed")
        assert psql(host, "e2e_user", PASSWORD, "e2e_other", "CREATE TABLE u (i int)").returncode == 0
        moved = psql(host, "e2e_user", PASSWORD, "e2e_shop", "SELECT 1")
        assert moved.returncode != 0 and "CONNECT privilege" in moved.stdout, moved.stdout

        as_postgres(host, "postgres", "CREATE DATABASE e2e_by_hand")
        assert http.post(f"{base}/databases/sync").status_code == 202

        def imported() -> dict[str, Any] | None:
            listed = {d["name"]: d for d in http.get(f"{base}/databases").json()["databases"]}
            return listed.get("e2e_by_hand")

        by_hand = wait_until(imported, 120, "the database made by hand to be imported")
        names = {d["name"] for d in http.get(f"{base}/databases").json()["databases"]}
        assert "app" in names and not {"postgres", "template0", "template1"} & names, names

        # Dropping the user keeps what it made (owned by the database's owner now), then the databases go.
        assert http.delete(f"{base}/database-users/{uid}").status_code == 204
        wait_gone(http, f"{base}/database-users/{uid}")
        assert (
            as_postgres(host, "postgres", "SELECT count(*) FROM pg_roles WHERE rolname = 'e2e_user'") == "0"
        )
        owner = as_postgres(host, "e2e_other", "SELECT tableowner FROM pg_tables WHERE tablename = 'u'")
        assert owner == "postgres"
        for database in (shop, other, by_hand):
            assert http.delete(f"{base}/databases/{database['id']}").status_code == 204
            wait_gone(http, f"{base}/databases/{database['id']}")
        left = as_postgres(host, "postgres", "SELECT datname FROM pg_database").split()
        assert not {"e2e_shop", "e2e_other", "e2e_by_hand"} & set(left), left
        outputs = database_outputs(http, sid)
        assert PASSWORD not in outputs
