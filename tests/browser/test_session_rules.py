"""The needling rules as the practitioner meets them on the session page.

Each refusal must say why and name the fix, be announced (role=alert), sit next to the
field it is about, and keep everything already typed.
"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from imsclinic.anatomy import get_catalog
from imsclinic.charting.models import TreatmentSession
from tests.factories import make_episode, make_patient, make_practitioner, today

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LUMBAR = get_catalog().get("lumbar_paraspinals").name


def _by_id(page, element_id: str):
    # Field ids hold dots (f-insertions.0.muscle), which CSS #id selectors would misread.
    return page.locator(f'[id="{element_id}"]')


def _chart_one_insertion(page, live_server, patient, muscle: str = "Gluteus medius") -> None:
    page.goto(f"{live_server.url}/patients/{patient.pk}/sessions/new/")
    page.get_by_label("Pain before (0-10)").fill("6")
    page.get_by_label("Muscle 1", exact=True).fill(muscle)
    page.get_by_label("Side 1", exact=True).select_option("left")
    page.get_by_label("Needle lot 1", exact=True).fill("LOT-R-1")
    page.locator("#save-sign").click()


def test_practitioner_without_current_authorization_is_refused_with_the_fix(
    page, live_server, login, clinic, patient, episode
):
    # Given a practitioner whose authorizations lapsed yesterday
    lapsed = make_practitioner(clinic, "pt.lapsed", authorized_until=today() - dt.timedelta(days=1))
    login(lapsed)

    # When they open the session page, they are warned before typing anything
    page.goto(f"{live_server.url}/patients/{patient.pk}/sessions/new/")
    expect(
        page.get_by_text("You have no current IMS certification: needling will be refused.")
    ).to_be_visible()

    # And when they save a session with an insertion anyway
    _chart_one_insertion(page, live_server, patient)

    # Then the save is refused with a message naming the fix, and nothing is stored
    alert = page.locator("#form-error")
    expect(alert).to_have_attribute("role", "alert")
    expect(alert).to_contain_text("No current IMS certification on the session date")
    expect(alert).to_contain_text("Record a valid authorization (Admin > Practitioners)")
    expect(alert).to_contain_text("have an authorized practitioner chart the session")
    assert TreatmentSession.objects.count() == 0
    expect(page.get_by_label("Muscle 1", exact=True)).to_have_value("Gluteus medius")
    expect(page.get_by_label("Needle lot 1", exact=True)).to_have_value("LOT-R-1")


def test_patient_without_consent_is_refused_with_the_fix(
    page, live_server, login, practitioner, actor
):
    # Given a patient registered but never consented, with an open episode
    unconsented = make_patient(actor, family_name="Nakamura", given_name="Ren")
    make_episode(actor, unconsented)
    login(practitioner)

    # When the practitioner charts an insertion
    _chart_one_insertion(page, live_server, unconsented)

    # Then the refusal names the missing consent and where to record it
    alert = page.locator("#form-error")
    expect(alert).to_have_attribute("role", "alert")
    expect(alert).to_contain_text("No current informed consent for needling")
    expect(alert).to_contain_text("Record the patient's consent")
    expect(page.get_by_role("link", name="Record consent")).to_have_attribute(
        "href", f"/patients/{unconsented.pk}/consent/"
    )
    assert TreatmentSession.objects.count() == 0


def test_unknown_muscle_shows_an_accessible_error_with_suggestions(
    page, live_server, login, practitioner, patient, episode, screenshot
):
    login(practitioner)

    # When a misspelt muscle is saved
    _chart_one_insertion(page, live_server, patient, muscle="Glutius medis")

    # Then the page says which field is wrong, announced and tied to the input
    expect(page.locator(".form-error[role=alert]")).to_have_text(
        "Please correct the highlighted fields."
    )
    muscle = page.get_by_label("Muscle 1", exact=True)
    expect(muscle).to_have_attribute("aria-invalid", "true")
    expect(muscle).to_be_focused()  # the cursor waits on the field to fix
    expect(muscle).to_have_attribute("aria-describedby", "err-insertions.0.muscle")
    error = _by_id(page, "err-insertions.0.muscle")
    expect(error).to_have_attribute("role", "alert")
    expect(error).to_contain_text("Unknown muscle 'Glutius medis'.")
    expect(error).to_contain_text("Did you mean: Gluteus medius")
    # next to the field: in the same table cell, directly below the input
    cell = page.locator("#insertions tbody tr").first.locator("td.muscle")
    expect(cell.locator('[id="err-insertions.0.muscle"]')).to_have_count(1)
    input_box, error_box = muscle.bounding_box(), error.bounding_box()
    assert input_box and error_box
    assert 0 <= error_box["y"] - (input_box["y"] + input_box["height"]) < 40
    # fields that were fine are not flagged
    expect(page.get_by_label("Needle lot 1", exact=True)).not_to_have_attribute(
        "aria-invalid", "true"
    )
    assert TreatmentSession.objects.count() == 0
    screenshot(page, "07-session-unknown-muscle-error")

    # When the suggestion is taken, the session saves
    muscle.fill("Gluteus medius")
    page.locator("#save-sign").click()
    expect(page.get_by_role("heading", name="Note (read-only)")).to_be_visible()
    assert TreatmentSession.objects.get().insertions.get().muscle_id == "gluteus_medius"


def test_paraspinal_typed_as_a_synonym_can_be_given_its_level(
    page, live_server, login, practitioner, patient, episode
):
    login(practitioner)
    page.goto(f"{live_server.url}/patients/{patient.pk}/sessions/new/")
    page.get_by_label("Pain before (0-10)").fill("5")
    level = page.get_by_label("Spinal level 1", exact=True)

    # A known non-paraspinal muscle has no level to choose
    page.get_by_label("Muscle 1", exact=True).fill("Deltoid")
    expect(level).to_be_disabled()

    # When the muscle is typed as a synonym the server accepts ("lumbar multifidus")
    page.get_by_label("Muscle 1", exact=True).fill("lumbar multifidus")
    page.get_by_label("Side 1", exact=True).select_option("right")
    page.get_by_label("Needle lot 1", exact=True).fill("LOT-S-1")
    expect(level).to_be_enabled()
    page.locator("#save-draft").click()

    # Then the missing level is flagged on an enabled select the practitioner can fix
    expect(level).to_have_attribute("aria-invalid", "true")
    expect(_by_id(page, "err-insertions.0.level")).to_contain_text(
        f"Give the spinal level for {LUMBAR}"
    )
    expect(level).to_be_enabled()
    level.select_option("L4")
    page.locator("#save-draft").click()
    expect(page.get_by_role("heading", name="Note")).to_be_visible()
    insertion = TreatmentSession.objects.get().insertions.get()
    assert (insertion.muscle_id, insertion.side, insertion.level) == (
        "lumbar_paraspinals",
        "right",
        "L4",
    )


def test_thorax_bypass_by_a_generic_name_is_refused_on_the_page(
    page, live_server, login, practitioner, patient, episode
):
    # Given a practitioner charting "multifidus" at T5 on both sides (issue 10)
    login(practitioner)
    page.goto(f"{live_server.url}/patients/{patient.pk}/sessions/new/")
    page.get_by_label("Pain before (0-10)").fill("5")
    for index, side in ((1, "left"), (2, "right")):
        page.get_by_label(f"Muscle {index}", exact=True).fill("multifidus")
        page.get_by_label(f"Side {index}", exact=True).select_option(side)
        page.get_by_label(f"Spinal level {index}", exact=True).select_option("T5")
        page.get_by_label(f"Needle lot {index}", exact=True).fill("LOT-T-5")
    page.locator("#save-sign").click()
    # Then the page refuses it: the level puts both sites over the lung
    expect(page.locator("#form-error")).to_contain_text("bilateral pneumothorax")
    assert TreatmentSession.objects.count() == 0
    expect(page.get_by_label("Muscle 2", exact=True)).to_have_value("multifidus")


def test_repeat_last_session_asks_for_todays_responses(
    page, live_server, login, practitioner, actor, patient, episode
):
    from tests.factories import insertion, make_session

    # Given last week's session with a strong twitch, a cramp and last week's needle lot
    make_session(
        actor,
        patient,
        episode,
        session_date=today() - dt.timedelta(days=7),
        insertions=[insertion("gluteus_medius", "left", twitch="strong", sensation="cramp")],
    )
    login(practitioner)
    # When the practitioner repeats it from the chart
    page.goto(f"{live_server.url}/patients/{patient.pk}/")
    page.get_by_role("link", name="Repeat last session").click()
    # Then the site, side and needle carry over; twitch, sensation and lot start empty
    expect(page.get_by_label("Muscle 1", exact=True)).to_have_value("Gluteus medius")
    expect(page.get_by_label("Side 1", exact=True)).to_have_value("left")
    expect(page.get_by_label("Needle lot 1", exact=True)).to_have_value("")
    expect(page.get_by_label("Twitch 1", exact=True)).to_have_value("")
    expect(page.get_by_label("Sensation 1", exact=True)).to_have_value("")
    # And saving it unedited is refused, next to each field to complete
    page.get_by_label("Pain before (0-10)").fill("4")
    page.locator("#save-draft").click()
    expect(page.get_by_label("Twitch 1", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.locator('[id="err-insertions.0.twitch"]')).to_contain_text("twitch")
    expect(page.locator('[id="err-insertions.0.needle_lot"]')).to_contain_text("lot number")
    assert TreatmentSession.objects.count() == 1
    # When today's observations are entered, it saves
    page.get_by_label("Twitch 1", exact=True).select_option("weak")
    page.get_by_label("Sensation 1", exact=True).select_option("ache")
    page.get_by_label("Needle lot 1", exact=True).fill("LOT-TODAY")
    page.locator("#save-draft").click()
    expect(page.get_by_role("heading", name="Session #2 ·", exact=False)).to_be_visible()
    latest = TreatmentSession.objects.order_by("-id").first()
    assert latest is not None
    assert [(i.twitch, i.sensation, i.needle_lot) for i in latest.insertions.all()] == [
        ("weak", "ache", "LOT-TODAY")
    ]
