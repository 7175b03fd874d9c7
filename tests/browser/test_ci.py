"""CI in the browser: activate a `git` forge's repository, push to it and watch the running step's
log stream on the pipeline page (real `shipyard agent` processes run the steps), restart and cancel
pipelines, approve and decline blocked ones, filter and page the pipeline list, and the settings of
a repository and of its organization."""

from __future__ import annotations

import re
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, LocatorAssertions, Page, expect

from tests.browser.conftest import DESKTOP, PHONE, Tab, overflowing, screenshot
from tests.browser.test_account import sign_in
from tests.e2e.ci.conftest import agents, ci_admin, ci_server, forge_id, git_root, owner  # noqa: F401
from tests.support.api import Account, client
from tests.support.ci import Agent, GitRepo, hooked_repo, newest, pids_of, start_agent, wait_step
from tests.support.forge import wait_until
from tests.support.server import ShipyardServer

# A gate the test opens: a file outside /tmp (the agent's sandbox has a /tmp of its own).
GATED = """skip_clone: true
steps:
  - name: greet
    image: sh
    commands:
      - echo "hello from {tag}"
  - name: gated
    image: sh
    commands:
      - echo "first line of {tag}"
      - for i in $(seq 1200); do [ -e {gate} ] && break; sleep 0.1; done
      - echo "second line of {tag}"
"""

SLEEPER = """skip_clone: true
steps:
  - name: nap
    image: sh
    commands:
      - echo "napping"
      - sleep {seconds}
"""

QUICK = """skip_clone: true
steps:
  - name: quick
    image: sh
    commands:
      - echo "quick {tag}"
"""


@pytest.fixture
def ci_page(browser: Browser, ci_server: ShipyardServer, tabs: list[Tab]) -> Page:  # noqa: F811
    """A desktop-sized tab on the CI server."""
    tab = Tab(browser, ci_server, DESKTOP)
    tabs.append(tab)
    return tab.page


