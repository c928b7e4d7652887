"""Every view that shows patient data leaves an audit row: the patient search and list
(pages and API), the dashboard, and the forms that show one patient's details before
anything is written. SECURITY.md promised "every view"; these showed names, dates of
birth, health numbers and contraindications without a trace."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from imsclinic.core.audit import audit_chain_verify
from imsclinic.core.models import AuditEvent, AuditEventPatient
from imsclinic.scheduling.models import Appointment
from tests.factories import api_token, make_patient, make_session, make_user


def _last_view() -> AuditEvent:
    return AuditEvent.objects.filter(action="view").order_by("-id").first()


def _listed(event: AuditEvent) -> list[int]:
    return sorted(
        AuditEventPatient.objects.filter(event=event).values_list("patient_id", flat=True)
    )


@pytest.fixture
def three(actor):
    return [make_patient(actor, family_name=f"Listable{n}") for n in range(3)]


def test_a_search_page_is_one_event_naming_every_patient_shown(client, practitioner, three):
    client.force_login(practitioner)
    before = AuditEvent.objects.count()
    page = client.get("/patients/", {"q": "listable"})
    assert page.status_code == 200
    assert AuditEvent.objects.count() == before + 1
    event = _last_view()
    ids = sorted(p.pk for p in three)
    assert (event.object_type, event.patient_id, event.username) == (
        "PatientList",
        None,
        practitioner.username,
    )
    assert event.detail == f"search 'listable': 3 patients {','.join(map(str, ids))}"
    assert _listed(event) == ids
    # The live search (htmx) is a list view too
    client.get("/patients/", {"q": "listable1"}, HTTP_HX_REQUEST="true")
    assert _listed(_last_view()) == [three[1].pk]


def test_a_patient_listed_sees_the_list_view_in_their_access_log(
    client, clinic, practitioner, three
):
    client.force_login(practitioner)
    client.get("/patients/", {"q": "listable"})
    log = client.get(f"/patients/{three[0].pk}/access/")
    assert b"a list of patients (search)" in log.content
    admin = make_user(clinic, "audit.admin", "admin")
    client.force_login(admin)
    report = client.get("/audit/", {"patient": three[0].pk})
    assert any(e.object_type == "PatientList" for e in report.context["events"])


def test_the_api_list_is_one_event_naming_every_patient_shown(client, practitioner, three):
    token = api_token(client, practitioner.username)
    response = client.get(
        "/api/v1/patients", {"q": "listable"}, HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 200 and len(response.json()) == 3
    event = _last_view()
    assert (event.object_type, event.source) == ("PatientList", "api")
    assert _listed(event) == sorted(p.pk for p in three)


def test_the_dashboard_names_todays_appointments_and_the_recent_patients(
    client, clinic, practitioner, actor, three
):
    booked = make_patient(actor, family_name="Booked")
    Appointment.objects.create(
        clinic=clinic,
        patient=booked,
        practitioner=practitioner,
        starts_at=timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(12))),
        ends_at=timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(12, 30))),
    )
    client.force_login(practitioner)
    assert client.get("/").status_code == 200
    event = _last_view()
    assert event.object_type == "Dashboard"
    assert set(_listed(event)) == {p.pk for p in [*three, booked]}


@pytest.mark.parametrize(
    ("path", "form"),
    [
        ("/patients/{patient}/consent/", "ConsentForm"),
        ("/patients/{patient}/episodes/new/", "EpisodeForm"),
        ("/patients/{patient}/assessments/new/", "AssessmentForm"),
        ("/patients/{patient}/sessions/new/", "SessionForm"),
    ],
)
def test_forms_showing_a_patients_details_are_audited(
    client, practitioner, patient, episode, path, form
):
    client.force_login(practitioner)
    assert client.get(path.format(patient=patient.pk)).status_code == 200
    event = _last_view()
    assert (event.object_type, event.patient_id, event.object_id) == (form, patient.pk, patient.pk)


def test_editing_a_draft_session_is_audited(client, practitioner, actor, patient, episode):
    draft = make_session(actor, patient, episode)
    client.force_login(practitioner)
    assert client.get(f"/sessions/{draft.pk}/edit/").status_code == 200
    event = _last_view()
    assert (event.object_type, event.object_id, event.patient_id) == (
        "TreatmentSession",
        draft.pk,
        patient.pk,
    )


def test_verify_notices_a_changed_list_index(client, practitioner, three):
    client.force_login(practitioner)
    client.get("/patients/", {"q": "listable"})
    assert audit_chain_verify().ok
    event = _last_view()
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM core_auditeventpatient WHERE event_id = %s AND patient_id = %s",
            [event.pk, three[0].pk],
        )
    problems = audit_chain_verify().problems
    assert [p.kind for p in problems] == ["altered"]
    assert "access-log index" in problems[0].message


def test_list_views_keep_a_constant_number_of_queries(client, practitioner, actor):
    from django.test.utils import CaptureQueriesContext

    client.force_login(practitioner)
    for _ in range(2):
        make_patient(actor, date_of_birth=dt.date(1990, 1, 1))
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    for _ in range(12):
        make_patient(actor, date_of_birth=dt.date(1990, 1, 1))
    with CaptureQueriesContext(connection) as many:
        client.get("/")
    assert len(few) == len(many)
