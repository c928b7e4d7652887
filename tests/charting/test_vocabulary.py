"""The chart's closed vocabularies are defined once (charting/vocabulary.py): the OpenAPI
lists their values, the models' choices and the forms' labels come from them, and a value
outside one is refused naming the field and the allowed values, on pages and in the API,
without losing what was typed."""

from __future__ import annotations

import pytest

from imsclinic.charting.models import (
    AdverseEvent,
    Episode,
    Insertion,
    MuscleFinding,
    NeuropathySign,
    RomMeasure,
    TreatmentSession,
)
from imsclinic.charting.vocabulary import (
    ADVERSE_EVENT_KIND,
    AFFECTED_SIDE,
    BODY_REGION,
    NEEDLING_PHASE,
    ROM_PHASE,
    SENSATION,
    SEVERITY,
    SIDE,
    SIGN_KIND,
    TWITCH,
    Vocabulary,
)
from imsclinic.fhir.codes import code_systems
from tests.factories import PASSWORD, insertion, today

SIDES = ["left", "right"]

# (schema, property) -> the values the OpenAPI must list.
EXPECTED_ENUMS = {
    ("EpisodeIn", "affected_side"): ["", "left", "right", "bilateral"],
    ("FindingIn", "side"): SIDES,
    ("SignIn", "side"): SIDES,
    ("SignIn", "kind"): ["vasomotor", "sudomotor", "pilomotor", "trophedema", "trophic"],
    ("SignIn", "region"): list(BODY_REGION.values),
    ("PainMarkIn", "side"): SIDES,
    ("PainMarkIn", "region"): list(BODY_REGION.values),
    ("RomIn", "side"): ["", *SIDES],
    ("RomIn", "phase"): ["", "before", "after"],
    ("InsertionIn", "side"): SIDES,
    ("InsertionIn", "twitch"): ["none", "weak", "strong"],
    ("InsertionIn", "sensation"): [
        "none",
        "ache",
        "cramp",
        "pressure",
        "sharp",
        "electric",
        "referred",
    ],
    ("AdverseEventIn", "kind"): [
        "bruising",
        "bleeding",
        "soreness",
        "vasovagal",
        "nerve",
        "pneumothorax",
        "infection",
        "other",
    ],
    ("AdverseEventIn", "severity"): ["mild", "significant", "serious"],
    ("DermatomalIn", "side"): SIDES,
}


def test_openapi_lists_the_allowed_values(client, db):
    schemas = client.get("/api/openapi.json").json()["components"]["schemas"]
    for (name, prop), values in EXPECTED_ENUMS.items():
        assert schemas[name]["properties"][prop]["enum"] == values, (name, prop)


def test_model_choices_fhir_codes_and_labels_come_from_the_vocabularies():
    field = lambda model, name: model._meta.get_field(name).choices  # noqa: E731
    assert field(Insertion, "side") == SIDE.choices
    assert field(MuscleFinding, "side") == SIDE.choices
    assert field(NeuropathySign, "side") == SIDE.choices
    assert field(RomMeasure, "side") == SIDE.choices
    assert field(Episode, "affected_side") == AFFECTED_SIDE.choices
    assert field(NeuropathySign, "kind") == SIGN_KIND.choices
    assert field(Insertion, "twitch") == TWITCH.choices
    assert field(Insertion, "sensation") == SENSATION.choices
    assert field(RomMeasure, "phase") == ROM_PHASE.choices
    assert field(AdverseEvent, "kind") == ADVERSE_EVENT_KIND.choices
    assert field(AdverseEvent, "severity") == SEVERITY.choices
    assert ROM_PHASE.values == ("baseline", *NEEDLING_PHASE.values)
    systems = code_systems()
    assert [c.code for c in systems["ims-twitch"].concepts] == list(TWITCH.values)


def test_a_vocabulary_checks_its_labels_against_its_type():
    from typing import Literal

    with pytest.raises(ValueError, match="must follow the values"):
        Vocabulary(Literal["a", "b"], "Choose", {"a": "A"})
    assert TWITCH.describe() == "none, weak or strong"
    assert SIDE.describe(blank=True) == "left, right or leave it empty"


