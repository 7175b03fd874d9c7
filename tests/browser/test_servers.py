"""Servers in the browser: add one pointing at a real test host and watch it become ready, then
change its resources from its page and check the host."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import DESKTOP, PHONE, overflowing, screenshot
from tests.browser.test_account import sign_in
from tests.support.api import Account, new_user
from tests.support.forge import PROVISION_SECONDS, wait_until
from tests.support.hosts import HostPool
from tests.support.server import ShipyardServer
from tests.support.templates import provisioned_template


def test_add_a_server_watch_it_become_ready_and_change_its_firewall(
    server: ShipyardServer, admin_account: Account, hosts: HostPool, page: Page
) -> None:
    user = new_user(server, admin_account)
    host = hosts.up(template=provisioned_template(hosts))
    try:
        sign_in(page, user)
        expect(page.get_by_text("No servers yet.")).to_be_visible()
        page.get_by_role("link", name="Add server").click()

        # The server's own reasons, next to the fields.
        own = page.get_by_role("form", name="A machine of your own")
        own.get_by_role("button", name="Add server").click()
        expect(page.locator("#custom-name-error")).to_contain_text("name")

        own.get_by_label("Name", exact=True).fill("browser-1")
        own.get_by_label("Public address").fill(host.ip)
        own.get_by_label("Root private key").fill(hosts.root_key())
        own.get_by_role("button", name="Add server").click()
        expect(page.get_by_role("heading", name="browser-1 is added")).to_be_visible()
        expect(page.locator("#sudo-password")).to_have_text(re.compile(r"\S{8,}"))
        page.get_by_role("link", name="Go to the server").click()

        # Provisioning shows progress, then the page turns ready by itself with its sections.
        status = page.locator("#server-status")
        expect(status.get_by_text("ready")).to_be_visible(timeout=PROVISION_SECONDS * 1000)
        expect(page.get_by_role("heading", name="Firewall rules")).to_be_visible()
        expect(page.get_by_role("heading", name="Databases")).to_be_visible()
        page.goto("/servers")
        row = page.locator("tr", has_text="browser-1")
        expect(row).to_contain_text(host.ip)
        expect(row.get_by_text("ready")).to_be_visible()
        screenshot(page, server, "servers")
        row.get_by_role("link", name="browser-1").click()

        # The provisioning event with its full output.
        events = page.locator("#server-events")
        event = events.locator("details").last
        event.locator("summary").click()
        expect(event.locator(".output pre")).not_to_be_empty()

        # A firewall rule: refused with the reason, then added and applied on the host.
        firewall = page.locator("#section-firewall")
        firewall.locator("summary", has_text="Add rule").click()
        firewall.get_by_label("Name").fill("app port")
        firewall.get_by_label("Port or range").fill("not-a-port")
        firewall.get_by_role("button", name="Add rule").click()
        expect(firewall.locator(".field-error")).to_contain_text("port")
        firewall.get_by_label("Port or range").fill("8765")
        firewall.get_by_role("button", name="Add rule").click()
        expect(firewall.get_by_text("Adding the firewall rule.")).to_be_visible()
        rule = firewall.locator("tr", has_text="app port")
        expect(rule.get_by_text("installed")).to_be_visible(timeout=120_000)
        assert "8765" in host.run("ufw status").stdout
        screenshot(page, server, "server")
        # On a phone the page fits the screen: sections stack, tables scroll inside their box.
        page.set_viewport_size(PHONE)
        assert overflowing(page) == []
        screenshot(page, server, "server-phone")
        page.set_viewport_size(DESKTOP)

        rule.get_by_role("button", name="Remove").click()
        expect(firewall.locator("tr", has_text="app port")).to_have_count(0, timeout=120_000)
        wait_until(lambda: "8765" not in host.run("ufw status").stdout, 30, "the rule to leave ufw")

        # Deleting the custom server forgets it.
        page.get_by_role("button", name="Delete server").click()
        expect(page).to_have_url(re.compile(r"/servers$"))
        expect(page.get_by_text("No servers yet.")).to_be_visible()
    finally:
        hosts.down(host)
