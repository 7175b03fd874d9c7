"""What the zero-downtime tests deploy to and from: two web hosts and a git repository.

The web hosts are a lighter set-up than a Forge-provisioned server, on purpose: deployments
need only nginx, PHP-FPM, git and a `deploy` user, and installing those (about 20 s) instead of
a full provisioning keeps the tests on what they check. nginx serves `{APP}/current/public`
through PHP-FPM with `$realpath_root`, the standard set-up for symlink-swapped releases, and
PHP-FPM's `process_control_timeout` lets a reload finish the requests in flight.
The repository is a bare repo on this machine, served to the hosts by `git daemon`.
"""

from __future__ import annotations

import shlex
import socket
import sqlite3
import subprocess
import tempfile
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from tests.support.forge import wait_until
from tests.support.hosts import GATEWAY, Host, HostPool
from tests.support.postgres import PostgresCluster, free_port
from tests.support.server import ShipyardServer
from tests.support.templates import shell_template

APP = "/home/deploy/app"
DEPLOY_SECONDS = 240
FPM = "php8.2-fpm"
NGINX_SITE = """server {
    listen 80 default_server;
    root /home/deploy/app/current/public;
    index index.php;
    location / { try_files $uri $uri/ /index.php?$query_string; }
    location ~ \\.php$ {
        include fastcgi_params;
        fastcgi_pass unix:/run/php/php8.2-fpm.sock;
        fastcgi_param SCRIPT_FILENAME $realpath_root$fastcgi_script_name;
        fastcgi_param DOCUMENT_ROOT $realpath_root;
    }
}
"""
SETUP = f"""set -e
apt-get update -q >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx php-fpm git >/dev/null
id deploy >/dev/null 2>&1 || useradd -m -s /bin/bash deploy
chmod 0755 /home/deploy
install -d -m 0700 -o deploy -g deploy /home/deploy/.ssh
touch /home/deploy/.ssh/authorized_keys && chown deploy:deploy /home/deploy/.ssh/authorized_keys
echo 'deploy ALL=(root) NOPASSWD: /usr/bin/systemctl reload {FPM}' > /etc/sudoers.d/deploy
# Without it a reload stops PHP-FPM's workers at once, and a request in flight gets a 502.
sed -i 's/^;*process_control_timeout = .*/process_control_timeout = 10s/' /etc/php/8.2/fpm/php-fpm.conf
systemctl restart {FPM}
cat > /etc/nginx/sites-enabled/default <<'SITE'
{NGINX_SITE}SITE
systemctl reload nginx
"""


def web_hosts(hosts: HostPool, count: int) -> list[Host]:
    """`count` web hosts (nginx, PHP-FPM, git and the deploy user), booted from a template disk
    on which SETUP ran once."""
    template = shell_template(hosts, "web", SETUP)
    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(lambda _: hosts.up(template=template), range(count)))


def authorize(host: Host, public_key: str) -> None:
    host.run(f"echo {shlex.quote(public_key.strip())} >> /home/deploy/.ssh/authorized_keys")


def reset_app(host: Host) -> None:
    host.run(f"rm -rf {APP}")


def releases_on(host: Host) -> list[str]:
    done = host.run(f"ls -1 {APP}/releases", check=False)
    return sorted(done.stdout.split())