def test_api_names_the_field_and_the_allowed_values(api, patient, episode):
    row = insertion("Gluteus medius", "left", twitch="huge")
    body = {
        "episode_id": episode.pk,
        "session_date": str(today()),
        "pain_before": 5,
        "insertions": [row],
        "adverse_events": [{"kind": "bruising", "severity": "awful"}],
        "rom": [{"movement": "hip_flexion", "degrees": 90, "phase": "during"}],
    }
    response = api.post(f"/patients/{patient.pk}/sessions", body)
    assert response.status_code == 422
    data = response.json()
    assert data["code"] == "invalid"
    fields = {f["field"]: f for f in data["fields"]}
    assert set(fields) == {
        "insertions.0.twitch",
        "adverse_events.0.severity",
        "rom.0.phase",
    }
    assert fields["insertions.0.twitch"]["code"] == "invalid"
    assert fields["insertions.0.twitch"]["message"] == (
        "'insertions.0.twitch': Record today's twitch response: none, weak or strong; got 'huge'."
    )
    assert "mild, significant or serious" in fields["adverse_events.0.severity"]["message"]
    assert "before, after or leave it empty" in fields["rom.0.phase"]["message"]
    assert not TreatmentSession.objects.exists()


@pytest.fixture
def logged_in(client, practitioner):
    client.login(username=practitioner.username, password=PASSWORD)
    return client


def test_session_page_names_the_field_and_keeps_what_was_typed(logged_in, patient, episode):
    form = {
        "episode_id": str(episode.pk),
        "session_date": today().isoformat(),
        "pain_before": "6",
        "notes": "Typed between two patients",
        "insertions.0.muscle": "Gluteus medius",
        "insertions.0.side": "middle",
        "insertions.0.needle_diameter_mm": "0.25",
        "insertions.0.needle_length_mm": "50",
        "insertions.0.needle_lot": "",
        "insertions.0.twitch": "strong",
        "insertions.0.sensation": "tingle",
        "insertions.1.muscle": "Not a muscle",
        "insertions.1.side": "left",
        "insertions.1.needle_lot": "LOT-9",
        "draft": "1",
    }
    response = logged_in.post(f"/patients/{patient.pk}/sessions/new/", form)
    assert response.status_code == 422
    errors = response.context["errors"]
    assert errors["insertions.0.side"] == "Choose the side: left or right; got 'middle'."
    assert errors["insertions.0.sensation"].startswith("Record today's sensation: none, ache")
    # The action's own checks ran on the rest, so every problem shows at once.
    assert "lot number" in errors["insertions.0.needle_lot"]
    assert "insertions.1.muscle" in errors
    # What was typed is on the page again.
    page = response.content.decode()
    assert "Typed between two patients" in page
    assert 'value="Gluteus medius"' in page and 'value="Not a muscle"' in page
    assert not TreatmentSession.objects.exists()


def test_episode_page_offers_the_vocabulary_and_refuses_a_value_outside_it(logged_in, patient):
    page = logged_in.get(f"/patients/{patient.pk}/episodes/new/").content.decode()
    for value, label in AFFECTED_SIDE.choices:
        assert f'<option value="{value}" >{label}</option>' in page
    response = logged_in.post(
        f"/patients/{patient.pk}/episodes/new/",
        {"condition_code": "M54.5", "opened_on": today().isoformat(), "affected_side": "both"},
    )
    assert response.status_code == 422
    assert response.context["errors"]["affected_side"] == (
        "Choose the affected side: left, right, bilateral or leave it empty; got 'both'."
    )
    assert not Episode.objects.filter(patient=patient).exists()


def test_preview_leaves_out_a_row_without_a_side_and_says_so(logged_in, patient, episode):
    response = logged_in.post(
        f"/patients/{patient.pk}/segments/preview/",
        {
            "findings.0.muscle": "Deltoid",
            "findings.0.side": "",
            "findings.0.taut_band": "on",
            "findings.1.muscle": "Supraspinatus",
            "findings.1.side": "left",
            "findings.1.taut_band": "on",
            "sign:nowhere:left:sudomotor": "on",
        },
    )
    assert response.status_code == 200
    assert "Deltoid: choose a side to include it." in response.content.decode()


def test_every_value_has_its_fhir_mapping():
    # Maps onto external code systems, keyed by our values: a new value needs its entry.
    from imsclinic.fhir import codes

    assert set(codes.LATERALITY) == set(AFFECTED_SIDE.values)
    assert set(codes.ADVERSE_SEVERITY_HL7) == set(SEVERITY.values)
