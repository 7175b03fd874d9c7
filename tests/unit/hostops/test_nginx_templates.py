"""Forge's `{{ VARIABLES }}` in nginx templates: what is known, and what a site fills in."""

from __future__ import annotations

from shipyard.hostops.nginx import (
    VARIABLE,
    VARIABLES,
    SiteValues,
    default_template,
    substitute,
    unknown_variables,
)

SITE = SiteValues(
    site_id=7,
    domain="example.com",
    aliases=("www.example.com",),
    user="forge",
    root_path="/home/forge/example.com",
    directory="/public",
    php_socket="/var/run/php/php8.2-fpm.sock",
    public_ip="203.0.113.5",
    private_ip="10.0.0.5",
)


def test_every_variable_is_filled_in_with_or_without_spaces() -> None:
    content = " ".join(f"{{{{{name}}}}} {{{{ {name} }}}}" for name in VARIABLES)
    rendered = substitute(content, SITE)
    assert "{{" not in rendered
    assert substitute("{{ PATH }}|{{DOMAINS}}|{{PROXY_PASS}}|{{ PORT_V6 }}", SITE) == (
        "/home/forge/example.com/public|example.com www.example.com|unix:/var/run/php/php8.2-fpm.sock|[::]:80"
    )


def test_nginx_syntax_passes_through() -> None:
    content = "location / { try_files $uri $uri/ /index.php?$query_string; } # {{ SITE_ID }}"
    assert substitute(content, SITE) == "location / { try_files $uri $uri/ /index.php?$query_string; } # 7"


def test_unknown_variables_are_reported_once_in_order() -> None:
    assert unknown_variables("{{ PORT }} {{ NOPE }} {{SITE}} {{ ALSO_NOT }} {{NOPE}}") == ["NOPE", "ALSO_NOT"]
    assert unknown_variables(default_template()) == []


def test_the_default_template_uses_the_variables_a_site_needs() -> None:
    used = set(VARIABLE.findall(default_template()))
    assert {"PORT", "PORT_V6", "DOMAINS", "PATH", "PROXY_PASS", "SITE"} <= used


def test_a_root_web_directory_is_the_site_root() -> None:
    values = SiteValues(1, "a.test", (), "forge", "/home/forge/a.test", "/", "/run/php.sock", "1.2.3.4", "")
    assert substitute("{{ PATH }} {{ SERVER_PRIVATE_IP }}", values) == "/home/forge/a.test 1.2.3.4"
