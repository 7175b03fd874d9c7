"""Renderers for sites: the host layout, the nginx vhost, the PHP-FPM pool and the site's files.

A site of `user` for `domain` lives in `/home/<user>/<domain>` (its root) and is served from
`<root><directory>` (its web directory). Its vhost is `/etc/nginx/sites-available/<domain>`,
enabled by a symlink in `sites-enabled`. What other site features add to nginx (certificates,
redirect and security rules, upstreams) are files in `/etc/nginx/forge-conf/<domain>/{before,
server,after}/`, which the vhost includes as Forge's does (`render_nginx_part`). A changed vhost
is kept only when `nginx -t` passes, otherwise the previous files are put back. Sites run PHP as
their user: the server's user (`forge`) through the `www` pool of their PHP version, an isolated
site through a pool of its own, `site-<id>`, listening on `/run/php/php<version>-fpm-site-<id>.sock`.
Files inside a site's directory are written and read as the site user, never as root.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Any

from shipyard.core.script import HostResult, Script
from shipyard.core.validation import DNS_NAME, UNIX_USER
from shipyard.hostops.nginx import SiteValues, default_template, substitute
from shipyard.hostops.render import render_template, script

PROJECT_TYPES = ("php", "html")
DEFAULT_DIRECTORY = "/public"
PHP_VERSION = re.compile(r"^[0-9]{1,2}\.[0-9]{1,2}\Z")
_SEGMENT = re.compile(r"^[A-Za-z0-9._@+-]{1,255}\Z")
# System accounts a site may never run as (the host refuses any other account below uid 1000 too).
RESERVED_USERS = frozenset(
    {
        "root", "daemon", "bin", "sys", "sync", "games", "man", "lp", "mail", "news", "uucp", "proxy",
        "www-data", "backup", "list", "irc", "gnats", "nobody", "nogroup", "sshd", "messagebus",
        "mysql", "postgres", "redis", "memcache", "supervisor", "admin", "sudo", "staff", "users",
    }
)  # fmt: skip
# Reads return at most this much of a file (they travel in one line of the script's output).
READ_LIMIT = 262_144
# What marks a system user as one Shipyard created for isolated sites (and may remove again).
SITE_USER_COMMENT = "Shipyard site user"


def site_domain(value: str) -> str | None:
    """A site's domain in canonical (lower-case) form, or None: a DNS name without a trailing dot."""
    if not DNS_NAME.match(value) or value.endswith(".") or value.lower() == "default":
        return None
    return value.lower()


def site_alias(value: str, *, wildcards: bool) -> str | None:
    """An alias in canonical form, or None; `*.name` only when the site takes wildcard sub-domains."""
    wildcard = wildcards and value.startswith("*.")
    domain = site_domain(value[2:] if wildcard else value)
    if domain is None:
        return None
    return f"*.{domain}" if wildcard else domain


def web_directory(value: str) -> str | None:
    """A web directory relative to the site root in canonical form (`/public`, `/` for the root
    itself), or None: it starts with `/`, and no part is `.` or `..`."""
    if not value.startswith("/") or len(value) > 255:
        return None
    parts = [part for part in value.split("/") if part]
    if any(part in (".", "..") or not _SEGMENT.match(part) for part in parts):
        return None
    return "/" + "/".join(parts)


def site_root(user: str, domain: str) -> str:
    return f"/home/{user}/{domain}"


def web_path(user: str, domain: str, directory: str) -> str:
    """The directory nginx serves: the site root, or the web directory inside it."""
    root = site_root(user, domain)
    return root if directory == "/" else root + directory


def vhost_path(domain: str) -> str:
    return f"/etc/nginx/sites-available/{domain}"


def enabled_path(domain: str) -> str:
    return f"/etc/nginx/sites-enabled/{domain}"


def auth_dir(site_id: int) -> str:
    """Where the site's htpasswd files (its security rules) live; by id, so a rename keeps them."""
    return f"/etc/nginx/htpasswd/site-{site_id}"


def deploy_key_path(user: str, site_id: int) -> str:
    """The site's private deploy key (the public key is beside it, `.pub`)."""
    return f"/home/{user}/.ssh/shipyard-site-{site_id}"


def sudoers_path(site_id: int) -> str:
    """The sudoers rule that lets the site user reload PHP-FPM in its deployments."""
    return f"/etc/sudoers.d/shipyard-site-{site_id}"


