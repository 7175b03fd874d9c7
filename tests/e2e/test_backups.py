"""Backups: Shipyard dumps a real host's MariaDB (and PostgreSQL) databases, copies the archive
over SSH and uploads it to a local S3 (moto's server, with IAM authentication on), restores it
into the database, keeps `retention` archives, runs on schedule, and refuses wrong keys."""

from __future__ import annotations

import re
import secrets
import shlex
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import ServerFactory, smtp_env
from tests.support.api import Account, admin, client, new_user
from tests.support.forge import Provisioned, events, output_of, wait_for_event, wait_ready, wait_until
from tests.support.hosts import Host, HostPool
from tests.support.s3 import LocalS3
from tests.support.server import ShipyardServer
from tests.support.smtp import MailSink
from tests.support.templates import provisioned_template

STAMP = r"\d{14}"
DATE = re.compile(r"^\d{1,2}(st|nd|rd|th) [A-Z][a-z]{2} \d{2}:\d{2} (AM|PM)\Z")


@pytest.fixture(scope="session")
def s3() -> Iterator[LocalS3]:
    """Once per test process: moto's accounts and its auth switch are global to the process, so a
    second LocalS3 (when pytest re-creates a module fixture around the backend parameter) would
    start with authentication already on and could not make its user."""
    storage = LocalS3().start()
    yield storage
    storage.stop()


def config_body(s3: LocalS3, bucket: str, databases: list[int], **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "provider": "custom",
        "credentials": {
            "endpoint": s3.endpoint,
            "region": "us-east-1",
            "bucket": bucket,
            "access_key": s3.access_key,
            "secret_key": s3.secret_key,
        },
        "frequency": {"type": "weekly", "time": "03:00", "day": 0},
        "directory": "e2e/db",
        "email": f"backups-{secrets.token_hex(4)}@example.test",
        "retention": 3,
        "databases": databases,
    }
    return body | changes


def get_config(http: httpx.Client, base: str, config_id: int) -> dict[str, Any]:
    response = http.get(f"{base}/backup-configs/{config_id}")
    assert response.status_code == 200, response.text
    config: dict[str, Any] = response.json()["backup"]
    return config


def wait_config(http: httpx.Client, base: str, config_id: int, status: str) -> dict[str, Any]:
    return wait_until(  # type: ignore[no-any-return]
        lambda: (c := get_config(http, base, config_id))["status"] == status and c,
        120,
        f"backup configuration {config_id} to be {status}",
    )


def wait_backups(
    http: httpx.Client, base: str, config_id: int, done: Callable[[list[dict[str, Any]]], bool], what: str
) -> list[dict[str, Any]]:
    """The configuration's backups (newest first) once `done` holds for them."""

    def check() -> tuple[list[dict[str, Any]]] | None:
        backups: list[dict[str, Any]] = get_config(http, base, config_id)["backups"]
        return (backups,) if done(backups) else None  # a tuple: an empty list is an answer too

    found: list[dict[str, Any]] = wait_until(check, 180, what)[0]
    return found


def finished(backups: list[dict[str, Any]], count: int) -> bool:
    """`count` runs ended, none running; a failed one fails the test at once."""
    assert all(b["status"] != "failed" for b in backups), backups
    return sum(b["status"] == "success" for b in backups) >= count and all(
        b["status"] != "running" for b in backups
    )


def create_database(http: httpx.Client, base: str, name: str) -> dict[str, Any]:
    created = http.post(f"{base}/databases", json={"name": name})
    assert created.status_code == 200, created.text
    database: dict[str, Any] = created.json()["database"]
    wait_until(
        lambda: http.get(f"{base}/databases/{database['id']}").json()["database"]["status"] == "installed",
        120,
        f"database {name}",
    )
    return database


def drop_database(http: httpx.Client, base: str, database_id: int) -> None:
    assert http.delete(f"{base}/databases/{database_id}").status_code == 204
    wait_until(
        lambda: http.get(f"{base}/databases/{database_id}").status_code == 404, 120, "the database to go"
    )


def mariadb(host: Host, database: str, sql: str) -> str:
    return host.run(f"mariadb -N -B {shlex.quote(database)} -e {shlex.quote(sql)}").stdout.strip()


def all_outputs(http: httpx.Client, server_id: int) -> str:
    return "\n".join(
        http.get(f"/api/v1/servers/{server_id}/events/{event['id']}").json()["output"]
        for event in events(http, server_id)
    )


