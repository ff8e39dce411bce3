"""Real headless Chromium (through Playwright's sync API) against pytest-django's live server."""

import pytest
from playwright.sync_api import expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Long enough for a slow machine, short enough that a real failure does not hang the run.
TIMEOUT_MS = 10_000

expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="package")
def browser():
    """One Chromium for all the browser tests, closed as soon as the last of them is done.

    While Playwright's sync API runs it keeps an event loop running in this thread, which
    trips Django's async-safety check on every ORM call (the test's, and pytest-django's
    database flush), so DJANGO_ALLOW_ASYNC_UNSAFE is set in this process for exactly that
    long. Package scope rather than session scope: the tests that run after these must not
    inherit the variable (``check --deploy`` rightly reports it, and it would hide async
    misuse) nor the running loop.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                yield browser
            finally:
                browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh page (own cookies and storage) whose relative URLs go to the live server."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()
