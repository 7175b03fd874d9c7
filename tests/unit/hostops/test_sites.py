"""The site renderers: host layout, valid bash, hostile values refused, vhost edits that follow the site."""

from __future__ import annotations

import base64
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import replace

import pytest

from shipyard.core.script import HostResult, Script
from shipyard.hostops import sites
from shipyard.hostops.nginx import default_template, substitute
from shipyard.hostops.sites import SiteSpec

ISOLATED = SiteSpec(
    id=7,
    domain="shop.example.com",
    aliases=("www.shop.example.com",),
    wildcards=False,
    user="shop",
    isolated=True,
    directory="/public",
    project_type="php",
    php="8.2",
    template=default_template(),
    public_ip="203.0.113.5",
    private_ip="10.0.0.5",
)
STATIC = replace(
    ISOLATED,
    id=8,
    domain="docs.test",
    aliases=("*.docs.test",),
    wildcards=True,
    user="forge",
    isolated=False,
    directory="/",
    project_type="html",
    template=sites.html_template(),
)

SCRIPTS: dict[str, Callable[[], Script]] = {
    "install-isolated": lambda: sites.render_install(ISOLATED),
    "install-renamed": lambda: sites.render_install(ISOLATED, previous_domain="old.example.com"),
    "install-static": lambda: sites.render_install(STATIC),
    "install-forge-php": lambda: sites.render_install(replace(ISOLATED, user="forge", isolated=False)),
    "remove-isolated": lambda: sites.render_remove(ISOLATED, remove_user=True),
    "remove-static": lambda: sites.render_remove(STATIC, remove_user=True),
    "remove-renamed": lambda: sites.render_remove(ISOLATED, remove_user=False, previous_domain="old.test"),
    "nginx": lambda: sites.render_nginx_update(ISOLATED),
    "read-vhost": lambda: sites.render_read_vhost("shop.example.com"),
    "read-env": lambda: sites.render_read_file("shop", "/home/shop/shop.example.com/.env"),
    "read-log": lambda: sites.render_read_file(
        "shop", "/home/shop/shop.example.com/storage/logs/laravel.log", tail=500
    ),
    "write-env": lambda: sites.render_write_file("shop", "/home/shop/shop.example.com/.env", "A=1\n", "0640"),
    "truncate-log": lambda: sites.render_truncate_file(
        "shop", "/home/shop/shop.example.com/storage/logs/laravel.log"
    ),
    "nginx-part": lambda: sites.render_nginx_part(
        "shop.example.com",
        "server",
        "auth.conf",
        "auth_basic on;\n",
        files={"/etc/nginx/forge-conf/shop.example.com/htpasswd": ("u:$apr1$x\n", "0640")},
    ),
    "nginx-part-removed": lambda: sites.render_nginx_part(
        "shop.example.com",
        "server",
        "auth.conf",
        None,
        files={"/etc/nginx/forge-conf/shop.example.com/htpasswd": ("", "0640")},
    ),
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


def test_the_host_layout() -> None:
    assert ISOLATED.root == "/home/shop/shop.example.com"
    assert ISOLATED.web == "/home/shop/shop.example.com/public"
    assert ISOLATED.php_socket == "/run/php/php8.2-fpm-site-7.sock"
    assert STATIC.web == STATIC.root == "/home/forge/docs.test"
    assert replace(ISOLATED, isolated=False, user="forge").php_socket == "/run/php/php8.2-fpm.sock"
    assert sites.vhost_path("docs.test") == "/etc/nginx/sites-available/docs.test"
    assert sites.web_path("forge", "a.test", "/web/dist") == "/home/forge/a.test/web/dist"


def test_the_isolated_pool_runs_as_the_site_user_on_its_own_socket() -> None:
    script = sites.render_install(ISOLATED)
    pool = script.files["pool.conf"]
    assert "[site-7]" in pool and "user = shop" in pool and "group = shop" in pool
    assert "listen = /run/php/php8.2-fpm-site-7.sock" in pool and "listen.owner = www-data" in pool
    assert "/etc/php/8.2/fpm/pool.d/site-7.conf" in script.body
    assert "--comment 'Shipyard site user'" in script.body
    assert "pool.conf" not in sites.render_install(replace(ISOLATED, isolated=False, user="forge")).files
    assert "pool.conf" not in sites.render_install(STATIC).files


def test_the_vhost_is_the_template_with_the_site_values() -> None:
    vhost = sites.render_install(ISOLATED).files["vhost.conf"]
    assert "server_name shop.example.com www.shop.example.com;" in vhost
    assert "root /home/shop/shop.example.com/public;" in vhost
    assert "fastcgi_pass unix:/run/php/php8.2-fpm-site-7.sock;" in vhost
    assert "access_log /var/log/nginx/shop.example.com-access.log;" in vhost
    static = sites.render_install(STATIC).files["vhost.conf"]
    assert "server_name docs.test *.docs.test *.docs.test;" not in static
    assert "server_name docs.test *.docs.test;" in sites.render_vhost(replace(STATIC, aliases=()))
    assert "php" not in static.replace("index.php", "") and "fastcgi" not in static
    assert "try_files $uri $uri/ =404;" in static


def test_an_empty_web_directory_gets_a_placeholder_of_the_project_type() -> None:
    assert "index.php" in sites.render_install(ISOLATED).body
    assert "<?php" in sites.render_install(ISOLATED).files["index"]
    assert "<!doctype html>" in sites.render_install(STATIC).files["index"]


def test_a_rename_moves_the_previous_vhost_root_and_logs() -> None:
    body = sites.render_install(ISOLATED, previous_domain="old.example.com").body
    assert "PREVIOUS_VHOST=/etc/nginx/sites-available/old.example.com" in body
    assert "PREVIOUS_ROOT=/home/shop/old.example.com" in body
    assert "/var/log/nginx/old.example.com-access.log*" in body
    assert "PREVIOUS_" not in sites.render_install(ISOLATED, previous_domain="shop.example.com").body


def test_removal_also_takes_the_domain_the_host_still_has() -> None:
    body = sites.render_remove(ISOLATED, remove_user=False, previous_domain="old.test").body
    for path in (
        "/etc/nginx/sites-available/old.test",
        "/etc/nginx/sites-enabled/old.test",
        "/home/shop/old.test",
    ):
        assert path in body
    assert "/var/log/nginx/old.test-access.log*" in body
    assert "old.test" not in sites.render_remove(ISOLATED, remove_user=False, previous_domain=None).body
    with pytest.raises(ValueError):
        sites.render_remove(ISOLATED, remove_user=False, previous_domain="$(id)")


def test_only_the_last_site_of_an_isolated_user_removes_it() -> None:
    assert "userdel --remove" in sites.render_remove(ISOLATED, remove_user=True).body
    assert "userdel" not in sites.render_remove(ISOLATED, remove_user=False).body
    assert "userdel" not in sites.render_remove(STATIC, remove_user=True).body  # the server's own user


def test_content_travels_only_in_uploaded_files() -> None:
    content = "APP_KEY='$(touch /tmp/pwned)'\n`id`\n"
    script = sites.render_write_file("shop", "/home/shop/shop.example.com/.env", content, "0640")
    assert script.files == {"content": content}
    assert "pwned" not in script.body
    hostile_vhost = replace(ISOLATED, template="server { return 200 '$(touch /tmp/pwned)'; }")
    assert "pwned" not in sites.render_nginx_update(hostile_vhost).body


HOSTILE = ["a;b", "$(id)", "`id`", "a b", "a\nb", "a'b", "a/../b", "..", "a\\b"]


@pytest.mark.parametrize("value", [*HOSTILE, "", "-x", "a/b"])
def test_hostile_names_never_render(value: str) -> None:
    for field in ("domain", "user"):
        with pytest.raises(ValueError):
            replace(ISOLATED, **{field: value})
    with pytest.raises(ValueError):
        replace(ISOLATED, aliases=(value,))
    with pytest.raises(ValueError):
        sites.render_install(ISOLATED, previous_domain=value)


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_paths_never_render(value: str) -> None:
    with pytest.raises(ValueError):
        replace(ISOLATED, directory=f"/{value}")
    with pytest.raises(ValueError):
        sites.render_read_file("shop", f"/home/shop/{value}/.env")
    with pytest.raises(ValueError):
        sites.render_write_file("shop", f"/home/shop/x/{value}", "", "0640")


def test_reserved_users_and_bad_php_versions_never_render() -> None:
    for user in ("root", "www-data", "mysql"):
        with pytest.raises(ValueError):
            replace(ISOLATED, user=user)
    with pytest.raises(ValueError):
        replace(ISOLATED, php="8.2; id")
    with pytest.raises(ValueError):
        replace(ISOLATED, project_type="node")
    with pytest.raises(ValueError):
        sites.render_read_file("shop", "/home/other/x/.env")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Example.COM", "example.com"),
        ("a-b.example", "a-b.example"),
        ("localhost", "localhost"),
        ("example.com.", None),
        ("default", None),
        ("-a.test", None),
        ("a..test", None),
        ("*.a.test", None),
        ("a_b.test", None),
    ],
)
def test_site_domains(value: str, expected: str | None) -> None:
    assert sites.site_domain(value) == expected