def leftovers(host: Host) -> str:
    return host.run("ls -A /var/tmp/shipyard-backups 2>/dev/null || true").stdout.strip()


def test_backup_restore_retention_and_delete_on_mariadb(
    server: ShipyardServer, provisioned: Provisioned, s3: LocalS3
) -> None:
    sid, host = provisioned.server_id, provisioned.host
    base = f"/api/v1/servers/{sid}"
    bucket = s3.new_bucket()
    with client(server, provisioned.owner) as http:
        database = create_database(http, base, "e2e_backup")
        try:
            mariadb(
                host,
                "e2e_backup",
                "CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(32));"
                "INSERT INTO items VALUES (1, 'anchor'), (2, 'rope')",
            )
            created = http.post(
                f"{base}/backup-configs", json=config_body(s3, bucket, [database["id"]], retention=1)
            )
            assert created.status_code == 200, created.text
            config = created.json()["backup"]
            assert s3.secret_key not in created.text and s3.access_key not in created.text
            assert config["status"] == "installing" and config["provider"] == "custom"
            assert config["provider_name"] == "Custom (S3 Compatible)"
            assert (config["day_of_week"], config["time"], config["frequency"]) == (0, "03:00", "weekly")
            assert config["databases"] == [
                {k: database[k] for k in ("id", "name", "created_at")} | {"status": "installed"}
            ]
            assert config["backups"] == [] and config["last_backup_time"] is None
            cid = config["id"]
            wait_config(http, base, cid, "installed")
            check = output_of(http, sid, f"Checking backup storage (configuration {cid})")
            assert f"bucket {bucket} at {s3.endpoint}" in check

            # A run: the archive is in the bucket and holds the table and its rows.
            ran = http.post(f"{base}/backup-configs/{cid}")
            assert ran.status_code == 200, ran.text
            first = wait_backups(http, base, cid, lambda b: finished(b, 1), "the first backup")[0]
            key_pattern = rf"e2e/db/backup-{cid}-{STAMP}\.tar\.gz"
            assert re.fullmatch(rf"s3://{bucket}/{key_pattern}", first["archive_path"]), first
            assert first["backup_id"] == cid and first["restore_status"] is None
            assert isinstance(first["duration"], int) and first["duration"] >= 0
            assert DATE.match(first["date"]), first["date"]
            assert first["size"] > 0
            config = get_config(http, base, cid)
            assert config["last_backup_time"].endswith(" ago"), config
            key = first["archive_path"].removeprefix(f"s3://{bucket}/")
            assert s3.keys(bucket) == [key]
            members = s3.archive(bucket, key)
            assert list(members) == ["e2e_backup.sql"]
            assert "CREATE TABLE `items`" in members["e2e_backup.sql"]
            assert "INSERT INTO `items` VALUES" in members["e2e_backup.sql"]
            assert "(1,'anchor')" in members["e2e_backup.sql"] and "(2,'rope')" in members["e2e_backup.sql"]
            assert leftovers(host) == ""
            dumped = output_of(http, sid, f"Backing up databases (backup {first['id']})")
            assert "==> Dumping database e2e_backup" in dumped
            stored = output_of(http, sid, f"Storing backup {first['id']}")
            assert f"Uploaded {first['archive_path']}" in stored

            # Restore into the database named in the payload: the deleted row is back.
            mariadb(host, "e2e_backup", "DELETE FROM items WHERE id = 1")
            restored = http.post(
                f"{base}/backup-configs/{cid}/backups/{first['id']}", json={"database": database["id"]}
            )
            assert restored.status_code == 200, restored.text
            assert restored.json()["backup"]["backups"][0]["restore_status"] == "restoring"
            wait_backups(http, base, cid, lambda b: b[0]["restore_status"] == "restored", "the restore")
            assert (
                mariadb(host, "e2e_backup", "SELECT id, name FROM items ORDER BY id") == "1\tanchor\n2\trope"
            )
            # Without a payload (as the SDK posts it) the configuration's first database is restored.
            mariadb(host, "e2e_backup", "DROP TABLE items")
            again = http.post(
                f"{base}/backup-configs/{cid}/backups/{first['id']}",
                content=b"",
                headers={"Content-Type": "application/json"},
            )
            assert again.status_code == 200, again.text
            wait_backups(
                http, base, cid, lambda b: b[0]["restore_status"] == "restored", "the second restore"
            )
            assert mariadb(host, "e2e_backup", "SELECT COUNT(*) FROM items") == "2"
            assert leftovers(host) == ""

            # Retention 1: a second run leaves its own archive only.
            mariadb(host, "e2e_backup", "INSERT INTO items VALUES (3, 'sail')")
            assert http.post(f"{base}/backup-configs/{cid}").status_code == 200
            backups = wait_backups(
                http,
                base,
                cid,
                lambda b: len(b) == 1 and b[0]["id"] != first["id"] and finished(b, 1),
                "retention",
            )
            second = backups[0]
            second_key = second["archive_path"].removeprefix(f"s3://{bucket}/")
            assert s3.keys(bucket) == [second_key] and second_key != key
            assert "(3,'sail')" in s3.archive(bucket, second_key)["e2e_backup.sql"]
            retention = output_of(http, sid, f"Applying backup retention (configuration {cid})")
            assert f"Deleted backup {first['id']} ({first['archive_path']})" in retention

            # Deleting a backup deletes its archive; deleting the configuration keeps the others.
            assert http.delete(f"{base}/backup-configs/{cid}/backups/{second['id']}").status_code == 204
            wait_backups(http, base, cid, lambda b: b == [], "the backup to be deleted")
            assert s3.keys(bucket) == []
            assert http.post(f"{base}/backup-configs/{cid}").status_code == 200
            third = wait_backups(http, base, cid, lambda b: finished(b, 1), "a third backup")[0]
            assert http.delete(f"{base}/backup-configs/{cid}").status_code == 204
            assert http.get(f"{base}/backup-configs/{cid}").status_code == 404
            assert cid not in [c["id"] for c in http.get(f"{base}/backup-configs").json()["backups"]]
            assert s3.keys(bucket) == [third["archive_path"].removeprefix(f"s3://{bucket}/")]

            # The keys never show in what ran on the server.
            outputs = all_outputs(http, sid)
            assert s3.secret_key not in outputs and s3.access_key not in outputs
        finally:
            drop_database(http, base, database["id"])
            s3.empty(bucket)


