"""Sites on the provisioned host: nginx serves them (PHP through PHP-FPM as the site's user), the
vhost only changes when `nginx -t` passes, and `.env`, the Laravel log and updates act on the host."""

from __future__ import annotations

import secrets
import shlex
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.support.api import Account, client, new_user
from tests.support.forge import Provisioned, output_of, wait_for_event, wait_until
from tests.support.hosts import Host
from tests.support.server import ShipyardServer

SITE_FIELDS = {
    "id", "name", "aliases", "directory", "wildcards", "isolated", "username", "status", "repository",
    "repository_provider", "repository_branch", "repository_status", "quick_deploy", "deployment_status",
    "project_type", "app", "php_version", "app_status", "slack_channel", "telegram_chat_id",
    "telegram_chat_title", "created_at", "deployment_url", "tags", "web_directory",
}  # fmt: skip


class Sites:
    """Creates sites through the API and removes whatever a test leaves behind."""

    def __init__(self, http: httpx.Client, provisioned: Provisioned) -> None:
        self.http = http
        self.sid = provisioned.server_id
        self.base = f"/api/v1/servers/{self.sid}/sites"
        self.created: list[int] = []

    def create(self, **body: Any) -> dict[str, Any]:
        response = self.http.post(self.base, json=body)
        assert response.status_code == 200, response.text
        site: dict[str, Any] = response.json()["site"]
        self.created.append(site["id"])
        return site

    def get(self, site_id: int) -> dict[str, Any]:
        response = self.http.get(f"{self.base}/{site_id}")
        assert response.status_code == 200, response.text
        site: dict[str, Any] = response.json()["site"]
        return site

    def wait(self, site_id: int, status: str = "installed") -> dict[str, Any]:
        site: dict[str, Any] = wait_until(
            lambda: (s := self.get(site_id))["status"] in ("installed", "failed") and s, 180, "the site's job"
        )
        if site["status"] != status:
            events = [
                e["description"] for e in self.http.get(f"/api/v1/servers/{self.sid}/events").json()["events"]
            ]
            latest = next(d for d in events if d.endswith(f"site {site_id}"))
            raise AssertionError(
                f"site {site_id} is {site['status']}:\n{output_of(self.http, self.sid, latest)}"
            )
        return site

    def delete(self, site_id: int) -> None:
        assert self.http.delete(f"{self.base}/{site_id}").status_code == 204
        wait_until(
            lambda: self.http.get(f"{self.base}/{site_id}").status_code == 404, 120, "the site's removal"
        )
        self.created.remove(site_id)

    def cleanup(self) -> None:
        for site_id in list(self.created):
            if self.http.get(f"{self.base}/{site_id}").status_code == 200:
                self.delete(site_id)


@pytest.fixture
def sites(server: ShipyardServer, provisioned: Provisioned) -> Iterator[Sites]:
    with client(server, provisioned.owner) as http:
        tracker = Sites(http, provisioned)
        yield tracker
        tracker.cleanup()


def fetch(host: Host, domain: str, path: str = "/") -> httpx.Response:
    """An HTTP request from this machine to the host's nginx for `domain`."""
    return httpx.get(f"http://{host.ip}{path}", headers={"Host": domain}, timeout=10)


def served(host: Host, domain: str, text: str, path: str = "/") -> httpx.Response:
    """Wait until the host answers `domain` with `text` in the body (nginx reloads in the background)."""
    response: httpx.Response = wait_until(
        lambda: (r := fetch(host, domain, path)).status_code == 200 and text in r.text and r,
        30,
        f"{domain}{path} to answer {text!r}",
        every=0.3,
    )
    return response


def write_as(host: Host, user: str, path: str, content: str) -> None:
    """Write a file on the host as `user`, creating its directory."""
    directory = path.rsplit("/", 1)[0]
    host.run(
        f"runuser -u {user} -- mkdir -p {shlex.quote(directory)} && "
        f"runuser -u {user} -- tee {shlex.quote(path)} >/dev/null <<'EOF'\n{content}\nEOF"
    )


