"""The dashboard: today's appointments, and patient search narrowing as you type (htmx)."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import make_patient
from tests.scheduling.builders import book, local, set_up_calendar

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_narrows_the_patient_list_as_you_type(
    page, live_server, login, practitioner, actor, screenshot
):
    # Given four patients, one of them booked for today
    zylstra_ann = make_patient(
        actor, family_name="Zylstra", given_name="Ann", health_number="55501-0001"
    )
    make_patient(actor, family_name="Zylstra", given_name="Bert", health_number="55501-0002")
    make_patient(actor, family_name="Zimmer", given_name="Carla", health_number="66602-0003")
    make_patient(actor, family_name="Abbott", given_name="Dev", health_number="77703-0004")
    calendar = set_up_calendar(practitioner.clinic, [practitioner])
    book(
        actor,
        zylstra_ann,
        practitioner,
        local(timezone.localdate(), "09:30"),
        calendar.types["follow_up"],
        note="IMS follow-up, low back",
    )
    login(practitioner)

    today = page.get_by_role("region", name="Today's patients")
    expect(today.locator("tbody tr")).to_have_count(1)
    expect(today.locator("tbody tr")).to_contain_text("09:30")
    expect(today.locator("tbody tr")).to_contain_text("Zylstra, Ann")
    rows = page.locator("#patient-rows tr")
    expect(rows).to_have_count(4)
    screenshot(page, "01-dashboard")

    # Searches go through htmx (no page load): a marker on window survives them
    page.evaluate("window.__samePage = true")
    search = page.get_by_label("Name, date of birth (YYYY-MM-DD) or health number")
    search.focus()
    with page.expect_request(lambda r: "/patients/?q=Z" in r.url) as first:
        page.keyboard.type("Z")
    assert first.value.headers.get("hx-request") == "true"
    expect(rows).to_have_count(3)
    expect(page.locator("#patient-rows")).not_to_contain_text("Abbott")

    page.keyboard.type("yl")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Zylstra, Ann")
    expect(rows.nth(1)).to_contain_text("Zylstra, Bert")

    page.keyboard.type("stra b")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Zylstra, Bert")

    # Health number prefix
    search.fill("")
    page.keyboard.type("66602")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Zimmer, Carla")

    # No match offers registration
    search.fill("")
    page.keyboard.type("Qx")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("No patient matches.")
    expect(rows.first.get_by_role("link", name="Register a new patient")).to_have_attribute(
        "href", "/patients/new/"
    )

    # Clearing brings everyone back
    search.fill("")
    expect(rows).to_have_count(4)
    assert page.evaluate("window.__samePage") is True
    assert page.url == f"{live_server.url}/"

    # Results link to the chart
    page.keyboard.type("Zim")
    expect(rows).to_have_count(1)
    rows.first.get_by_role("link", name="Zimmer, Carla").click()
    expect(page.get_by_role("heading", name="Zimmer, Carla")).to_be_visible()