def test_aliases_take_wildcards_only_when_the_site_does() -> None:
    assert sites.site_alias("*.A.test", wildcards=True) == "*.a.test"
    assert sites.site_alias("*.a.test", wildcards=False) is None
    assert sites.site_alias("www.a.test", wildcards=False) == "www.a.test"
    assert sites.site_alias("*.*.a.test", wildcards=True) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/public", "/public"),
        ("/", "/"),
        ("/public/", "/public"),
        ("//web//dist", "/web/dist"),
        ("/.output/public", "/.output/public"),
        ("public", None),
        ("/../etc", None),
        ("/a/./b", None),
        ("/a b", None),
        ("/a;b", None),
    ],
)
def test_web_directories(value: str, expected: str | None) -> None:
    assert sites.web_directory(value) == expected


def test_templatize_gives_the_site_values_back_as_variables() -> None:
    values = ISOLATED.values()
    edited = sites.render_vhost(ISOLATED).replace(
        "charset utf-8;", 'charset utf-8;\n    add_header X-Edited "1";'
    )
    template = sites.templatize(edited, values)
    assert "{{ DOMAINS }}" in template and "{{ PATH }}" in template and "{{ PROXY_PASS }}" in template
    assert "/var/log/nginx/{{ SITE }}-access.log" in template
    assert substitute(template, values) == edited
    renamed = replace(ISOLATED, domain="new.test", aliases=(), directory="/web", isolated=False, user="forge")
    moved = substitute(template, renamed.values())
    assert "server_name new.test;" in moved and "root /home/forge/new.test/web;" in moved
    assert "fastcgi_pass unix:/run/php/php8.2-fpm.sock;" in moved and 'add_header X-Edited "1";' in moved