def conf_dir(domain: str) -> str:
    """Where the files other site features add to the site's nginx configuration live."""
    return f"/etc/nginx/forge-conf/{domain}"


def site_ssl_dir(site_id: int) -> str:
    """Where the site's certificates are (by id: a rename does not move them)."""
    return f"/etc/nginx/ssl/site-{site_id}"


# Where in the vhost each part's files are included: before the site's server block (http
# context: upstreams, other server blocks), inside it, or after it.
NGINX_PARTS = ("before", "server", "after")
_PART_FILE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}\.conf\Z")


def includes_part(template: str, part: str) -> bool:
    """Whether a site's vhost template includes the files of `part` (a hand-edited one may not)."""
    include = r"include\s+(?:/etc/nginx/)?forge-conf/\{\{ SITE \}\}/" + re.escape(part) + r"/\*\s*;"
    return re.search(include, template) is not None


@lru_cache
def html_template() -> str:
    """The default vhost of a static (html) site: the default template without PHP."""
    return files("shipyard.hostops").joinpath("templates/nginx/site-html.conf").read_text()


@lru_cache
def balancer_template() -> str:
    """The default vhost of a site on a load balancer: it proxies to the site's upstream."""
    return files("shipyard.hostops").joinpath("templates/nginx/site-balancer.conf").read_text()


def default_site_template(project_type: str, *, balancer: bool = False) -> str:
    """The vhost a site gets without a chosen template (`balancer`: it is on a load balancer)."""
    if balancer:
        return balancer_template()
    return html_template() if project_type == "html" else default_template()


@dataclass(frozen=True)
class SiteSpec:
    """Everything the host needs to serve one site."""

    id: int
    domain: str
    aliases: tuple[str, ...]
    wildcards: bool
    user: str
    isolated: bool
    directory: str
    project_type: str
    php: str  # the distribution's PHP version, e.g. "8.2"
    template: str  # the vhost with Forge's `{{ VARIABLES }}`
    public_ip: str
    private_ip: str

    def __post_init__(self) -> None:
        # The service validated all of this already; a renderer never trusts its input.
        if site_domain(self.domain) != self.domain:
            raise ValueError(f"not a site domain: {self.domain!r}")
        for alias in self.aliases:
            if site_alias(alias, wildcards=self.wildcards) != alias:
                raise ValueError(f"not a site alias: {alias!r}")
        if not UNIX_USER.match(self.user) or self.user in RESERVED_USERS:
            raise ValueError(f"not a site user: {self.user!r}")
        if web_directory(self.directory) != self.directory:
            raise ValueError(f"not a web directory: {self.directory!r}")
        if self.project_type not in PROJECT_TYPES:
            raise ValueError(f"not a project type: {self.project_type!r}")
        if not PHP_VERSION.match(self.php):
            raise ValueError(f"not a PHP version: {self.php!r}")

    @property
    def root(self) -> str:
        return site_root(self.user, self.domain)

    @property
    def web(self) -> str:
        return web_path(self.user, self.domain, self.directory)

    @property
    def pool(self) -> str:
        return f"site-{self.id}"

    @property
    def php_socket(self) -> str:
        if self.isolated:
            return f"/run/php/php{self.php}-fpm-{self.pool}.sock"
        return f"/run/php/php{self.php}-fpm.sock"

    @property
    def uses_php(self) -> bool:
        return self.project_type == "php"

    def values(self) -> SiteValues:
        wildcard = (f"*.{self.domain}",) if self.wildcards else ()
        return SiteValues(
            site_id=self.id,
            domain=self.domain,
            aliases=(*wildcard, *(alias for alias in self.aliases if alias not in wildcard)),
            user=self.user,
            root_path=self.root,
            directory=self.directory,
            php_socket=self.php_socket,
            public_ip=self.public_ip,
            private_ip=self.private_ip,
        )


# The values a site's own settings decide; where two are equal (a site without aliases has
# DOMAINS == SITE) the first one named here wins, except in `server_name`, which takes DOMAINS.
_SITE_VARIABLES = ("PATH", "ROOT_PATH", "PROXY_PASS", "SITE", "DOMAINS")


