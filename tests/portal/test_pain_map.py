"""The intake's pain map is the assessment's body chart: the same regions (anatomy.chart)
and drawing, a labelled checkbox per region and side (keyboard and screen readers; no
inline script), marks stored in the shape of Assessment.pain_locations and shown to the
practitioner on the chart's drawing; old intakes with only words still display."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from imsclinic.anatomy import CHART_REGIONS
from imsclinic.portal import actions
from imsclinic.portal.models import IntakeSubmission
from imsclinic.portal.pain_map import PAIN_VIEWS, REGION_NAMES
from imsclinic.portal.schemas import IntakeAcceptIn
from tests.factories import make_patient
from tests.portal.test_intake import answers, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def newcomer(actor):
    return make_patient(actor, family_name="Okonkwo", given_name="Ada", email="ada@example.org")


def test_the_region_names_are_the_catalogs_own_in_english():
    with translation.override("en"):
        assert {code: str(name) for code, name in REGION_NAMES.items()} == CHART_REGIONS
    shown = [r.code for view in PAIN_VIEWS for r in view.regions]
    assert sorted(shown) == sorted(CHART_REGIONS)  # every region once, none invented


def test_the_form_has_a_labelled_checkbox_per_region_and_side_behind_the_drawing(
    client, actor, newcomer
):
    html = client.get(send(actor, newcomer)).content.decode()
    boxes = re.findall(
        r'<input type="checkbox" name="pain_mark" value="([a-z_]+):(left|right)"', html
    )
    assert len(boxes) == 2 * len(CHART_REGIONS)
    assert '<span class="sr-only">Lower back, </span>left</label>' in html
    assert html.count('<svg class="pain-svg" viewBox="0 0 200 440" aria-hidden="true"') == 2
    assert 'data-pain-key="lower_back:left"' in html
    assert "portal/pain-map.js" in html and "onclick" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # no inline script (CSP)


def test_the_marks_land_on_the_draft_in_the_assessments_shape(client, actor, newcomer):
    url = send(actor, newcomer)
    client.post(
        url,
        answers(
            pain_mark=["buttock:left", "lower_back:left", "lower_back:left", "thigh_back:left"],
            pain_areas="spreads down the back of the leg",
        ),
    )
    submission = IntakeSubmission.objects.get()
    assert submission.pain_locations == [
        {"region": "lower_back", "side": "left"},
        {"region": "buttock", "side": "left"},
        {"region": "thigh_back", "side": "left"},
    ]
    assert submission.pain_areas == "spreads down the back of the leg"


def test_an_unknown_mark_is_refused_and_the_ticked_ones_are_kept(client, actor, newcomer):
    url = send(actor, newcomer)
    page = client.post(url, answers(pain_mark=["lower_back:left", "tail:left"]))
    assert page.status_code == 422
    html = page.content.decode()
    assert 'id="err-pain_locations"' in html
    assert 'value="lower_back:left" checked' in html
    assert 'class="pain-region marked" d="' in html  # the drawing shows it too
    assert not IntakeSubmission.objects.exists()


def test_the_practitioner_sees_the_marks_on_the_body_chart_before_and_after_accepting(
    client, actor, practitioner, newcomer
):
    client.post(send(actor, newcomer), answers(pain_mark=["lower_back:left", "buttock:left"]))
    client.force_login(practitioner)
    review = client.get(f"/patients/{newcomer.pk}/intake/").content.decode()
    assert "Pain marked on the body chart:</strong> Lower back (left), Buttock (left)" in review
    assert (
        'id="intake-back"' in review
        and "pain marked at Lower back (left), Buttock (left)" in review
    )
    chart = client.get(f"/patients/{newcomer.pk}/").content.decode()
    assert "Pain the patient marked on the body chart: Lower back (left), Buttock (left)." in chart
    actions.intake_accept(
        actor=actor, submission=IntakeSubmission.objects.get(), data=IntakeAcceptIn()
    )
    review = client.get(f"/patients/{newcomer.pk}/intake/").content.decode()
    assert "Accepted into the record" in review and 'id="intake-back"' in review


def test_an_old_intake_in_words_only_still_displays(client, actor, practitioner, newcomer):
    client.post(send(actor, newcomer), answers(pain_areas="lower back, down the left leg"))
    IntakeSubmission.objects.update(pain_locations=[])
    client.force_login(practitioner)
    review = client.get(f"/patients/{newcomer.pk}/intake/").content.decode()
    assert "Pain, in their words:</strong> lower back, down the left leg" in review
    assert "Pain map" not in review


def test_a_french_patient_reads_the_regions_in_french(client, actor):
    camille = make_patient(
        actor, family_name="Tremblay", email="camille@example.org", preferred_language="fr"
    )
    html = client.get(send(actor, camille)).content.decode()
    assert "Où avez-vous mal" in html
    assert '<span class="sr-only">Bas du dos, </span>gauche</label>' in html
