"""CI test parts: a real bare git repository with a working clone, and real agent processes."""

from __future__ import annotations

import base64
import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from tests.support.api import Account, client
from tests.support.forge import wait_until
from tests.support.server import ShipyardServer

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Ada Lovelace",
    "GIT_AUTHOR_EMAIL": "ada@example.test",
    "GIT_COMMITTER_NAME": "Ada Lovelace",
    "GIT_COMMITTER_EMAIL": "ada@example.test",
    "GIT_CONFIG_NOSYSTEM": "1",
    "HOME": "/nonexistent",
}
# Workflows run on agents; these bound how long a test waits for them.
PIPELINE_SECONDS = 90
# The environment of CI test servers: short leases and fast queue ticks keep the tests quick.
CI_ENV = {
    "SHIPYARD_RATE_LIMIT_WRITES": "1000000",
    "SHIPYARD_CI_LEASE_SECONDS": "6",
    "SHIPYARD_CI_LONG_POLL_SECONDS": "5",
    "SHIPYARD_CI_QUEUE_TICK": "0.1",
    "SHIPYARD_CI_CRON_TICK": "1",
}


def git(*args: str, cwd: Path) -> str:
    result = subprocess.run(
        ["git", *args], cwd=cwd, env={**os.environ, **GIT_ENV}, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, f"git {' '.join(args)}: {result.stderr}"
    return result.stdout.strip()


class GitRepo:
    """A bare repository `<root>/<owner>/<name>.git` and a working clone that pushes to it."""

    def __init__(self, root: Path, owner: str, name: str) -> None:
        self.remote_id = f"{owner}/{name}.git"
        self.bare = root / owner / f"{name}.git"
        self.work = root / "work" / owner / name
        self.bare.parent.mkdir(parents=True, exist_ok=True)
        self.work.mkdir(parents=True)
        git("init", "-q", "--bare", "-b", "main", str(self.bare), cwd=root)
        git("init", "-q", "-b", "main", cwd=self.work)
        git("remote", "add", "origin", str(self.bare), cwd=self.work)

    def commit(self, files: dict[str, str | None], message: str = "change") -> str:
        """Write (or, for None, delete) files and commit them."""
        for name, text in files.items():
            path = self.work / name
            if text is None:
                path.unlink()
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        git("add", "-A", cwd=self.work)
        git("commit", "-q", "--allow-empty", "-m", message, cwd=self.work)
        return git("rev-parse", "HEAD", cwd=self.work)

    def branch(self, name: str) -> None:
        """Create branch `name` at the current commit and switch the working clone to it."""
        git("checkout", "-q", "-b", name, cwd=self.work)

    def push(self, ref: str = "main") -> str:
        """Push and return git's output (a post-receive hook's lines come back as `remote:`)."""
        result = subprocess.run(
            ["git", "push", "-q", "origin", ref],
            cwd=self.work,
            env={**os.environ, **GIT_ENV},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return result.stderr

    def install_hook(self, script: str) -> None:
        hook = self.bare / "hooks" / "post-receive"
        hook.write_text(script)
        hook.chmod(0o755)


class Agent:
    """A real `shipyard agent` process; started in its own session and killed with it."""

    def __init__(self, server: ShipyardServer, token: str, log: Path, *args: str) -> None:
        self.log = log
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("shipyard")),
                "agent",
                "--server",
                server.url,
                f"--token={token}",  # a token may start with "-", which argparse takes for an option
                *args,
            ],
            stdout=open(log, "ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_until(self._ready, 30, "the agent to register", every=0.1)

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"the agent exited: {self.log.read_text()}")
        return "ready" in self.log.read_text()

    def report(self, lines: int = 30) -> str:
        """Whether the agent still runs, and the end of its log (for a failure message)."""
        state = "running" if self.process.poll() is None else f"exited {self.process.returncode}"
        tail = "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return f"agent pid {self.process.pid} ({state}):\n{tail}"

    def crash(self) -> None:
        """SIGKILL the agent alone, as a crash would (its steps die with it only if sandboxed)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def create_agent(http: httpx.Client, name: str | None = None, **fields: Any) -> dict[str, Any]:
    response = http.post("/api/agents", json={"name": name or "agent-" + secrets.token_hex(3), **fields})
    assert response.status_code == 200, response.text
    agent: dict[str, Any] = response.json()
    return agent


def pipeline(http: httpx.Client, repo_id: int, number: int) -> dict[str, Any]:
    response = http.get(f"/api/repos/{repo_id}/pipelines/{number}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def wait_pipeline(
    http: httpx.Client, repo_id: int, number: int, timeout: float = PIPELINE_SECONDS
) -> dict[str, Any]:
    """Until the pipeline has finished (any end state); a timeout says where each workflow was."""
    done = ("success", "failure", "killed", "canceled", "error", "declined", "skipped")
    try:
        return wait_until(  # type: ignore[no-any-return]
            lambda: (p := pipeline(http, repo_id, number))["status"] in done and p,
            timeout,
            f"pipeline {number} to finish",
            every=0.2,
        )
    except AssertionError as exc:
        body = pipeline(http, repo_id, number)
        where = [
            f"{w['name']}: {w['state']} on agent {w.get('agent_id')} {w.get('error') or ''}".strip()
            for w in body["workflows"]
        ]
        raise AssertionError(f"{exc}; it is {body['status']}:\n" + "\n".join(where)) from None


def steps(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The steps of a pipeline by `<workflow>/<step>` (matrix workflows share a name: last wins)."""
    return {f"{w['name']}/{s['name']}": s for w in body["workflows"] for s in w["children"]}