def test_wrong_keys_fail_the_configuration_and_a_failed_run_is_mailed(
    server: ShipyardServer, provisioned: Provisioned, s3: LocalS3, mail_sink: MailSink
) -> None:
    sid, host = provisioned.server_id, provisioned.host
    base = f"/api/v1/servers/{sid}"
    bucket = s3.new_bucket()
    wrong_secret = "wrong" + secrets.token_hex(16)
    with client(server, provisioned.owner) as http:
        database = create_database(http, base, "e2e_backup_fail")
        try:
            cases = {
                "SignatureDoesNotMatch": {"access_key": s3.access_key, "secret_key": wrong_secret},
                "InvalidAccessKeyId": {
                    "access_key": "AKIA" + secrets.token_hex(8).upper(),
                    "secret_key": wrong_secret,
                },
                "NoSuchBucket": {"bucket": "e2e-no-such-bucket"},
            }
            for code, credentials in cases.items():
                body = config_body(s3, bucket, [database["id"]])
                body["credentials"] |= credentials
                created = http.post(f"{base}/backup-configs", json=body)
                assert created.status_code == 200, created.text
                cid = created.json()["backup"]["id"]
                wait_config(http, base, cid, "failed")
                description = f"Checking backup storage (configuration {cid})"
                assert wait_for_event(http, sid, description)["status"] == "failed"
                reason = output_of(http, sid, description)
                assert "Custom (S3 Compatible) refused PutObject on bucket" in reason and code in reason, (
                    reason
                )
                assert wrong_secret not in reason and s3.secret_key not in reason
                refused = http.post(f"{base}/backup-configs/{cid}")
                assert refused.status_code == 400 and "failed" in refused.json()["message"], refused.text
                assert http.delete(f"{base}/backup-configs/{cid}").status_code == 204

            # Corrected keys (an update) install it; a run whose bucket is gone fails and is mailed.
            body = config_body(s3, bucket, [database["id"]])
            body["credentials"]["secret_key"] = wrong_secret
            cid = http.post(f"{base}/backup-configs", json=body).json()["backup"]["id"]
            wait_config(http, base, cid, "failed")
            updated = http.put(f"{base}/backup-configs/{cid}", json=config_body(s3, bucket, [database["id"]]))
            assert updated.status_code == 200 and updated.json()["backup"]["status"] == "updating", (
                updated.text
            )
            email = wait_config(http, base, cid, "installed")["email"]
            s3.empty(bucket)
            assert http.post(f"{base}/backup-configs/{cid}").status_code == 200
            failed = wait_backups(
                http, base, cid, lambda b: bool(b) and b[0]["status"] == "failed", "the run to fail"
            )[0]
            stored = wait_for_event(http, sid, f"Storing backup {failed['id']}")
            assert stored["status"] == "failed"
            assert "NoSuchBucket" in output_of(http, sid, f"Storing backup {failed['id']}")
            mail = mail_sink.wait_for(email, 1)[0]
            assert mail.subject == "Backup of web-1 failed"
            assert f"The backup {failed['id']} of backup configuration {cid}" in mail.body
            assert "NoSuchBucket" in mail.body and s3.secret_key not in mail.body
            assert leftovers(host) == ""
            assert http.delete(f"{base}/backup-configs/{cid}").status_code == 204
            outputs = all_outputs(http, sid)
            assert wrong_secret not in outputs and s3.secret_key not in outputs
        finally:
            drop_database(http, base, database["id"])


