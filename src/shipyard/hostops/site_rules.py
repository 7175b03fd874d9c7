"""Renderers for a site's rules in nginx: redirect rules, security rules (HTTP basic
authentication) and load balancing. Each is written as site nginx part files with
`render_nginx_part`, kept only when `nginx -t` passes. No file names the site's domain, so
that the rules survive a rename of the site (its `forge-conf` directory moves with it).

- A redirect rule is `server/redirect-<kind>-<id>.conf`: a server-level `if` on `$request_uri`
  (the request as sent, unchanged by internal redirects) that returns 301 or 302. `from` without
  a query string matches that path with any query string; `from` with one matches exactly that
  request. Rules with a query string sort first (`query` < `uri`), so they win over their path.
- A site's security rules are one `server/security.conf` that picks, per request, the realm and
  htpasswd file of the most specific rule whose path is a prefix of the (normalised) `$uri`,
  the whole-site rule otherwise, or none (`auth_basic off`). Being server-level, it leaves the
  vhost's own locations (PHP, static files, a proxy) serving what they protect. The htpasswd
  files (bcrypt hashes only) are in `/etc/nginx/htpasswd/site-<id>/`. ACME HTTP-01 challenges
  stay reachable.
- Load balancing is `before/balancing.conf`: the upstream `shipyard-site-<id>` with the chosen
  servers, weights, `backup`, `down` and the method. The default vhost of a site on a load
  balancer proxies `/` to it (`templates/nginx/site-balancer.conf`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from shipyard.core.script import Script
from shipyard.core.validation import DNS_NAME, is_ip, join_host_port
from shipyard.hostops.render import render_template
from shipyard.hostops.sites import auth_dir, render_nginx_part

REDIRECT_TYPES = {"redirect": 302, "permanent": 301}
BALANCING_METHODS = ("round_robin", "least_conn", "ip_hash")
HTPASSWD_MODE = "0640"
MAX_URL = 2048
# What a redirect's `from` and `to` may hold: unreserved and sub-delimiter characters of URLs
# and percent escapes; never a space, quote, brace, semicolon, `$`, backslash or line break.
_URL_PART = r"[A-Za-z0-9._~!*(),:@&=+%/-]"
_FROM = re.compile(rf"^/{_URL_PART}*(?:\?{_URL_PART}[A-Za-z0-9._~!*(),:@&=+%/?-]*)?\Z")
_TO = re.compile(r"^[A-Za-z0-9._~!*(),:@&=+%/?#-]+\Z")
_PATH = re.compile(r"^/[A-Za-z0-9._~@+/-]{0,254}\Z")
_REALM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._,:()!?@+/&-]{0,63}\Z")
_HTPASSWD_USER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}\Z")
_BCRYPT = re.compile(r"^\$2[aby]\$[0-9]{2}\$[./A-Za-z0-9]{53}\Z")


def redirect_from(value: str) -> str | None:
    """A redirect rule's `from`: a path starting with `/`, with an optional query string."""
    if len(value) > MAX_URL or not _FROM.match(value):
        return None
    return value


def redirect_to(value: str) -> str | None:
    """A redirect rule's `to`: a path starting with `/`, or an http(s) URL with a host name."""
    if len(value) > MAX_URL or not _TO.match(value):
        return None
    if value.startswith("/"):
        return None if value.startswith("//") else value
    parts = urlsplit(value)
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not (DNS_NAME.match(host) or is_ip(host)):
        return None
    try:
        _ = parts.port  # raises on a port that is not a number in range
    except ValueError:
        return None
    return value


def protected_path(value: str) -> str | None:
    """A security rule's path in canonical form (no trailing `/`), `/` for the whole site, or None."""
    if not _PATH.match(value) or any(part in (".", "..") for part in value.split("/")):
        return None
    return value.rstrip("/") or "/"


def realm_error(name: str) -> str | None:
    """Why a security rule's name cannot be its realm (the name browsers show), or None."""
    if not _REALM.match(name):
        return "The name must be 1-64 letters, digits, spaces and . _ , : ( ) ! ? @ + / & - ."
    if name == "off":
        return 'The name must not be "off" (nginx reads it as authentication turned off).'
    return None


def htpasswd_user(value: str) -> str | None:
    """A credential's username: letters, digits and . _ @ + - (no `:`, which ends it in htpasswd)."""
    return value if _HTPASSWD_USER.match(value) else None


def _regex(text: str) -> str:
    """`text` (of the characters the patterns above allow) as a literal PCRE."""
    return re.sub(r"([^A-Za-z0-9/_@&=,:%-])", r"\\\1", text)


