"""Charting pages (issue 16): several range-of-motion rows named in words, precaution notes
where needling is charted, the body chart on the signed assessment, a signed note's edit
page that says why it is closed, a condition that must be chosen, and every problem of a
session form reported at once."""

from __future__ import annotations

import re

import pytest

from imsclinic.charting import actions
from imsclinic.charting.models import Episode, RomMeasure, TreatmentSession
from imsclinic.charting.schemas import AssessmentIn, PainMarkIn, RomIn
from imsclinic.charting.templatetags.charting import movement_label
from tests.factories import (
    PASSWORD,
    insertion,
    make_session,
    make_signed_session,
    today,
)


@pytest.fixture
def logged_in(client, practitioner):
    client.login(username=practitioner.username, password=PASSWORD)
    return client


def _session_form(episode, **extra: str) -> dict[str, str]:
    form = {
        "episode_id": str(episode.pk),
        "session_date": today().isoformat(),
        "pain_before": "6",
        "pain_after": "3",
        "insertions.0.muscle": "Gluteus medius",
        "insertions.0.side": "left",
        "insertions.0.level": "",
        "insertions.0.needle_diameter_mm": "0.25",
        "insertions.0.needle_length_mm": "50",
        "insertions.0.needle_lot": "LOT-16",
        "insertions.0.twitch": "strong",
        "insertions.0.sensation": "ache",
        "draft": "1",
    }
    form.update(extra)
    return form


def test_session_keeps_several_movements_and_shows_them_in_words(logged_in, patient, episode):
    # Given a session form with three range-of-motion rows, one left blank
    form = _session_form(
        episode,
        **{
            "rom.0.movement": "straight_leg_raise",
            "rom.0.side": "left",
            "rom.0.phase": "before",
            "rom.0.degrees": "40",
            "rom.1.movement": "straight_leg_raise",
            "rom.1.side": "left",
            "rom.1.phase": "after",
            "rom.1.degrees": "65",
            "rom.2.movement": "hip_flexion",
            "rom.2.side": "",
            "rom.2.phase": "after",
            "rom.2.degrees": "",
        },
    )

    # When it is saved
    response = logged_in.post(f"/patients/{patient.pk}/sessions/new/", form)

    # Then both measured movements are kept, and the note names them in words
    assert response.status_code == 302, response.content.decode()[:2000]
    session = TreatmentSession.objects.get(patient=patient)
    assert [
        (r.movement, r.side, r.phase, r.degrees) for r in RomMeasure.objects.filter(session=session)
    ] == [("straight_leg_raise", "left", "before", 40), ("straight_leg_raise", "left", "after", 65)]
    page = logged_in.get(f"/sessions/{session.pk}/").content.decode()
    assert "Straight leg raise (left), before needling: 40°" in page
    assert "Straight leg raise (left), after needling: 65°" in page
    assert "straight_leg_raise" not in re.sub(r'value="[^"]*"', "", page)

    # And the edit form offers each row again, with a template to add more and remove any
    edit = logged_in.get(f"/sessions/{session.pk}/edit/").content.decode()
    assert 'name="rom.1.degrees"' in edit and 'value="65"' in edit
    assert 'id="rom-template"' in edit and 'aria-label="Remove movement 2"' in edit


def test_assessment_movements_in_words_and_body_chart_when_signed(
    logged_in, actor, patient, episode
):
    assessment = actions.assessment_record(
        actor=actor,
        patient=patient,
        data=AssessmentIn(
            episode_id=episode.pk,
            assessed_on=today(),
            pain_locations=[PainMarkIn(region="buttock", side="left")],
            rom=[
                RomIn(movement="lumbar_flexion", degrees=35),
                RomIn(movement="hip_internal_rotation", side="right", degrees=20),
            ],
        ),
    )
    actions.assessment_sign(actor=actor, assessment=assessment)

    page = logged_in.get(f"/assessments/{assessment.pk}/").content.decode()

    assert "Lumbar flexion: 35°" in page and "Hip internal rotation (right): 20°" in page
    # The charted body chart, read-only, with the mark on the left buttock only
    assert 'aria-label="Body chart, back view: pain marked at Buttock (left)"' in page
    assert 'aria-label="Body chart, front view: no pain marked"' in page
    marked = re.findall(
        r'<path class="region marked"[^>]*data-region="(\w+)" data-side="(\w+)"', page
    )
    assert marked == [("buttock", "left")]
    assert 'role="button"' not in page.split('class="body-chart read-only"')[1].split("</div>")[0]
    assert 'id="dermatome-level"' in page and "Key sensory point" in page


