"""The audit log page: entries made through an API token and through the dashboard, who made
them and how, the filters by user, resource and action, and paging."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, Tab, overflowing, screenshot
from tests.browser.test_account import sign_in
from tests.support.api import Account, client, new_user
from tests.support.server import ShipyardServer


def _project(server: ShipyardServer, account: Account, name: str) -> int:
    with client(server, account) as http:
        created = http.post(
            "/api/projects",
            json={"name": name, "provider": "custom", "repository": "https://git.example.test/app.git"},
        )
        assert created.status_code == 200, created.text
        project_id: int = created.json()["project"]["id"]
        return project_id


def test_the_audit_log_shows_who_did_what_and_filters(
    server: ShipyardServer, admin_account: Account, page: Page, tabs: list[Tab]
) -> None:
    user = new_user(server, admin_account)
    stranger = new_user(server, admin_account)
    by_token = _project(server, user, "Through-token")
    _project(server, stranger, "Not-mine")
    with client(server, user) as http:
        for index in range(55):  # more than a page
            folder = {"from": f"public/f{index}", "to": f"shared/f{index}"}
            assert http.post(f"/api/projects/{by_token}/folders", json=folder).status_code == 200

    # A change through the dashboard: recorded with the session.
    sign_in(page, user)
    page.goto("/projects/new")
    page.get_by_label("Name").fill("Through-dashboard")
    page.get_by_role("textbox", name="Repository").fill("https://git.example.test/other.git")
    page.get_by_role("button", name="Add project").click()
    expect(page.get_by_role("heading", name="Through-dashboard")).to_be_visible()
    by_session = int(re.search(r"/projects/(\d+)$", page.url).group(1))  # type: ignore[union-attr]

    page.get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    rows = page.locator("#audit tbody tr")
    newest = rows.first
    expect(newest).to_contain_text("project.create")
    expect(newest).to_contain_text(f"project:{by_session}")
    expect(newest).to_contain_text("dashboard session #")
    expect(newest).to_contain_text(user.name)
    expect(newest.locator("time")).to_have_attribute(
        "title", re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC")
    )
    expect(rows).to_have_count(50)
    expect(page.get_by_text("Page 1 of 2 · 59 entries")).to_be_visible()
    # Only the user's own entries: the other user's project is not in it.
    expect(page.locator("#audit")).not_to_contain_text("Not-mine")
    screenshot(page, server, "audit")

    # Older entries on the next page, the first one made through the API token.
    page.get_by_role("link", name="Older").click()
    expect(rows).to_have_count(9)  # the rest of the folders, the project, the token (by password)
    expect(rows.last).to_contain_text("token.create")
    through_token = rows.filter(has_text=f"project:{by_token}").filter(has_text="project.create")
    expect(through_token).to_contain_text("API token t-")

    # Filters: by action, then by resource (a kind, or one subject).
    page.get_by_label("Action").select_option("project.create")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(2)
    expect(page.get_by_text("Page 1 of 1 · 2 entries")).to_be_visible()
    page.get_by_label("Action").select_option("")
    page.get_by_label("Resource").fill(f"project:{by_session}")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("project.create")
    page.get_by_label("Resource").fill("deployment")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("No entries match these filters")).to_be_visible()
    page.get_by_role("link", name="Clear filters").click()
    expect(rows).to_have_count(50)
    # A non-administrator has no user filter.
    expect(page.get_by_label("User")).to_have_count(0)

    # An administrator sees everyone's entries and filters them by user.
    admin_tab = Tab(page.context.browser, server, PHONE)  # type: ignore[arg-type]
    tabs.append(admin_tab)
    sign_in(admin_tab.page, admin_account)
    admin_tab.page.goto("/audit")
    admin_tab.page.get_by_label("User").select_option(label=stranger.name)
    admin_tab.page.get_by_role("button", name="Filter").click()
    admin_rows = admin_tab.page.locator("#audit tbody tr")
    expect(admin_rows).to_have_count(2)  # their token, then their project
    expect(admin_rows.first).to_contain_text("project.create")
    expect(admin_rows.first).to_contain_text(stranger.name)
    assert overflowing(admin_tab.page) == []