def exists(host: Host, path: str) -> bool:
    return (
        host.run(f"test -e {shlex.quote(path)} || test -L {shlex.quote(path)}", check=False).returncode == 0
    )


def token() -> str:
    return secrets.token_hex(3)


def test_php_and_html_sites_are_served_by_nginx(
    server: ShipyardServer, provisioned: Provisioned, sites: Sites
) -> None:
    host, t = provisioned.host, token()
    php_domain, html_domain = f"php-{t}.sites.test", f"html-{t}.sites.test"
    php = sites.create(domain=php_domain, project_type="php", aliases=[f"www.{php_domain}"])
    assert set(php) == SITE_FIELDS
    assert php["name"] == php_domain and php["aliases"] == [f"www.{php_domain}"]
    assert php["status"] == "installing" and php["username"] == "forge" and php["isolated"] is False
    assert php["directory"] == "/public" and php["web_directory"] == f"/home/forge/{php_domain}/public"
    assert php["php_version"] == "php82" and php["project_type"] == "php" and php["tags"] == []
    assert php["repository"] is None and php["app"] is None and php["quick_deploy"] is False
    prefix = f"{server.url}/api/v1/sites/{php['id']}/deploy/http?token="
    assert php["deployment_url"].startswith(prefix) and len(php["deployment_url"]) > len(prefix) + 20
    html = sites.create(domain=html_domain.upper(), project_type="html", directory="/")
    assert html["name"] == html_domain and html["web_directory"] == f"/home/forge/{html_domain}"

    sites.wait(php["id"])
    sites.wait(html["id"])
    assert sites.get(php["id"])["deployment_url"] == php["deployment_url"]
    listed = sites.http.get(sites.base).json()["sites"]
    assert {php["id"], html["id"]} <= {s["id"] for s in listed}

    # Shipyard put a placeholder into each empty web directory; PHP runs as the server's user.
    served(host, php_domain, "This site is ready.")
    write_as(
        host,
        "forge",
        f"/home/forge/{php_domain}/public/index.php",
        "<?php echo 6*7, ' ', PHP_VERSION, ' ', posix_getpwuid(posix_geteuid())['name'];",
    )
    assert served(host, php_domain, "42 8.2.").text.endswith(" forge")
    assert served(host, f"www.{php_domain}", "42 8.2.").status_code == 200
    served(host, html_domain, "This site is ready.")
    write_as(host, "forge", f"/home/forge/{html_domain}/hello.php", "<?php echo 6*7;")
    assert "<?php echo 6*7;" in served(host, html_domain, "<?php", "/hello.php").text  # not run: static

    vhost = f"/etc/nginx/sites-available/{php_domain}"
    assert host.run(f"readlink /etc/nginx/sites-enabled/{php_domain}").stdout.strip() == vhost
    assert f"server_name {php_domain} www.{php_domain};" in host.run(f"cat {vhost}").stdout
    assert "fastcgi" not in host.run(f"cat /etc/nginx/sites-available/{html_domain}").stdout
    for part in ("before", "server", "after"):
        assert exists(host, f"/etc/nginx/forge-conf/{php_domain}/{part}")
    assert "GET / " in host.run(f"cat /var/log/nginx/{php_domain}-access.log").stdout
    assert host.run("nginx -t", check=False).returncode == 0

    sites.delete(php["id"])
    sites.delete(html["id"])
    for path in (
        vhost,
        f"/etc/nginx/sites-enabled/{php_domain}",
        f"/home/forge/{php_domain}",
        f"/home/forge/{html_domain}",
        f"/var/log/nginx/{php_domain}-access.log",
        f"/etc/nginx/forge-conf/{php_domain}",
    ):
        assert not exists(host, path), path
    wait_until(lambda: not fetch(host, php_domain).text.startswith("42 "), 30, "the site to be gone")
    assert host.run("grep -c '^user = forge' /etc/php/8.2/fpm/pool.d/www.conf").stdout.strip() == "1"


