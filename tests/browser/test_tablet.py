"""Charting on the tablet a practitioner holds in the treatment room (issue 16): the session
form fits 768 and 1024 px with the running summary and Save always on screen; movements
are added and removed like insertions; the body chart shows a dermatome with its legend."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from imsclinic.charting.models import RomMeasure, TreatmentSession
from tests.browser.body_chart import click_region
from tests.factories import make_actor, make_consented_patient, make_episode

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _on_screen(page, locator) -> bool:  # type: ignore[no-untyped-def]
    box = locator.bounding_box()
    size = page.viewport_size
    return (
        box is not None
        and box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= size["width"]
        and box["y"] + box["height"] <= size["height"]
    )


@pytest.mark.parametrize(("width", "height"), [(768, 1024), (1024, 768)])
def test_session_charted_on_a_tablet(
    page, live_server, login, screenshot, practitioner, width, height
):
    actor = make_actor(practitioner)
    patient = make_consented_patient(actor, family_name="Lindqvist", given_name="Maren")
    patient.precaution_notes = "Faints easily: needle lying down."
    patient.save(update_fields=["precaution_notes"])
    make_episode(actor, patient, code="M54.4")
    page.set_viewport_size({"width": width, "height": height})
    login(practitioner)
    page.goto(f"{live_server.url}/patients/{patient.pk}/sessions/new/")
    expect(page.get_by_role("note", name="Precaution notes")).to_contain_text("needle lying down")

    # When three insertions are charted, each on its two-line row
    page.get_by_label("Pain before (0-10)").fill("7")
    rows = [
        ("Lumbar paraspinals", "left", "L5", "strong"),
        ("Gluteus medius", "left", "", "weak"),
        ("Piriformis", "left", "", "none"),
    ]
    for index, (muscle, side, level, twitch) in enumerate(rows):
        page.locator(f'[name="insertions.{index}.muscle"]').fill(muscle)
        page.locator(f'[name="insertions.{index}.side"]').select_option(side)
        if level:
            page.locator(f'[name="insertions.{index}.level"]').select_option(level)
        page.locator(f'[name="insertions.{index}.needle_lot"]').fill("LOT-TAB-1")
        page.locator(f'[name="insertions.{index}.twitch"]').select_option(twitch)

    # Then nothing scrolls sideways, and the summary and Save stay on screen
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    summary = page.locator("#session-summary")
    save = page.get_by_role("button", name="Save and sign")
    expect(summary).to_contain_text("3 insertions · left 3, right 0 · twitch 2/3 · levels L5")
    page.locator('[name="insertions.2.twitch"]').scroll_into_view_if_needed()
    assert _on_screen(page, save) and _on_screen(page, summary)
    muscle = page.locator('[name="insertions.0.muscle"]').bounding_box()
    assert muscle["width"] >= 250  # the muscle name has room on the tablet
    if width == 768:
        screenshot(page, "08-session-form-tablet-viewport", full_page=False)

    # When two movements are added and the first removed again
    page.get_by_label("Pain after (0-10)").fill("3")
    page.get_by_role("button", name="Add movement").click()
    expect(page.locator("#rom tbody tr")).to_have_count(2)
    page.get_by_label("Movement 2", exact=True).select_option("straight_leg_raise")
    page.get_by_label("Movement side 2").select_option("left")
    page.get_by_label("Degrees 2").fill("55")
    page.get_by_role("button", name="Add movement").click()
    page.get_by_label("Movement 3", exact=True).select_option("hip_flexion")
    page.get_by_label("Degrees 3").fill("95")
    page.get_by_role("button", name="Remove movement 1").click()
    expect(page.locator("#rom tbody tr")).to_have_count(2)
    expect(page.get_by_label("Movement 1", exact=True)).to_have_value("straight_leg_raise")
    assert _on_screen(page, save)
    page.locator("#save-draft").click()

    # Then the draft keeps both movements, named in words on the note
    expect(page.get_by_role("heading", name=re.compile(r"^Session #1"))).to_be_visible()
    session = TreatmentSession.objects.get(patient=patient)
    assert [
        (r.movement, r.side, r.degrees) for r in RomMeasure.objects.filter(session=session)
    ] == [
        ("straight_leg_raise", "left", 55),
        ("hip_flexion", "", 95),
    ]
    expect(page.get_by_text("Straight leg raise (left), after needling: 55°")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_body_chart_dermatome_overlay_and_signed_view(
    page, live_server, login, screenshot, practitioner
):
    actor = make_actor(practitioner)
    patient = make_consented_patient(actor, family_name="Abara", given_name="Tobias")
    make_episode(actor, patient, code="M54.4")
    page.set_viewport_size({"width": 1024, "height": 900})
    login(practitioner)
    page.goto(f"{live_server.url}/patients/{patient.pk}/assessments/new/")

    # Mark the left buttock and the back of the left thigh, choose a muscle
    back = page.locator("#chart-back")
    click_region(back.locator('.region[data-region="buttock"][data-side="left"]'))
    page.locator("#region-picker").get_by_role("button", name="Piriformis", exact=True).click()
    page.locator("#findings tbody tr").last.get_by_label("Taut band").check()
    click_region(back.locator('.region[data-region="thigh_back"][data-side="left"]'))
    expect(back.locator(".pain-dot.on")).to_have_count(2)

    # The S1 dermatome: its regions hatched on both sides, its key sensory point shown
    page.get_by_label("Dermatome overlay").select_option("S1")
    overlay = page.locator(".body-chart .overlay path.dermatome")
    expect(overlay).to_have_count(4)  # sole and calf, each side
    regions = {
        (p.get_attribute("data-region"), p.get_attribute("data-side")) for p in overlay.all()
    }
    assert regions == {(r, s) for r in ("foot_sole", "leg_back") for s in ("left", "right")}
    expect(page.locator(".body-chart .key-point.on")).to_have_count(2)
    expect(page.locator("#dermatome-note")).to_contain_text(
        "S1: Lateral heel, sole and back of the calf"
    )
    expect(page.get_by_role("list", name="Body chart legend")).to_contain_text("Key sensory point")
    page.get_by_label("Show every key sensory point").check()
    visible = page.locator(".body-chart .key-point").evaluate_all(
        "els => els.filter(e => getComputedStyle(e).display !== 'none').length"
    )
    assert visible == 2 * 29  # every ISNCSCI level, both sides
    page.get_by_label("Show every key sensory point").uncheck()
    page.locator("#bodychart-h").scroll_into_view_if_needed()
    screenshot(page, "10-body-chart-dermatome-overlay")

    # Signed, the chart is shown read-only with the marks
    page.locator("#assessment-form").get_by_role("button", name="Save and sign").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Assessment ·"))).to_be_visible()
    chart = page.get_by_role("img", name=re.compile("Body chart, back view: pain marked at"))
    expect(chart).to_have_attribute(
        "aria-label", "Body chart, back view: pain marked at Buttock (left), Back of thigh (left)"
    )
    expect(chart.locator(".region.marked")).to_have_count(2)
    assert chart.locator("[tabindex]").count() == 0
    screenshot(page, "09-signed-assessment-body-chart")