@pytest.fixture
def gates() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="shipyard-ci-gate-", dir="/var/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_activate_push_and_watch_the_step_log_stream_then_restart_and_cancel(
    ci_server: ShipyardServer,  # noqa: F811
    ci_admin: Account,  # noqa: F811
    owner: Account,  # noqa: F811
    git_root: Path,  # noqa: F811
    forge_id: int,  # noqa: F811
    agents: list[Agent],  # noqa: F811
    gates: Path,
    ci_page: Page,
    browser: Browser,
    tabs: list[Tab],
) -> None:
    page, tag = ci_page, secrets.token_hex(4)
    repo = GitRepo(git_root, owner.name, f"web-{tag}")
    repo.commit({"README": "hello\n"}, "initial")
    repo.push()

    sign_in(page, owner)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="CI").click()
    expect(page.get_by_text("No repositories yet")).to_be_visible()

    # A repository the forge does not have: the reason next to the field, the form kept.
    page.get_by_label("Repository", exact=True).fill(f"{owner.name}/missing-{tag}.git")
    page.get_by_role("button", name="Activate").click()
    expect(page.locator("#forge_remote_id-error")).to_be_visible()
    expect(page.get_by_label("Repository", exact=True)).to_have_value(f"{owner.name}/missing-{tag}.git")
    page.get_by_label("Repository", exact=True).fill(repo.remote_id)
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_role("heading", name=f"{owner.name}/web-{tag}")).to_be_visible()
    expect(page.get_by_text("No pipelines yet")).to_be_visible()
    repo_id = int(re.search(r"/ci/repos/(\d+)$", page.url).group(1))  # type: ignore[union-attr]

    with client(ci_server, owner) as http:
        hook = http.get(f"/api/repos/{repo_id}/hook")
        assert hook.status_code == 200, hook.text
        repo.install_hook(hook.text)
        start_agent(ci_server, ci_admin, agents)
        gate = gates / "open"
        repo.commit({".woodpecker.yaml": GATED.format(tag=tag, gate=gate)}, f"gated {tag}")
        repo.push()
        wait_step(http, repo_id, 1, "woodpecker/gated", "running")

        # The list shows the running pipeline; its page shows the tree and the step's log live.
        page.reload()
        row = page.get_by_role("row").filter(has_text=f"gated {tag}")
        expect(row.get_by_text("running")).to_be_visible()
        row.get_by_role("link", name="#1").click()
        expect(page.get_by_role("heading", name="Pipeline #1")).to_be_visible()
        tree = page.get_by_role("navigation", name="Workflows and steps")
        expect(tree.get_by_role("link", name=re.compile("greet.*success"))).to_be_visible()
        tree.get_by_role("link", name=re.compile("^gated")).click()
        log = page.locator("#step-log")
        expect(log).to_contain_text(f"first line of {tag}")
        expect(page.locator("#step-state")).to_have_text("running")
        assert f"second line of {tag}" not in log.inner_text()
        screenshot(page, ci_server, "ci-pipeline")

        gate.touch()
        expect(page.locator("#step-state")).to_have_text("success")
        expect(log).to_contain_text(f"second line of {tag}")
        expect(page.get_by_role("heading", name="Pipeline #1")).to_contain_text("success")
        # After the fact: the complete log of another step.
        tree.get_by_role("link", name=re.compile("^greet")).click()
        expect(page.locator("#step-log")).to_contain_text(f"hello from {tag}")

        # Restart: a new pipeline for the same commit, its parent linked.
        page.get_by_role("button", name="Restart").click()
        expect(page.get_by_role("heading", name="Pipeline #2")).to_be_visible()
        expect(page.get_by_role("link", name="#1")).to_be_visible()
        expect(page.get_by_role("heading", name="Pipeline #2")).to_contain_text("success", timeout=90_000)

        # Cancel a running pipeline: its step is killed on the agent.
        seconds = 4000 + secrets.randbelow(900)
        repo.commit({".woodpecker.yaml": SLEEPER.format(seconds=seconds)}, f"nap {tag}")
        repo.push()
        wait_step(http, repo_id, 3, "woodpecker/nap", "running")
        wait_until(lambda: pids_of(f"sleep {seconds}"), 30, "the sleep process", every=0.1)
        page.goto(f"/ci/repos/{repo_id}/pipelines/3")
        expect(page.locator("#step-log")).to_contain_text("napping")
        page.get_by_role("button", name="Cancel").click()
        expect(page.get_by_role("heading", name="Pipeline #3")).to_contain_text("killed")
        expect(page.locator(".facts li", has_text="Canceled by")).to_contain_text(owner.name)
        wait_until(lambda: not pids_of(f"sleep {seconds}"), 10, "the sleep to be gone", every=0.1)
        expect(page.get_by_role("button", name="Restart")).to_be_visible()

    # The list filters by status and event.
    page.goto(f"/ci/repos/{repo_id}")
    page.get_by_label("Status", exact=True).select_option("killed")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("link", name="#3")).to_be_visible()
    expect(page.get_by_role("link", name="#1", exact=True)).to_have_count(0)
    page.get_by_label("Event", exact=True).select_option("manual")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("No pipeline matches these filters")).to_be_visible()

    # A phone-sized screen: the pipeline page fits.
    phone = Tab(browser, ci_server, PHONE)
    tabs.append(phone)
    sign_in(phone.page, owner)
    phone.page.goto(f"/ci/repos/{repo_id}/pipelines/1")
    expect(phone.page.locator("#step-log")).to_be_visible()
    assert overflowing(phone.page) == []


