"""Every resource type the server returns: valid R4 (fhir.resources R4B models), codes from
our lists, and mapped from the model as docs/fhir.md says."""

from __future__ import annotations

import pytest

from imsclinic.fhir import codes
from imsclinic.fhir.registry import STATIC_TYPES, resource_types
from tests.fhir.conftest import valid


def entries(bundle):
    return [entry["resource"] for entry in bundle.get("entry", [])]


def test_every_resource_of_a_course_is_valid(fhir_admin, course):
    bundle = valid(fhir_admin.json(f"Patient/{course.patient.pk}/$everything"))
    kinds = {r["resourceType"] for r in entries(bundle)}
    expected = set(resource_types()) - {"Group", "Practitioner", "PractitionerRole", "Organization"}
    # The admin also reads the patient's audit trail; practitioners and the clinic referenced.
    assert expected | {"Practitioner", "Organization"} <= kinds
    for name in resource_types():
        found = valid(fhir_admin.json(name))
        assert found["total"] >= 1, name
        for resource in entries(found):
            assert resource["resourceType"] == name
            again = valid(fhir_admin.json(f"{name}/{resource['id']}"))
            assert again == resource


@pytest.mark.parametrize("name", STATIC_TYPES)
def test_conformance_resources_are_valid_and_public(client, name):
    response = client.get(f"/fhir/R4/{name}")
    assert response.status_code == 200
    bundle = valid(response.json())
    assert bundle["total"] >= 1
    for resource in entries(bundle):
        assert client.get(f"/fhir/R4/{name}/{resource['id']}").json() == resource


def test_procedure_carries_each_insertion(fhir, course):
    session = course.sessions[0]
    procedure = valid(fhir.json(f"Procedure/{session.pk}"))
    assert procedure["status"] == "completed"
    assert procedure["encounter"] == {"reference": f"Encounter/session-{session.pk}"}
    paraspinal, trapezius = procedure["bodySite"]
    assert [c["code"] for c in trapezius["coding"]] == ["31764008", "trapezius"]
    assert [c["code"] for c in paraspinal["coding"]] == ["lumbar_paraspinals"]  # no exact SNOMED
    ext = {e["url"].rsplit("/", 1)[1]: e for e in paraspinal["extension"]}
    assert ext["laterality"]["valueCodeableConcept"]["coding"][0]["code"] == "7771000"
    assert ext["spinal-level"]["valueCode"] == "L5"
    assert ext["needle-lot"]["valueString"] == "LOT-TEST-1"
    assert ext["needle-diameter"]["valueQuantity"] == {
        "value": 0.25,
        "unit": "mm",
        "system": codes.UCUM,
        "code": "mm",
    }
    assert ext["twitch-response"]["valueCoding"]["code"] == "strong"
    assert {e["url"].rsplit("/", 1)[1] for e in trapezius["extension"]} >= {"insertion-note"}
    assert [e["valueCoding"]["code"] for e in procedure["extension"]] == [
        "anticoagulants",
        "lymphedema_quadrant",
    ]
    assert procedure["note"][0]["text"].startswith("Amendment (typo): Needle lot was LOT-TEST-2.")


def test_observations_of_a_session(fhir, course):
    signed, unsigned = course.sessions[0], course.sessions[2]
    before = valid(fhir.json(f"Observation/nprs-before-{signed.pk}"))
    assert before["code"]["coding"][0] == {
        "system": codes.LOINC,
        "code": "72514-3",
        "display": codes.NPRS_LOINC[1],
    }
    assert before["valueInteger"] == 7
    assert before["status"] == "final"
    assert before["extension"][0]["valueCoding"]["code"] == "before"
    assert valid(fhir.json(f"Observation/nprs-after-{signed.pk}"))["valueInteger"] == 4
    assert fhir.json(f"Observation/nprs-before-{unsigned.pk}")["status"] == "preliminary"
    # No pain after needling recorded: no Observation
    assert fhir.get(f"Observation/nprs-after-{unsigned.pk}").status_code == 404


