"""The certificate renderers: the TLS part of the vhost, its files, pruning and ACME challenges."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable

import pytest

from shipyard.core.script import Script
from shipyard.hostops import certificates
from shipyard.hostops.nginx import default_template
from shipyard.hostops.sites import SiteSpec, render_remove

CERT = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
KEY = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n"
WEB = "/home/forge/shop.test/public"

SCRIPTS: dict[str, Callable[[], Script]] = {
    "activate": lambda: certificates.render_activate("shop.test", 7, 12, CERT, KEY, replaces=[11, 12]),
    "deactivate": lambda: certificates.render_deactivate("shop.test", 7, 12),
    "prune-keep": lambda: certificates.render_prune(7, 12),
    "prune-all": lambda: certificates.render_prune(7, None),
    "acme-location": lambda: certificates.render_acme_location("shop.test", present=True),
    "acme-location-removed": lambda: certificates.render_acme_location("shop.test", present=False),
    "publish": lambda: certificates.render_publish_challenges("forge", WEB, {"tok-EN_1": "tok-EN_1.thumb"}),
    "remove": lambda: certificates.render_remove_challenges("forge", WEB, ["tok-EN_1", "other"]),
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


def test_the_certificate_files_are_named_by_ids() -> None:
    assert certificates.certificate_files(7, 12) == (
        "/etc/nginx/ssl/site-7/12/server.crt",
        "/etc/nginx/ssl/site-7/12/server.key",
    )


def test_activation_serves_443_redirects_http_and_replaces_the_previous_files() -> None:
    script = certificates.render_activate("shop.test", 7, 12, CERT, KEY, replaces=[11])
    conf = script.files["part.conf"]
    for line in (
        "listen 443 ssl;",
        "listen [::]:443 ssl;",
        "ssl_certificate /etc/nginx/ssl/site-7/12/server.crt;",
        "ssl_certificate_key /etc/nginx/ssl/site-7/12/server.key;",
        "ssl_protocols TLSv1.2 TLSv1.3;",
        "return 301 https://$host$request_uri;",
    ):
        assert line in conf
    assert '"^/\\.well-known/acme-challenge/"' in conf  # challenges stay on plain HTTP
    assert "/etc/nginx/forge-conf/shop.test/server/ssl.conf" in script.body
    assert script.files["extra-0"] == CERT and script.files["extra-1"] == KEY
    # The key is root's alone; the previous certificate's files go in the same nginx-tested change.
    assert "/etc/nginx/ssl/site-7/12/server.key 0600" in script.body
    assert "rm -f /etc/nginx/ssl/site-7/11/server.crt" in script.body
    assert "rm -f /etc/nginx/ssl/site-7/11/server.key" in script.body
    assert "nginx_check" in script.body
    with pytest.raises(ValueError):
        certificates.render_activate("shop.test", 7, 12, "", KEY)


def test_deactivation_removes_the_part_and_the_files() -> None:
    body = certificates.render_deactivate("shop.test", 7, 12).body
    assert "part.conf" not in certificates.render_deactivate("shop.test", 7, 12).files
    assert "rm -f /etc/nginx/ssl/site-7/12/server.key" in body and 'rm -f "$PART"' in body


def test_pruning_keeps_only_the_active_directory() -> None:
    keep = certificates.render_prune(7, 12).body
    assert "SSL=/etc/nginx/ssl/site-7" in keep and '[ "$dir" != /etc/nginx/ssl/site-7/12 ]' in keep
    assert 'rmdir "$SSL"' not in keep
    assert 'rmdir "$SSL"' in certificates.render_prune(7, None).body


def test_challenges_are_files_of_the_site_user_in_the_web_directory() -> None:
    script = certificates.render_publish_challenges("forge", WEB, {"abc_-1": "abc_-1.key"})
    assert script.files == {"token-0": "abc_-1.key"}
    assert "WEB=/home/forge/shop.test/public" in script.body and "as_user tee" in script.body
    location = certificates.acme_config()
    assert "location ^~ /.well-known/acme-challenge/" in location and "auth_basic off;" in location


@pytest.mark.parametrize(
    ("user", "web", "token"),
    [
        ("forge", WEB, "a/../b"),
        ("forge", WEB, "x; touch /tmp/p"),
        ("forge", "/etc/nginx", "abc"),
        ("forge", "/home/forge/../root", "abc"),
        ("root;x", WEB, "abc"),
    ],
)
def test_hostile_challenge_values_are_refused(user: str, web: str, token: str) -> None:
    with pytest.raises(ValueError):
        certificates.render_publish_challenges(user, web, {token: "v"})
    with pytest.raises(ValueError):
        certificates.render_remove_challenges(user, web, [token])


def test_site_removal_takes_the_site_certificates_away() -> None:
    spec = SiteSpec(
        id=7, domain="shop.test", aliases=(), wildcards=False, user="forge", isolated=False,
        directory="/public", project_type="php", php="8.2", template=default_template(), public_ip="",
        private_ip="",
    )  # fmt: skip
    assert "rm -rf -- /etc/nginx/ssl/site-7" in render_remove(spec, remove_user=False).body
