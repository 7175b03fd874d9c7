"""Signing in and out, two-factor enrolment with the QR code, API tokens, CSRF and the layout."""

from __future__ import annotations

import re

import httpx
import pyotp
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import PHONE, Tab, overflowing, screenshot
from tests.support.api import Account, new_user
from tests.support.server import ShipyardServer


def sign_in(page: Page, account: Account, code: str | None = None) -> None:
    page.goto("/login")
    page.get_by_label("User name").fill(account.name)
    page.get_by_label("Password").fill(account.password)
    if code is not None:
        page.get_by_label("One-time code").fill(code)
    page.get_by_role("button", name="Sign in").click()


def test_a_signed_out_visitor_only_sees_the_sign_in_page(server: ShipyardServer, page: Page) -> None:
    for path in ("/", "/servers", "/sites", "/account", "/servers/1", "/no-such-page"):
        page.goto(path)
        expect(page).to_have_url(re.compile(r"/login(\?next=.*)?$"))
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        expect(page.get_by_role("navigation", name="Main")).to_have_count(0)
    # The API keeps answering in JSON.
    api = httpx.get(f"{server.url}/api/v1/no-such-thing")
    assert api.status_code == 404 and api.json() == {"message": "Not Found."}
    assert httpx.get(f"{server.url}/api/v1/servers").status_code == 401
    screenshot(page, server, "sign-in")


def test_sign_in_two_factor_tokens_and_sign_out(
    server: ShipyardServer, admin_account: Account, page: Page
) -> None:
    user = new_user(server, admin_account)
    page.goto("/servers")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fservers$"))

    # A wrong password: the server's reason next to the field.
    page.get_by_label("User name").fill(user.name)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#password-error")).to_have_text("The user name or password is wrong.")

    page.get_by_label("Password").fill(user.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/servers$"))  # back where the visitor was going
    expect(page.get_by_text("No servers yet.")).to_be_visible()
    cookie = next(c for c in page.context.cookies() if c["name"] == "shipyard_session")
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Lax"

    # Two-factor enrolment: a QR code, confirmed with a code from the secret it encodes.
    page.get_by_role("link", name=user.name).click()
    page.get_by_role("button", name="Set up two-factor authentication").click()
    expect(page.locator(".qr svg")).to_be_visible()
    secret = page.locator("#otp-secret").inner_text()
    page.get_by_label("Code from the app").fill(
        "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"
    )
    page.get_by_role("button", name="Turn on").click()
    expect(page.locator(".field-error")).to_contain_text("The code is wrong")
    page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_text("Two-factor authentication is on.")).to_be_visible()
    # The API now asks for the code with a password too: the same 2FA.
    assert httpx.get(f"{server.url}/api/v1/user", auth=(user.name, user.password)).status_code == 401
    screenshot(page, server, "account")

    # An API token with a scope, shown once, usable, then revoked.
    page.get_by_role("region", name="API tokens").get_by_label("Name", exact=True).fill("deploy-bot")
    page.locator("input[value='servers:create']").check()
    page.get_by_role("button", name="Create token").click()
    plaintext = page.locator("#new-token").inner_text()
    assert re.fullmatch(r"[0-9a-f]{40}", plaintext)
    row = page.locator("tr", has_text="deploy-bot")
    expect(row).to_contain_text("servers:create")
    expect(row).to_contain_text(plaintext[-8:])
    bearer = {"Authorization": f"Bearer {plaintext}"}
    assert httpx.get(f"{server.url}/api/v1/user", headers=bearer).json()["user"]["name"] == user.name
    page.goto("/account")  # shown once: not on the page any more
    expect(page.locator("#new-token")).to_have_count(0)
    expect(page.get_by_text(plaintext)).to_have_count(0)
    page.get_by_role("button", name="Revoke deploy-bot").click()
    expect(page.get_by_text("The token is revoked.")).to_be_visible()
    expect(page.locator("tr", has_text="deploy-bot")).to_have_count(0)
    assert httpx.get(f"{server.url}/api/v1/user", headers=bearer).status_code == 401

    # A change without the session's CSRF token is refused.
    session_cookie = {"shipyard_session": cookie["value"]}
    forged = httpx.post(
        f"{server.url}/account/tokens",
        data={"name": "forged"},
        cookies=session_cookie,
        follow_redirects=False,
    )
    assert forged.status_code == 403 and "This form has expired" in forged.text
    page.reload()
    expect(page.locator("tr", has_text="forged")).to_have_count(0)

    # Sign out: the session row is gone, so the old cookie opens nothing.
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    stale = httpx.get(f"{server.url}/servers", cookies=session_cookie, follow_redirects=False)
    assert stale.status_code == 303 and stale.headers["location"].startswith("/login")

    # With 2FA on, the password alone is not enough.
    sign_in(page, user)
    expect(page.locator("#otp-error")).to_have_text("Enter the one-time code from your authenticator app.")
    sign_in(page, user, code=pyotp.TOTP(secret).now())
    expect(page.get_by_role("heading", name="Servers")).to_be_visible()


def test_the_layout_works_on_a_phone_and_from_the_keyboard(
    server: ShipyardServer, admin_account: Account, browser: Browser, tabs: list[Tab]
) -> None:
    user = new_user(server, admin_account)
    tab = Tab(browser, server, PHONE)
    tabs.append(tab)
    page = tab.page
    sign_in(page, user)
    expect(page.get_by_role("heading", name="Servers")).to_be_visible()
    # Nothing wider than the screen: the navigation wraps, tables scroll inside their box.
    assert overflowing(page) == []
    for name in ("Servers", "Sites"):
        expect(page.get_by_role("navigation", name="Main").get_by_role("link", name=name)).to_be_visible()

    # The keyboard reaches the skip link first, then the navigation; every input has a label.
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Skip to content")
    page.goto("/servers/new")
    unlabelled = page.evaluate(
        """[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
             .filter(e => !(e.labels && e.labels.length) && !e.closest('label'))
             .map(e => e.name)"""
    )
    assert unlabelled == []
    page.get_by_label("Name", exact=True).focus()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Public address")).to_be_focused()
