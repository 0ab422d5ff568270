"""Headless Chromium for the site and Binder tests, driven by Playwright.

Playwright's own browser download is not used (it needs a CDN); `make site-tests` installs
Debian's `chromium` where it can. $CHROMIUM, if set, names another Chromium or Chrome.
"""

import os
import shutil

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    # Chromium's own calls home would show up as requests to other hosts.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM:
        pytest.fail(
            "no Chromium: install it (Debian: apt-get install chromium), or set CHROMIUM "
            "to the path of Chromium or Chrome"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_FLAGS
        )
        yield browser
        browser.close()
