"""Debian's Chromium driven by Playwright against pytest-django's live server.

One browser per test session (per xdist worker); each test gets a fresh context, so cookies
and storage never leak between tests. Data is built with the shared factories; the live
server sees it because browser tests use the transactional database.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from importlib import import_module
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 900}
# Long enough for a slow CI box, short enough that a broken page fails fast.
TIMEOUT_MS = 10_000

PROJECT_DIR = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = PROJECT_DIR / "artifacts" / "screenshots"
DOCS_SCREENSHOT_DIR = PROJECT_DIR / "docs" / "screenshots"
FAILURE_DIR = PROJECT_DIR / "artifacts" / "failures"
BROWSER_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Skip (rather than fail) the browser tests where Debian's Chromium is not installed;
    # `make browser` installs it. Never `playwright install`: no downloads.
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(
        reason=f"Chromium not found at {CHROMIUM}; install Debian's chromium "
        "package (make browser) to run the browser tests"
    )
    for item in items:
        if BROWSER_DIR in Path(str(item.path)).parents:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import expect, sync_playwright

    # expect() waits 5 s by default, apart from the context's timeouts: under CI's load
    # (two workers, a live server each) a save's round trip can outlast that.
    expect.set_options(timeout=TIMEOUT_MS)

    # The URLconf pulls in heavy imports (matplotlib for the pain plot): load it while
    # Chromium starts rather than on the live server's first request.
    warm_up = threading.Thread(target=import_module, args=(settings.ROOT_URLCONF,), daemon=True)
    warm_up.start()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        warm_up.join()
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def context(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(
        viewport=VIEWPORT, locale="en-CA", timezone_id="America/Edmonton", reduced_motion="reduce"
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    yield context
    context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    report = yield
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed
    return report


_CALL_FAILED = pytest.StashKey[bool]()


@pytest.fixture
def page(context, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    page = context.new_page()
    # A JavaScript error on any page is a test failure, not a silent degradation.
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    if request.node.stash.get(_CALL_FAILED, False):
        # What the browser showed when the test failed, for the CI artifacts.
        FAILURE_DIR.mkdir(parents=True, exist_ok=True)
        name = request.node.nodeid.split("::")[-1]
        page.screenshot(path=str(FAILURE_DIR / f"{name}.png"), full_page=True)
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def screenshot() -> Callable[..., Path]:
    """Save a full-page PNG to artifacts/screenshots/; also to docs/screenshots/ on request.

    docs/screenshots/ is committed, so it is only refreshed when
    IMSCLINIC_UPDATE_SCREENSHOTS=1 is set.
    """
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    update_docs = os.environ.get("IMSCLINIC_UPDATE_SCREENSHOTS") == "1"

    def take(page, name: str, full_page: bool = True) -> Path:  # type: ignore[no-untyped-def]
        path = SCREENSHOT_DIR / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page, animations="disabled", caret="hide")
        if update_docs:
            DOCS_SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, DOCS_SCREENSHOT_DIR / path.name)
        return path

    return take


@pytest.fixture
def login(page, live_server):  # type: ignore[no-untyped-def]
    """Log a user in through the real login form; returns a function of the user."""
    from tests.factories import PASSWORD

    def log_in(user) -> None:  # type: ignore[no-untyped-def]
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{live_server.url}/")

    return log_in
