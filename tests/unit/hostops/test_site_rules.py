"""Site rule renderers: strict values, redirect and basic-auth lines for nginx, upstreams."""

from __future__ import annotations

import subprocess

import bcrypt
import pytest

from shipyard.hostops import site_rules
from shipyard.hostops.site_rules import NodeSpec, RedirectSpec, SecuritySpec
from shipyard.hostops.sites import SiteSpec, default_site_template, includes_part, render_remove

HASH = bcrypt.hashpw(b"secret", bcrypt.gensalt(4)).decode()
HOSTILE = [
    "/a b", "/a;b", "/a{b}", "/a'b", '/a"b', "/a\nb", "/a$b", "/a\\b", "/a`b`", "/a|b", "/a#b", "/a<b>",
    "", "a", "/a\x00b", "/é",
]  # fmt: skip


@pytest.mark.parametrize(
    "value", ["/docs", "/docs/1.1", "/a-b_c~d!e*(f),g:h@i&j=k+l%20", "/x?y=1&z=%2F", "/"]
)
def test_redirect_from_takes_paths_with_or_without_a_query(value: str) -> None:
    assert site_rules.redirect_from(value) == value


@pytest.mark.parametrize("value", [*HOSTILE, "/x?", "/x?a b", "/x?a;b", "/" + "a" * 2048])
def test_redirect_from_refuses_anything_else(value: str) -> None:
    assert site_rules.redirect_from(value) is None


@pytest.mark.parametrize(
    "value", ["/docs/1.1", "https://laravel.com/docs", "http://10.0.0.1:8080/x?y=1#top", "/a?b=c"]
)
def test_redirect_to_takes_paths_and_http_urls(value: str) -> None:
    assert site_rules.redirect_to(value) == value


@pytest.mark.parametrize(
    "value",
    [*(v for v in HOSTILE if v != "/a#b"), "//evil.test/", "ftp://x.test/", "javascript:alert(1)",
     "https://", "https://a_b/", "https://x.test:99999/", "https://x.test:port/", "https://[::1]/"],
)  # fmt: skip
def test_redirect_to_refuses_anything_else(value: str) -> None:
    assert site_rules.redirect_to(value) is None


def test_protected_paths_are_canonical() -> None:
    assert site_rules.protected_path("/admin/") == "/admin"
    assert site_rules.protected_path("/") == "/"
    assert site_rules.protected_path("/a.b/c~d@e+f-g") == "/a.b/c~d@e+f-g"
    for value in [*HOSTILE, "/a/../b", "/a/./b", "/a?b", "/a%20b"]:
        assert site_rules.protected_path(value) is None, value


def test_realms_and_usernames() -> None:
    assert site_rules.realm_error("Access Restricted (staff only): v1.2!") is None
    for value in ("off", "", " x", "a\nb", 'a"b', "a$b", "a;b", "a{b", "a\\b", "x" * 65):
        assert site_rules.realm_error(value), value
    assert site_rules.htpasswd_user("taylor.otwell") == "taylor.otwell"
    for value in ("a:b", "a b", "", "-x", "a\nb"):
        assert site_rules.htpasswd_user(value) is None


def test_a_path_redirect_matches_its_path_with_any_query_and_nothing_else() -> None:
    rule = RedirectSpec(3, "/docs.v1+x", "/docs/1.1", "redirect")
    assert rule.file == "redirect-uri-3.conf"
    conf = site_rules.redirect_conf(rule)
    assert 'if ($request_uri ~ "^/docs\\.v1\\+x(?:\\?|$)") {' in conf
    assert 'return 302 "/docs/1.1";' in conf


def test_a_query_redirect_matches_the_exact_request_and_sorts_first() -> None:
    rule = RedirectSpec(12, "/docs?v=2", "https://example.com/x", "permanent")
    conf = site_rules.redirect_conf(rule)
    assert 'if ($request_uri = "/docs?v=2") {' in conf and 'return 301 "https://example.com/x";' in conf
    assert rule.file < RedirectSpec(3, "/docs", "/", "redirect").file


def test_redirect_specs_refuse_what_the_service_refuses() -> None:
    with pytest.raises(ValueError):
        RedirectSpec(1, "/a;b", "/", "redirect")
    with pytest.raises(ValueError):
        RedirectSpec(1, "/a", "/", "moved")