def test_approve_and_decline_blocked_pipelines_and_page_the_list(
    ci_server: ShipyardServer,  # noqa: F811
    ci_admin: Account,  # noqa: F811
    owner: Account,  # noqa: F811
    git_root: Path,  # noqa: F811
    forge_id: int,  # noqa: F811
    agents: list[Agent],  # noqa: F811
    ci_page: Page,
) -> None:
    page, tag = ci_page, secrets.token_hex(4)
    with client(ci_server, owner) as http:
        repo, body = hooked_repo(http, git_root, forge_id, owner)
        repo_id = body["id"]
        patch = http.patch(f"/api/repos/{repo_id}", json={"require_approval": "all_events"})
        assert patch.status_code == 200, patch.text
        repo.commit({".woodpecker.yaml": QUICK.format(tag=tag)}, "first")
        repo.push()
        for n in range(2, 22):
            repo.commit({"notes.txt": str(n)}, f"change {n}")
            repo.push()
        wait_until(lambda: (p := newest(http, repo_id)) and p["number"] == 21, 60, "21 pipelines", every=0.2)
        start_agent(ci_server, ci_admin, agents)

    sign_in(page, owner)
    page.goto(f"/ci/repos/{repo_id}")
    expect(page.get_by_text("Page 1 of 2")).to_be_visible()
    expect(page.get_by_role("link", name="#21")).to_be_visible()
    expect(page.get_by_role("link", name="#1", exact=True)).to_have_count(0)
    page.get_by_role("link", name="Older").click()
    expect(page.get_by_text("Page 2 of 2")).to_be_visible()
    page.get_by_role("link", name="#1", exact=True).click()

    expect(page.get_by_role("heading", name="Pipeline #1")).to_contain_text("blocked")
    expect(page.get_by_text("waits for approval")).to_be_visible()
    page.get_by_role("button", name="Decline").click()
    expect(page.get_by_role("heading", name="Pipeline #1")).to_contain_text("declined")
    expect(page.locator(".facts li", has_text="Reviewed by")).to_contain_text(owner.name)

    page.goto(f"/ci/repos/{repo_id}/pipelines/21")
    expect(page.get_by_role("heading", name="Pipeline #21")).to_contain_text("blocked")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("heading", name="Pipeline #21")).to_contain_text("success", timeout=90_000)
    tree = page.get_by_role("navigation", name="Workflows and steps")
    tree.get_by_role("link", name=re.compile("^quick")).click()
    expect(page.locator("#step-log")).to_contain_text(f"quick {tag}")

    # Restarting a blocked pipeline is refused: the server's reason is shown.
    page.goto(f"/ci/repos/{repo_id}/pipelines/20")
    expect(page.get_by_role("button", name="Restart")).to_have_count(0)
    page.evaluate("htmx.ajax('POST', location.pathname + '/restart', {target: '#flash', swap: 'innerHTML'})")
    expect(page.get_by_role("alert")).to_contain_text("A blocked pipeline cannot be restarted")

    # The repository's secrets and cron jobs: refused values show their reasons next to the fields.
    page.goto(f"/ci/repos/{repo_id}")
    secrets_section = page.locator("#section-secrets")
    secrets_section.locator("summary").click()
    secrets_section.get_by_label("Name").fill("not a name!")
    secrets_section.get_by_label("Value").fill("hunter2")
    secrets_section.get_by_label("push", exact=True).check()
    secrets_section.get_by_role("button", name="Add secret").click()
    expect(secrets_section.locator(".field-error")).to_contain_text("A secret name is letters")
    secrets_section.get_by_label("Name").fill(f"token_{tag}")
    secrets_section.get_by_label("Value").fill("hunter2")
    secrets_section.get_by_label("push", exact=True).check()
    secrets_section.get_by_role("button", name="Add secret").click()
    row = secrets_section.get_by_role("row").filter(has_text=f"token_{tag}")
    expect(row).to_contain_text("push")
    expect(secrets_section).not_to_contain_text("hunter2")
    row.get_by_role("button", name="Remove").click()
    expect(secrets_section.get_by_text("No secrets")).to_be_visible()

    crons = page.locator("#section-crons")
    crons.locator("summary").click()
    crons.get_by_label("Name").fill("nightly")
    crons.get_by_label("Schedule").fill("every full moon")
    crons.get_by_role("button", name="Add cron job").click()
    expect(crons.locator(".field-error")).to_be_visible()
    crons.get_by_label("Schedule").fill("@daily")
    crons.get_by_role("button", name="Add cron job").click()
    nightly = crons.get_by_role("row").filter(has_text="nightly")
    expect(nightly).to_contain_text(re.compile(r"in \d+ (hours?|day)"))
    with client(ci_server, owner) as http:
        listed = http.get(f"/api/repos/{repo_id}/cron")
        assert [c["schedule"] for c in listed.json()] == ["@daily"], listed.text

    # The organization's page: a secret there reaches the repository's next pipeline (masked in
    # its log), and an agent of the organization shows its token once.
    page.get_by_role("link", name=f"secrets, registries and agents of {owner.name}").click()
    expect(page.get_by_role("heading", name=f"{owner.name} organization")).to_be_visible()
    org_secrets = page.locator("#section-secrets")
    org_secrets.locator("summary").click()
    org_secrets.get_by_label("Name").fill(f"org_{tag}")
    org_secrets.get_by_label("Value").fill(f"org-value-{tag}")
    org_secrets.get_by_role("button", name="Add secret").click()
    expect(org_secrets.get_by_role("row").filter(has_text=f"org_{tag}")).to_contain_text("all")
    org_agents = page.locator("#section-agents")
    org_agents.locator("summary").click()
    org_agents.get_by_label("Name").fill(f"org-agent-{tag}")
    org_agents.get_by_label("Labels").fill("no equals sign")
    org_agents.get_by_role("button", name="Add agent").click()
    expect(org_agents.locator(".field-error")).to_contain_text("is not key=value")
    org_agents.get_by_label("Labels").fill("pool=org")
    org_agents.get_by_role("button", name="Add agent").click()
    expect(org_agents.get_by_text(re.compile(r"shown only now: [0-9a-f]{64}"))).to_be_visible()
    org_agent = org_agents.get_by_role("row").filter(has_text=f"org-agent-{tag}")
    expect(org_agent).to_contain_text("never connected")
    with client(ci_server, owner) as http:
        repo.commit({".woodpecker.yaml": ORG_SECRET.format(tag=tag)}, "use the organization's secret")
        repo.push()
        wait_until(lambda: (p := newest(http, repo_id)) and p["number"] == 22, 60, "pipeline 22", every=0.2)
    page.goto(f"/ci/repos/{repo_id}/pipelines/22")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("heading", name="Pipeline #22")).to_contain_text("success", timeout=90_000)
    tree = page.get_by_role("navigation", name="Workflows and steps")
    tree.get_by_role("link", name=re.compile("^show")).click()
    expect(page.locator("#step-log")).to_contain_text("the secret is ********")
    expect(page.locator("#step-log")).not_to_contain_text(f"org-value-{tag}")

    # "Run now" on the cron job starts its pipeline at once.
    page.goto(f"/ci/repos/{repo_id}")
    crons = page.locator("#section-crons")
    crons.get_by_role("row").filter(has_text="nightly").get_by_role("button", name="Run now").click()
    expect(crons.get_by_text("Pipeline #23 started.")).to_be_visible()
    with client(ci_server, owner) as http:
        started = newest(http, repo_id)
        assert started is not None and started["number"] == 23 and started["event"] == "cron", started


