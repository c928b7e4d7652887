"""Safety operations in Chromium: a lot recall with its download, a serious adverse event
followed up the next day from Today, and the admin's signed, printed incident report.

"The next day" is a session dated yesterday: its follow-up is due today (no sleeping)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from imsclinic.charting.models import TreatmentSession
from imsclinic.core.models import AuditEvent
from imsclinic.safety.models import AdminNotification, FollowUp, IncidentReport
from tests.factories import (
    make_consented_patient,
    make_episode,
    make_user,
    today,
)
from tests.safety.builders import lot_session, receive, serious_session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (390, 768, 1024)


def _fits(page) -> None:
    """At each width the page has no horizontal scroll (wide tables scroll in their card)."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"{overflow}px horizontal overflow at {width}px"
    page.set_viewport_size({"width": 1280, "height": 900})


def test_admin_runs_a_recall_and_downloads_the_phone_list(
    page, live_server, login, screenshot, clinic, actor, patient, episode
):
    # Given sessions charted with one lot spelled three ways, and another lot
    other = make_consented_patient(actor, phone="403-555-0142", email="other@example.org")
    lot_session(actor, patient, episode, ["LOT-2026-11"], days_ago=9)
    lot_session(actor, other, make_episode(actor, other), ["lot 202611", "LOT-2026-12"], days_ago=5)
    lot_session(actor, patient, episode, ["LOT-2026-12"], days_ago=2)
    admin = make_user(clinic, "admin.kim", "admin")
    login(admin)

    # When the admin opens the recall from Today and enters the dates the wrong way round
    page.get_by_role("link", name="Needle lot recall").click()
    page.get_by_label("Lot number").fill("LOT-2026-11")
    page.get_by_label("Sessions from (optional)").fill((today()).isoformat())
    page.get_by_label("Sessions up to (optional)").fill(
        (today() - dt.timedelta(days=30)).isoformat()
    )
    page.get_by_role("button", name="Find sessions").click()
    # Then the form says what to fix, beside the field
    expect(page.get_by_text(re.compile("swap the dates"))).to_be_visible()
    expect(page.get_by_label("Sessions up to (optional)")).to_have_attribute("aria-invalid", "true")

    # When the range is cleared and the search run again
    page.get_by_label("Sessions from (optional)").fill("")
    page.get_by_label("Sessions up to (optional)").fill("")
    page.get_by_role("button", name="Find sessions").click()

    # Then both sessions of the lot are listed, with how each matched and the contacts
    summary = page.locator("#recall-summary")
    expect(summary).to_contain_text("2 sessions of 2 patients")
    expect(summary).to_contain_text("1 insertion charted exactly as 'LOT-2026-11'")
    rows = page.locator("#recall-results tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(1)).to_contain_text("403-555-0142")
    expect(rows.nth(1)).to_contain_text("normalized")
    expect(rows.nth(0)).to_contain_text("exact")
    screenshot(page, "19-needle-lot-recall")
    _fits(page)

    # When they download the phone list
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the phone list (CSV)").click()
    download = download_info.value
    assert download.suggested_filename == "recall-lot-202611.csv"
    text = Path(download.path()).read_text(encoding="utf-8")
    rows_csv = list(csv.DictReader(io.StringIO(text)))
    assert [r["phone"] for r in rows_csv] == ["", "403-555-0142"]
    assert [r["match"] for r in rows_csv] == ["exact", "normalized"]
    # And the search and the download are in the audit trail as a recall of this lot
    events = AuditEvent.objects.filter(object_type="NeedleLotRecall", outcome="ok")
    assert list(events.values_list("action", flat=True)) == ["view", "export"]
    assert all("lot 'LOT-2026-11'" in e.detail for e in events)

    # An unknown lot is an empty result that says so
    page.get_by_label("Lot number").fill("LOT-1999-01")
    page.get_by_role("button", name="Find sessions").click()
    expect(page.locator("#recall-summary")).to_contain_text(
        "No session was charted with lot 'LOT-1999-01'"
    )


def test_practitioner_charts_a_serious_event_and_follows_it_up_the_next_day(
    page, live_server, login, screenshot, practitioner, actor, patient, episode
):
    receive(actor, lot="LOT-2026-11")
    login(practitioner)

    # When they chart yesterday's session with an unknown lot and a serious adverse event
    page.goto(f"{live_server.url}/patients/{patient.pk}/sessions/new/")
    page.get_by_label("Session date").fill((today() - dt.timedelta(days=1)).isoformat())
    page.get_by_label("Pain before (0-10)").fill("6")
    page.locator('[name="insertions.0.muscle"]').fill("Gluteus medius")
    page.locator('[name="insertions.0.side"]').select_option("left")
    lot = page.locator('[name="insertions.0.needle_lot"]')
    # The lots in stock are offered; a lot unknown to stock is a warning, not a block
    expect(page.locator('#lot-list option[value="LOT-2026-11"]')).to_have_count(1)
    lot.fill("LOT-2099-01")
    lot.dispatch_event("change")
    expect(page.locator("#lot-warnings")).to_contain_text("Lot LOT-2099-01 is not in needle stock")
    page.get_by_label("Adverse event kind").first.select_option("pneumothorax")
    page.get_by_label("Severity").first.select_option("serious")
    page.get_by_label("Description").first.fill("Short of breath after T4 paraspinals")
    page.get_by_label("Action taken").first.fill("Ambulance called")
    page.get_by_role("button", name="Save and sign").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Session #1"))).to_be_visible()
    session = TreatmentSession.objects.get(patient=patient)
    assert session.is_signed
    # The session page shows the follow-up due today (the next day), and admins were told
    expect(page.locator("#session-safety")).to_contain_text(f"Follow-up due {today():%Y-%m-%d}")
    assert AdminNotification.objects.filter(session=session).count() == 1

    # When, the next day, they open Today
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Today").click()
    followups = page.locator("#today-followups")
    expect(followups).to_contain_text("due today")
    screenshot(page, "19-today-follow-up")
    _fits(page)
    followups.get_by_role("link", name=patient.display_name).click()

    # And record the follow-up: reached by phone, referred to a physician
    page.get_by_label("How").select_option("phone")
    page.get_by_label("Referral").select_option("physician")
    page.get_by_label("Referred to (name, place)").fill("Family physician, same day")
    page.get_by_label("Outcome").fill("Breathing normal; seen by the family physician.")
    _fits(page)
    page.get_by_role("button", name="Sign the follow-up").click()
    expect(page.get_by_text("Done, signed")).to_be_visible()
    followup = FollowUp.objects.get(session=session)
    assert followup.status == "done" and followup.referral == "physician"

    # Then it is gone from Today and is a signed addendum on the (unchanged) session
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Today").click()
    expect(page.locator("#today-followups")).to_contain_text("No follow-up open.")
    page.goto(f"{live_server.url}/sessions/{session.pk}/")
    expect(page.locator("#session-safety")).to_contain_text("seen by the family physician")
    session.refresh_from_db()
    assert session.content_hash and session.is_signed


def test_admin_reviews_signs_and_prints_the_incident_report(
    page, live_server, login, screenshot, clinic, actor, patient, episode
):
    session = serious_session(actor, patient, episode)
    admin = make_user(clinic, "admin.kim", "admin")
    login(admin)

    # The serious event is on the admin's Today; they open the incident reports from it
    notices = page.locator("#today-notices")
    expect(notices).to_contain_text("Serious adverse event in session #1")
    notices.get_by_role("link", name="Incident reports").first.click()
    page.get_by_role("button", name="Start the report").click()

    # The report is pre-filled from the session
    expect(page.get_by_role("heading", name=re.compile("^Incident report"))).to_be_visible()
    expect(page.get_by_label("What happened")).to_have_value(re.compile("Pneumothorax"))
    expect(page.get_by_label("Actions taken")).to_have_value("Ambulance called; sent to emergency")
    # Signing without an outcome names what is missing
    page.get_by_role("button", name="Sign the report").click()
    expect(page.get_by_text(re.compile("Record the outcome known today"))).to_be_visible()
    page.get_by_label("Outcome").fill("Small pneumothorax, observed in hospital; recovered.")
    page.get_by_label("Reported to (regulator, insurer), if required").fill("Insurer, claim 12-345")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_role("button", name="Sign the report").click()
    expect(page.get_by_text(re.compile(r"^Signed \d{4}-\d\d-\d\d"))).to_be_visible()
    expect(page.locator("#incident-form")).to_have_count(0)
    screenshot(page, "19-incident-report-signed")
    _fits(page)
    report = IncidentReport.objects.get(session=session)
    assert report.is_signed and report.signed_by == admin

    # When they print it, the PDF comes with their login, and the print is audited
    href = page.get_by_role("link", name="Print (PDF)").get_attribute("href")
    pdf = page.context.request.get(f"{live_server.url}{href}")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="print", object_type="IncidentReport").exists()

    # And the clinic outcomes page links the adverse-event rates to the report
    page.goto(f"{live_server.url}/outcomes/")
    page.locator("#incident-link").get_by_role("link", name="incident reports").click()
    expect(page.get_by_role("heading", name="Incident reports")).to_be_visible()
    expect(page.locator("#signed-h + ul")).to_contain_text(patient.display_name)
