"""Front desk registers and books: demographics only, never medications or precautions,
through the pages and the API alike (core/permissions.py, patients/schemas.py)."""

from __future__ import annotations

import json

import pytest

from imsclinic.core.errors import ValidationProblem
from imsclinic.patients import actions
from imsclinic.patients.models import Patient
from tests.factories import api_token, make_actor, make_patient, patient_data


@pytest.fixture
def desk(clinic):
    from tests.factories import make_user

    return make_user(clinic, "desk.riley", "front_desk")


def test_front_desk_cannot_set_clinical_fields(desk):
    with pytest.raises(ValidationProblem) as refused:
        actions.patient_register(
            actor=make_actor(desk),
            data=patient_data(medications="Warfarin", anticoagulants=True, needle_phobia=True),
        )
    assert {p.field for p in refused.value.problems} == {
        "medications",
        "anticoagulants",
        "needle_phobia",
    }
    assert not Patient.objects.exists()


def test_front_desk_edits_keep_the_clinical_fields(client, desk, actor):
    patient = make_patient(
        actor, medications="Apixaban", anticoagulants=True, lymphedema_sites=["left_upper"]
    )
    client.force_login(desk)
    page = client.get(f"/patients/{patient.pk}/edit/")
    assert b"Apixaban" not in page.content and b'name="anticoagulants"' not in page.content
    response = client.post(
        f"/patients/{patient.pk}/edit/",
        {
            "family_name": patient.family_name,
            "given_name": patient.given_name,
            "date_of_birth": patient.date_of_birth.isoformat(),
            "sex": patient.sex,
            "phone": "403-555-0199",
        },
    )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.phone == "403-555-0199"
    assert (patient.medications, patient.anticoagulants, patient.lymphedema_sites) == (
        "Apixaban",
        True,
        ["left_upper"],
    )


def test_front_desk_api_put_refuses_clinical_fields_by_name(client, desk, actor):
    patient = make_patient(actor, medications="Apixaban")
    token = api_token(client, desk.username)
    body = {
        "family_name": "Newname",
        "given_name": patient.given_name,
        "date_of_birth": patient.date_of_birth.isoformat(),
        "medications": "",
    }
    response = client.put(
        f"/api/v1/patients/{patient.pk}",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 422
    assert [f["field"] for f in response.json()["fields"]] == ["medications"]
    del body["medications"]
    ok = client.put(
        f"/api/v1/patients/{patient.pk}",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert ok.status_code == 200 and ok.json()["medications"] is None
    patient.refresh_from_db()
    assert (patient.family_name, patient.medications) == ("Newname", "Apixaban")