def test_forges_are_added_edited_and_removed_by_an_administrator(
    ci_server: ShipyardServer,  # noqa: F811
    ci_admin: Account,  # noqa: F811
    ci_page: Page,
) -> None:
    page, url = ci_page, f"https://gitea-{secrets.token_hex(4)}.example.test"
    sign_in(page, ci_admin)
    page.goto("/ci")
    page.get_by_role("navigation", name="CI administration").get_by_role("link", name="Forges").click()
    forges = page.locator("#section-forges")
    forges.locator("summary", has_text="Add forge").click()
    forges.get_by_label("Type").select_option("gitea")
    forges.get_by_role("button", name="Add forge").click()
    expect(forges.locator(".field-error")).to_contain_text("needs the url of its server")
    forges.get_by_label("URL").fill(url)
    forges.get_by_label("Access token").fill("gitea-token-value")
    forges.get_by_role("button", name="Add forge").click()
    row = forges.get_by_role("row").filter(has_text=url)
    expect(row).to_contain_text("set")
    expect(forges).not_to_contain_text("gitea-token-value")

    # Edited in place: the token left blank stays.
    row.get_by_role("button", name="Edit").click()
    expect(forges.get_by_label("URL")).to_have_value(url)
    forges.get_by_label("URL").fill(f"{url}/git")
    forges.get_by_role("button", name="Save").click()
    expect(forges.get_by_text("Forge saved.")).to_be_visible()
    with client(ci_server, ci_admin) as http:
        [forge] = [f for f in http.get("/api/forges").json() if f["url"].startswith(url)]
        assert forge["url"] == f"{url}/git" and forge["type"] == "gitea"
    moved = forges.get_by_role("row").filter(has_text=f"{url}/git")
    expect(moved).to_contain_text("set")

    moved.get_by_role("button", name="Remove").click()
    expect(forges.get_by_role("row").filter(has_text=url)).to_have_count(0)
    with client(ci_server, ci_admin) as http:
        assert not [f for f in http.get("/api/forges").json() if f["url"].startswith(url)]


ORG_SECRET = """skip_clone: true
steps:
  - name: show
    image: sh
    environment:
      VALUE:
        from_secret: org_{tag}
    commands:
      - echo "the secret is $$VALUE"
"""

WORKFLOW = """skip_clone: true
{depends}labels:
  gpu: yes-{tag}
steps:
  - name: work
    image: sh
    commands:
      - echo "working"
      - sleep {seconds}
"""


