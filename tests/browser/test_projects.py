"""Projects (zero-downtime deployments) in the browser, on two real web hosts: create a project,
attach the servers and check their connection with the project's key, add a hook, deploy while
the grid of servers x steps fills in, see a cell's output, cancel a deployment, roll back, and
the environment editor, linked folders, heartbeats, collaborators and notifications."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Browser, Locator, Page, expect

from tests.browser.conftest import DESKTOP, PHONE, Tab, overflowing, screenshot
from tests.browser.test_account import sign_in
from tests.e2e.releases import conftest as releases
from tests.support.api import Account, new_user
from tests.support.forge import wait_until
from tests.support.hosts import Host
from tests.support.releases import APP, DEPLOY_SECONDS, GitRepository, authorize, reset_app, serves
from tests.support.server import ShipyardServer
from tests.support.smtp import MailSink

# The module's git repository and two web hosts, as the API's zero-downtime tests have them.
repo = releases.repo
web = releases.web

# Prints a line, then waits on a file the test creates on the host: the grid must show it running.
GATED_HOOK = """echo "hook waiting on {gate}"
for i in $(seq 1500); do [ -e /tmp/{gate} ] && break; sleep 0.2; done
echo "hook passed {gate}"
"""
DEPLOY_MS = DEPLOY_SECONDS * 1000


def cell(page: Page, step: str, server: str) -> Locator:
    """The grid's button for `step` on `server` (its accessible name ends with its status)."""
    return page.locator("#deployment-grid").get_by_role("button", name=re.compile(f"^{step} on {server}: "))


def attach(page: Page, name: str, host: str, *, opened: bool = False) -> None:
    """Fill in and submit the servers section's form (opening it first unless it is open)."""
    servers = page.locator("#section-servers")
    if not opened:
        servers.locator("summary", has_text="Attach server").click()
    servers.get_by_label("Name", exact=True).fill(name)
    servers.get_by_label("Host name or IP address").fill(host)
    servers.get_by_label("Connect as (user)").fill("deploy")
    servers.get_by_label("PHP version").select_option("php82")
    servers.get_by_label("Deployment path").fill(APP)
    servers.get_by_role("button", name="Attach server").click()


