"""Refused attempts on a patient's record are in the audit trail with the patient, so
"Who has seen this record" shows them (issue 16): a lapsed practitioner's needling, on
the page and through the API, and a role refusal of a page that names the patient."""

from __future__ import annotations

import datetime as dt

from django.test import Client

from imsclinic.charting.models import TreatmentSession
from imsclinic.core.models import AuditEvent
from tests.factories import (
    PASSWORD,
    insertion,
    make_actor,
    make_consented_patient,
    make_practitioner,
    make_user,
    today,
)


def _lapsed(clinic):
    return make_practitioner(clinic, "pt.lapsed", authorized_until=today() - dt.timedelta(days=1))


def _session_body(episode):
    return {
        "episode_id": episode.pk,
        "session_date": str(today()),
        "pain_before": 5,
        "insertions": [insertion("gluteus_medius", "left")],
    }


def test_lapsed_needling_through_the_api_is_audited_with_the_patient(
    clinic, patient, episode, actor
):
    lapsed = _lapsed(clinic)
    client = Client()
    token = client.post(
        "/api/v1/auth/token",
        {"username": lapsed.username, "password": PASSWORD},
        content_type="application/json",
    ).json()["token"]
    response = client.post(
        f"/api/v1/patients/{patient.pk}/sessions",
        _session_body(episode),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 422
    assert TreatmentSession.objects.count() == 0
    event = AuditEvent.objects.get(outcome="denied", user=lapsed)
    assert event.patient_id == patient.pk and event.action == "create"
    assert event.object_type == "TreatmentSession"
    assert event.detail.startswith("authorization_")


def test_lapsed_needling_on_the_page_shows_in_the_patients_access_log(
    clinic, patient, episode, actor
):
    lapsed = _lapsed(clinic)
    client = Client()
    client.force_login(lapsed)
    response = client.post(
        f"/patients/{patient.pk}/sessions/new/",
        {
            "episode_id": episode.pk,
            "session_date": str(today()),
            "pain_before": "5",
            "insertions.0.muscle": "gluteus_medius",
            "insertions.0.side": "left",
            "insertions.0.needle_lot": "LOT-1",
        },
    )
    assert response.status_code == 422
    assert AuditEvent.objects.filter(outcome="denied", user=lapsed, patient_id=patient.pk).exists()
    admin = make_user(clinic, "ad.rivera", "admin")
    client.force_login(admin)
    log = client.get(f"/patients/{patient.pk}/access/").content.decode()
    assert lapsed.username in log or lapsed.display_name in log


def test_a_role_refusal_names_the_patient_of_the_own_clinic_only(clinic, other_clinic, patient):
    desk = make_user(clinic, "fd.lee", "front_desk")
    client = Client()
    client.force_login(desk)
    assert client.get(f"/patients/{patient.pk}/consent/").status_code == 403
    event = AuditEvent.objects.filter(outcome="denied", user=desk).latest("id")
    assert event.patient_id == patient.pk
    foreign = make_consented_patient(make_actor(make_practitioner(other_clinic, "b.pt")))
    assert client.get(f"/patients/{foreign.pk}/consent/").status_code == 403
    event = AuditEvent.objects.filter(outcome="denied", user=desk).latest("id")
    assert event.patient_id is None