def test_a_custom_schedule_runs_by_itself(
    server: ShipyardServer, provisioned: Provisioned, s3: LocalS3
) -> None:
    sid = provisioned.server_id
    base = f"/api/v1/servers/{sid}"
    bucket = s3.new_bucket()
    with client(server, provisioned.owner) as http:
        database = create_database(http, base, "e2e_backup_cron")
        try:
            body = config_body(
                s3, bucket, [database["id"]], frequency={"type": "custom", "custom": "* * * * *"}
            )
            created = http.post(f"{base}/backup-configs", json=body)
            assert created.status_code == 200, created.text
            config = created.json()["backup"]
            assert config["frequency"] == "custom" and config["custom"] == "* * * * *"
            assert config["next_run_at"].endswith(":00"), config["next_run_at"]
            cid = config["id"]
            wait_config(http, base, cid, "installed")
            # Nobody runs it: the schedule does, within a minute and a tick.
            scheduled = wait_backups(http, base, cid, lambda b: finished(b, 1), "a scheduled backup")[0]
            assert s3.keys(bucket) == [scheduled["archive_path"].removeprefix(f"s3://{bucket}/")]
            assert http.delete(f"{base}/backup-configs/{cid}").status_code == 204
        finally:
            drop_database(http, base, database["id"])
            s3.empty(bucket)


BAD_CONFIGS: list[tuple[dict[str, Any], str]] = [
    ({"provider": "dropbox"}, "provider"),
    ({"frequency": {"type": "yearly"}}, "frequency.type"),
    ({"frequency": {"type": "daily"}}, "frequency.time"),
    ({"frequency": {"type": "weekly", "time": "25:00", "day": 1}}, "frequency.time"),
    ({"frequency": {"type": "weekly", "time": "12:00", "day": 9}}, "frequency.day"),
    ({"frequency": {"type": "custom", "custom": "* * * * * rm -rf /"}}, "frequency.custom"),
    ({"retention": 0}, "retention"),
    ({"directory": "../../etc"}, "directory"),
    ({"email": "nobody"}, "email"),
    ({"databases": [2147483000]}, "databases.0"),
    ({"databases": []}, "databases"),
]


def test_bad_payloads_are_422_naming_the_field_and_strangers_get_404(
    server: ShipyardServer, admin_account: Account, provisioned: Provisioned, s3: LocalS3
) -> None:
    base = f"/api/v1/servers/{provisioned.server_id}"
    with client(server, provisioned.owner) as http:
        database = create_database(http, base, "e2e_backup_422")
        try:
            before = http.get(f"{base}/backup-configs").json()["backups"]
            for changes, field in BAD_CONFIGS:
                body = config_body(s3, "e2e-bucket", [database["id"]]) | changes
                response = http.post(f"{base}/backup-configs", json=body)
                assert response.status_code == 422, (changes, response.text)
                assert field in response.json()["errors"], (changes, response.json())
            for credentials, field in (
                ({"bucket": "Not_A_Bucket"}, "credentials.bucket"),
                ({"endpoint": None}, "credentials.endpoint"),
                ({"endpoint": "file:///etc/passwd"}, "credentials.endpoint"),
                ({"secret_key": ""}, "credentials.secret_key"),
            ):
                body = config_body(s3, "e2e-bucket", [database["id"]])
                body["credentials"] |= credentials
                response = http.post(f"{base}/backup-configs", json=body)
                assert response.status_code == 422 and field in response.json()["errors"], response.text
            assert http.get(f"{base}/backup-configs").json()["backups"] == before

            created = http.post(
                f"{base}/backup-configs", json=config_body(s3, "e2e-bucket", [database["id"]])
            )
            cid = created.json()["backup"]["id"]
            stranger = new_user(server, admin_account)
            with client(server, stranger) as other:
                assert other.get(f"{base}/backup-configs").status_code == 404
                assert other.get(f"{base}/backup-configs/{cid}").status_code == 404
                assert other.post(f"{base}/backup-configs/{cid}").status_code == 404
                assert (
                    other.put(
                        f"{base}/backup-configs/{cid}", json=config_body(s3, "e2e-bucket", [database["id"]])
                    ).status_code
                    == 404
                )
                assert other.post(f"{base}/backup-configs/{cid}/backups/1").status_code == 404
                assert other.delete(f"{base}/backup-configs/{cid}/backups/1").status_code == 404
                assert other.delete(f"{base}/backup-configs/{cid}").status_code == 404
            assert http.delete(f"{base}/backup-configs/{cid}/backups/2147483000").status_code == 404
            assert http.delete(f"{base}/backup-configs/{cid}").status_code == 204
        finally:
            drop_database(http, base, database["id"])