def test_an_isolated_site_runs_php_as_its_own_user(provisioned: Provisioned, sites: Sites) -> None:
    host, t = provisioned.host, token()
    domain, user = f"iso-{t}.sites.test", f"iso{t}"
    site = sites.create(domain=domain, isolated=True, username=user)
    assert site["isolated"] is True and site["username"] == user
    assert site["web_directory"] == f"/home/{user}/{domain}/public"
    sites.wait(site["id"])

    pool = f"/etc/php/8.2/fpm/pool.d/site-{site['id']}.conf"
    socket = f"/run/php/php8.2-fpm-site-{site['id']}.sock"
    assert f"user = {user}" in host.run(f"cat {pool}").stdout
    assert host.run(f"stat -c '%a %U' /home/{user}").stdout.split() == ["711", user]
    assert host.run(f"test -S {socket}", check=False).returncode == 0
    write_as(
        host,
        user,
        f"/home/{user}/{domain}/public/index.php",
        "<?php echo posix_getpwuid(posix_geteuid())['name'], ' ', get_current_user();",
    )
    served(host, domain, f"{user} {user}")
    assert host.run(f"pgrep -u {user} php-fpm", check=False).returncode == 0

    sites.delete(site["id"])
    assert host.run(f"id -u {user}", check=False).returncode != 0
    for path in (pool, socket, f"/home/{user}", f"/etc/nginx/sites-available/{domain}"):
        assert not exists(host, path), path


def test_an_isolated_site_never_takes_over_an_existing_account(
    provisioned: Provisioned, sites: Sites
) -> None:
    host, t = provisioned.host, token()
    user, domain = f"own{t}", f"own-{t}.sites.test"
    host.run(f"useradd --create-home {user} && runuser -u {user} -- mkdir /home/{user}/{domain}")
    try:
        site = sites.create(domain=domain, isolated=True, username=user)
        sites.wait(site["id"], "failed")
        output = output_of(sites.http, provisioned.server_id, f"Installing site {site['id']}")
        assert f"the user {user} already exists on this server and is not a Shipyard site user" in output
        assert not exists(host, f"/etc/nginx/sites-available/{domain}")
        sites.delete(site["id"])
        assert host.run(f"id -u {user}", check=False).returncode == 0 and exists(
            host, f"/home/{user}/{domain}"
        )
    finally:
        host.run(f"userdel --remove {user}", check=False)


def test_the_vhost_changes_only_when_nginx_accepts_it(
    server: ShipyardServer, provisioned: Provisioned, sites: Sites
) -> None:
    host, t = provisioned.host, token()
    domain = f"conf-{t}.sites.test"
    site = sites.create(domain=domain)
    sites.wait(site["id"])
    nginx = f"{sites.base}/{site['id']}/nginx"
    original = sites.http.get(nginx)
    assert original.status_code == 200 and original.headers["content-type"].startswith("text/plain")
    assert f"server_name {domain};" in original.text and f"root /home/forge/{domain}/public;" in original.text

    broken = original.text.replace("charset utf-8;", "charset utf-8;\n    bogus_directive on;")
    refused = sites.http.put(nginx, json={"content": broken})
    assert refused.status_code == 422, refused.text
    assert 'unknown directive "bogus_directive"' in refused.json()["errors"]["content"][0]
    assert sites.http.get(nginx).text == original.text
    assert host.run(f"cat /etc/nginx/sites-available/{domain}").stdout == original.text
    assert host.run("nginx -t", check=False).returncode == 0
    served(host, domain, "This site is ready.")
    event = wait_for_event(
        sites.http, provisioned.server_id, f"Updating the nginx configuration of site {site['id']}"
    )
    assert event["status"] == "failed"

    edited = original.text.replace(
        "charset utf-8;", 'charset utf-8;\n    add_header X-Shipyard-Test "edited" always;'
    )
    accepted = sites.http.put(nginx, data={"content": edited})  # form-encoded, as the Forge SDK sends it
    assert accepted.status_code == 200, accepted.text
    assert accepted.text == edited and sites.http.get(nginx).text == edited
    wait_until(
        lambda: fetch(host, domain).headers.get("x-shipyard-test") == "edited",
        30,
        "the edited vhost to serve",
    )

    # A later change of the site rewrites its names in the edited vhost and keeps the edit.
    alias = f"more-{t}.sites.test"
    added = sites.http.put(f"{sites.base}/{site['id']}/aliases", json={"aliases": [alias]})
    assert added.status_code == 200 and added.json()["site"]["aliases"] == [alias]
    sites.wait(site["id"])
    assert served(host, alias, "This site is ready.").headers.get("x-shipyard-test") == "edited"
    assert f"server_name {domain} {alias};" in sites.http.get(nginx).text


