"""Backup rules without a host or a database: frequencies as cron, payload checks, archive names,
retention, Forge's dates, and where each provider's requests go."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from botocore.exceptions import ClientError

from shipyard.hostops.backups import archive_name, restore_name
from shipyard.servers.backups import rules
from shipyard.servers.backups.schemas import BackupConfigurationCreate, FrequencyIn
from shipyard.servers.backups.storage import Credentials, Storage, StorageError, endpoint_url

SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"


def frequency(**fields: Any) -> FrequencyIn:
    return FrequencyIn(**fields)


@pytest.mark.parametrize(
    ("fields", "cron", "time", "day"),
    [
        ({"type": "hourly"}, "0 * * * *", None, None),
        ({"type": "hourly", "time": "nonsense", "day": 9}, "0 * * * *", None, None),
        ({"type": "daily", "time": "12:30"}, "30 12 * * *", "12:30", None),
        ({"type": "daily", "time": "9:05"}, "5 9 * * *", "09:05", None),
        ({"type": "daily", "time": "00:00"}, "0 0 * * *", "00:00", None),
        ({"type": "weekly", "time": "12:30", "day": 1}, "30 12 * * 1", "12:30", 1),
        ({"type": "weekly", "time": "23:59", "day": 0}, "59 23 * * 0", "23:59", 0),
        ({"type": "weekly", "time": "06:15", "day": 6}, "15 6 * * 6", "06:15", 6),
        ({"type": "custom", "custom": "*/15 2 * * 1-5"}, "*/15 2 * * 1-5", None, None),
        ({"type": "custom", "custom": "  0   3 1 jan *  "}, "0 3 1 jan *", None, None),
    ],
)
def test_frequencies_map_to_cron(
    fields: dict[str, Any], cron: str, time: str | None, day: int | None
) -> None:
    schedule, errors = rules.schedule_of(frequency(**fields))
    assert errors == {} and schedule is not None
    assert (schedule.frequency, schedule.cron, schedule.time, schedule.day) == (
        fields["type"],
        cron,
        time,
        day,
    )
    assert schedule.custom == (cron if fields["type"] == "custom" else None)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"type": "monthly"}, "frequency.type"),
        ({"type": ""}, "frequency.type"),
        ({"type": "daily"}, "frequency.time"),
        ({"type": "daily", "time": "24:00"}, "frequency.time"),
        ({"type": "daily", "time": "12:60"}, "frequency.time"),
        ({"type": "daily", "time": "12:30:00"}, "frequency.time"),
        ({"type": "daily", "time": "12:30\n"}, "frequency.time"),
        ({"type": "weekly", "time": "12:30"}, "frequency.day"),
        ({"type": "weekly", "time": "12:30", "day": 7}, "frequency.day"),
        ({"type": "weekly", "time": "12:30", "day": -1}, "frequency.day"),
        ({"type": "custom"}, "frequency.custom"),
        ({"type": "custom", "custom": " "}, "frequency.custom"),
        ({"type": "custom", "custom": "* * * *"}, "frequency.custom"),
        ({"type": "custom", "custom": "* * * * * *"}, "frequency.custom"),
        ({"type": "custom", "custom": "@daily"}, "frequency.custom"),
        ({"type": "custom", "custom": "0 0 L * *"}, "frequency.custom"),
        ({"type": "custom", "custom": "60 * * * *"}, "frequency.custom"),
        ({"type": "custom", "custom": "0 0 31 2 *"}, "frequency.custom"),
        ({"type": "custom", "custom": "0 0 * * 1;reboot"}, "frequency.custom"),
    ],
)
def test_bad_frequencies_name_their_field(fields: dict[str, Any], field: str) -> None:
    schedule, errors = rules.schedule_of(frequency(**fields))
    assert schedule is None and field in errors, errors


def test_weekly_needs_both_time_and_day() -> None:
    _, errors = rules.schedule_of(frequency(type="weekly"))
    assert set(errors) == {"frequency.time", "frequency.day"}


def test_next_run_is_computed_in_utc() -> None:
    at = datetime(2026, 3, 4, 10, 20, 5, tzinfo=UTC)  # a Wednesday
    assert rules.next_run("0 * * * *", at) == datetime(2026, 3, 4, 11, 0, tzinfo=UTC)
    assert rules.next_run("30 12 * * *", at) == datetime(2026, 3, 4, 12, 30, tzinfo=UTC)
    assert rules.next_run("30 9 * * *", at) == datetime(2026, 3, 5, 9, 30, tzinfo=UTC)
    assert rules.next_run("30 12 * * 1", at) == datetime(2026, 3, 9, 12, 30, tzinfo=UTC)
    assert rules.next_run("* * * * *", at) == datetime(2026, 3, 4, 10, 21, tzinfo=UTC)
    # A time given in another zone is the same instant: the answer is still UTC.
    elsewhere = at.astimezone(timezone(timedelta(hours=5)))
    assert rules.next_run("30 12 * * *", elsewhere) == datetime(2026, 3, 4, 12, 30, tzinfo=UTC)


def payload(**changes: Any) -> BackupConfigurationCreate:
    body: dict[str, Any] = {
        "provider": "custom",
        "credentials": {
            "endpoint": "http://127.0.0.1:9000/",
            "region": None,
            "bucket": "my-backups",
            "access_key": "AKIAEXAMPLE",
            "secret_key": SECRET,
        },
        "frequency": {"type": "daily", "time": "03:00"},
        "directory": "/backups/server/db/",
        "email": "ops@example.com",
        "retention": 7,
        "databases": [1],
    }
    for key, value in changes.items():
        if key.startswith("credentials."):
            body["credentials"][key.removeprefix("credentials.")] = value
        else:
            body[key] = value
    return BackupConfigurationCreate.model_validate(body)


def test_a_good_payload_is_normalized() -> None:
    checked, errors = rules.validate(payload())
    assert errors == {} and checked is not None
    assert checked.directory == "backups/server/db"
    assert checked.endpoint == "http://127.0.0.1:9000"
    assert checked.schedule.cron == "0 3 * * *"
    spaces, errors = rules.validate(payload(provider="spaces", **{"credentials.region": "nyc3"}))
    assert errors == {} and spaces is not None and spaces.region == "nyc3"
    amazon, errors = rules.validate(
        payload(provider="s3", directory="", email=None, **{"credentials.region": "eu-west-1"})
    )
    assert errors == {} and amazon is not None and amazon.directory == ""


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"provider": "ftp"}, "provider"),
        ({"provider": "s3"}, "credentials.region"),
        ({"provider": "spaces"}, "credentials.region"),
        ({"credentials.region": "Nyc 3"}, "credentials.region"),
        ({"credentials.endpoint": None}, "credentials.endpoint"),
        ({"credentials.endpoint": "ftp://storage.example.com"}, "credentials.endpoint"),
        ({"credentials.endpoint": "storage.example.com"}, "credentials.endpoint"),
        ({"credentials.endpoint": "https://user:pw@storage.example.com"}, "credentials.endpoint"),
        ({"credentials.endpoint": "https://storage.example.com/bucket"}, "credentials.endpoint"),
        ({"credentials.endpoint": "https://storage.example.com:99999"}, "credentials.endpoint"),
        ({"credentials.endpoint": "https://storage.example.com/?x=1"}, "credentials.endpoint"),
        ({"credentials.endpoint": "https://storage .example.com"}, "credentials.endpoint"),
        ({"credentials.bucket": "My_Bucket"}, "credentials.bucket"),
        ({"credentials.bucket": "ab"}, "credentials.bucket"),
        ({"credentials.bucket": "a..b"}, "credentials.bucket"),
        ({"credentials.bucket": "192.168.0.1"}, "credentials.bucket"),
        ({"credentials.bucket": "bucket-"}, "credentials.bucket"),
        ({"credentials.access_key": ""}, "credentials.access_key"),
        ({"credentials.access_key": "has space"}, "credentials.access_key"),
        ({"credentials.secret_key": "two\nlines"}, "credentials.secret_key"),
        ({"directory": "../etc"}, "directory"),
        ({"directory": "a//b"}, "directory"),
        ({"directory": "a/./b"}, "directory"),
        ({"directory": ".hidden"}, "directory"),
        ({"directory": "a b"}, "directory"),
        ({"directory": "$(id)"}, "directory"),
        ({"directory": "x" * 201}, "directory"),
        ({"email": "not an address"}, "email"),
        ({"email": "a@b"}, "email"),
        ({"frequency": {"type": "weekly", "time": "12:30"}}, "frequency.day"),
    ],
)
def test_bad_payloads_name_their_field(changes: dict[str, Any], field: str) -> None:
    checked, errors = rules.validate(payload(**changes))
    assert checked is None and list(errors) == [field], errors


def test_retention_and_databases_are_checked_by_the_schema() -> None:
    for changes in ({"retention": 0}, {"databases": []}, {"databases": ["x"]}):
        with pytest.raises(ValueError):
            payload(**changes)


def test_archive_names_paths_and_keys() -> None:
    at = datetime(2020, 1, 1, 12, 36, 1, tzinfo=UTC)
    assert archive_name(10, at) == "backup-10-20200101123601.tar.gz"
    # The stamp is UTC whatever the zone of the time given.
    assert archive_name(10, at.astimezone(timezone(timedelta(hours=-5)))) == "backup-10-20200101123601.tar.gz"
    assert rules.object_key("server/db", "backup-10-20200101123601.tar.gz") == (
        "server/db/backup-10-20200101123601.tar.gz"
    )
    assert rules.object_key("", "backup-1-20200101000000.tar.gz") == "backup-1-20200101000000.tar.gz"
    assert rules.archive_path("backup-configs", "server/db/backup-10-20200101123601.tar.gz") == (
        "s3://backup-configs/server/db/backup-10-20200101123601.tar.gz"
    )
    assert restore_name(144, "a1b2c3") == "restore-144-a1b2c3.tar.gz"


@dataclass
class Run:
    id: int
    started_at: datetime


def test_retention_removes_all_but_the_newest() -> None:
    base = datetime(2026, 1, 1, tzinfo=UTC)
    runs = [Run(i, base + timedelta(hours=h)) for i, h in ((1, 3), (2, 1), (3, 5), (4, 2), (5, 4))]
    # Newest first: 3, 5, 1, 4, 2.
    assert [run.id for run in rules.beyond_retention(runs, 2)] == [1, 4, 2]
    assert [run.id for run in rules.beyond_retention(runs, 1)] == [5, 1, 4, 2]
    assert rules.beyond_retention(runs, 5) == [] and rules.beyond_retention([], 1) == []
    # Two runs started in the same second: the later id is the newer.
    tied = [Run(7, base), Run(8, base)]
    assert [run.id for run in rules.beyond_retention(tied, 1)] == [7]


@pytest.mark.parametrize(
    ("at", "text"),
    [
        (datetime(2020, 1, 1, 12, 36, 1, tzinfo=UTC), "1st Jan 12:36 PM"),
        (datetime(2020, 3, 2, 0, 5, tzinfo=UTC), "2nd Mar 12:05 AM"),
        (datetime(2020, 5, 3, 9, 0, tzinfo=UTC), "3rd May 09:00 AM"),
        (datetime(2020, 6, 11, 13, 0, tzinfo=UTC), "11th Jun 01:00 PM"),
        (datetime(2020, 6, 12, 13, 0, tzinfo=UTC), "12th Jun 01:00 PM"),
        (datetime(2020, 6, 13, 13, 0, tzinfo=UTC), "13th Jun 01:00 PM"),
        (datetime(2020, 6, 21, 23, 59, tzinfo=UTC), "21st Jun 11:59 PM"),
        (datetime(2020, 6, 22, 23, 59, tzinfo=UTC), "22nd Jun 11:59 PM"),
        (datetime(2020, 6, 23, 23, 59, tzinfo=UTC), "23rd Jun 11:59 PM"),
        (datetime(2020, 6, 30, 23, 59, tzinfo=UTC), "30th Jun 11:59 PM"),
    ],
)
def test_dates_are_printed_as_forge_does(at: datetime, text: str) -> None:
    assert rules.forge_date(at) == text


def test_last_backup_time_reads_like_forge() -> None:
    now = datetime(2026, 1, 31, tzinfo=UTC)
    cases = {
        timedelta(0): "1 second ago",
        timedelta(seconds=59): "59 seconds ago",
        timedelta(minutes=1): "1 minute ago",
        timedelta(hours=2, minutes=59): "2 hours ago",
        timedelta(days=3, hours=5): "3 days ago",
        timedelta(days=7): "1 week ago",
        timedelta(days=29): "4 weeks ago",
        timedelta(days=65): "2 months ago",
        timedelta(days=400): "1 year ago",
    }
    for delta, text in cases.items():
        assert rules.ago(now - delta, now) == text


def test_each_provider_has_its_endpoint() -> None:
    keys = {"bucket": "b-1", "access_key": "AK", "secret_key": SECRET}
    assert endpoint_url("s3", Credentials(region="eu-west-1", **keys)) is None
    assert endpoint_url("spaces", Credentials(region="nyc3", **keys)) == "https://nyc3.digitaloceanspaces.com"
    assert endpoint_url("spaces", Credentials(region="nyc3", endpoint="https://cdn.example", **keys)) == (
        "https://cdn.example"
    )
    assert (
        endpoint_url("custom", Credentials(endpoint="http://10.0.0.5:9000", **keys)) == "http://10.0.0.5:9000"
    )
    assert Storage("s3", Credentials(region="eu-west-1", **keys)).describe() == (
        "bucket b-1 at Amazon S3 (eu-west-1)"
    )


def test_credentials_round_trip_and_never_print_their_keys() -> None:
    credentials = Credentials(bucket="b-1", access_key="AKIAEXAMPLE", secret_key=SECRET, region="nyc3")
    assert Credentials.from_json(credentials.to_json()) == credentials
    assert SECRET not in repr(credentials) and "AKIAEXAMPLE" not in repr(credentials)


def test_storage_reasons_are_quoted_without_the_keys() -> None:
    storage = Storage(
        "custom",
        Credentials(bucket="b-1", access_key="AKIAEXAMPLE", secret_key=SECRET, endpoint="http://s3.test"),
    )

    def refuse(_: object) -> None:
        raise ClientError(
            {"Error": {"Code": "SignatureDoesNotMatch", "Message": f"key AKIAEXAMPLE with {SECRET} refused"}},
            "PutObject",
        )

    with pytest.raises(StorageError) as refused:
        asyncio.run(storage._call("PutObject", refuse))
    message = str(refused.value)
    assert "SignatureDoesNotMatch" in message and "bucket b-1 at http://s3.test" in message
    assert SECRET not in message and "AKIAEXAMPLE" not in message