def templatize(content: str, values: SiteValues) -> str:
    """`content` with the site's current path, root, PHP socket, names and domain written as Forge
    variables again, so that a hand-edited vhost follows later changes of the site (as Forge
    rewrites the old domain, path and PHP socket in a site's configuration).

    Longer values go first and a value only counts where no letter or digit touches it, so that
    `substitute(templatize(content, v), v) == content`.
    """
    mapping = values.variables()
    content = re.sub(
        r"(\bserver_name\s+)" + re.escape(mapping["DOMAINS"]) + r"(?=\s*;)", r"\1{{ DOMAINS }}", content
    )
    by_value: dict[str, str] = {}
    for name in _SITE_VARIABLES:
        by_value.setdefault(mapping[name], name)
    ordered = sorted(by_value, key=len, reverse=True)
    pattern = re.compile(
        "(?<![A-Za-z0-9])(?:" + "|".join(re.escape(value) for value in ordered) + ")(?![A-Za-z0-9])"
    )
    return pattern.sub(lambda match: "{{ " + by_value[match.group(0)] + " }}", content)


def render_vhost(spec: SiteSpec) -> str:
    return substitute(spec.template, spec.values())


def render_pool(spec: SiteSpec) -> str:
    """The PHP-FPM pool of an isolated site: its own processes, as its user, on its own socket."""
    return render_template("site-pool.conf.j2", spec=spec)


def placeholder(spec: SiteSpec) -> tuple[str, str]:
    """The name and content of the page an empty web directory gets."""
    if spec.uses_php:
        return "index.php", "<?php\n\necho 'This site is ready.', PHP_EOL;\n"
    return "index.html", "<!doctype html>\n<title>Site ready</title>\n<p>This site is ready.</p>\n"


def _script(name: str, template: str, *, files: dict[str, str] | None = None, **context: Any) -> Script:
    return script(name, template, files=files, site_user_comment=SITE_USER_COMMENT, **context)


def render_install(spec: SiteSpec, *, previous_domain: str | None = None) -> Script:
    """Create or converge the site: user, directories, a placeholder page in an empty web
    directory, the PHP-FPM pool and the vhost (tested before nginx reloads).

    `previous_domain` is the domain the host has the site under, when the site was renamed
    since: its vhost goes, its root directory moves to the new one and its logs are removed.
    """
    if previous_domain is not None and site_domain(previous_domain) != previous_domain:
        raise ValueError(f"not a site domain: {previous_domain!r}")
    index_name, index = placeholder(spec)
    staged = {"vhost.conf": render_vhost(spec), "index": index}
    if spec.uses_php and spec.isolated:
        staged["pool.conf"] = render_pool(spec)
    previous = previous_domain if previous_domain != spec.domain else None
    return _script(
        "site-install",
        "site_install.sh.j2",
        files=staged,
        spec=spec,
        index_name=index_name,
        vhost=vhost_path(spec.domain),
        enabled=enabled_path(spec.domain),
        previous_vhost=vhost_path(previous) if previous else None,
        previous_enabled=enabled_path(previous) if previous else None,
        previous_root=site_root(spec.user, previous) if previous else None,
        previous_domain=previous,
        conf=conf_dir(spec.domain),
        previous_conf=conf_dir(previous) if previous else None,
        parts=NGINX_PARTS,
    )


def render_remove(spec: SiteSpec, *, remove_user: bool, previous_domain: str | None = None) -> Script:
    """Take the site off the host: vhost, logs, pools, files (also under `previous_domain`, the
    domain the host still has it under after a rename that did not reach it); with `remove_user`
    also the isolated user (the last of its sites on the server is going)."""
    domains = [spec.domain]
    if previous_domain is not None and previous_domain != spec.domain:
        if site_domain(previous_domain) != previous_domain:
            raise ValueError(f"not a site domain: {previous_domain!r}")
        domains.append(previous_domain)
    return _script(
        "site-remove",
        "site_remove.sh.j2",
        spec=spec,
        places=[
            (domain, vhost_path(domain), enabled_path(domain), site_root(spec.user, domain), conf_dir(domain))
            for domain in domains
        ],
        remove_user=remove_user and spec.isolated,
        # Directories other site features keep by site id (htpasswd files, certificates).
        site_dirs=[auth_dir(spec.id), site_ssl_dir(spec.id)],
        deploy_key=deploy_key_path(spec.user, spec.id),
        sudoers=sudoers_path(spec.id),
    )


def render_nginx_update(spec: SiteSpec) -> Script:
    """Replace the site's vhost with `render_vhost(spec)`, only if `nginx -t` passes with it."""
    return _script(
        "site-nginx",
        "site_nginx.sh.j2",
        files={"vhost.conf": render_vhost(spec)},
        vhost=vhost_path(spec.domain),
        enabled=enabled_path(spec.domain),
        spec=spec,
    )


