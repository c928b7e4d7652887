"""A whole first visit, driven through the pages as a practitioner would.

Register (with a bleeding-risk precaution) -> consent -> episode -> assessment on the body
chart -> session with several insertions -> sign -> amend -> chart with timeline and pain plot.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from imsclinic.anatomy import get_catalog
from imsclinic.charting.models import Assessment, TreatmentSession
from imsclinic.patients.models import Patient
from tests.browser.body_chart import click_region

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LUMBAR = get_catalog().get("lumbar_paraspinals").name


def _fill_insertion(
    page, index: int, *, muscle: str, side: str, lot: str, level: str = "", twitch: str = "none"
) -> None:
    row = f"insertions.{index}"
    page.locator(f'[name="{row}.muscle"]').fill(muscle)
    page.locator(f'[name="{row}.side"]').select_option(side)
    if level:
        page.locator(f'[name="{row}.level"]').select_option(level)
    page.locator(f'[name="{row}.needle_lot"]').fill(lot)
    page.locator(f'[name="{row}.twitch"]').select_option(twitch)


def test_first_visit_from_registration_to_signed_amended_session(
    page, live_server, login, screenshot, practitioner
):
    # Given an authorized practitioner, logged in through the login form
    login(practitioner)
    expect(page.get_by_role("heading", name=re.compile(r"^Today,"))).to_be_visible()

    # When they register a patient who takes anticoagulants
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Register patient").click()
    expect(page.get_by_role("heading", name="Register a patient")).to_be_visible()
    page.get_by_label("Family name").fill("Okafor")
    page.get_by_label("Given name").fill("Adaeze")
    page.get_by_label("Date of birth").fill("1971-04-23")
    page.get_by_label("Sex").select_option("female")
    page.get_by_label("Health number").fill("12345-6789")
    page.get_by_label("Medications").fill("Apixaban 5 mg twice daily")
    page.get_by_label("Anticoagulants").check()
    screenshot(page, "02-register-patient")
    page.get_by_role("button", name="Save patient").click()

    # Then the chart opens with the bleeding-risk badge and no consent yet
    expect(page.get_by_role("heading", name=re.compile("Okafor"))).to_be_visible()
    patient = Patient.objects.get(family_name="Okafor")
    assert patient.anticoagulants is True
    expect(page).to_have_url(f"{live_server.url}/patients/{patient.pk}/")
    banner = page.get_by_role("region", name="Patient")
    expect(banner.get_by_text("Bleeding risk")).to_be_visible()
    expect(page.get_by_text("No current consent for needling")).to_be_visible()

    # When they record consent
    page.get_by_role("link", name="Record consent").first.click()
    page.get_by_role("button", name="Record consent").click()
    expect(page.get_by_text(re.compile(r"Consent current: version"))).to_be_visible()

    # And open an episode for sciatica
    page.get_by_role("link", name="Open episode").click()
    page.get_by_label("Condition (ICD-10)").fill("M54.3")
    page.get_by_label("Affected side").select_option("left")
    page.get_by_label("Goals").fill("Sit through a 2-hour meeting without leg pain")
    page.get_by_role("button", name="Open episode").click()
    expect(
        page.get_by_role("region", name="Episodes of care").get_by_text("Sciatica")
    ).to_be_visible()

    # And chart an assessment on the body chart: left buttock on the back view
    page.get_by_role("link", name="New assessment").click()
    page.get_by_label("Pain now (0-10)").fill("7")
    page.get_by_label("History").fill("Left buttock pain radiating to the calf for 3 months.")
    buttock = page.locator('#chart-back .region[data-region="buttock"][data-side="left"]')
    # the back view is drawn from behind: the patient's left is on the viewer's left
    right_buttock = page.locator('#chart-back .region[data-region="buttock"][data-side="right"]')
    assert buttock.bounding_box()["x"] < right_buttock.bounding_box()["x"]
    click_region(buttock)
    expect(buttock).to_have_class(re.compile(r"\bmarked\b"))
    expect(right_buttock).not_to_have_class(re.compile(r"\bmarked\b"))
    picker = page.locator("#region-picker")
    expect(picker.get_by_role("heading")).to_contain_text("left")
    picker.get_by_role("button", name="Gluteus medius", exact=True).click()
    finding = page.locator("#findings tbody tr").last
    expect(finding.locator('[name$=".muscle"]')).to_have_value("Gluteus medius")
    expect(finding.locator('[name$=".side"]')).to_have_value("left")
    finding.get_by_label("Taut band").check()
    finding.get_by_label("Tender motor point").check()
    # Lower back too: a paraspinal finding needs its level
    click_region(page.locator('#chart-back .region[data-region="lower_back"][data-side="left"]'))
    picker.get_by_role("button", name=LUMBAR, exact=True).click()
    paraspinal = page.locator("#findings tbody tr").last
    paraspinal.locator('[name$=".level"]').select_option("L5")
    paraspinal.get_by_label("Shortened / ROM loss").check()
    # Gunn's signs for the marked buttock region
    signs = page.locator('#signs fieldset[data-key="buttock:left"]')
    signs.get_by_label("Pilomotor (goosebumps)").check()
    signs.get_by_label("Vasomotor (colder)").check()
    screenshot(page, "03-assessment-body-chart")
    page.locator("#assessment-form").get_by_role("button", name="Save and sign").click()

    # Then the assessment is saved, signed, with both findings and the signs
    expect(page.get_by_role("heading", name=re.compile(r"^Assessment ·"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Signed \d{4}-"))).to_be_visible()
    assessment = Assessment.objects.get(patient=patient)
    assert [(f.muscle_id, f.side, f.level) for f in assessment.findings.order_by("position")] == [
        ("gluteus_medius", "left", ""),
        ("lumbar_paraspinals", "left", "L5"),
    ]
    assert sorted((s.region, s.side, s.kind) for s in assessment.signs.all()) == [
        ("buttock", "left", "pilomotor"),
        ("buttock", "left", "vasomotor"),
    ]
    assert sorted((m["region"], m["side"]) for m in assessment.pain_locations) == [
        ("buttock", "left"),
        ("lower_back", "left"),
    ]
    expect(page.get_by_text("Pilomotor (goosebumps) — Buttock (left)")).to_be_visible()

    # When they chart a session with three insertions
    page.get_by_role("region", name="Patient").get_by_role("link").first.click()
    page.get_by_role("link", name="Chart session").click()
    expect(page.get_by_role("heading", name="Chart a treatment session")).to_be_visible()
    page.get_by_label("Pain before (0-10)").fill("7")
    _fill_insertion(
        page, 0, muscle=LUMBAR, side="left", level="L5", lot="LOT-2026-041", twitch="strong"
    )
    _fill_insertion(
        page, 1, muscle="Gluteus medius", side="left", lot="LOT-2026-041", twitch="weak"
    )
    _fill_insertion(page, 2, muscle="Piriformis", side="left", lot="LOT-2026-041")
    # a blank row is always waiting after the last filled one
    expect(page.locator("#insertions tbody tr")).to_have_count(4)
    expect(page.locator('[name="insertions.3.muscle"]')).to_have_value("")
    summary = page.locator("#session-summary")
    expect(summary).to_contain_text("3 insertions · left 3, right 0 · twitch 2/3 · levels L5")
    page.get_by_label("Pain after (0-10)").fill("3")
    page.get_by_label("Notes").fill("Strong twitch at L5 multifidus; buttock pain eased.")
    screenshot(page, "04-session-form-filled")

    # Saving without acknowledging the anticoagulant precaution is refused with the reason
    page.locator("#save-sign").click()
    acknowledgement = page.locator("#acknowledgements")
    expect(acknowledgement.get_by_role("alert")).to_contain_text("tick each precaution above")
    anticoagulants = acknowledgement.get_by_label(
        re.compile("Anticoagulants: relative contraindication")
    )
    expect(anticoagulants).to_have_attribute("aria-invalid", "true")
    expect(anticoagulants).to_have_attribute("aria-describedby", "err-acknowledged")
    assert TreatmentSession.objects.filter(patient=patient).count() == 0
    # ... and nothing typed was lost
    expect(page.locator('[name="insertions.2.muscle"]')).to_have_value("Piriformis")
    expect(page.locator('[name="insertions.0.level"]')).to_have_value("L5")
    anticoagulants.check()
    page.locator("#save-sign").click()

    # Then the session is signed and read-only
    expect(page.get_by_role("heading", name=re.compile(r"^Session #1 ·"))).to_be_visible()
    expect(page.locator(".toolbar .badge.ok")).to_have_text(
        re.compile(r"^Signed \d{4}-\d{2}-\d{2}")
    )
    expect(page.get_by_role("heading", name="Note (read-only)")).to_be_visible()
    expect(page.get_by_role("link", name="Edit draft")).to_have_count(0)
    expect(page.locator("#sign-session")).to_have_count(0)
    insertions = page.get_by_role("table", name="Insertions").locator("tbody tr")
    expect(insertions).to_have_count(3)
    expect(insertions.nth(0)).to_contain_text(LUMBAR)
    expect(insertions.nth(0)).to_contain_text("L5")
    expect(page.get_by_text("Acknowledged precautions: anticoagulants")).to_be_visible()
    session = TreatmentSession.objects.get(patient=patient)
    assert session.is_signed
    assert session.pain_before == 7 and session.pain_after == 3
    assert [
        (i.muscle_id, i.side, i.level, i.needle_lot)
        for i in session.insertions.order_by("position")
    ] == [
        ("lumbar_paraspinals", "left", "L5", "LOT-2026-041"),
        ("gluteus_medius", "left", "", "LOT-2026-041"),
        ("piriformis", "left", "", "LOT-2026-041"),
    ]
    # The edit page of a signed note says why it is closed and leads to the amendment
    page.goto(f"{live_server.url}/sessions/{session.pk}/edit/")
    expect(page.get_by_role("heading", name="Session #1 is signed and read-only")).to_be_visible()
    page.get_by_role("link", name="Open the note to add an amendment").click()
    expect(page).to_have_url(f"{live_server.url}/sessions/{session.pk}/#amend-h")

    # When they add an amendment
    amendments = page.get_by_role("region", name="Amendments")
    expect(amendments.get_by_text("No amendments.")).to_be_visible()
    amendments.get_by_label("Correction").fill(
        "Piriformis insertion was on the right, not the left."
    )
    amendments.get_by_label("Reason").fill("Side recorded wrongly")
    amendments.get_by_role("button", name="Add amendment").click()

    # Then it is shown beside the unchanged original note
    amendment = page.locator(".amendment")
    expect(amendment).to_have_count(1)
    expect(amendment).to_contain_text("Piriformis insertion was on the right, not the left.")
    expect(amendment).to_contain_text("Side recorded wrongly")
    note_box = page.locator("section.signed").bounding_box()
    amend_box = page.get_by_role("region", name="Amendments").bounding_box()
    assert note_box and amend_box
    assert amend_box["x"] >= note_box["x"] + note_box["width"], "amendments sit beside the note"
    assert amend_box["y"] < note_box["y"] + note_box["height"]
    expect(insertions.nth(2)).to_contain_text("Left")  # the original is not rewritten
    screenshot(page, "05-signed-session-with-amendment")
    session.refresh_from_db()
    assert session.is_signed and session.amendments.count() == 1

    # And the chart shows the session in the timeline and the pain plot
    page.get_by_role("region", name="Patient").get_by_role("link").first.click()
    timeline = page.get_by_role("region", name="Timeline")
    entry = timeline.locator("li", has_text="Session #1")
    expect(entry).to_contain_text("pain 7 → 3")
    expect(entry).to_contain_text("3 insertions")
    expect(entry).to_contain_text(f"{LUMBAR} L5 (L)")
    expect(entry.locator(".badge.ok")).to_have_text("signed")
    expect(entry.locator(".badge.warn")).to_have_text("amended")
    expect(timeline.locator("li", has_text="Assessment")).to_contain_text("2 muscle findings")
    pain = page.get_by_role("region", name="Pain across the course")
    plot = pain.locator("figure.plot svg")
    expect(plot).to_be_visible()
    box = plot.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 100, f"pain plot is too small: {box}"
    assert plot.locator("path, polyline, line, circle").count() > 0, "pain plot has no marks"
    expect(pain.get_by_role("table", name="Pain per session").locator("tbody tr")).to_have_count(1)
    screenshot(page, "06-patient-chart-pain-plot")