def test_env_file_and_laravel_log(provisioned: Provisioned, sites: Sites) -> None:
    host, t = provisioned.host, token()
    domain = f"env-{t}.sites.test"
    site = sites.create(domain=domain)
    sites.wait(site["id"])
    env, logs = f"{sites.base}/{site['id']}/env", f"{sites.base}/{site['id']}/logs"
    assert sites.http.get(env).text == ""

    content = "APP_NAME='Ship $(yard)'\nAPP_KEY=base64:`abc`==\nQUOTE=\"x; y\"\n\nLAST=1"
    written = sites.http.put(env, json={"content": content})
    assert written.status_code == 200 and written.text == content
    assert sites.http.get(env).text == content
    path = f"/home/forge/{domain}/.env"
    assert host.run(f"stat -c '%a %U %G' {path}").stdout.split() == ["640", "forge", "forge"]
    assert host.run(f"cat {path}").stdout == content
    assert sites.http.put(env, json={"content": "A=2\n"}).status_code == 200
    assert host.run(f"cat {path}").stdout == "A=2\n"

    assert sites.http.get(logs).json() == {"content": ""}
    lines = "".join(f"[2026-11-23 10:00:0{i}] local.INFO: line {i}\n" for i in range(3))
    write_as(host, "forge", f"/home/forge/{domain}/storage/logs/laravel.log", lines.rstrip("\n"))
    assert sites.http.get(logs).json() == {"content": lines}
    assert sites.http.delete(logs).status_code == 204
    assert host.run(f"stat -c %s /home/forge/{domain}/storage/logs/laravel.log").stdout.strip() == "0"
    assert sites.http.get(logs).json() == {"content": ""}


