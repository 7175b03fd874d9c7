"""The firewall and SSH key renderers: valid bash, strict specs, quoting, and exact-line key edits."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from shipyard.core.script import Script, parse_result
from shipyard.core.validation import ip_or_network, port_or_range
from shipyard.hostops import firewall, keys
from shipyard.servers.keys.service import authorized_key_line

ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKQKWYjHDDe2i66X+IO6Ha2hyxu/Yxv4ofqysFkbwAjp"
HOSTILE_COMMENT = "it's $(touch /tmp/pwned) `id` ; rm -rf / \\"
HOSTILE = ["80; touch /tmp/pwned", "$(touch /tmp/pwned)", "`id`", "1.2.3.4\ntouch /tmp/pwned", "a'b"]


def rule(**overrides: object) -> firewall.FirewallRuleSpec:
    values: dict[str, object] = {"id": 7, "port": "8000:8100", "type": "deny", "source": "10.0.0.0/8"}
    values.update(overrides)
    return firewall.FirewallRuleSpec(**values)  # type: ignore[arg-type]


SCRIPTS: dict[str, Callable[[], Script]] = {
    "firewall-deny-v4": lambda: firewall.render_install(rule()),
    "firewall-allow-v6": lambda: firewall.render_install(rule(type="allow", source="2001:db8::/32")),
    "firewall-allow-anywhere": lambda: firewall.render_install(rule(type="allow", port="80", source=None)),
    "firewall-remove": lambda: firewall.render_remove(7),
    "key-install": lambda: keys.render_install(keys.KeySpec(3, "forge", f"{ED25519} {HOSTILE_COMMENT}")),
    "key-remove": lambda: keys.render_remove(keys.KeySpec(3, "forge", f"{ED25519} {HOSTILE_COMMENT}")),
}


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_scripts_pass_bash_and_shellcheck(name: str) -> None:
    body = SCRIPTS[name]().body
    subprocess.run(["bash", "-n"], input=body, text=True, check=True)
    assert shutil.which("shellcheck"), (
        "shellcheck is required (Debian package shellcheck; .ci/run installs it)"
    )
    checked = subprocess.run(
        ["shellcheck", "-S", "warning", "-s", "bash", "-"], input=body, text=True, capture_output=True
    )
    assert checked.returncode == 0, checked.stdout


def test_firewall_rules_are_tagged_and_denies_go_first() -> None:
    deny = firewall.render_install(rule()).body
    assert "COMMENT=shipyard-rule-7\n" in deny
    assert 'ufw prepend deny proto tcp from 10.0.0.0/8 to any port 8000:8100 comment "$COMMENT"' in deny
    allow = firewall.render_install(rule(type="allow", port="22", source=None)).body
    assert 'ufw allow proto tcp from any to any port 22 comment "$COMMENT"' in allow
    # A rule for the same port and source that is not ours is looked up in both of ufw's files.
    assert (
        "'^### tuple ### [a-z_]+ tcp 22 0\\.0\\.0\\.0/0 any 0\\.0\\.0\\.0/0 in( comment=[0-9a-f]*)?$'"
        in allow
    )
    assert (
        "'^### tuple ### [a-z_]+ tcp 22 ::/0 any ::/0 in( comment=[0-9a-f]*)?$' /etc/ufw/user6.rules" in allow
    )
    remove = firewall.render_remove(12).body
    assert "COMMENT=shipyard-rule-12\n" in remove and 'ufw --force delete "$number"' in remove


@pytest.mark.parametrize(
    "overrides",
    [{"port": value} for value in [*HOSTILE, "0", "65536", "9000:8000", "80:80", "80-90", ""]]
    + [{"source": value} for value in [*HOSTILE, "10.0.0.1/8", "fe80::1%eth0", "any", ""]]
    + [{"type": value} for value in ["reject", "allow; id", "ALLOW"]],
)
def test_firewall_specs_refuse_what_the_service_would_refuse(overrides: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        rule(**overrides)


@pytest.mark.parametrize(
    ("username", "key"),
    [(value, ED25519) for value in [*HOSTILE, "Root", "-r", ""]]
    + [("forge", ED25519 + suffix) for suffix in ["\nssh-ed25519 AAAAC3Nz x", " x\rid", " x\0"]]
    + [("forge", 'command="touch /tmp/pwned" ' + ED25519), ("forge", "ssh-dss AAAAB3NzaC1kc3MAAACBAP")],
)
def test_key_specs_refuse_what_the_service_would_refuse(username: str, key: str) -> None:
    with pytest.raises(ValueError):
        keys.KeySpec(1, username, key)


def test_the_key_travels_as_a_file_never_in_the_script() -> None:
    spec = keys.KeySpec(3, "forge", f"{ED25519} {HOSTILE_COMMENT}")
    for script in (keys.render_install(spec), keys.render_remove(spec)):
        assert script.files == {"key.pub": f"{ED25519} {HOSTILE_COMMENT}\n"}
        assert "touch /tmp/pwned" not in script.body and "AAAAC3Nza" not in script.body
        assert "MARKER='# shipyard-key-3'" in script.body and "KEY_USER=forge\n" in script.body


def test_validation_canonical_forms() -> None:
    assert [port_or_range(v) for v in (80, "080", "8000:8100", True, 0, "1:65535")] == [
        "80",
        "80",
        "8000:8100",
        None,
        None,
        "1:65535",
    ]
    assert ip_or_network("10.1.2.3/32") == "10.1.2.3"
    assert ip_or_network("2001:DB8:0::/32") == "2001:db8::/32"
    assert ip_or_network("10.0.0.1/8") is None and ip_or_network("fe80::1%eth0") is None
    assert authorized_key_line(f"  {ED25519} me@laptop \n") == f"{ED25519} me@laptop"
    assert authorized_key_line(ED25519.replace("ssh-ed25519", "ssh-rsa")) is None  # type does not match
    assert authorized_key_line(ED25519[:-4]) is None  # truncated key data


# The key scripts, run for real against a home directory in tmp_path, with `runuser`, `id` and
# `getent` replaced by shims: removing a key removes exactly Shipyard's lines.


@pytest.fixture
def key_host(tmp_path: Path) -> Callable[[Script], str]:
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shims = {
        "runuser": 'shift 3; exec "$@"',  # runuser -u USER -- CMD...
        "id": "exit 0",
        "getent": f'echo "forge:x:1000:1000::{home}:/bin/bash"',
    }
    for name, body in shims.items():
        (bin_dir / name).write_text(f"#!/bin/bash\n{body}\n")
        (bin_dir / name).chmod(0o755)

    def run(script: Script) -> str:
        staging = tmp_path / "staging"
        staging.mkdir(exist_ok=True)
        for name, content in script.files.items():
            (staging / name).write_text(content)
        env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "SHIPYARD_STAGING": str(staging)}
        done = subprocess.run(["bash"], input=script.body, text=True, capture_output=True, env=env)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    return run


def test_key_install_and_remove_touch_only_shipyards_lines(
    key_host: Callable[[Script], str], tmp_path: Path
) -> None:
    authorized = tmp_path / "home" / ".ssh" / "authorized_keys"
    # The same key already authorized by hand, and a last line without a newline.
    before = f"{ED25519} by-hand\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOther other"
    authorized.write_text(before)
    spec = keys.KeySpec(3, "forge", f"{ED25519} {HOSTILE_COMMENT}")

    first = key_host(keys.render_install(spec))
    assert parse_result(first) == {"changed": True}
    assert authorized.read_text() == before + f"\n# shipyard-key-3\n{ED25519} {HOSTILE_COMMENT}\n"
    assert oct(authorized.stat().st_mode & 0o777) == "0o600"
    assert parse_result(key_host(keys.render_install(spec))) == {"changed": False}

    assert parse_result(key_host(keys.render_remove(spec))) == {"changed": True}
    assert authorized.read_text() == before + "\n"
    assert parse_result(key_host(keys.render_remove(spec))) == {"changed": False}
    assert not (tmp_path / "pwned").exists()
