"""One table of precautions drives the model, the schemas, the labels and the rules."""

from __future__ import annotations

from imsclinic.patients.models import Patient
from imsclinic.patients.schemas import PatientIn, PatientOut
from imsclinic.patients.views import PRECAUTION_FIELDS
from imsclinic.rules.precautions import FLAG_CODES, LIMB_LIST_FIELDS, PRECAUTIONS
from tests.factories import PASSWORD, make_consented_patient


def test_model_schemas_and_form_follow_the_table() -> None:
    model_fields = {f.name for f in Patient._meta.get_fields()}
    assert set(FLAG_CODES) | set(LIMB_LIST_FIELDS) <= model_fields
    assert set(FLAG_CODES) | set(LIMB_LIST_FIELDS) <= set(PatientIn.model_fields)
    assert set(FLAG_CODES) | set(LIMB_LIST_FIELDS) <= set(PatientOut.model_fields)
    assert [code for code, _ in PRECAUTION_FIELDS] == list(FLAG_CODES)
    labels = dict(PRECAUTION_FIELDS)
    for precaution in PRECAUTIONS:
        assert labels[precaution.code].startswith(precaution.label)


def test_patient_precautions_read_every_field(actor) -> None:
    patient = make_consented_patient(
        actor, vascular_disease=True, lymph_nodes_removed=["left_upper"]
    )
    assert patient.precautions.vascular_disease
    assert patient.precautions.lymph_nodes_removed == ("left_upper",)
    assert [p.code for p in patient.relative_precautions] == ["vascular_disease"]
    assert patient.nodes_removed_labels == ["Left axillary nodes (left arm and upper trunk)"]


def test_openapi_lists_every_precaution(client) -> None:
    schema = client.get("/api/openapi.json").json()["components"]["schemas"]
    for name in ("PatientIn", "PatientOut"):
        assert set(FLAG_CODES) <= set(schema[name]["properties"]), name
        assert "lymph_nodes_removed" in schema[name]["properties"]


def test_api_round_trip_of_the_new_precautions(api) -> None:
    body = {
        "family_name": "Synthetic",
        "given_name": "Api",
        "date_of_birth": "1970-02-03",
        "systemic_infection": True,
        "lymph_nodes_removed": ["right_lower"],
    }
    response = api.post("/patients", body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["systemic_infection"] is True and data["vascular_disease"] is False
    assert data["lymph_nodes_removed"] == ["right_lower"]


def test_the_form_offers_every_precaution(client, practitioner, patient) -> None:
    client.login(username=practitioner.username, password=PASSWORD)
    page = client.get(f"/patients/{patient.pk}/edit/").content.decode()
    for code in FLAG_CODES:
        assert f'name="{code}"' in page, code
    assert 'name="lymph_nodes_removed" value="left_upper"' in page
    response = client.post(
        f"/patients/{patient.pk}/edit/",
        {
            "family_name": patient.family_name,
            "given_name": patient.given_name,
            "date_of_birth": patient.date_of_birth.isoformat(),
            "sex": patient.sex,
            "health_number": patient.health_number,
            "recent_trauma_or_surgery": "on",
            "lymph_nodes_removed": ["left_upper", "left_lower"],
        },
    )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.recent_trauma_or_surgery
    assert patient.lymph_nodes_removed == ["left_lower", "left_upper"]
    chart = client.get(f"/patients/{patient.pk}/").content.decode()
    assert "Left inguinal nodes (left leg and lower trunk)" in chart
    assert "Acute trauma, or surgery within the last 3-6 months" in chart


def test_consent_from_a_parent_or_guardian_on_the_page(client, practitioner, actor) -> None:
    import datetime as dt

    from tests.factories import make_patient, today

    minor = make_patient(actor, date_of_birth=today() - dt.timedelta(days=365 * 12))
    client.login(username=practitioner.username, password=PASSWORD)
    page = client.get(f"/patients/{minor.pk}/consent/").content.decode()
    assert '<option value="guardian"' in page and "Parent or legal guardian" in page
    response = client.post(
        f"/patients/{minor.pk}/consent/",
        {"consented_on": today().isoformat(), "text_version": "ims-2026.1", "given_by": "guardian"},
    )
    assert response.status_code == 422
    assert "Name the parent, guardian" in response.content.decode()
    response = client.post(
        f"/patients/{minor.pk}/consent/",
        {
            "consented_on": today().isoformat(),
            "text_version": "ims-2026.1",
            "given_by": "guardian",
            "substitute_name": "Synthetic Parent",
        },
    )
    assert response.status_code == 302
    assert minor.consents.get().given_by == "guardian"