def test_security_rules_pick_the_most_specific_path_after_the_whole_site() -> None:
    rules = [
        SecuritySpec(5, "Deep", "/admin/reports", (("carol", HASH),)),
        SecuritySpec(4, "Site", None, (("bob", HASH),)),
        SecuritySpec(6, "Admin", "/admin", (("alice", HASH),)),
    ]
    conf = site_rules.security_conf(9, rules)
    assert conf is not None
    assert 'set $shipyard_auth_realm "Site";' in conf
    assert "set $shipyard_auth_file /etc/nginx/htpasswd/site-9/rule-4.htpasswd;" in conf
    assert conf.index('"^/admin"') < conf.index('"^/admin/reports"') < conf.index("acme-challenge")
    assert conf.rstrip().endswith("auth_basic_user_file $shipyard_auth_file;")
    nobody = site_rules.security_conf(9, rules[2:])
    assert nobody is not None and "set $shipyard_auth_realm off;" in nobody
    assert site_rules.security_conf(9, []) is None


def test_the_security_script_installs_htpasswd_files_and_removes_those_of_removed_rules() -> None:
    rule = SecuritySpec(6, "Admin", "/admin", (("alice", HASH), ("bob", HASH)))
    assert site_rules.htpasswd(rule) == f"alice:{HASH}\nbob:{HASH}\n"
    script = site_rules.render_security("shop.test", 9, [rule], removed=(5,))
    assert script.files["part.conf"] == site_rules.security_conf(9, [rule])
    assert script.files["extra-0"] == site_rules.htpasswd(rule)
    assert "/etc/nginx/htpasswd/site-9/rule-5.htpasswd" in script.body
    assert "/etc/nginx/forge-conf/shop.test/server/security.conf" in script.body
    last = site_rules.render_security("shop.test", 9, [], removed=(6,))
    assert "part.conf" not in last.files and "rm -f" in last.body
    subprocess.run(["bash", "-n"], input=script.body, text=True, check=True)


def test_security_specs_take_only_bcrypt_hashes() -> None:
    with pytest.raises(ValueError):
        SecuritySpec(1, "A", None, (("alice", "password123"),))
    with pytest.raises(ValueError):
        SecuritySpec(1, "A", "/admin/", (("alice", HASH),))


def test_the_upstream_has_the_servers_options_and_method() -> None:
    nodes = [
        NodeSpec("10.0.0.2", 80, 5, backup=False, down=False),
        NodeSpec("10.0.0.3", 8080, 1, backup=True, down=False),
        NodeSpec("fd00::4", 80, 1, backup=False, down=True),
    ]
    conf = site_rules.balancing_conf(7, "least_conn", nodes)
    assert conf is not None
    assert "upstream shipyard-site-7 {" in conf and "zone shipyard-site-7 64k;" in conf
    assert "    least_conn;" in conf
    assert "server 10.0.0.2:80 weight=5;" in conf
    assert "server 10.0.0.3:8080 weight=1 backup;" in conf
    assert "server [fd00::4]:80 weight=1 down;" in conf
    round_robin = site_rules.balancing_conf(7, "round_robin", nodes[:1])
    assert round_robin is not None and "least_conn" not in round_robin and "ip_hash" not in round_robin
    assert site_rules.balancing_conf(7, "round_robin", []) is None
    with pytest.raises(ValueError):
        site_rules.balancing_conf(7, "ip_hash", nodes)
    with pytest.raises(ValueError):
        NodeSpec("10.0.0.2; evil", 80, 1, backup=False, down=False)
    script = site_rules.render_balancing("lb.test", 7, "ip_hash", nodes[:1])
    assert "/etc/nginx/forge-conf/lb.test/before/balancing.conf" in script.body
    subprocess.run(["bash", "-n"], input=script.body, text=True, check=True)


def test_sites_on_load_balancers_proxy_to_their_upstream() -> None:
    template = default_site_template("php", balancer=True)
    assert "set $shipyard_upstream shipyard-site-{{ SITE_ID }};" in template
    assert "proxy_pass http://$shipyard_upstream;" in template
    assert all(includes_part(template, part) for part in ("before", "server", "after"))
    assert "fastcgi_pass" not in template


def test_a_site_removal_takes_its_htpasswd_files() -> None:
    spec = SiteSpec(
        id=9, domain="shop.test", aliases=(), wildcards=False, user="forge", isolated=False,
        directory="/public", project_type="php", php="8.2", template=default_site_template("php"),
        public_ip="203.0.113.5", private_ip="",
    )  # fmt: skip
    assert "rm -rf -- /etc/nginx/htpasswd/site-9" in render_remove(spec, remove_user=False).body
