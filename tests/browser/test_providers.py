"""A server at a cloud provider from the browser: the credential on the account page, the machine
created through the provider's API (the fakes of tests/support/fakes/, whose machines are real test
hosts), its steps on the server page, and the machine deleted with the server."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_account import sign_in
from tests.conftest import BACKENDS, ServerFactory
from tests.support.api import Account, admin, new_user
from tests.support.clouds import TOKEN, cloud_env
from tests.support.fakes.base import FakeCloud
from tests.support.forge import PROVISION_SECONDS, wait_until
from tests.support.server import ShipyardServer


@pytest.fixture(scope="module", params=BACKENDS)
def server(
    request: pytest.FixtureRequest, start_server: ServerFactory, clouds: dict[str, FakeCloud]
) -> ShipyardServer:
    """A Shipyard whose providers are the fakes; this module's pages open on it."""
    return start_server(request.param, cloud_env(clouds))


@pytest.fixture(scope="module")
def admin_account(server: ShipyardServer) -> Account:
    return admin(server)


def test_a_server_at_a_provider_from_credential_to_deletion(
    server: ShipyardServer, admin_account: Account, clouds: dict[str, FakeCloud], page: Page
) -> None:
    cloud = clouds["ocean2"]
    user = new_user(server, admin_account)
    sign_in(page, user)

    # Without a credential the cloud form says where to add one.
    page.goto("/servers/new")
    cloud_form = page.get_by_role("form", name="At a cloud provider")
    expect(cloud_form.get_by_text("No provider credentials yet")).to_be_visible()
    cloud_form.get_by_role("link", name="your account page").click()

    # The credential: refused without its token (the server's reason), then stored write-only.
    credentials = page.locator("#section-credentials")
    credentials.locator("summary", has_text="Add a credential").click()
    credentials.get_by_label("Provider").select_option(label="DigitalOcean")
    credentials.get_by_label("Name").fill("do-main")
    credentials.get_by_role("button", name="Add a credential").click()
    expect(credentials.locator(".field-error")).to_contain_text("api_token field is required")
    credentials.get_by_label("API token").fill(TOKEN)
    credentials.get_by_role("button", name="Add a credential").click()
    expect(credentials.get_by_text("Credential do-main added")).to_be_visible()
    expect(credentials.locator("tr", has_text="do-main")).to_contain_text("DigitalOcean")
    assert TOKEN not in page.content()

    # The machine: PHP 8.4 (which Debian 12 does not ship) stops provisioning right after Shipyard
    # has logged in to the new machine, so the page shows every step up to there and the reason.
    page.goto("/servers/new")
    cloud_form = page.get_by_role("form", name="At a cloud provider")
    name = f"cloud-{server.backend}"  # both backends' tests may share one fake cloud
    cloud_form.get_by_label("Name", exact=True).fill(name)
    cloud_form.get_by_label("Credential").select_option(label="do-main (DigitalOcean)")
    cloud_form.get_by_label("Region").select_option("ams3")
    cloud_form.get_by_label("Size").select_option("01")
    cloud_form.get_by_label("PHP").select_option("php84")
    cloud_form.get_by_role("button", name="Create server").click()
    expect(page.get_by_role("heading", name=f"{name} is added")).to_be_visible()
    expect(page.get_by_text("creating the machine at DigitalOcean")).to_be_visible()
    page.get_by_role("link", name="Go to the server").click()

    status = page.locator("#server-status")
    expect(status.get_by_text("failed")).to_be_visible(timeout=PROVISION_SECONDS * 1000)
    droplets = cloud.calls_to("POST", "/v2/droplets")
    assert droplets and droplets[-1].body["name"] == name and droplets[-1].body["region"] == "ams3"
    machine = next(m for m in cloud.machines.values() if m.name == name and not m.deleted)
    assert machine.host is not None
    expect(page.locator(".facts")).to_contain_text(machine.host.ip)
    events = page.locator("#server-events")
    expect(events.get_by_text("Waiting for SSH")).to_be_visible()
    provisioning = events.locator("details", has_text="Provisioning server")
    provisioning.locator("summary").click()
    expect(provisioning.locator(".output pre")).to_contain_text("php84 is not available")

    # Deleting the server deletes the machine at the provider, then the server is gone.
    page.get_by_role("button", name="Delete server").click()
    expect(page.get_by_role("heading", name="Servers")).to_be_visible()
    wait_until(lambda: machine.deleted, 120, "the machine to be deleted at the provider")
    expect(page.locator("tr", has_text=name)).to_have_count(0, timeout=30_000)