def test_questionnaire_total_derives_from_its_response(fhir, course):
    odi = course.responses[0]
    score = valid(fhir.json(f"Observation/score-{odi.pk}"))
    assert score["derivedFrom"] == [{"reference": f"QuestionnaireResponse/{odi.pk}"}]
    assert score["valueQuantity"]["code"] == "%"
    assert score["valueQuantity"]["value"] == pytest.approx(odi.score)
    nprs = valid(fhir.json(f"Observation/score-{course.responses[1].pk}"))
    assert nprs["code"]["coding"][0]["code"] == "72514-3"
    response = valid(fhir.json(f"QuestionnaireResponse/{odi.pk}"))
    assert response["questionnaire"] == f"{codes.CANONICAL}/Questionnaire/odi"
    assert [i["linkId"] for i in response["item"]] == ["1", "2", "3", "4", "5", "6", "7", "9", "10"]
    assert response["extension"][0]["valueReference"] == {
        "reference": f"EpisodeOfCare/{course.episode.pk}"
    }
    psfs = valid(fhir.json(f"QuestionnaireResponse/{course.responses[2].pk}"))
    assert psfs["item"][0]["item"][0]["answer"][0]["valueString"] == "Sitting"


def test_condition_and_episode(fhir, course):
    condition = valid(fhir.json(f"Condition/{course.episode.pk}"))
    assert condition["code"]["coding"][0]["system"] == codes.ICD10_CA
    assert condition["code"]["coding"][0]["code"] == "M54.5"
    assert condition["clinicalStatus"]["coding"][0]["code"] == "active"
    episode = valid(fhir.json(f"EpisodeOfCare/{course.episode.pk}"))
    assert episode["status"] == "active"
    assert episode["diagnosis"][0]["condition"] == {"reference": f"Condition/{course.episode.pk}"}
    assert episode["referralRequest"] == [{"display": "Dr. P. Synthetic"}]


def test_patient_precautions_and_identifier(fhir, course):
    patient = valid(fhir.json(f"Patient/{course.patient.pk}"))
    assert patient["identifier"][0]["value"] == course.patient.health_number
    assert patient["identifier"][0]["type"]["coding"][0]["code"] == "JHN"
    urls = [e["url"].rsplit("/", 1)[1] for e in patient["extension"]]
    assert urls == ["needling-precaution", "lymphedema-site", "medications-note", "precaution-note"]


def test_consents_and_provenance(fhir, course):
    bundle = valid(fhir.json("Consent", {"patient": course.patient.pk}))
    statuses = sorted(r["status"] for r in entries(bundle))
    assert statuses == ["active", "inactive"]
    provenance = valid(fhir.json("Provenance", {"patient": course.patient.pk}))
    ids = {r["id"] for r in entries(provenance)}
    assert f"session-signature-{course.sessions[0].pk}" in ids
    assert f"assessment-signature-{course.assessment.pk}" in ids
    assert any(i.startswith("session-amendment-") for i in ids)


def test_code_systems_cover_the_catalog(client):
    muscles = client.get("/fhir/R4/CodeSystem/ims-muscle").json()
    from imsclinic.anatomy import get_catalog

    assert {c["code"] for c in muscles["concept"]} == {m.id for m in get_catalog().muscles}
    for muscle_id in codes.MUSCLE_SNOMED:
        get_catalog().get(muscle_id)  # every SNOMED-mapped muscle exists


def test_every_precaution_field_has_a_code():
    from imsclinic.fhir.translators.patient import PRECAUTIONS
    from imsclinic.rules.needling import OTHER_WARNINGS

    published = set(codes.system("ims-needling-precaution").codes)
    assert set(PRECAUTIONS) | set(OTHER_WARNINGS) == published


def test_assessment_as_clinical_impression(fhir, course):
    impression = valid(fhir.json(f"ClinicalImpression/{course.assessment.pk}"))
    assert impression["status"] == "completed"
    assert impression["description"] == "Synthetic history."
    assert impression["encounter"] == {"reference": f"Encounter/assessment-{course.assessment.pk}"}
    muscle, pain = impression["finding"]
    assert muscle["itemCodeableConcept"]["coding"][-1]["code"] == "gluteus_medius"
    signs = [
        e["valueCoding"]["code"]
        for e in muscle["itemCodeableConcept"]["extension"]
        if e["url"].endswith("/muscle-finding")
    ]
    assert signs == ["taut_band"]
    assert [c["code"] for c in pain["itemCodeableConcept"]["coding"]] == [
        "pain-location",
        "lower_back",
    ]
    baseline = fhir.json("Observation", {"patient": course.patient.pk, "code": "lumbar_flexion"})
    assert any(e["resource"]["id"].startswith("rom-baseline-") for e in baseline["entry"])
