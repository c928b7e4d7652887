"""Search parameters, date prefixes, paging links, _include, _lastUpdated, and errors."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from imsclinic.core.models import AuditEvent
from imsclinic.patients import actions as patients
from tests.factories import make_patient, today
from tests.fhir.conftest import build_course, valid


def ids(bundle, mode="match"):
    return [e["resource"]["id"] for e in bundle.get("entry", []) if e["search"]["mode"] == mode]


def test_patient_search_by_name_identifier_and_birthdate(fhir, actor):
    ada = make_patient(
        actor, family_name="Lovelace", given_name="Ada", date_of_birth=dt.date(1980, 5, 6)
    )
    make_patient(actor, family_name="Hopper", given_name="Grace", date_of_birth=dt.date(1990, 1, 2))
    assert ids(fhir.json("Patient", {"name": "love"})) == [str(ada.pk)]
    assert ids(fhir.json("Patient", {"name": "ADA"})) == [str(ada.pk)]
    assert ids(fhir.json("Patient", {"identifier": ada.health_number})) == [str(ada.pk)]
    system = "https://imsclinic.org/fhir/NamingSystem/health-number"
    assert ids(fhir.json("Patient", {"identifier": f"{system}|{ada.health_number}"})) == [
        str(ada.pk)
    ]
    assert ids(fhir.json("Patient", {"identifier": f"http://other|{ada.health_number}"})) == []
    assert ids(fhir.json("Patient", {"birthdate": "1980"})) == [str(ada.pk)]
    assert ids(fhir.json("Patient", {"birthdate": "1980-05"})) == [str(ada.pk)]
    assert ids(fhir.json("Patient", {"birthdate": "lt1985-01-01"})) == [str(ada.pk)]
    assert ids(fhir.json("Patient", {"birthdate": "ge1985-01-01", "name": "hop"})) != []
    assert ids(fhir.json("Patient", {"birthdate": "ne1980-05-06", "name": "love"})) == []


@pytest.mark.parametrize(
    ("value", "matches"),
    [
        ("2026-03-10", [True, False, False]),
        ("eq2026-03", [True, True, False]),
        ("ne2026-03-10", [False, True, True]),
        ("gt2026-03-10", [False, True, True]),
        ("ge2026-03-10", [True, True, True]),
        ("lt2026-03-20", [True, False, False]),
        ("le2026-03-20", [True, True, False]),
        ("sa2026-03-10", [False, True, True]),
        ("eb2026-04-01", [True, True, False]),
        ("2026-03-10T00:00:00Z", [False, False, False]),
        ("gt2026-03-19T12:00-06:00", [False, True, True]),
    ],
)
def test_date_prefixes_on_a_date_field(fhir, actor, value, matches):
    born = [dt.date(2026, 3, 10), dt.date(2026, 3, 20), dt.date(2026, 4, 5)]
    if born[-1] > today():
        pytest.skip("the dates are in the future of this machine's clock")
    made = [make_patient(actor, family_name="Datey", date_of_birth=day) for day in born]
    found = set(ids(fhir.json("Patient", {"birthdate": value, "name": "datey"})))
    assert [str(p.pk) in found for p in made] == matches


def test_observation_search_by_patient_code_and_date(fhir, course, actor):
    other = build_course(actor, family_name="Other")
    bundle = valid(
        fhir.json("Observation", {"patient": f"Patient/{course.patient.pk}", "code": "72514-3"})
    )
    found = ids(bundle)
    sessions = course.sessions
    assert f"nprs-before-{sessions[0].pk}" in found
    assert f"nprs-assessment-{course.assessment.pk}" in found
    assert f"score-{course.responses[1].pk}" in found  # the NPRS questionnaire total
    assert f"score-{course.responses[0].pk}" not in found  # ODI
    assert not any(
        str(other.patient.pk) in r["resource"]["subject"]["reference"] for r in bundle["entry"]
    )
    day = sessions[1].session_date.isoformat()
    on_day = ids(fhir.json("Observation", {"subject": course.patient.pk, "date": day}))
    assert sorted(on_day) == sorted(
        [
            f"nprs-before-{sessions[1].pk}",
            f"nprs-after-{sessions[1].pk}",
            *[i for i in on_day if i.startswith("rom-")],
        ]
    )
    local = "https://imsclinic.org/fhir/CodeSystem/ims-measure"
    assert ids(
        fhir.json("Observation", {"code": f"{local}|odi", "patient": course.patient.pk})
    ) == [f"score-{course.responses[0].pk}"]
    rom = ids(fhir.json("Observation", {"code": "lumbar_flexion", "patient": course.patient.pk}))
    assert len(rom) == 4  # baseline + one after each of three sessions


def test_paging_links_walk_every_result(fhir, course):
    seen = []
    url = f"Observation?patient={course.patient.pk}&_count=4"
    total = None
    while url:
        bundle = valid(fhir.json(url))
        total = bundle["total"]
        seen += ids(bundle)
        links = {link["relation"]: link["url"] for link in bundle["link"]}
        assert parse_qs(urlparse(links["self"]).query)["patient"] == [str(course.patient.pk)]
        url = links.get("next", "").split("/fhir/R4/", 1)[-1] if "next" in links else ""
    assert len(seen) == len(set(seen)) == total
    assert total > 8


def test_count_zero_gives_only_the_total(fhir, course):
    bundle = fhir.json("Observation", {"patient": course.patient.pk, "_count": "0"})
    assert bundle["total"] > 0
    assert bundle.get("entry", []) == []


def test_include_patient(fhir, course):
    bundle = valid(
        fhir.json("Procedure", {"patient": course.patient.pk, "_include": "Procedure:patient"})
    )
    assert ids(bundle, "include") == [str(course.patient.pk)]
    assert len(ids(bundle)) == 3
    bundle = valid(fhir.json("Observation", {"code": "72514-3", "_include": "Observation:patient"}))
    assert ids(bundle, "include") == [str(course.patient.pk)]
    response = fhir.get("Procedure", {"_include": "Procedure:performer"})
    assert response.status_code == 400
    assert response.json()["resourceType"] == "OperationOutcome"


def test_last_updated(fhir, course):
    later = timezone.now() + dt.timedelta(seconds=1)
    assert fhir.json("Patient", {"_lastUpdated": f"gt{later.isoformat()}"})["total"] == 0
    assert str(course.patient.pk) in ids(fhir.json("Patient", {"_lastUpdated": "gt2020-01-01"}))


def test_id_and_unknown_parameters(fhir, course):
    session = course.sessions[0]
    found = ids(
        fhir.json("Encounter", {"_id": f"session-{session.pk},assessment-{course.assessment.pk}"})
    )
    assert sorted(found) == sorted([f"session-{session.pk}", f"assessment-{course.assessment.pk}"])
    assert ids(fhir.json("Encounter", {"_id": "nonsense"})) == []
    # Unknown parameters are ignored, unless the client asks for strict handling.
    assert fhir.get("Encounter", {"colour": "blue"}).status_code == 200
    strict = fhir.get("Encounter", {"colour": "blue"}, HTTP_PREFER="handling=strict")
    assert strict.status_code == 400
    assert "colour" in strict.json()["issue"][0]["diagnostics"]


@pytest.mark.parametrize(
    ("query", "word"),
    [
        ("birthdate=yesterday", "birthdate"),
        ("birthdate=2026-13-01", "birthdate"),
        ("_count=-1", "_count"),
        ("_count=abc", "_count"),
        ("_count=100000", "_count"),
        ("_lastUpdated=xx2026", "_lastUpdated"),
        ("name:exact=Ada", "modifier"),
    ],
)
def test_bad_parameters_are_400_operation_outcomes(fhir, query, word):
    response = fhir.get(f"Patient?{query}")
    assert response.status_code == 400
    outcome = valid(response.json())
    assert outcome["resourceType"] == "OperationOutcome"
    assert word in outcome["issue"][0]["diagnostics"]


def test_status_codes(client, fhir, course, clinic, other_clinic, actor):
    assert client.get("/fhir/R4/Patient").status_code == 401
    assert client.get("/fhir/R4/Patient").json()["issue"][0]["code"] == "login"
    assert client.get("/fhir/R4/Patient", HTTP_AUTHORIZATION="Bearer nope").status_code == 401
    assert fhir.get("Patient/999999").status_code == 404
    assert fhir.get("Encounter/session-x").status_code == 404
    assert fhir.get("Widget").status_code == 404
    assert fhir.get("AuditEvent").status_code == 403  # clinic admins only
    assert fhir.get("metadata", HTTP_ACCEPT="application/fhir+xml").status_code == 406
    assert fhir.get("Patient", {"_format": "xml"}).status_code == 406
    assert fhir.delete(f"Patient/{course.patient.pk}").status_code == 405
    assert fhir.post("Patient", {"resourceType": "Patient"}).status_code == 405
    assert fhir.post("", "{not json", content_type="application/fhir+json").status_code == 400
    assert fhir.post("", "<Bundle/>", content_type="application/fhir+xml").status_code == 415


def test_archived_patient_is_gone(fhir, course, clinic):
    from tests.factories import make_actor, make_user

    admin = make_actor(make_user(clinic, "boss", "admin"))
    patients.patient_archive(actor=admin, patient=course.patient, reason="duplicate")
    for path in (
        f"Patient/{course.patient.pk}",
        f"Procedure/{course.sessions[0].pk}",
        f"Patient/{course.patient.pk}/$everything",
    ):
        response = fhir.get(path)
        assert response.status_code == 410, path
        assert response.json()["issue"][0]["code"] == "deleted"
    assert fhir.json("Procedure", {"patient": course.patient.pk})["total"] == 0
    assert fhir.json("Procedure")["total"] == 0  # across the clinic too
    assert fhir.json("Observation", {"code": "72514-3"})["total"] == 0


def test_another_clinics_resources_are_404(fhir, other_clinic):
    from tests.factories import make_actor, make_practitioner

    other = build_course(make_actor(make_practitioner(other_clinic, "b.pt")))
    for path in (
        f"Patient/{other.patient.pk}",
        f"Procedure/{other.sessions[0].pk}",
        f"Observation/nprs-before-{other.sessions[0].pk}",
        f"Condition/{other.episode.pk}",
        f"QuestionnaireResponse/{other.responses[0].pk}",
        f"Patient/{other.patient.pk}/$everything",
    ):
        before = AuditEvent.objects.filter(outcome="denied").count()
        response = fhir.get(path)
        assert response.status_code == 404, path
        assert AuditEvent.objects.filter(outcome="denied").count() == before + 1
    assert fhir.json("Observation", {"patient": other.patient.pk})["total"] == 0


def test_every_read_is_audited_per_patient(fhir, course, actor):
    second = build_course(actor, family_name="Second")
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    fhir.json("Procedure")
    events = list(AuditEvent.objects.filter(pk__gt=last))
    assert sorted(e.patient_id for e in events) == sorted([course.patient.pk, second.patient.pk])
    assert all(e.action == "view" and e.source == "api" for e in events)
    fhir.json(f"Observation/nprs-before-{course.sessions[0].pk}")
    latest = AuditEvent.objects.order_by("-id").first()
    assert latest.patient_id == course.patient.pk
    assert "Observation/nprs-before" in latest.detail


def test_search_query_count_does_not_grow_with_the_page(fhir, actor):
    courses = [build_course(actor, family_name=f"Q{i}") for i in range(3)]
    del courses

    def queries(count: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            fhir.json("Procedure", {"_count": count})
        return len([q for q in captured.captured_queries if "audit" not in q["sql"].lower()])

    assert queries(1) == queries(9)
