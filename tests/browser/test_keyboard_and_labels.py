"""Keyboard-only charting, and a label for every form control on the charting pages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from imsclinic.charting.models import TreatmentSession
from tests.browser.body_chart import click_region
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Counts pointer input so a test can prove it never used the mouse.
POINTER_SPY = """
window.__pointerEvents = 0;
for (const type of ["pointerdown", "mousedown"]) {
  window.addEventListener(type, () => { window.__pointerEvents += 1; }, true);
}
"""

# Every visible form control must have an accessible name from a <label for>, a wrapping
# <label>, aria-label or aria-labelledby; ids must be unique or label[for] points elsewhere.
UNLABELLED_CONTROLS = """
() => {
  const problems = [];
  const controls = Array.from(document.querySelectorAll("input, select, textarea"));
  const ids = {};
  for (const el of controls) { if (el.id) ids[el.id] = (ids[el.id] || 0) + 1; }
  for (const el of controls) {
    if (el.type === "hidden") continue;
    const style = getComputedStyle(el);
    const shown = style.display !== "none" && style.visibility !== "hidden";
    if (!shown || !el.getClientRects().length) continue;
    const names = [];
    if (el.id) {
      for (const label of document.querySelectorAll(`label[for="${CSS.escape(el.id)}"]`)) {
        names.push(label.textContent.trim());
      }
    }
    const wrapping = el.closest("label");
    if (wrapping) names.push(wrapping.textContent.trim());
    names.push((el.getAttribute("aria-label") || "").trim());
    for (const id of (el.getAttribute("aria-labelledby") || "").split(/\\s+/).filter(Boolean)) {
      const node = document.getElementById(id);
      if (node) names.push(node.textContent.trim());
    }
    const name = names.filter(Boolean).join(" / ");
    const what = el.name || el.id || el.outerHTML.slice(0, 80);
    if (!name) problems.push(`${what}: no label`);
    if (/\\b999|1000\\b/.test(name)) problems.push(`${what}: label from the row template: ${name}`);
    if (el.id && ids[el.id] > 1) problems.push(`${what}: duplicate id ${el.id}`);
  }
  return problems;
}
"""


def _focused(page) -> str:
    return page.evaluate(
        "document.activeElement && (document.activeElement.name || document.activeElement.id)"
    )


def _tab_to(page, name: str, limit: int = 40) -> None:
    """Press Tab until the control named `name` has focus (fails if it is not reachable)."""
    for _ in range(limit):
        if _focused(page) == name:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{name} not reachable with Tab; focus is on {_focused(page)!r}")


def test_session_charted_and_signed_with_the_keyboard_only(
    page, live_server, practitioner, patient, episode
):
    page.add_init_script(POINTER_SPY)
    keys = page.keyboard

    # Log in: the username field has focus on arrival
    page.goto(f"{live_server.url}/login/")
    assert _focused(page) == "username"
    keys.type(practitioner.username)
    keys.press("Tab")
    keys.type(PASSWORD)
    keys.press("Enter")
    page.wait_for_url(f"{live_server.url}/")

    # The session form opens with the cursor in "Pain before"
    page.goto(f"{live_server.url}/patients/{patient.pk}/sessions/new/")
    assert _focused(page) == "pain_before"
    keys.type("6")

    # Insertion 1: Deltoid, right, lot typed once, strong twitch
    _tab_to(page, "insertions.0.muscle")
    keys.type("Deltoid")
    _tab_to(page, "insertions.0.side")
    keys.type("R")
    _tab_to(page, "insertions.0.needle_lot")
    keys.type("LOT-KB-7")
    _tab_to(page, "insertions.0.twitch")
    keys.type("S")

    # Insertion 2: lumbar paraspinals via a synonym, level chosen by typing
    _tab_to(page, "insertions.1.muscle")
    keys.type("lumbar multifidus")
    _tab_to(page, "insertions.1.side")
    keys.type("L")
    _tab_to(page, "insertions.1.level")
    keys.type("L4")

    # Insertion 3: gluteus medius, left
    _tab_to(page, "insertions.2.muscle")
    keys.type("Gluteus medius")
    _tab_to(page, "insertions.2.side")
    keys.type("L")

    _tab_to(page, "pain_after", limit=60)
    keys.type("2")
    expect(page.locator("#session-summary")).to_contain_text(
        "3 insertions · left 2, right 1 · twitch 1/3"
    )

    # Ctrl+Enter saves a draft from anywhere in the form
    keys.press("Control+Enter")
    expect(page.get_by_role("heading", name="Note", exact=True)).to_be_visible()
    expect(page.locator(".toolbar .badge")).to_have_text("Draft")
    session = TreatmentSession.objects.get(patient=patient)
    assert not session.is_signed
    assert (session.pain_before, session.pain_after) == (6, 2)
    assert [
        (i.muscle_id, i.side, i.level, i.needle_lot, i.twitch)
        for i in session.insertions.order_by("position")
    ] == [
        ("deltoid", "right", "", "LOT-KB-7", "strong"),
        ("lumbar_paraspinals", "left", "L4", "LOT-KB-7", "none"),  # lot carried from the row above
        ("gluteus_medius", "left", "", "LOT-KB-7", "none"),
    ]

    # Sign it: Tab to the button, Enter
    _tab_to(page, "sign-session")
    keys.press("Enter")
    expect(page.get_by_role("heading", name="Note (read-only)")).to_be_visible()
    session.refresh_from_db()
    assert session.is_signed
    assert page.evaluate("window.__pointerEvents") == 0, "the mouse was used"


def test_body_chart_region_and_muscle_chosen_with_the_keyboard(
    page, live_server, login, practitioner, patient, episode
):
    login(practitioner)
    page.add_init_script(POINTER_SPY)
    page.goto(f"{live_server.url}/patients/{patient.pk}/assessments/new/")

    # Focus the left buttock on the back view and press Enter: focus moves into the picker
    region = page.locator('#chart-back .region[data-region="buttock"][data-side="left"]')
    region.focus()
    page.keyboard.press("Enter")
    expect(region).to_have_class(re.compile(r"\bmarked\b"))
    expect(region).to_have_attribute("aria-label", "Buttock, left (pain marked)")
    picker = page.locator("#region-picker")
    expect(picker.locator("button").first).to_be_focused()
    for _ in range(10):  # Tab along the picker's muscle buttons
        if page.evaluate("document.activeElement.textContent") == "Gluteus medius":
            break
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    finding = page.locator("#findings tbody tr").last
    expect(finding.locator('[name$=".muscle"]')).to_have_value("Gluteus medius")
    expect(finding.locator('[name$=".taut_band"]')).to_be_focused()
    page.keyboard.press("Space")
    expect(finding.locator('[name$=".taut_band"]')).to_be_checked()
    assert page.evaluate("window.__pointerEvents") == 0


def test_every_form_control_on_the_charting_pages_has_a_label(
    page, live_server, login, practitioner, patient, episode
):
    login(practitioner)
    pages = {
        "dashboard": "/",
        "register": "/patients/new/",
        "consent": f"/patients/{patient.pk}/consent/",
        "episode": f"/patients/{patient.pk}/episodes/new/",
    }
    problems: dict[str, list[str]] = {}
    for name, path in pages.items():
        page.goto(live_server.url + path)
        problems[name] = page.evaluate(UNLABELLED_CONTROLS)

    # Assessment, after the body chart added a finding row and a signs fieldset
    page.goto(f"{live_server.url}/patients/{patient.pk}/assessments/new/")
    click_region(page.locator('#chart-back .region[data-region="lower_back"][data-side="right"]'))
    page.locator("#region-picker").get_by_role("button", name="Quadratus lumborum").click()
    page.get_by_role("button", name="Add finding").click()
    expect(page.locator("#findings tbody tr")).to_have_count(2)
    problems["assessment"] = page.evaluate(UNLABELLED_CONTROLS)

    # Session, after rows were added from the template, and one removed (renumbering)
    page.goto(f"{live_server.url}/patients/{patient.pk}/sessions/new/")
    page.locator('[name="insertions.0.muscle"]').fill("Deltoid")
    page.locator('[name="insertions.1.muscle"]').fill("Piriformis")
    page.get_by_role("button", name="Add insertion").click()
    expect(page.locator("#insertions tbody tr")).to_have_count(4)
    page.get_by_role("button", name="Remove insertion 1").click()
    expect(page.locator("#insertions tbody tr")).to_have_count(3)
    expect(page.get_by_label("Muscle 1", exact=True)).to_have_value("Piriformis")
    expect(page.get_by_role("button", name="Remove insertion 3")).to_have_count(1)
    problems["session"] = page.evaluate(UNLABELLED_CONTROLS)

    assert {name: found for name, found in problems.items() if found} == {}


def test_arrow_keys_walk_the_body_chart(page, live_server, login, practitioner, patient, episode):
    login(practitioner)
    page.add_init_script(POINTER_SPY)
    page.goto(f"{live_server.url}/patients/{patient.pk}/assessments/new/")
    back = page.locator("#chart-back")
    # One Tab stop per view: the regions of a view are one control, walked with arrows
    assert back.locator('.region[tabindex="0"]').count() == 1
    back.locator(".region").first.focus()

    # Down the trunk of the back view on the patient's left, then across to the right
    for _ in range(15):
        if page.evaluate("document.activeElement.getAttribute('aria-label')") == "Buttock, left":
            break
        page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Buttock, left"
    page.keyboard.press("ArrowRight")  # seen from behind, the patient's right is on the right
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Buttock, right"
    assert back.locator('.region[tabindex="0"]').get_attribute("data-side") == "right"
    page.keyboard.press("Enter")

    right = back.locator('.region[data-region="buttock"][data-side="right"]')
    expect(right).to_have_class(re.compile(r"\bmarked\b"))
    expect(page.locator('#pain-marks input[value="buttock:right"]')).to_have_count(1)
    assert page.evaluate("window.__pointerEvents") == 0