@dataclass(frozen=True)
class RedirectSpec:
    id: int
    source: str
    target: str
    type: str

    def __post_init__(self) -> None:
        if redirect_from(self.source) != self.source or redirect_to(self.target) != self.target:
            raise ValueError(f"not a redirect: {self.source!r} -> {self.target!r}")
        if self.type not in REDIRECT_TYPES:
            raise ValueError(f"not a redirect type: {self.type!r}")

    @property
    def file(self) -> str:
        return f"redirect-{'query' if '?' in self.source else 'uri'}-{self.id}.conf"


def redirect_conf(rule: RedirectSpec) -> str:
    """The server-level lines that return the rule's redirect."""
    path, query, _ = rule.source.partition("?")
    condition = f'= "{rule.source}"' if query else f'~ "^{_regex(path)}(?:\\?|$)"'
    return render_template(
        "site_redirect.conf.j2", rule=rule, condition=condition, code=REDIRECT_TYPES[rule.type]
    )


def render_redirect(domain: str, rule: RedirectSpec, *, present: bool = True) -> Script:
    """Install the redirect rule in the site's nginx configuration (`present=False`: remove it)."""
    return render_nginx_part(domain, "server", rule.file, redirect_conf(rule) if present else None)


@dataclass(frozen=True)
class SecuritySpec:
    """A security rule: its realm (the name), the path it protects (None: the whole site) and its
    credentials as (username, bcrypt hash)."""

    id: int
    name: str
    path: str | None
    credentials: tuple[tuple[str, str], ...]

    def __post_init__(self) -> None:
        if realm_error(self.name) is not None:
            raise ValueError(f"not a realm: {self.name!r}")
        if self.path is not None and protected_path(self.path) != self.path:
            raise ValueError(f"not a protected path: {self.path!r}")
        for username, hashed in self.credentials:
            if htpasswd_user(username) is None or not _BCRYPT.match(hashed):
                raise ValueError(f"not a credential: {username!r}")


def htpasswd_path(site_id: int, rule_id: int) -> str:
    return f"{auth_dir(site_id)}/rule-{rule_id}.htpasswd"


def security_conf(site_id: int, rules: Sequence[SecuritySpec]) -> str | None:
    """The server-level lines that gate the site with its rules; None when it has none."""
    if not rules:
        return None
    whole = next((rule for rule in rules if rule.path in (None, "/")), None)
    paths = sorted((rule for rule in rules if rule.path not in (None, "/")), key=lambda r: len(r.path or ""))
    return render_template(
        "site_security.conf.j2",
        whole=whole,
        paths=[(rule, f'"^{_regex(rule.path or "")}"') for rule in paths],
        file=lambda rule: htpasswd_path(site_id, rule.id),
    )


def htpasswd(rule: SecuritySpec) -> str:
    return "".join(f"{username}:{hashed}\n" for username, hashed in rule.credentials)


def render_security(
    domain: str, site_id: int, rules: Sequence[SecuritySpec], *, removed: Sequence[int] = ()
) -> Script:
    """Gate the site with `rules` (its security rules now), and remove the htpasswd files of the
    rules in `removed`."""
    files = {htpasswd_path(site_id, rule.id): (htpasswd(rule), HTPASSWD_MODE) for rule in rules}
    files |= {htpasswd_path(site_id, rule_id): ("", HTPASSWD_MODE) for rule_id in removed}
    return render_nginx_part(domain, "server", "security.conf", security_conf(site_id, rules), files=files)


@dataclass(frozen=True)
class NodeSpec:
    """One server behind a load balancer: its address (private when it has one) and options."""

    address: str
    port: int
    weight: int
    backup: bool
    down: bool

    def __post_init__(self) -> None:
        if not is_ip(self.address):
            raise ValueError(f"not an IP address: {self.address!r}")
        if not 1 <= self.port <= 65535 or not 1 <= self.weight <= 1000:
            raise ValueError(f"not a port and weight: {self.port!r} {self.weight!r}")


def upstream_name(site_id: int) -> str:
    return f"shipyard-site-{site_id}"


def balancing_conf(site_id: int, method: str, nodes: Sequence[NodeSpec]) -> str | None:
    """The site's upstream; None when it balances to no server."""
    if method not in BALANCING_METHODS:
        raise ValueError(f"not a balancing method: {method!r}")
    if not nodes:
        return None
    if method == "ip_hash" and any(node.backup for node in nodes):
        raise ValueError("nginx takes no backup server with ip_hash")
    return render_template(
        "site_balancing.conf.j2",
        name=upstream_name(site_id),
        method=method,
        servers=[(join_host_port(node.address, node.port), node) for node in nodes],
    )


def render_balancing(domain: str, site_id: int, method: str, nodes: Sequence[NodeSpec]) -> Script:
    """Write the site's upstream (no nodes: remove it, and its vhost answers 502)."""
    return render_nginx_part(domain, "before", "balancing.conf", balancing_conf(site_id, method, nodes))
