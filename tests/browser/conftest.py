"""Headless Chromium (Debian's `chromium`, driven by Playwright) against the real `shipyard serve`.

Every page a test opens fails the test on a browser console error or an uncaught exception.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.support.server import ShipyardServer

CHROMIUM = os.environ.get("SHIPYARD_TEST_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = os.environ.get("SHIPYARD_SCREENSHOTS")  # a folder: README's pictures are saved there
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

expect.set_options(timeout=30_000)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium for one test module: Playwright's sync API keeps an event loop running in the
    thread while it is open, which would break `asyncio.run` in the next tests on this worker."""
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: install Debian's chromium package (.ci/run does)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM)
        yield launched
        launched.close()


class Tab:
    """A browser tab on the server; it records console errors and answers confirm() with OK."""

    def __init__(self, browser: Browser, server: ShipyardServer, viewport: dict[str, int]) -> None:
        self.context = browser.new_context(base_url=server.url, viewport=viewport)  # type: ignore[arg-type]
        self.page: Page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on(
            "console",
            lambda message: (
                message.type == "error"
                and self.errors.append(f"{message.text} ({message.location.get('url')})")
            ),
        )
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("dialog", lambda dialog: dialog.accept())

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def tabs(browser: Browser, server: ShipyardServer) -> Iterator[list[Tab]]:
    """Open tabs with `open_tab`; at the end, none may have logged a console error."""
    opened: list[Tab] = []
    yield opened
    errors = [error for tab in opened for error in tab.errors]
    for tab in opened:
        tab.close()
    assert not errors, f"browser console errors: {errors}"


@pytest.fixture
def page(browser: Browser, server: ShipyardServer, tabs: list[Tab]) -> Page:
    """A desktop-sized tab."""
    tab = Tab(browser, server, DESKTOP)
    tabs.append(tab)
    return tab.page


def screenshot(page: Page, server: ShipyardServer, name: str) -> None:
    """Save the page as NAME.png in $SHIPYARD_SCREENSHOTS when set (from the SQLite run); a plain
    test run leaves the checkout as it found it."""
    if SCREENSHOTS and server.backend == "sqlite":
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


def overflowing(page: Page) -> list[str]:
    """What makes the page wider than the viewport: the elements sticking out on the right that
    no scrolling box of theirs clips (tag#id.class); empty when the page fits."""
    found: list[str] = page.evaluate(
        """() => {
          const clipped = (e) => {
            for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
              if (getComputedStyle(p).overflowX !== 'visible') return true;
            }
            return false;
          };
          const name = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
            [...e.classList].map((c) => '.' + c).join('');
          return [...document.querySelectorAll('body *')]
            .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5 && !clipped(e))
            .map(name);
        }"""
    )
    if page.evaluate("document.documentElement.scrollWidth > window.innerWidth") and not found:
        found.append("document (wider than the viewport)")
    return found