class GitRepository:
    """A bare repository served read-only to the hosts over git://, and a work tree to commit from."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="shipyard-git-"))
        self.bare = self.root / "app.git"
        self.work = self.root / "work"
        self.port = free_port()
        self._git("init", "--bare", "--initial-branch=main", str(self.bare))
        self._git("init", "--initial-branch=main", str(self.work))
        self.daemon = subprocess.Popen(
            ["git", "daemon", "--reuseaddr", "--export-all", f"--base-path={self.root}",
             f"--listen={GATEWAY}", f"--port={self.port}", str(self.root)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_until(self._listening, 10, "git daemon to listen", every=0.05)

    def _listening(self) -> bool:
        try:
            socket.create_connection((GATEWAY, self.port), timeout=1).close()
        except OSError:
            return False
        return True

    @property
    def url(self) -> str:
        return f"git://{GATEWAY}:{self.port}/app.git"

    def _git(self, *args: str, cwd: Path | None = None) -> str:
        done = subprocess.run(
            ["git", "-c", "user.name=Ada Lovelace", "-c", "user.email=ada@example.test", *args],
            cwd=cwd, capture_output=True, text=True, check=True,
        )  # fmt: skip
        return done.stdout.strip()

    def commit(
        self,
        version: str,
        *,
        branch: str = "main",
        tag: str | None = None,
        files: Mapping[str, str] | None = None,
    ) -> str:
        """Commit an app that prints `version` and holds `files` (path -> content) and nothing
        else, push it to `branch` (and `tag`); returns the hash."""
        self._git("checkout", "-B", branch, cwd=self.work)
        self._git("rm", "-rq", "--ignore-unmatch", ".", cwd=self.work)
        for path, content in {"public/index.php": f'<?php echo "{version}";\n', **(files or {})}.items():
            (self.work / path).parent.mkdir(parents=True, exist_ok=True)
            (self.work / path).write_text(content)
        self._git("add", "-A", cwd=self.work)
        # Both backends' tests share the repository: the same version may be committed twice.
        self._git("commit", "-q", "--allow-empty", "-m", f"Release {version}", cwd=self.work)
        self._git("push", "-q", "-f", str(self.bare), f"{branch}:{branch}", cwd=self.work)
        if tag:
            self._git("tag", "-f", "-a", tag, "-m", tag, cwd=self.work)
            self._git("push", "-q", "-f", str(self.bare), f"refs/tags/{tag}", cwd=self.work)
        return self._git("rev-parse", "HEAD", cwd=self.work)

    def close(self) -> None:
        self.daemon.terminate()
        self.daemon.wait(timeout=10)
        subprocess.run(["rm", "-rf", str(self.root)], check=False)


def serves(host: Host) -> str:
    return httpx.get(f"http://{host.ip}/", timeout=5).text


class Hammer:
    """Clients that request every host without pause and count anything but a 200 with a body."""

    def __init__(self, hosts: list[Host]) -> None:
        self.hosts = hosts
        self.requests = 0
        self.failures: list[str] = []
        self.seen: dict[str, set[str]] = {host.ip: set() for host in hosts}
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(host,), daemon=True) for host in hosts]

    def _run(self, host: Host) -> None:
        with httpx.Client(timeout=10) as http:
            while not self._stop.is_set():
                try:
                    response = http.get(f"http://{host.ip}/")
                    if response.status_code != 200 or not response.text:
                        self.failures.append(f"{host.ip}: {response.status_code} {response.text[:100]!r}")
                    else:
                        self.seen[host.ip].add(response.text)
                except httpx.HTTPError as exc:
                    self.failures.append(f"{host.ip}: {exc!r}")
                self.requests += 1

    def __enter__(self) -> Hammer:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=15)


class Project:
    """A project through the API, with the web hosts attached and its key authorized on them."""

    def __init__(self, http: httpx.Client, repo: GitRepository, web: list[Host], **fields: Any) -> None:
        self.http = http
        for host in web:
            reset_app(host)
        created = http.post(
            "/api/projects",
            json={"name": "App", "provider": "custom", "repository": repo.url, "branch": "main",
                  "type": "other", "composer": False, **fields},
        )  # fmt: skip
        assert created.status_code == 200, created.text
        self.data: dict[str, Any] = created.json()["project"]
        self.id: int = self.data["id"]
        self.base = f"/api/projects/{self.id}"
        self.servers: list[dict[str, Any]] = []
        for index, host in enumerate(web):
            response = http.post(
                f"{self.base}/servers",
                json={"name": f"web-{index + 1}", "connectAs": "deploy", "host": host.ip,
                      "phpVersion": "php82", "deploymentPath": APP, "restartFpm": True,
                      "composerPath": "composer"},
            )  # fmt: skip
            assert response.status_code == 200, response.text
            server = response.json()["server"]
            authorize(host, server["public_key"])
            self.servers.append(server)

    def deploy(self, **body: Any) -> int:
        response = self.http.post(f"{self.base}/deployments", json=body)
        assert response.status_code == 200, response.text
        deployment_id: int = response.json()["deployment"]["id"]
        return deployment_id

    def deployment(self, deployment_id: int) -> dict[str, Any]:
        response = self.http.get(f"{self.base}/deployments/{deployment_id}")
        assert response.status_code == 200, response.text
        deployment: dict[str, Any] = response.json()["deployment"]
        return deployment

    def deployments(self) -> list[dict[str, Any]]:
        listed: list[dict[str, Any]] = self.http.get(f"{self.base}/deployments").json()["deployments"]
        return listed

    def wait(self, deployment_id: int, status: str = "finished") -> dict[str, Any]:
        done: dict[str, Any] = wait_until(
            lambda: (
                (d := self.deployment(deployment_id))["status"] in ("finished", "failed", "cancelled") and d
            ),
            DEPLOY_SECONDS,
            f"deployment {deployment_id}",
            every=0.5,
        )
        if done["status"] != status:
            outputs = "\n".join(
                f"--- {p['server_name']} {p['name']} {p['status']}\n{p['output']}" for p in done["processes"]
            )
            raise AssertionError(f"deployment is {done['status']} ({done['reason']}):\n{outputs}")
        return done

    def hook(self, **body: Any) -> dict[str, Any]:
        response = self.http.post(f"{self.base}/hooks", json=body)
        assert response.status_code == 200, response.text
        hook: dict[str, Any] = response.json()["hook"]
        return hook


def database_dump(server: ShipyardServer, pg_cluster: PostgresCluster) -> bytes:
    """Everything the server's database holds, as SQL text (to look for plaintext secrets)."""
    if server.backend == "postgres":
        url = server.env["SHIPYARD_DATABASE_URL"].replace("postgresql+asyncpg", "postgresql")
        return subprocess.run(
            [str(pg_cluster.bindir / "pg_dump"), url], capture_output=True, check=True
        ).stdout
    with sqlite3.connect(server.data / "shipyard.db") as conn:
        return "\n".join(conn.iterdump()).encode()
