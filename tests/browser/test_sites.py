"""Sites in the browser: create one on the provisioned host, clone a repository into it, deploy it
while the log streams on the page, see the history, the editors and quick deploy, and order a
certificate from the ACME test CA."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from cryptography import x509
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot
from tests.browser.test_account import sign_in
from tests.e2e.test_site_certificates import https_get
from tests.e2e.test_site_deploy import Upstream
from tests.e2e.test_sites import Sites, fetch, served, token
from tests.support.acme import Pebble
from tests.support.api import client
from tests.support.forge import Provisioned, wait_until
from tests.support.server import ShipyardServer

# Prints a line, then waits on a file the test creates: the page must show the line while the
# deployment is still running.
GATED_SCRIPT = """set -e
cd $FORGE_SITE_PATH
git pull origin $FORGE_SITE_BRANCH
echo "deploy step one of {gate}"
for i in $(seq 300); do [ -e /tmp/{gate} ] && break; sleep 0.2; done
echo "deploy step two of {gate}"
"""


@pytest.fixture
def sites(server: ShipyardServer, provisioned: Provisioned) -> Iterator[Sites]:
    """Removes the sites the test leaves behind, through the API."""
    with client(server, provisioned.owner) as http:
        tracker = Sites(http, provisioned)
        yield tracker
        tracker.cleanup()


@pytest.fixture
def upstream(provisioned: Provisioned) -> Iterator[Upstream]:
    repo = Upstream(provisioned.host, f"app-{token()}")
    repo.create("v1")
    yield repo
    repo.remove()


def test_create_a_site_and_deploy_it_while_the_log_streams(
    server: ShipyardServer, provisioned: Provisioned, sites: Sites, upstream: Upstream, page: Page
) -> None:
    host, sid, gate = provisioned.host, provisioned.server_id, f"gate-{token()}"
    domain = f"ui-{token()}.sites.test"
    sign_in(page, provisioned.owner)
    page.goto(f"/servers/{sid}")
    page.get_by_role("link", name="Add site").click()

    # A bad domain: the server's reason next to the field, the form kept.
    page.get_by_label("Domain", exact=True).fill("not a domain")
    page.get_by_role("button", name="Add site").click()
    expect(page.locator("#domain-error")).to_be_visible()
    page.get_by_label("Domain", exact=True).fill(domain)
    page.get_by_role("button", name="Add site").click()
    expect(page.get_by_role("heading", name=domain)).to_be_visible()
    site_id = int(re.search(r"/sites/(\d+)$", page.url).group(1))  # type: ignore[union-attr]
    sites.created.append(site_id)
    # Installing, then the page reloads itself with the site's actions.
    expect(page.get_by_role("heading", name="Repository")).to_be_visible(timeout=180_000)
    served(host, domain, "")

    # The repository: cloned by a job while the page shows progress.
    page.get_by_label("Provider").select_option("custom")
    page.get_by_role("textbox", name="Repository").fill(upstream.bare)
    page.get_by_role("button", name="Install repository").click()
    expect(page.locator("#repository").get_by_text("installed")).to_be_visible(timeout=180_000)
    served(host, domain, "app v1")

    # The deploy script, through its editor.
    page.locator("summary", has_text="Deploy script").click()
    editor = page.get_by_label("Deploy script")
    expect(editor).to_have_value(re.compile("git pull origin"))
    editor.fill(GATED_SCRIPT.format(gate=gate))
    page.locator("#editor-script").get_by_role("button", name="Save").click()
    expect(page.locator("#editor-script").get_by_text("Saved.")).to_be_visible()

    # Deploy now: the first line shows while the deployment still runs, the rest when it ends.
    upstream.commit("v2", "Second version")
    page.get_by_role("button", name="Deploy now").click()
    log = page.locator("#deploy-log")
    expect(log).to_contain_text(f"deploy step one of {gate}", timeout=120_000)
    expect(page.locator("#deploy-state")).to_contain_text("Deploying")
    expect(log).not_to_contain_text("deploy step two")
    screenshot(page, server, "site-deploying")
    host.run(f"touch /tmp/{gate}")
    expect(log).to_contain_text(f"deploy step two of {gate}", timeout=60_000)
    expect(page.locator("#deploy-state")).to_contain_text("The deployment finished.")
    served(host, domain, "app v2")

    # The history (refreshed by the stream's end) with the deployment's output.
    history = page.locator("#history")
    row = history.locator("tbody tr").first
    expect(row).to_contain_text("finished")
    expect(row).to_contain_text(upstream.commits[-1][:12])
    row.locator("summary").click()
    expect(row.locator(".output pre")).to_contain_text(f"deploy step two of {gate}")

    # Quick deploy on: the deployment URL shown deploys the site.
    page.get_by_role("button", name="Turn on").click()
    expect(page.locator("#quick-deploy").get_by_text("on", exact=True)).to_be_visible()
    url = page.locator("#deployment-url").inner_text()
    assert url.startswith(f"{server.url}/api/v1/sites/{site_id}/deploy/http?token=")
    host.run(f"rm -f /tmp/{gate}")
    upstream.commit("v3", "Third version")
    host.run(f"touch /tmp/{gate}")
    assert httpx.post(url).status_code == 200
    served(host, domain, "app v3")
    host.run(f"rm -f /tmp/{gate}")

    # A redirect rule, applied to nginx on the host.
    redirects = page.locator("#section-redirects")
    redirects.locator("summary", has_text="Add redirect").click()
    redirects.get_by_label("From path").fill("/old-page")
    redirects.get_by_label("To path or URL").fill("/new-page")
    redirects.get_by_role("button", name="Add redirect").click()
    expect(redirects.locator("tr", has_text="/old-page").get_by_text("installed")).to_be_visible(
        timeout=120_000
    )
    moved = fetch(host, domain, "/old-page")
    assert moved.status_code == 302 and moved.headers["location"].endswith("/new-page")

    # Settings: a bad alias is refused with the reason; a good one is applied on the host (the
    # page follows the site reinstalling) and nginx answers for it.
    alias = f"www.{domain}"
    settings = page.locator("#site-settings")
    settings.get_by_label("Aliases").fill("not an alias!")
    settings.get_by_role("button", name="Save and apply").click()
    expect(settings.locator(".field-error")).to_be_visible()
    settings.get_by_label("Aliases").fill(alias)
    settings.get_by_role("button", name="Save and apply").click()
    expect(page.locator(".facts").first).to_contain_text(alias)
    expect(page.locator("#site-status")).to_contain_text("installed", timeout=120_000)
    served(host, alias, "app v3")

    # The site appears in the list of all sites; deleting it removes it from the host.
    page.goto("/sites")
    expect(page.locator("tr", has_text=domain)).to_contain_text(provisioned.created["server"]["name"])
    page.locator("tr", has_text=domain).get_by_role("link", name=domain).click()
    page.get_by_role("button", name="Delete site").click()
    expect(page).to_have_url(re.compile(rf"/servers/{sid}$"))
    wait_until(lambda: sites.http.get(f"{sites.base}/{site_id}").status_code == 404, 120, "the removal")
    sites.created.remove(site_id)
    assert "app v3" not in fetch(host, domain).text


def test_lets_encrypt_from_the_site_page(
    server: ShipyardServer, provisioned: Provisioned, sites: Sites, pebble: Pebble, page: Page
) -> None:
    """The Let's Encrypt form orders from the ACME CA (pebble) and the certificate is served; an
    order the CA refuses ends failed, and the page says where the reason is."""
    host, t = provisioned.host, token()
    domain = f"ui-le-{t}.certs.test"
    site = sites.create(domain=domain, project_type="html", directory="/")
    sites.wait(site["id"])
    pebble.point(domain, host.ip)
    sign_in(page, provisioned.owner)
    page.goto(f"/servers/{provisioned.server_id}/sites/{site['id']}")

    certificates = page.locator("#section-certificates")
    certificates.locator("summary", has_text="Let's Encrypt").click()
    certificates.get_by_role("button", name="Let's Encrypt").click()  # blank: the site's domain
    expect(certificates.get_by_text("Ordering the certificate from Let's Encrypt")).to_be_visible()
    row = certificates.locator("tbody tr", has_text=domain)
    expect(row.get_by_text("active")).to_be_visible(timeout=180_000)
    expect(row.get_by_text("installed")).to_be_visible()
    issued, _ = https_get(host, domain, pebble.issuing_root())
    names = issued.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == [domain]

    nowhere = f"nowhere-{t}.certs.test"
    certificates.locator("summary", has_text="Let's Encrypt").click()
    certificates.get_by_label("Domains").fill(nowhere)
    certificates.get_by_role("button", name="Let's Encrypt").click()
    expect(certificates.locator("tbody tr", has_text=nowhere).get_by_text("failed")).to_be_visible(
        timeout=180_000
    )
    expect(certificates.get_by_text("A change failed on the host")).to_be_visible()
    certificates.get_by_role("link", name="the server's events").click()
    failed = page.locator("#server-events li", has_text="Ordering certificate").first
    failed.locator("summary").click()
    expect(failed.locator(".output pre")).to_contain_text(nowhere)