def test_updates_rerender_the_site_on_the_host(provisioned: Provisioned, sites: Sites) -> None:
    host, t = provisioned.host, token()
    first, renamed = f"upd-{t}.sites.test", f"moved-{t}.sites.test"
    alias, later = f"alias-{t}.sites.test", f"later-{t}.sites.test"
    site = sites.create(domain=first, aliases=[alias])
    sid = site["id"]
    sites.wait(sid)
    served(host, first, "This site is ready.")
    write_as(host, "forge", f"/home/forge/{first}/web/index.php", "<?php echo 'from web/';")
    # What other features add to the site's nginx configuration goes into its forge-conf parts.
    host.run(
        f"echo 'add_header X-Part-Test on always;' > /etc/nginx/forge-conf/{first}/server/test.conf"
        " && nginx -t && systemctl reload nginx"
    )
    wait_until(lambda: fetch(host, first).headers.get("x-part-test") == "on", 30, "nginx to take the part")

    updated = sites.http.put(
        f"{sites.base}/{sid}", json={"name": renamed, "directory": "/web/", "aliases": [f"www.{renamed}"]}
    )
    assert updated.status_code == 200, updated.text
    body = updated.json()["site"]
    assert (body["name"], body["directory"], body["aliases"]) == (renamed, "/web", [f"www.{renamed}"])
    assert body["status"] == "installing" and body["web_directory"] == f"/home/forge/{renamed}/web"
    sites.wait(sid)
    served(host, renamed, "from web/")
    assert served(host, f"www.{renamed}", "from web/").headers.get("x-part-test") == "on"
    assert not exists(host, f"/etc/nginx/forge-conf/{first}")
    for old in (first, alias):
        assert "from web/" not in fetch(host, old).text
    assert not exists(host, f"/home/forge/{first}") and exists(
        host, f"/home/forge/{renamed}/public/index.php"
    )
    assert not exists(host, f"/etc/nginx/sites-enabled/{first}")

    added = sites.http.put(f"{sites.base}/{sid}/aliases", data={"aliases[]": [later]})
    assert added.json()["site"]["aliases"] == [f"www.{renamed}", later]
    sites.wait(sid)
    served(host, later, "from web/")

    wildcard = sites.http.put(f"{sites.base}/{sid}", json={"wildcards": True})
    assert wildcard.status_code == 200 and wildcard.json()["site"]["wildcards"] is True
    sites.wait(sid)
    served(host, f"any.{renamed}", "from web/")

    same = sites.http.put(f"{sites.base}/{sid}/php", json={"version": "php82"})
    assert same.status_code == 200 and same.json()["site"]["php_version"] == "php82"
    sites.wait(sid)
    served(host, renamed, "from web/")
    for version, reason in (
        ("php84", "php84 is not installed on this server"),
        ("php8.2; id", "must be one of"),
    ):
        refused = sites.http.put(f"{sites.base}/{sid}/php", json={"version": version})
        assert refused.status_code == 422 and reason in refused.json()["errors"]["version"][0], refused.text


def test_a_rename_nginx_refuses_keeps_the_site_where_it_was(provisioned: Provisioned, sites: Sites) -> None:
    host, t = provisioned.host, token()
    first, renamed = f"stay-{t}.sites.test", f"gone-{t}.sites.test"
    snippet = f"/etc/nginx/snippets/{first}.conf"
    site = sites.create(domain=first)
    sid = site["id"]
    sites.wait(sid)
    host.run(f"echo 'add_header X-Snippet \"{t}\" always;' > {snippet}")
    try:
        nginx = f"{sites.base}/{sid}/nginx"
        # The include names the domain, so the vhost of the renamed site includes a file that does not exist.
        edited = sites.http.get(nginx).text.replace(
            "charset utf-8;", f"charset utf-8;\n    include {snippet};"
        )
        assert sites.http.put(nginx, json={"content": edited}).status_code == 200
        wait_until(lambda: fetch(host, first).headers.get("x-snippet") == t, 30, "the snippet to be served")

        assert sites.http.put(f"{sites.base}/{sid}", json={"name": renamed}).status_code == 200
        sites.wait(sid, "failed")
        output = output_of(sites.http, provisioned.server_id, f"Updating site {sid}")
        assert (
            f"/etc/nginx/snippets/{renamed}.conf" in output
            and "previous configuration was put back" in output
        )
        assert not exists(host, f"/etc/nginx/sites-available/{renamed}") and not exists(
            host, f"/home/forge/{renamed}"
        )
        assert served(host, first, "This site is ready.").headers.get("x-snippet") == t
        taken = sites.http.post(sites.base, json={"domain": first})
        assert taken.status_code == 422 and "taken" in taken.json()["errors"]["domain"][0]
        assert f"server_name {first};" in sites.http.get(nginx).text  # what the host serves
        blocked = sites.http.put(f"{sites.base}/{sid}/env", json={"content": "A=1"})
        assert blocked.status_code == 400 and "rename did not complete" in blocked.json()["message"]

        # Deleting the site takes it off the host under the domain the host still has.
        sites.delete(sid)
        for path in (
            f"/etc/nginx/sites-available/{first}",
            f"/etc/nginx/sites-enabled/{first}",
            f"/home/forge/{first}",
        ):
            assert not exists(host, path), path
    finally:
        host.run(f"rm -f {snippet}")