@pytest.fixture(scope="module")
def postgres_backups(
    start_server: ServerFactory, hosts: HostPool, mail_sink: MailSink
) -> Iterator[tuple[ShipyardServer, Provisioned]]:
    """A Shipyard of its own (SQLite) and a fresh host provisioned with PostgreSQL; removed afterwards."""
    shipyard = start_server("sqlite", smtp_env(mail_sink))
    owner = new_user(shipyard, admin(shipyard))
    host = hosts.up(template=provisioned_template(hosts, "postgres"))
    with client(shipyard, owner) as http:
        created = http.post(
            "/api/v1/servers",
            json={
                "provider": "custom",
                "name": "pg-backups",
                "ip_address": host.ip,
                "database_type": "postgres",
                "root_private_key": hosts.root_key(),
            },
        )
        assert created.status_code == 200, created.text
        body = created.json()
        wait_ready(http, body["server"]["id"])
    yield shipyard, Provisioned(owner, host, body)
    hosts.down(host)


def psql(host: Host, database: str, sql: str) -> str:
    command = (
        f"cd / && runuser -u postgres -- psql -X -d {shlex.quote(database)} -At -v ON_ERROR_STOP=1 "
        f"-c {shlex.quote(sql)}"
    )
    return host.run(command).stdout.strip()


def test_postgres_backup_and_restore(
    postgres_backups: tuple[ShipyardServer, Provisioned], s3: LocalS3
) -> None:
    shipyard, provisioned = postgres_backups
    sid, host = provisioned.server_id, provisioned.host
    base = f"/api/v1/servers/{sid}"
    bucket = s3.new_bucket()
    with client(shipyard, provisioned.owner) as http:
        database = create_database(http, base, "e2e_pg_backup")
        psql(
            host,
            "e2e_pg_backup",
            "CREATE TABLE items (id int PRIMARY KEY, name text);"
            "INSERT INTO items VALUES (1, 'anchor'), (2, 'rope')",
        )
        created = http.post(
            f"{base}/backup-configs", json=config_body(s3, bucket, [database["id"]], directory="")
        )
        assert created.status_code == 200, created.text
        cid = created.json()["backup"]["id"]
        wait_config(http, base, cid, "installed")
        assert http.post(f"{base}/backup-configs/{cid}").status_code == 200
        backup = wait_backups(http, base, cid, lambda b: finished(b, 1), "the PostgreSQL backup")[0]
        key = backup["archive_path"].removeprefix(f"s3://{bucket}/")
        assert re.fullmatch(rf"backup-{cid}-{STAMP}\.tar\.gz", key), key
        dump = s3.archive(bucket, key)["e2e_pg_backup.sql"]
        assert "CREATE TABLE public.items" in dump and "DROP TABLE IF EXISTS public.items" in dump

        psql(host, "e2e_pg_backup", "DELETE FROM items WHERE id = 1; INSERT INTO items VALUES (9, 'later')")
        assert http.post(f"{base}/backup-configs/{cid}/backups/{backup['id']}", json={}).status_code == 200
        wait_backups(
            http, base, cid, lambda b: b[0]["restore_status"] == "restored", "the PostgreSQL restore"
        )
        assert psql(host, "e2e_pg_backup", "SELECT id, name FROM items ORDER BY id") == "1|anchor\n2|rope"
        assert leftovers(host) == ""
        assert http.delete(f"{base}/backup-configs/{cid}").status_code == 204
    s3.empty(bucket)