def test_movement_label_reads_as_words():
    assert movement_label("straight_leg_raise") == "Straight leg raise"
    assert movement_label("shoulder_external_rotation") == "Shoulder external rotation"
    assert movement_label("trunk_twist") == "Trunk twist"  # not in the table: still words


def test_precaution_notes_on_the_chart_and_the_session_form(logged_in, actor, patient, episode):
    patient.precaution_notes = "On apixaban: firm pressure after each needle."
    patient.save(update_fields=["precaution_notes"])

    chart = logged_in.get(f"/patients/{patient.pk}/").content.decode()
    form = logged_in.get(f"/patients/{patient.pk}/sessions/new/").content.decode()
    assessment = logged_in.get(f"/patients/{patient.pk}/assessments/new/").content.decode()

    for page in (chart, form, assessment):
        assert "Precaution notes:" in page
        assert "On apixaban: firm pressure after each needle." in page


def test_no_precaution_note_box_when_there_is_none(logged_in, patient, episode):
    assert "Precaution notes:" not in logged_in.get(f"/patients/{patient.pk}/").content.decode()


def test_edit_page_of_a_signed_note_says_why_it_is_read_only(logged_in, actor, patient, episode):
    session = make_signed_session(actor, patient, episode)

    response = logged_in.get(f"/sessions/{session.pk}/edit/")

    assert response.status_code == 409
    page = response.content.decode()
    assert f"Session #{session.sequence} is signed and read-only" in page
    assert "add an amendment" in page
    assert f'href="/sessions/{session.pk}/#amend-h"' in page
    # A post to it changes nothing either
    posted = logged_in.post(f"/sessions/{session.pk}/edit/", _session_form(episode))
    assert posted.status_code == 409
    session.refresh_from_db()
    assert session.pain_before == 6 and session.notes == ""


def test_empty_condition_says_choose_a_condition(logged_in, patient):
    response = logged_in.post(
        f"/patients/{patient.pk}/episodes/new/",
        {"condition_code": "", "condition_label": "", "opened_on": today().isoformat()},
    )
    assert response.status_code == 422
    assert response.context["errors"] == {
        "condition_code": "Choose a condition from the list, or type its ICD-10 code (e.g. M54.5)."
    }
    assert not Episode.objects.filter(patient=patient).exists()


def test_episode_form_reports_every_problem_at_once(logged_in, patient):
    response = logged_in.post(
        f"/patients/{patient.pk}/episodes/new/",
        {
            "condition_code": "",
            "referring_physician": "Dr. " + "x" * 200,
            "opened_on": "2999-01-01",
        },
    )
    errors = response.context["errors"]
    assert set(errors) == {"condition_code", "referring_physician", "opened_on"}
    assert errors["referring_physician"].startswith("At most 150 characters; this has 204")
    assert "cannot be in the future" in errors["opened_on"]


def test_session_form_reports_every_problem_at_once(logged_in, patient, episode):
    # A note past its limit (a shape problem) with an unknown muscle and pain 12 (meaning)
    form = _session_form(
        episode,
        pain_before="12",
        notes="n" * 20001,
        **{"insertions.0.muscle": "Gluteus maximum"},
    )
    response = logged_in.post(f"/patients/{patient.pk}/sessions/new/", form)
    assert response.status_code == 422
    errors = response.context["errors"]
    assert errors["notes"] == "At most 20000 characters; this has 20001. Shorten it."
    assert "pain_before" in errors and "insertions.0.muscle" in errors
    assert not TreatmentSession.objects.filter(patient=patient).exists()
    # nothing typed is lost
    assert 'value="Gluteus maximum"' in response.content.decode()


def test_a_long_unbroken_url_in_a_note_is_kept_whole(logged_in, actor, patient, episode):
    url = "https://example.org/" + "a" * 400
    session = make_session(actor, patient, episode, notes=f"Exercises: {url}")
    page = logged_in.get(f"/sessions/{session.pk}/").content.decode()
    assert url in page  # the stylesheet wraps it (tests/browser/test_every_page.py measures)


def test_session_form_layout_has_no_fixed_columns(logged_in, actor, patient, episode):
    make_session(actor, patient, episode, insertions=[insertion("deltoid", "right")])
    page = logged_in.get(f"/patients/{patient.pk}/sessions/new/?repeat=1").content.decode()
    assert 'class="cols session-layout"' in page and 'style="grid-template-columns' not in page
