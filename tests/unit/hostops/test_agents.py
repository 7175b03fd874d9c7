"""Blackfire and Papertrail: what the API accepts, and the scripts and files sent to the host."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from shipyard.core.errors import ValidationFailed
from shipyard.core.script import Script
from shipyard.core.settings import Settings
from shipyard.core.validation import host_and_port, join_host_port
from shipyard.hostops.agents import (
    BlackfireSpec,
    render_blackfire_install,
    render_blackfire_remove,
    render_papertrail_install,
    render_papertrail_remove,
)
from shipyard.servers.agents.schemas import BlackfireInstall
from shipyard.servers.agents.service import blackfire_errors, papertrail_destination

SERVER_ID = "d8108598-7a7a-4c5e-8f03-d0bccadc0931"
TOKEN = "91bde3fa9350479ba84f90acab46b680142c0f6fe8154a649e82d0d2ddadfa93"
REPOSITORY = "https://packages.blackfire.io/debian"
KEY = "https://packages.blackfire.io/gpg.key"


def blackfire(**overrides: str) -> BlackfireSpec:
    values = {"server_id": SERVER_ID, "server_token": TOKEN, "apt_url": REPOSITORY, "key_url": KEY}
    return BlackfireSpec(**{**values, **overrides})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("logs.papertrailapp.com:12345", ("logs.papertrailapp.com", 12345)),
        ("logs2.papertrailapp.com", ("logs2.papertrailapp.com", 514)),
        ("192.241.143.108", ("192.241.143.108", 514)),
        ("192.241.143.108:1", ("192.241.143.108", 1)),
        ("[2001:db8::1]:65535", ("2001:db8::1", 65535)),
        ("2001:db8::1", ("2001:db8::1", 514)),
        ("localhost", ("localhost", 514)),
    ],
)
def test_papertrail_destinations(value: str, expected: tuple[str, int]) -> None:
    assert host_and_port(value, 514) == expected
    assert papertrail_destination(value) == expected
    assert host_and_port(join_host_port(*expected), 1) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "logs.papertrailapp.com:0",
        "logs.papertrailapp.com:65536",
        "logs.papertrailapp.com:",
        "logs.papertrailapp.com:+80",
        "logs.papertrailapp.com:\uff11\uff12",  # fullwidth digits
        ":514",
        "logs papertrailapp.com",
        "logs.papertrailapp.com;id",
        "$(id).example.com",
        'x" protocol="tcp',
        "logs.papertrailapp.com\n*.* /tmp/all",
        "logs.papertrailapp.com:514\n",
        "-logs.example.com",
        "logs_1.example.com",
        "999.1.2.3",
        "1.2.3.4.5",
        "[2001:db8::1",
        "[2001:db8::1]514",
        "[192.0.2.1]:514",
        "fe80::1%eth0",
        "2001:db8::1::514",
        "a" * 64 + ".example.com",
    ],
)
def test_papertrail_destinations_refused(value: str) -> None:
    assert host_and_port(value, 514) is None
    with pytest.raises(ValidationFailed) as refused:
        papertrail_destination(value)
    assert set(refused.value.errors) == {"host"}


@pytest.mark.parametrize(
    ("server_id", "token", "fields"),
    [
        (SERVER_ID, TOKEN, set()),
        (SERVER_ID.replace("-", ""), TOKEN.upper(), set()),
        ("short", TOKEN, {"server_id"}),
        (SERVER_ID + "; id", TOKEN, {"server_id"}),
        (SERVER_ID + "\n", TOKEN, {"server_id"}),
        ("-" + SERVER_ID, TOKEN, {"server_id"}),
        (SERVER_ID, TOKEN[:15], {"server_token"}),
        (SERVER_ID, TOKEN + "\nserver-id=x", {"server_token"}),
        (SERVER_ID, TOKEN + "$(id)", {"server_token"}),
        (SERVER_ID, "tok en" + TOKEN, {"server_token"}),
        ("", "", {"server_id", "server_token"}),
    ],
)
def test_blackfire_credentials(server_id: str, token: str, fields: set[str]) -> None:
    errors = blackfire_errors(BlackfireInstall(server_id=server_id, server_token=token))
    assert set(errors) == fields
    assert not token or token not in str(errors)


def test_the_token_travels_only_in_the_uploaded_config_and_is_masked() -> None:
    script = render_blackfire_install(blackfire())
    assert TOKEN not in script.body
    assert script.files["agent"].splitlines()[-2:] == [f"server-id={SERVER_ID}", f"server-token={TOKEN}"]
    assert script.files["blackfire.list"] == (
        f"deb [signed-by=/usr/share/keyrings/blackfire-archive-keyring.asc] {REPOSITORY} any main\n"
    )
    assert script.mask(f"server-token={TOKEN}") == "server-token=********"
    assert "KEY_URL=https://packages.blackfire.io/gpg.key" in script.body
    assert "blackfire-agent.service" in script.body and "apt_install blackfire blackfire-php" in script.body


@pytest.mark.parametrize(
    "overrides",
    [
        {"server_id": "x; id"},
        {"server_token": "abc"},
        {"server_token": TOKEN + "\n"},
        {"apt_url": "ftp://example.com/debian"},
        {"apt_url": REPOSITORY + " other main"},
        {"key_url": KEY + "\n"},
    ],
)
def test_the_renderer_refuses_what_validation_would(overrides: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        blackfire(**overrides)


@pytest.mark.parametrize(
    "url", ["ftp://example.com/debian", "http://example.com/debian\n", "http://a b/debian", "example.com"]
)
def test_the_repository_settings_are_urls(url: str) -> None:
    fields = Settings.model_fields
    assert fields["blackfire_apt_url"].default == REPOSITORY
    assert fields["blackfire_apt_key_url"].default == KEY
    with pytest.raises(ValueError):
        Settings(blackfire_apt_url=url)
    with pytest.raises(ValueError):
        Settings(blackfire_apt_key_url=url)


def test_repository_urls_are_quoted() -> None:
    body = render_blackfire_install(blackfire(apt_url="http://10.0.0.1:8080/debian?a=1&b=$x")).body
    assert "REPOSITORY='http://10.0.0.1:8080/debian?a=1&b=$x'" in body


def test_papertrail_forwards_over_udp_from_one_drop_in() -> None:
    script = render_papertrail_install("logs.papertrailapp.com", 12345)
    assert script.files["papertrail.conf"].splitlines()[-1] == (
        '*.* action(type="omfwd" target="logs.papertrailapp.com" port="12345" protocol="udp")'
    )
    assert "DROP_IN=/etc/rsyslog.d/95-shipyard-papertrail.conf" in script.body
    assert "rsyslogd -N1" in script.body and "apt_install rsyslog" in script.body
    ipv6 = render_papertrail_install("2001:db8::1", 514)
    assert 'target="2001:db8::1" port="514"' in ipv6.files["papertrail.conf"]
    assert "'Forwarding every message to [2001:db8::1]:514 over UDP'" in ipv6.body
    for host, port in (("a b", 514), ("x;id", 514), ("example.com", 0), ("example.com", 70000)):
        with pytest.raises(ValueError):
            render_papertrail_install(host, port)


SCRIPTS: dict[str, Script] = {
    "blackfire-install": render_blackfire_install(blackfire()),
    "blackfire-remove": render_blackfire_remove(),
    "papertrail-install": render_papertrail_install("logs.papertrailapp.com", 12345),
    "papertrail-remove": render_papertrail_remove(),
}


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_scripts_pass_bash_and_shellcheck(name: str) -> None:
    body = SCRIPTS[name].body
    subprocess.run(["bash", "-n"], input=body, text=True, check=True)
    assert shutil.which("shellcheck"), (
        "shellcheck is required (Debian package shellcheck; .ci/run installs it)"
    )
    checked = subprocess.run(
        ["shellcheck", "-S", "warning", "-s", "bash", "-"], input=body, text=True, capture_output=True
    )
    assert checked.returncode == 0, checked.stdout
    assert body.rstrip().splitlines()[-1].startswith("result")