def test_templatize_leaves_look_alikes_alone() -> None:
    values = replace(ISOLATED, domain="a.bc", aliases=()).values()
    assert sites.templatize("server_name a.bc; data.bcd xa.bc a.bc /x/a.bc-error.log", values) == (
        "server_name {{ DOMAINS }}; data.bcd xa.bc {{ SITE }} /x/{{ SITE }}-error.log"
    )


def test_a_site_without_aliases_takes_new_ones_in_server_name_only() -> None:
    alone = replace(ISOLATED, aliases=())
    template = sites.templatize(sites.render_vhost(alone), alone.values())
    with_alias = substitute(template, replace(alone, aliases=("shop.test",)).values())
    assert "server_name shop.example.com shop.test;" in with_alias
    assert "/var/log/nginx/shop.example.com-access.log;" in with_alias


def _result(payload: dict[str, object], exit_code: int = 0) -> HostResult:
    return HostResult("h", exit_code, "", payload)


def test_reads_and_refusals_come_back_decoded() -> None:
    text = "A=1\nB='é'\n"
    encoded = base64.b64encode(text.encode()).decode()
    assert sites.read_content(_result({"found": True, "content": encoded})) == text
    assert sites.read_content(_result({"found": False})) is None
    refusal = base64.b64encode(b"nginx: [emerg] unknown directive\n").decode()
    assert sites.nginx_test_output(_result({"nginx_valid": False, "nginx_test": refusal}, 1)) == (
        "nginx: [emerg] unknown directive\n"
    )
    assert sites.nginx_test_output(_result({}, 1)) is None
    with pytest.raises(ValueError):
        sites.read_content(_result({"found": True, "content": "not base64!"}))


def test_the_vhost_includes_the_site_parts_and_installs_keep_their_directory() -> None:
    vhost = sites.render_vhost(ISOLATED)
    for part in sites.NGINX_PARTS:
        assert f"include forge-conf/shop.example.com/{part}/*;" in vhost
        assert sites.includes_part(ISOLATED.template, part)
        assert not sites.includes_part(ISOLATED.template.replace(f"/{part}/*;", "/x/*;"), part)
    assert "mv -T /etc/nginx/forge-conf/old.example.com /etc/nginx/forge-conf/shop.example.com" in (
        sites.render_install(ISOLATED, previous_domain="old.example.com").body
    )
    assert "rm -rf -- /etc/nginx/forge-conf/old.test" in (
        sites.render_remove(ISOLATED, remove_user=False, previous_domain="old.test").body
    )


@pytest.mark.parametrize(
    ("part", "name", "path"),
    [
        ("inside", "a.conf", None),
        ("server", "../a.conf", None),
        ("server", "a.conf; rm", None),
        ("server", "a.conf", "/etc/passwd"),
        ("server", "a.conf", "/etc/nginx/../passwd"),
    ],
)
def test_site_parts_stay_in_their_place(part: str, name: str, path: str | None) -> None:
    files = {path: ("x", "0640")} if path else None
    with pytest.raises(ValueError):
        sites.render_nginx_part("shop.example.com", part, name, "", files=files)
