"""Import: a transaction Bundle of Patients, Conditions (+ EpisodeOfCare) and
QuestionnaireResponses through the pages' actions, all or nothing, every problem reported
by entry and path; and the round trip export -> import into an empty clinic -> export."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.utils import timezone

from imsclinic.accounts.actions import clinic_create
from imsclinic.accounts.models import User
from imsclinic.charting import actions as charting
from imsclinic.charting.models import Episode
from imsclinic.core.models import AuditEvent
from imsclinic.demo.loader import load_demo
from imsclinic.fhir import codes
from imsclinic.outcomes import actions as outcomes
from imsclinic.outcomes.models import QuestionnaireResponse
from imsclinic.outcomes.schemas import ResponseIn
from imsclinic.patients.models import Patient
from tests.factories import make_actor, make_practitioner, make_user, today
from tests.fhir.conftest import fhir_as, valid

ICD = codes.ICD10_CA


def entry(url: str, resource: dict[str, Any]) -> dict[str, Any]:
    return {
        "fullUrl": url,
        "resource": resource,
        "request": {"method": "POST", "url": resource["resourceType"]},
    }


def transaction(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "transaction", "entry": list(entries)}


PATIENT = "urn:uuid:0b0e6c1e-0000-4000-8000-000000000001"
CONDITION = "urn:uuid:0b0e6c1e-0000-4000-8000-000000000002"
CARE = "urn:uuid:0b0e6c1e-0000-4000-8000-000000000003"


def sample(**patient_changes: Any) -> dict[str, Any]:
    start = (today() - dt.timedelta(days=20)).isoformat()
    patient = {
        "resourceType": "Patient",
        "identifier": [{"system": codes.DEFAULT_HEALTH_NUMBER_SYSTEM, "value": "12345-6789"}],
        "name": [{"family": "Imported", "given": ["Iris", "Jo"]}],
        "gender": "female",
        "birthDate": "1975-04-03",
        "telecom": [{"system": "phone", "value": "403-555-0111"}],
        **patient_changes,
    }
    return transaction(
        entry(PATIENT, patient),
        entry(
            CONDITION,
            {
                "resourceType": "Condition",
                "code": {"coding": [{"system": ICD, "code": "M54.2", "display": "Cervicalgia"}]},
                "subject": {"reference": PATIENT},
                "recordedDate": start,
            },
        ),
        entry(
            CARE,
            {
                "resourceType": "EpisodeOfCare",
                "status": "active",
                "patient": {"reference": PATIENT},
                "diagnosis": [{"condition": {"reference": CONDITION}}],
                "period": {"start": start},
                "referralRequest": [{"display": "Dr. Refers"}],
            },
        ),
        entry(
            "urn:uuid:0b0e6c1e-0000-4000-8000-000000000004",
            {
                "resourceType": "QuestionnaireResponse",
                "extension": [
                    {
                        "url": "http://hl7.org/fhir/StructureDefinition/workflow-episodeOfCare",
                        "valueReference": {"reference": CARE},
                    }
                ],
                "questionnaire": f"{codes.CANONICAL}/Questionnaire/ndi",
                "status": "completed",
                "subject": {"reference": PATIENT},
                "authored": (timezone.now() - dt.timedelta(days=3)).isoformat(),
                "item": [{"linkId": str(n), "answer": [{"valueInteger": 2}]} for n in range(1, 11)],
            },
        ),
    )


def test_import_creates_everything_through_the_actions(fhir):
    response = fhir.post("", sample())
    assert response.status_code == 200, response.content
    result = valid(response.json())
    assert result["type"] == "transaction-response"
    locations = [e["response"]["location"] for e in result["entry"]]
    assert [loc.split("/")[0] for loc in locations] == [
        "Patient",
        "Condition",
        "EpisodeOfCare",
        "QuestionnaireResponse",
    ]
    patient = Patient.objects.get(pk=locations[0].split("/")[1])
    assert (patient.family_name, patient.given_name, patient.health_number) == (
        "Imported",
        "Iris Jo",
        "12345-6789",
    )
    episode = Episode.objects.get(patient=patient)
    assert episode.referring_physician == "Dr. Refers"
    form = QuestionnaireResponse.objects.get(patient=patient)
    assert form.measure_code == "ndi" and form.score == 20  # 10 items x 2
    assert form.answered_at < timezone.now() - dt.timedelta(days=2)
    # The actions wrote their audit events
    assert AuditEvent.objects.filter(patient_id=patient.pk, action="create").count() == 3


def test_every_problem_is_reported_and_nothing_is_stored(fhir):
    bundle = sample(birthDate=None, gender="woman")
    del bundle["entry"][0]["resource"]["birthDate"]
    bundle["entry"][1]["resource"]["code"]["coding"][0]["code"] = "54.2X"
    bundle["entry"][3]["resource"]["item"][4]["answer"][0]["valueInteger"] = 9
    response = fhir.post("", bundle)
    assert response.status_code == 422
    outcome = valid(response.json())
    found = {(i["expression"][0], i["code"]) for i in outcome["issue"]}
    assert ("Bundle.entry[0].resource.birthDate", "required") in found
    assert ("Bundle.entry[0].resource.gender", "code-invalid") in found
    assert ("Bundle.entry[1].resource.code.coding", "code-invalid") in found
    assert not Patient.objects.filter(family_name="Imported").exists()


def test_action_errors_roll_back_the_whole_bundle(fhir):
    bundle = sample()
    bundle["entry"][1]["resource"]["recordedDate"] = (today() + dt.timedelta(days=5)).isoformat()
    bundle["entry"][2]["resource"]["period"]["start"] = (today() + dt.timedelta(days=5)).isoformat()
    bundle["entry"][3]["resource"]["item"][4]["answer"][0]["valueInteger"] = 9
    response = fhir.post("", bundle)
    assert response.status_code == 422, response.content
    issues = response.json()["issue"]
    expressions = [i["expression"][0] for i in issues]
    assert any(e.startswith("Bundle.entry[1].resource.") for e in expressions), issues
    assert not Patient.objects.filter(family_name="Imported").exists()
    assert not AuditEvent.objects.filter(action="create", object_type="Patient").exists()
    # A scoring error names the answer: item 5 of the NDI is 0-5
    bundle = sample()
    bundle["entry"][3]["resource"]["item"][4]["answer"][0]["valueInteger"] = 9
    issues = fhir.post("", bundle).json()["issue"]
    assert [i["expression"][0] for i in issues] == ["Bundle.entry[3].resource.item[4].answer[0]"]
    assert not Patient.objects.filter(family_name="Imported").exists()


def test_bundle_shape_errors(fhir, actor, patient):
    assert fhir.post("", {"resourceType": "Patient"}).status_code == 400
    assert (
        fhir.post("", {"resourceType": "Bundle", "type": "batch", "entry": []}).status_code == 400
    )
    bundle = sample()
    bundle["entry"].append(
        entry("urn:uuid:x", {"resourceType": "Procedure", "status": "completed"})
    )
    bundle["entry"][0]["request"]["method"] = "PUT"
    issues = fhir.post("", bundle).json()["issue"]
    assert {i["code"] for i in issues} == {"not-supported"}
    assert len(issues) == 2
    # A patient already in the clinic: refer to it, do not send it again
    bundle = sample(
        identifier=[{"system": codes.DEFAULT_HEALTH_NUMBER_SYSTEM, "value": patient.health_number}]
    )
    issues = fhir.post("", bundle).json()["issue"]
    assert issues[0]["code"] == "duplicate" and f"Patient/{patient.pk}" in issues[0]["diagnostics"]
    # ... which works: a Condition for an existing patient
    bundle = transaction(
        entry(
            CONDITION,
            {
                "resourceType": "Condition",
                "code": {"coding": [{"system": ICD, "code": "M79.1"}]},
                "subject": {"reference": f"Patient/{patient.pk}"},
                "recordedDate": today().isoformat(),
            },
        )
    )
    assert fhir.post("", bundle).status_code == 200
    assert Episode.objects.filter(patient=patient, condition_code="M79.1").exists()


def test_front_desk_cannot_import(clinic):
    desk = fhir_as(make_user(clinic, "desk.j", "front_desk"))
    assert desk.post("", sample()).status_code == 403
    assert not Patient.objects.exists()


# Round trip --------------------------------------------------------------------------------

IMPORTED_TYPES = ("Patient", "Condition", "EpisodeOfCare", "QuestionnaireResponse")
_REF = re.compile(
    r"^(Patient|Condition|EpisodeOfCare|QuestionnaireResponse|Practitioner|Organization)/[^/]+$"
)


def normalized(resource: Any) -> Any:
    """The resource without ids and meta; references keep only the type they point to."""
    if isinstance(resource, dict):
        out = {}
        for key, value in resource.items():
            if key in ("id", "meta"):
                continue
            if key == "reference" and isinstance(value, str) and _REF.match(value):
                value = value.split("/")[0]
            out[key] = normalized(value)
        return out
    if isinstance(resource, list):
        return [normalized(v) for v in resource]
    return resource


def course_export(fhir, patient_id: int) -> list[dict[str, Any]]:
    bundle = valid(fhir.json(f"Patient/{patient_id}/$everything"))
    kept = []
    for item in bundle["entry"]:
        resource = item["resource"]
        if resource["resourceType"] in IMPORTED_TYPES or resource["id"].startswith("score-"):
            kept.append(resource)
    return kept


def as_transaction(resources: list[dict[str, Any]]) -> dict[str, Any]:
    return transaction(
        *(
            entry(f"http://old.example.org/fhir/{r['resourceType']}/{r['id']}", r)
            for r in resources
            if r["resourceType"] in IMPORTED_TYPES
        )
    )


def test_round_trip_of_a_demo_course_into_an_empty_clinic(db):
    load_demo()
    demo_pt = User.objects.get(username="pt.morgan")
    demo_actor = make_actor(demo_pt)
    patient = (
        Patient.objects.filter(clinic=demo_pt.clinic, episodes__isnull=False).order_by("id").first()
    )
    episode = Episode.objects.get(patient=patient)
    for code, items, days in (
        ("nprs", [6], 9),
        ("odi", [3, 2, 2, 1, None, 2, 1, 2, 3, 1], 6),
        ("psfs", [4, 6, 2], 2),
    ):
        outcomes.response_record(
            actor=demo_actor,
            episode=episode,
            data=ResponseIn(
                measure_code=code,
                items=items,
                activities=["Sit", "Stand", "Walk"] if code == "psfs" else [],
            ),
            answered_at=timezone.now() - dt.timedelta(days=days),
        )
    charting.episode_close(actor=demo_actor, episode=episode, closed_on=today())
    first = course_export(fhir_as(demo_pt), patient.pk)
    assert {r["resourceType"] for r in first} == {*IMPORTED_TYPES, "Observation"}

    empty = clinic_create(name="Empty Clinic", slug="empty-clinic")
    newcomer = make_practitioner(empty, "pt.new")
    client = fhir_as(newcomer)
    response = client.post("", as_transaction(first))
    assert response.status_code == 200, response.content
    new_patient = response.json()["entry"][0]["response"]["location"].split("/")[1]
    second = course_export(client, int(new_patient))

    def key(resource: dict[str, Any]) -> str:
        return repr(normalized(resource))

    assert sorted(map(key, first)) == sorted(map(key, second))
    assert Episode.objects.get(patient_id=new_patient).closed_on == today()