def render_nginx_part(
    domain: str, part: str, name: str, content: str | None, *, files: dict[str, tuple[str, str]] | None = None
) -> Script:
    """Put `content` in the site's nginx file `forge-conf/<domain>/<part>/<name>` (None: remove it),
    and `files` (host path -> (content, mode), e.g. certificates or an htpasswd file, root-owned,
    readable by nginx) beside it; all kept only when `nginx -t` passes, then nginx reloads.
    A file of `files` mapped to content "" is removed."""
    if site_domain(domain) != domain:
        raise ValueError(f"not a site domain: {domain!r}")
    if part not in NGINX_PARTS or not _PART_FILE.match(name):
        raise ValueError(f"not a site nginx file: {part!r}/{name!r}")
    extra = files or {}
    for path, (_, mode) in extra.items():
        if (
            not path.startswith("/etc/nginx/")
            or web_directory(path) != path
            or not re.fullmatch(r"0[0-7]{3}", mode)
        ):
            raise ValueError(f"not a file under /etc/nginx: {path!r} ({mode!r})")
    staged = {f"extra-{n}": text for n, (text, _) in enumerate(extra.values()) if text}
    if content is not None:
        staged["part.conf"] = content
    return _script(
        "site-nginx-part",
        "site_nginx_part.sh.j2",
        files=staged,
        dir=f"{conf_dir(domain)}/{part}",
        path=f"{conf_dir(domain)}/{part}/{name}",
        present=content is not None,
        extra=[
            (f"extra-{n}", path, mode, bool(text)) for n, (path, (text, mode)) in enumerate(extra.items())
        ],
    )


def render_read_vhost(domain: str) -> Script:
    """The site's vhost as it is on the host (result: `found`, `content` in base64)."""
    if site_domain(domain) != domain:
        raise ValueError(f"not a site domain: {domain!r}")
    return _script(
        "site-read", "site_read.sh.j2", path=vhost_path(domain), user=None, tail=None, limit=READ_LIMIT
    )


def render_read_file(user: str, path: str, *, tail: int | None = None) -> Script:
    """A file of the site read as the site user, whole or its last `tail` lines (result: `found`,
    `content` in base64, at most READ_LIMIT bytes: the end of the file)."""
    check_user_path(user, path)
    return _script("site-read", "site_read.sh.j2", path=path, user=user, tail=tail, limit=READ_LIMIT)


def render_write_file(user: str, path: str, content: str, mode: str, *, parents: bool = False) -> Script:
    """Replace a file of the site, as the site user, with `content` (uploaded, never on a command
    line); with `parents`, the user first creates its directory (mode 0700) and missing parents."""
    check_user_path(user, path)
    if not re.fullmatch(r"0[0-7]{3}", mode):
        raise ValueError(f"not a file mode: {mode!r}")
    return _script(
        "site-write",
        "site_write.sh.j2",
        files={"content": content},
        path=path,
        user=user,
        mode=mode,
        parents=parents,
    )


def render_truncate_file(user: str, path: str) -> Script:
    """Empty a file of the site (when it exists), as the site user."""
    check_user_path(user, path)
    return _script("site-truncate", "site_truncate.sh.j2", path=path, user=user)


def check_user_path(user: str, path: str) -> None:
    """ValueError unless `path` is a canonical path inside the home of `user`."""
    if not UNIX_USER.match(user):
        raise ValueError(f"not a site user: {user!r}")
    home = f"/home/{user}/"
    if not path.startswith(home) or web_directory(path) != path:
        raise ValueError(f"not a path inside {home}: {path!r}")


def _decoded(value: object) -> str:
    try:
        return base64.b64decode(str(value), validate=True).decode("utf-8", errors="replace")
    except binascii.Error as exc:
        raise ValueError("the host sent content that is not base64") from exc


def read_content(result: HostResult) -> str | None:
    """What a read script found: the file's text, or None when the file is not there."""
    if result.result.get("found") is not True:
        return None
    return _decoded(result.result.get("content", ""))


def nginx_test_output(result: HostResult) -> str | None:
    """What `nginx -t` printed when it refused a site's vhost, or None when it did not."""
    if result.result.get("nginx_valid") is not False:
        return None
    return _decoded(result.result.get("nginx_test", ""))