def test_a_project_from_creation_to_deploy_cancel_and_rollback(
    server: ShipyardServer,
    admin_account: Account,
    repo: GitRepository,
    web: list[Host],
    mail_sink: MailSink,
    browser: Browser,
    tabs: list[Tab],
    page: Page,
) -> None:
    user = new_user(server, admin_account)
    for host in web:
        reset_app(host)
    gate = f"gate-{server.backend}"
    for host in web:
        host.run(f"rm -f /tmp/{gate}")
    sign_in(page, user)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Projects").click()
    expect(page.get_by_text("No projects yet")).to_be_visible()

    # Create: a bad repository URL shows the server's reason next to the field.
    page.get_by_role("link", name="Add project", exact=True).click()
    page.get_by_label("Name", exact=True).fill("Shop")
    page.get_by_label("Provider").select_option("custom")
    page.get_by_role("textbox", name="Repository").fill("not a url; rm -rf /")
    page.get_by_role("button", name="Add project").click()
    expect(page.locator("#repository-error")).to_contain_text("must be a git URL")
    page.get_by_role("textbox", name="Repository").fill(repo.url)
    page.get_by_label("Type").select_option("other")
    page.get_by_label("Install Composer dependencies").uncheck()
    page.get_by_role("button", name="Add project").click()
    expect(page.get_by_role("heading", name="Shop")).to_be_visible()
    expect(page.get_by_text("Not deployed yet")).to_be_visible()
    # Deploying "a branch" without naming one: the reason next to the field, nothing queued.
    page.get_by_label("A branch", exact=True).check()
    page.get_by_role("button", name="Deploy", exact=True).click()
    expect(page.locator("#branch-error")).to_have_text(
        "The branch field is required when deploying from a branch."
    )
    expect(page.get_by_text("Not deployed yet")).to_be_visible()
    page.get_by_label("The project's branch (main)").check()

    # Servers: a bad host is refused next to the field; the connection fails until the
    # project's public key (copied from the page) is authorized on the host.
    servers = page.locator("#section-servers")
    expect(servers.get_by_text("No servers yet")).to_be_visible()
    attach(page, "web-1", "not a host")
    expect(servers.locator(".field-error")).to_have_text("The host must be a host name or an IP address.")
    attach(page, "web-1", web[0].ip, opened=True)
    expect(servers.get_by_text("Attached web-1.")).to_be_visible()
    row = servers.locator("tr", has_text="web-1")
    expect(row).to_contain_text(f"deploy@{web[0].ip}:22")
    row.get_by_role("button", name="Check connection").click()
    expect(servers.get_by_text("Could not connect to web-1")).to_be_visible(timeout=60_000)
    expect(row.locator(".badge")).to_have_text("failed")
    public_key = page.locator("#public-key").inner_text()
    assert public_key.startswith("ssh-ed25519 ")
    for host in web:
        authorize(host, public_key)
    row.get_by_role("button", name="Check connection").click()
    expect(servers.get_by_text("Connected to web-1.")).to_be_visible(timeout=60_000)
    expect(row.locator(".badge")).to_have_text("successful")
    attach(page, "web-2", web[1].ip)
    expect(servers.get_by_text("Attached web-2.")).to_be_visible()

    # A hook after the clone, on every server, that waits for the test.
    hooks = page.locator("#section-hooks")
    expect(hooks.get_by_text("No hooks yet")).to_be_visible()
    hooks.locator("summary", has_text="Add hook").click()
    hooks.get_by_label("Name", exact=True).fill("Gate")
    hooks.get_by_label("Action").select_option(label="Clone New Release")
    hooks.get_by_label("When").select_option("after")
    hooks.get_by_label("Run as (user)").fill("deploy")
    hooks.get_by_label("Script").fill(GATED_HOOK.format(gate=gate))
    hooks.get_by_role("button", name="Add hook").click()
    expect(hooks.get_by_text("Added the hook Gate.")).to_be_visible()
    expect(hooks.locator("tr", has_text="Gate")).to_contain_text("after Clone New Release")

    # A notification: a bad address is refused next to the field; an e-mail address hears of the
    # deployment below. A Slack webhook is listed with its secret path masked.
    address = f"team-{server.backend}-{user.name}@example.test"
    told = page.locator("#section-notifications")
    told.locator("summary", has_text="Add notification").click()
    told.get_by_label("Name", exact=True).fill("Team")
    told.get_by_label("Send by").select_option("email")
    told.get_by_label("E-mail address or webhook URL").fill("not-an-address")
    told.get_by_role("button", name="Add notification").click()
    expect(told.locator(".field-error")).to_have_text("The email address must be a valid e-mail address.")
    told.get_by_label("E-mail address or webhook URL").fill(address)
    told.get_by_role("button", name="Add notification").click()
    expect(told.locator("tr", has_text="Team")).to_contain_text(address)
    told.locator("summary", has_text="Add notification").click()
    told.get_by_label("Name", exact=True).fill("Chat")
    told.get_by_label("Send by").select_option("slack")
    told.get_by_label("E-mail address or webhook URL").fill(
        "https://hooks.slack.test/services/T1/B2/secret-part"
    )
    told.get_by_role("button", name="Add notification").click()
    chat = told.locator("tr", has_text="Chat")
    expect(chat).to_contain_text("hooks.slack.test")
    expect(chat).not_to_contain_text("secret-part")
    chat.get_by_role("button", name="Remove").click()
    expect(told.locator("tr", has_text="Chat")).to_have_count(0)

    # Deploy: the grid fills in while the deployment runs; a cell shows its output.
    repo.commit("v1")
    page.get_by_role("button", name="Deploy", exact=True).click()
    for name in ("web-1", "web-2"):
        expect(cell(page, "Gate", name)).to_have_accessible_name(re.compile("running"), timeout=DEPLOY_MS)
        expect(cell(page, "Clone New Release", name)).to_have_accessible_name(re.compile("finished"))
        expect(cell(page, "Activate New Release", name)).not_to_have_accessible_name(re.compile("finished"))
    expect(page.locator("#deployment-grid .progress")).to_contain_text("Deploying")
    cell(page, "Clone New Release", "web-1").click()
    expect(page.locator("#process-output")).to_contain_text("Clone New Release on web-1")
    expect(page.locator("#process-output pre")).to_contain_text("clone")
    cell(page, "Gate", "web-2").click()
    expect(page.locator("#process-output pre")).to_contain_text(f"hook waiting on {gate}", timeout=30_000)
    screenshot(page, server, "project-deploying")
    for host in web:
        host.run(f"touch /tmp/{gate}")
    expect(page.locator("#deployment-state .badge")).to_have_text("finished", timeout=DEPLOY_MS)
    for name in ("web-1", "web-2"):
        expect(cell(page, "Activate New Release", name)).to_have_accessible_name(re.compile("finished"))
    assert [serves(host) for host in web] == ["v1", "v1"]
    [told_of] = mail_sink.wait_for(address, 1, 60)
    assert told_of.subject == "Shop: deployment finished"
    history = page.locator("#history tbody tr")
    expect(history.first).to_contain_text("finished")
    expect(page.locator("#deployment-grid .progress")).to_have_count(0)

    # Cancel while the hook waits: the old release keeps serving.
    for host in web:
        host.run(f"rm -f /tmp/{gate}")
    repo.commit("v2")
    page.get_by_role("button", name="Deploy", exact=True).click()
    expect(cell(page, "Gate", "web-1")).to_have_accessible_name(re.compile("running"), timeout=DEPLOY_MS)
    page.locator("#deployment-grid").get_by_role("button", name="Cancel").click()
    expect(page.locator("#deployment-state .badge")).to_have_text("cancelled", timeout=DEPLOY_MS)
    assert [serves(host) for host in web] == ["v1", "v1"]
    expect(history.first).to_contain_text("cancelled")

    # The hook edited in place: the form opens filled in, a refused value says why, and the next
    # deployment runs the saved script.
    gate_row = hooks.locator("tr", has_text="Gate")
    gate_row.get_by_role("button", name="Edit").click()
    expect(hooks.get_by_label("Script")).to_have_value(GATED_HOOK.format(gate=gate))
    expect(hooks.get_by_label("Run as (user)")).to_have_value("deploy")
    hooks.get_by_label("Run as (user)").fill("not a user!")
    hooks.get_by_role("button", name="Save").click()
    expect(hooks.locator(".field-error")).to_be_visible()
    hooks.get_by_label("Run as (user)").fill("deploy")
    hooks.get_by_label("Script").fill(GATED_HOOK.format(gate=gate) + f'echo "edited {gate}"\n')
    hooks.get_by_role("button", name="Save").click()
    expect(hooks.get_by_text("Saved the hook Gate")).to_be_visible()

    # A third version goes live, then "Roll back" makes the one before it live again.
    for host in web:
        host.run(f"touch /tmp/{gate}")
    repo.commit("v3")
    page.get_by_role("button", name="Deploy", exact=True).click()
    expect(page.locator("#deployment-state .badge")).to_have_text("finished", timeout=DEPLOY_MS)
    assert [serves(host) for host in web] == ["v3", "v3"]
    cell(page, "Gate", "web-1").click()
    expect(page.locator("#process-output pre")).to_contain_text(f"edited {gate}")
    page.get_by_role("button", name="Roll back", exact=True).click()
    expect(page.get_by_text("Rolling back to release")).to_be_visible(timeout=60_000)
    expect(page.locator("#deployment-state")).to_contain_text("rollback to")
    expect(page.locator("#deployment-state .badge")).to_have_text("finished", timeout=DEPLOY_MS)
    assert [serves(host) for host in web] == ["v1", "v1"]

    # The list shows the last deployment.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Projects").click()
    listed = page.locator("tr", has_text="Shop")
    expect(listed.locator(".badge")).to_have_text("finished")
    expect(listed).to_contain_text("just now")
    listed.get_by_role("link", name="Shop").click()

    # The environment: opened with a key, written to the ticked servers; a wrong key says why.
    page.get_by_label("Environment key").fill("my-key")
    page.get_by_role("button", name="Open").click()
    page.get_by_label("Environment file (.env)").fill("APP_NAME=Browser\n")
    page.locator("#environment").get_by_label("web-1").check()
    page.locator("#environment").get_by_label("web-2").check()
    page.locator("#environment").get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved and written to the servers.")).to_be_visible(timeout=60_000)
    for host in web:
        assert host.run(f"cat {APP}/.env").stdout == "APP_NAME=Browser\n"
    page.reload()
    page.get_by_label("Environment key").fill("not-my-key")
    page.get_by_role("button", name="Open").click()
    expect(page.locator("#key-error")).to_have_text("The key does not open this project's environment.")
    page.get_by_label("Environment key").fill("my-key")
    page.get_by_role("button", name="Open").click()
    expect(page.get_by_label("Environment file (.env)")).to_have_value("APP_NAME=Browser\n")

    # Linked folders and heartbeats.
    folders = page.locator("#section-folders")
    folders.locator("summary", has_text="Link folder").click()
    folders.get_by_label("Folder in the release").fill("../outside")
    folders.get_by_label("Linked to").fill("uploads")
    folders.get_by_role("button", name="Link folder").click()
    expect(folders.locator(".field-error")).to_contain_text("without .. components")
    folders.get_by_label("Folder in the release").fill("public/uploads")
    folders.get_by_role("button", name="Link folder").click()
    expect(folders.locator("tr", has_text="public/uploads")).to_contain_text("uploads")
    beats = page.locator("#section-heartbeats")
    beats.locator("summary", has_text="Add heartbeat").click()
    beats.get_by_label("Name", exact=True).fill("Nightly")
    beats.get_by_label("Expected every (minutes)").select_option("1440")
    beats.get_by_role("button", name="Add heartbeat").click()
    beat = beats.locator("tr", has_text="Nightly")
    expect(beat).to_contain_text("healthy")
    expect(beat).to_contain_text("just now")  # the interval counts from its creation
    created = beat.locator("time").get_attribute("datetime")
    check_in = beat.locator("code").inner_text()
    assert check_in.startswith("/heartbeat/")
    assert httpx.get(f"{server.url}{check_in}").status_code == 200
    page.reload()
    checked = page.locator("#section-heartbeats tr", has_text="Nightly").locator("time")
    expect(checked).not_to_have_attribute("datetime", created or "")

    # A collaborator: an unknown address is refused with the reason; a user's address adds them,
    # and they find the project in their list.
    colleague = new_user(server, admin_account)
    people = page.locator("#section-collaborators")
    people.locator("summary", has_text="Add collaborator").click()
    people.get_by_label("E-mail address").fill("nobody@example.test")
    people.get_by_role("button", name="Add collaborator").click()
    expect(people.locator(".field-error")).to_have_text("No Shipyard user has this e-mail address.")
    people.get_by_label("E-mail address").fill(f"{colleague.name}@example.test")
    people.get_by_role("button", name="Add collaborator").click()
    expect(people.locator("tr", has_text=colleague.name)).to_be_visible()
    other = Tab(browser, server, PHONE)
    tabs.append(other)
    sign_in(other.page, colleague)
    other.page.goto("/projects")
    other.page.get_by_role("link", name="Shop").click()
    expect(other.page.locator("#deployment-state .badge")).to_have_text("finished")
    expect(other.page.locator("#section-hooks")).to_have_count(0)

    # Settings: a refused value says why; a new branch as the source is what the deploy URL
    # (copied from the page) puts live next.
    settings = page.locator("#project-settings")
    settings.get_by_label("Releases kept on each server").fill("0")
    settings.get_by_role("button", name="Save settings").click()
    expect(settings.locator("#settings-retain_deployments-error")).to_be_visible()
    settings.get_by_label("Releases kept on each server").fill("3")
    settings.get_by_role("button", name="Save settings").click()
    expect(settings.get_by_text("Settings saved.")).to_be_visible()
    expect(settings.get_by_label("Releases kept on each server")).to_have_value("3")
    branch = f"release-{server.backend}"
    repo.commit("v4", branch=branch)
    settings.get_by_label("Branch", exact=True).fill(branch)
    settings.get_by_role("button", name="Save source").click()
    expect(settings.get_by_text(f"The next deployment clones {branch}")).to_be_visible()
    deploy_url = settings.locator("#deploy-url").inner_text()
    assert httpx.post(deploy_url).is_success
    wait_until(lambda: [serves(host) for host in web] == ["v4", "v4"], DEPLOY_SECONDS, "v4 to be live")

    # A server edited in place: its form opens with its values; a refused port says why.
    servers = page.locator("#section-servers")
    servers.locator("tr", has_text="web-2").get_by_role("button", name="Edit").click()
    expect(servers.get_by_label("Host name or IP address")).to_have_value(web[1].ip)
    expect(servers.get_by_label("Reload PHP-FPM after activation")).to_be_checked()
    servers.get_by_label("SSH port").fill("70000")
    servers.get_by_role("button", name="Save").click()
    expect(servers.locator(".field-error")).to_be_visible()
    servers.get_by_label("SSH port").fill("22")
    servers.get_by_label("Name", exact=True).fill("web-two")
    servers.get_by_role("button", name="Save").click()
    expect(servers.get_by_text("Saved web-two")).to_be_visible()
    expect(servers.locator("tr", has_text="web-two")).to_contain_text(f"deploy@{web[1].ip}:22")

    # On a phone the page fits the screen.
    page.set_viewport_size(PHONE)
    page.reload()
    expect(page.locator("#deployment-grid")).to_be_visible()
    assert overflowing(page) == []
    page.set_viewport_size(DESKTOP)

    # Deleting the project forgets it.
    page.get_by_role("button", name="Delete project").click()
    expect(page).to_have_url(re.compile(r"/projects$"))
    expect(page.get_by_text("No projects yet")).to_be_visible()