TEMPLATE = """server {
    listen {{ PORT }};
    server_name {{ DOMAINS }};
    root {{ PATH }};
    default_type text/plain;
    location = /site { return 200 "{{ SITE }}|{{ USER }}|{{ SITE_ID }}|{{ ROOT_PATH }}"; }
    location = /paths { return 200 "{{ DIRECTORY }}|{{ PROXY_PASS }}|{{SERVER_PUBLIC_IP}}"; }
}
"""


def test_sites_from_custom_nginx_templates(provisioned: Provisioned, sites: Sites) -> None:
    host, t = provisioned.host, token()
    templates = f"/api/v1/servers/{provisioned.server_id}/nginx/templates"
    good = sites.http.post(templates, json={"name": f"vars {t}", "content": TEMPLATE}).json()["template"][
        "id"
    ]
    bad_content = "server { listen {{ PORT }}; server_name {{ DOMAINS }}; bogus_directive on; }"
    bad = sites.http.post(templates, json={"name": f"bad {t}", "content": bad_content}).json()["template"][
        "id"
    ]
    try:
        domain, refused_domain = f"tpl-{t}.sites.test", f"refused-{t}.sites.test"
        site = sites.create(domain=domain, nginx_template=str(good), directory="/dist")
        sites.wait(site["id"])
        assert (
            served(host, domain, domain, "/site").text == f"{domain}|forge|{site['id']}|/home/forge/{domain}"
        )
        assert fetch(host, domain, "/paths").text == f"/dist|unix:/run/php/php8.2-fpm.sock|{host.ip}"
        assert "{{" not in sites.http.get(f"{sites.base}/{site['id']}/nginx").text

        refused = sites.create(domain=refused_domain, nginx_template=bad)
        sites.wait(refused["id"], "failed")
        output = output_of(sites.http, provisioned.server_id, f"Installing site {refused['id']}")
        assert (
            'unknown directive "bogus_directive"' in output
            and "previous configuration was put back" in output
        )
        assert not exists(host, f"/etc/nginx/sites-enabled/{refused_domain}")
        assert not exists(host, f"/etc/nginx/sites-available/{refused_domain}")
        assert host.run("nginx -t", check=False).returncode == 0
        served(host, domain, domain, "/site")
    finally:
        sites.cleanup()
        for template_id in (good, bad):
            sites.http.delete(f"{templates}/{template_id}")


def test_a_site_created_with_a_database(provisioned: Provisioned, sites: Sites) -> None:
    host, t = provisioned.host, token()
    name = f"site_{t}"
    site = sites.create(domain=f"db-{t}.sites.test", database=name)
    databases = f"/api/v1/servers/{provisioned.server_id}/databases"
    database = next(d for d in sites.http.get(databases).json()["databases"] if d["name"] == name)
    wait_until(
        lambda: sites.http.get(f"{databases}/{database['id']}").json()["database"]["status"] == "installed",
        120,
        "the database",
    )
    assert name in host.run("mysql -N -B -e 'SHOW DATABASES'").stdout.split()
    sites.wait(site["id"])
    taken = sites.http.post(sites.base, json={"domain": f"db2-{t}.sites.test", "database": name})
    assert taken.status_code == 422 and "taken" in taken.json()["errors"]["database"][0]
    assert sites.http.delete(f"{databases}/{database['id']}").status_code == 204
    wait_until(lambda: sites.http.get(f"{databases}/{database['id']}").status_code == 404, 120, "the drop")