def _why(page: Page, workflow: str, number: int) -> LocatorAssertions:
    """Assertions on the queue's row for `workflow` of pipeline `number`."""
    row = (
        page.get_by_role("region", name="Waiting")
        .get_by_role("row")
        .filter(has=page.get_by_role("cell", name=workflow, exact=True))
        .filter(has=page.get_by_role("link", name=f"#{number}", exact=True))
    )
    return expect(row)


def test_agents_and_the_queue_show_why_each_workflow_waits(
    ci_server: ShipyardServer,  # noqa: F811
    ci_admin: Account,  # noqa: F811
    owner: Account,  # noqa: F811
    git_root: Path,  # noqa: F811
    forge_id: int,  # noqa: F811
    agents: list[Agent],  # noqa: F811
    ci_page: Page,
) -> None:
    page, tag = ci_page, secrets.token_hex(4)
    seconds = 5000 + secrets.randbelow(900)
    name = f"gpu-{tag}"
    with client(ci_server, owner) as http:
        repo, body = hooked_repo(http, git_root, forge_id, owner)
        repo_id = body["id"]
        files = {
            ".woodpecker/build.yaml": WORKFLOW.format(depends="", tag=tag, seconds=seconds),
            ".woodpecker/publish.yaml": WORKFLOW.format(depends="depends_on: [build]\n", tag=tag, seconds=1),
        }
        repo.commit(files, "two workflows")
        repo.push()
        wait_until(lambda: newest(http, repo_id), 30, "a pipeline", every=0.2)
        try:
            sign_in(page, ci_admin)
            page.goto("/ci")
            page.get_by_role("link", name="Queue").click()
            _why(page, "build", 1).to_contain_text(f"No agent has labels matching gpu=yes-{tag}")
            _why(page, "publish", 1).to_contain_text("Waiting for a dependency to finish: build")

            # An agent for these labels, paused: the token is shown once.
            page.get_by_role("link", name="Agents").click()
            page.get_by_label("Name", exact=True).fill(name)
            page.get_by_label("Labels").fill("no equals sign")
            page.get_by_role("button", name="Add agent").click()
            expect(page.locator("#custom_labels-error")).to_contain_text("is not key=value")
            page.get_by_label("Labels").fill(f"gpu=yes-{tag}")
            page.get_by_label("Paused").check()
            page.get_by_role("button", name="Add agent").click()
            token = page.locator("#agent-token").inner_text().strip()
            assert re.fullmatch(r"[0-9a-f]{64}", token)
            row = page.get_by_role("row").filter(has_text=name)
            expect(row.get_by_text("paused")).to_be_visible()
            page.goto("/ci/queue")
            _why(page, "build", 1).to_contain_text(f"Every matching agent is paused (no_schedule): {name}")

            page.goto("/ci/agents")
            expect(page.locator("#agent-token")).to_have_count(0)
            page.get_by_role("button", name=f"Resume {name}").click()
            expect(row.get_by_text("never connected")).to_be_visible()
            page.goto("/ci/queue")
            _why(page, "build", 1).to_contain_text(f"No matching agent has connected yet: {name}")

            # A real agent with that token runs `build`; `publish` waits for it, and a second
            # pipeline's `build` waits for the agent's only slot.
            log = ci_server.data / f"agent-{tag}.log"
            agents.append(Agent(ci_server, token, log, "--label", f"gpu=yes-{tag}", "--max-workflows", "1"))
            running = page.get_by_role("region", name="Running")
            expect(running.get_by_role("link", name="#1")).to_be_visible()
            expect(running).to_contain_text(f"build on {name}")
            _why(page, "publish", 1).to_contain_text("Waiting for a dependency to finish: build")
            repo.commit({"notes.txt": "again"}, "again")
            repo.push()
            _why(page, "build", 2).to_contain_text(f"All matching agents are at capacity: {name} (1/1)")

            screenshot(page, ci_server, "ci-queue")
            page.get_by_role("button", name="Pause the queue").click()
            _why(page, "build", 2).to_contain_text("The queue is paused")
            page.get_by_role("button", name="Resume the queue").click()
            _why(page, "build", 2).to_contain_text("at capacity")

            page.goto("/ci/agents")
            expect(row.get_by_text("online")).to_be_visible()
            expect(row.get_by_role("link", name="#1 build")).to_be_visible()
        finally:
            for number in (1, 2):
                http.post(f"/api/repos/{repo_id}/pipelines/{number}/cancel")
    wait_until(lambda: not pids_of(f"sleep {seconds}"), 30, "the sleep to be gone", every=0.1)