def wait_step(http: httpx.Client, repo_id: int, number: int, name: str, state: str) -> dict[str, Any]:
    return wait_until(  # type: ignore[no-any-return]
        lambda: (s := steps(pipeline(http, repo_id, number)).get(name)) and s["state"] == state and s,
        PIPELINE_SECONDS,
        f"step {name} to be {state}",
        every=0.1,
    )


def pids_of(command: str) -> list[int]:
    """Live processes whose whole command line is `command` (zombies are dead and not counted)."""
    result = subprocess.run(["pgrep", "-f", f"^{command}$"], capture_output=True, text=True)
    return [int(p) for p in result.stdout.split() if alive(int(p))]


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state not in ("Z", "X")


def start_agent(
    server: ShipyardServer, account: Account, started: list[Agent], *args: str
) -> tuple[Agent, int]:
    with client(server, account) as http:
        record = create_agent(http)
    log = server.data / f"agent-{record['id']}.log"
    agent = Agent(server, record["token"], log, *args)
    started.append(agent)
    return agent, int(record["id"])


def activate(http: httpx.Client, forge_id: int, repo: GitRepo) -> dict[str, Any]:
    response = http.post("/api/repos", params={"forge_remote_id": repo.remote_id, "forge_id": forge_id})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def hooked_repo(
    http: httpx.Client, git_root: Path, forge_id: int, owner: Account
) -> tuple[GitRepo, dict[str, Any]]:
    """A new repository, activated, with Shipyard's post-receive hook installed in its bare copy."""
    repo = GitRepo(git_root, owner.name, "app-" + secrets.token_hex(3))
    repo.commit({"README": "hello\n"}, "initial")
    repo.push()
    body = activate(http, forge_id, repo)
    script = http.get(f"/api/repos/{body['id']}/hook")
    assert script.status_code == 200, script.text
    repo.install_hook(script.text)
    return repo, body


def newest(http: httpx.Client, repo_id: int) -> dict[str, Any] | None:
    response = http.get(f"/api/repos/{repo_id}/pipelines")
    assert response.status_code == 200, response.text
    rows = response.json()
    return rows[0] if rows else None


def log_text(http: httpx.Client, repo_id: int, number: int, step_id: int) -> list[str]:
    response = http.get(f"/api/repos/{repo_id}/logs/{number}/{step_id}")
    assert response.status_code == 200, response.text
    return [base64.b64decode(entry["data"]).decode() for entry in response.json()]