def test_site_input_is_validated_and_other_users_see_nothing(
    server: ShipyardServer, provisioned: Provisioned, admin_account: Account, sites: Sites
) -> None:
    t = token()
    domain = f"val-{t}.sites.test"
    site = sites.create(domain=domain)
    before = len(sites.http.get(sites.base).json()["sites"])
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"domain": "not a domain!"}, "domain", "domain name"),
        ({"domain": "default"}, "domain", "domain name"),
        ({"domain": domain.upper()}, "domain", "already been taken"),
        ({"aliases": ["*.w.test"]}, "aliases.0", "wildcards"),
        ({"aliases": [f"new-{t}.sites.test"]}, "aliases.0", "own domain"),
        ({"directory": "/../etc"}, "directory", "no '.' or '..'"),
        ({"directory": "public"}, "directory", "starts with '/'"),
        ({"project_type": "node"}, "project_type", "php, html"),
        ({"isolated": True}, "username", "required"),
        ({"isolated": True, "username": "root"}, "username", "taken"),
        ({"isolated": True, "username": "forge"}, "username", "taken"),
        ({"isolated": True, "username": "Bad User"}, "username", "Unix user"),
        ({"php_version": "php84"}, "php_version", "not installed"),
        ({"php_version": "php99"}, "php_version", "must be one of"),
        ({"nginx_template": 2147483647}, "nginx_template", "template"),
        ({"nginx_template": "nope"}, "nginx_template", "template"),
        ({"database": "bad-name"}, "database", "letters, digits"),
    ]
    for extra, field, reason in cases:
        body = {"domain": f"new-{t}.sites.test", **extra}
        response = sites.http.post(sites.base, json=body)
        assert response.status_code == 422, (extra, response.text)
        assert reason in " ".join(response.json()["errors"].get(field, [])), (extra, response.text)
    assert len(sites.http.get(sites.base).json()["sites"]) == before

    url = f"{sites.base}/{site['id']}"
    for body, field in (
        ({"name": "bad name"}, "name"),
        ({"directory": "/a/../b"}, "directory"),
        ({"aliases": ["ok.test", "bad alias"]}, "aliases.1"),
        ({"php_version": "php84"}, "php_version"),
    ):
        response = sites.http.put(url, json=body)
        assert response.status_code == 422 and field in response.json()["errors"], (body, response.text)
    assert sites.http.put(f"{url}/nginx", json={"content": ""}).status_code == 422
    assert sites.http.put(f"{url}/env", json={}).status_code == 422
    assert sites.get(site["id"])["name"] == domain

    missing = f"{sites.base}/2147483647"
    for method, path in (
        ("GET", ""),
        ("PUT", ""),
        ("DELETE", ""),
        ("GET", "/nginx"),
        ("GET", "/env"),
        ("GET", "/logs"),
    ):
        assert sites.http.request(method, missing + path, json={}).status_code == 404, (method, path)
    stranger = new_user(server, admin_account)
    with client(server, stranger) as other:
        assert other.get(sites.base).status_code == 404
        assert other.get(url).status_code == 404
        assert other.get(f"{url}/env").status_code == 404
        assert other.put(f"{url}/nginx", json={"content": "server {}"}).status_code == 404
        assert other.delete(url).status_code == 404
        assert other.post(sites.base, json={"domain": f"x-{t}.sites.test"}).status_code == 404
    sites.wait(site["id"])


def test_simultaneous_creates_of_one_domain_make_one_site(provisioned: Provisioned, sites: Sites) -> None:
    """All the requests pass the domain check before any of them commits; the database decides,
    and the others get the same 422 as a later duplicate would."""
    domain = f"twin-{token()}.sites.test"
    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(lambda _: sites.http.post(sites.base, json={"domain": domain}), range(8)))
    created = [r.json()["site"] for r in responses if r.status_code == 200]
    sites.created.extend(site["id"] for site in created)
    assert len(created) == 1, [(r.status_code, r.text) for r in responses]
    for refused in (r for r in responses if r.status_code != 200):
        assert refused.status_code == 422 and "taken" in refused.json()["errors"]["domain"][0], refused.text
    sites.wait(created[0]["id"])
    served(provisioned.host, domain, "This site is ready.")
