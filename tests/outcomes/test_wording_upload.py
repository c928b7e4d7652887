"""The clinic's licensed questionnaire wording, uploaded by an admin in the app (issue 16,
item 4): checked whole before it is stored, then shown on the patient's link and the
tablet form; without it, staff are told the form shows topic labels only."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from imsclinic.core.errors import PermissionDenied, ValidationProblem
from imsclinic.core.models import AuditEvent
from imsclinic.outcomes import actions
from imsclinic.outcomes.models import MeasureWording
from imsclinic.outcomes.schemas import LinkIn
from tests.factories import PASSWORD, make_actor, make_user

ODI_WORDING = [f"Synthetic licensed question {n} of the ODI" for n in range(1, 11)]


@pytest.fixture
def admin(clinic):
    return make_user(clinic, "w.admin", "admin")


def test_an_admin_uploads_the_wording_and_the_patient_link_shows_it(client, admin, actor, episode):
    client.login(username=admin.username, password=PASSWORD)
    upload = SimpleUploadedFile(
        "odi.json", json.dumps({"items": ODI_WORDING}).encode(), "application/json"
    )
    response = client.post(
        "/clinic/questionnaire-wording/", {"measure_code": "odi", "wording": upload}
    )
    assert response.status_code == 302
    assert MeasureWording.objects.get().items == ODI_WORDING
    assert AuditEvent.objects.filter(object_type="MeasureWording", action="change").exists()
    issued = actions.link_create(actor=actor, episode=episode, data=LinkIn(measure_code="odi"))
    page = client.get(f"/q/{issued.token}/").content.decode()
    assert ODI_WORDING[0] in page and ODI_WORDING[9] in page


def test_a_short_list_is_refused_whole_and_names_the_count(client, admin):
    client.login(username=admin.username, password=PASSWORD)
    response = client.post(
        "/clinic/questionnaire-wording/",
        {"measure_code": "odi", "text": json.dumps({"items": ODI_WORDING[:9]})},
    )
    assert response.status_code == 422
    assert "ODI has 10 items; the file has 9" in response.content.decode()
    assert not MeasureWording.objects.exists()


def test_only_an_admin_sets_the_wording(actor):
    with pytest.raises(PermissionDenied):
        actions.measure_wording_set(
            actor=actor, measure_code="odi", text=json.dumps({"items": ODI_WORDING})
        )


def test_a_measure_named_by_the_patient_has_no_wording_to_load(clinic, admin):
    with pytest.raises(ValidationProblem):
        actions.measure_wording_set(
            actor=make_actor(admin), measure_code="psfs", text=json.dumps({"items": ["x"]})
        )


def test_the_tablet_form_tells_staff_when_the_wording_is_missing(client, practitioner, episode):
    client.login(username=practitioner.username, password=PASSWORD)
    page = client.get(f"/episodes/{episode.pk}/questionnaires/odi/fill/").content.decode()
    assert "licensed wording is not loaded" in page
