"""Every page loads its stylesheet and scripts from the real static files settings."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_page_loads_stylesheet_and_scripts(page, live_server):
    # Given the settings as shipped (src/imsclinic/static/ must be a static files source)
    missing: list[str] = []
    page.on(
        "response",
        lambda r: missing.append(r.url) if "/static/" in r.url and r.status >= 400 else None,
    )

    # When the login page loads
    page.goto(f"{live_server.url}/login/")
    page.wait_for_load_state("load")

    # Then the CSS, htmx and clinic.js all arrived and took effect
    assert missing == [], f"static files not served: {missing}"
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(245, 247, 250)", "clinic.css was not applied"
    assert page.evaluate("typeof window.htmx") == "object", "htmx.min.js did not load"
