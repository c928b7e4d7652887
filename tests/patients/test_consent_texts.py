"""The clinic's own consent wording: versions that never change once added, the newest
offered first on the consent form and accepted by the consent action; admins only."""

from __future__ import annotations

import pytest
from django.test import Client

from imsclinic.core.models import AuditEvent
from imsclinic.patients import actions
from imsclinic.patients.consent_texts import CURRENT_CONSENT_VERSION
from imsclinic.patients.models import ClinicConsentText
from tests.factories import make_user

WORDING = "Intramuscular stimulation uses fine sterile needles. " * 3


@pytest.fixture
def admin_client(clinic):
    client = Client()
    client.force_login(make_user(clinic, "ad.rivera", "admin"))
    return client


def test_admin_adds_a_version_that_becomes_current(admin_client, clinic, practitioner, patient):
    response = admin_client.post(
        "/clinic/consent-texts/", {"version": "bow-2027.1", "text": WORDING}
    )
    assert response.status_code == 302
    assert ClinicConsentText.objects.get(clinic=clinic).version == "bow-2027.1"
    assert AuditEvent.objects.filter(action="create", object_type="ClinicConsentText").exists()
    client = Client()
    client.force_login(practitioner)
    form = client.get(f"/patients/{patient.pk}/consent/").content.decode()
    assert '<option value="bow-2027.1" selected>' in form
    assert f'<option value="{CURRENT_CONSENT_VERSION}"' in form
    saved = client.post(
        f"/patients/{patient.pk}/consent/",
        {"consented_on": "2026-01-05", "text_version": "bow-2027.1", "given_by": "patient"},
    )
    assert saved.status_code == 302


def test_a_version_never_changes_and_bad_input_names_the_field(admin_client, clinic):
    admin_client.post("/clinic/consent-texts/", {"version": "v-1", "text": WORDING})
    again = admin_client.post("/clinic/consent-texts/", {"version": "v-1", "text": WORDING + "x"})
    assert again.status_code == 422 and "cannot change" in again.content.decode()
    builtin = admin_client.post(
        "/clinic/consent-texts/", {"version": CURRENT_CONSENT_VERSION, "text": WORDING}
    )
    assert builtin.status_code == 422
    bad = admin_client.post("/clinic/consent-texts/", {"version": "a b", "text": "short"})
    body = bad.content.decode()
    assert 'id="err-version"' in body and 'id="err-text"' in body
    assert ClinicConsentText.objects.get().text == WORDING.strip()


def test_another_clinics_version_is_unknown_here(clinic, other_clinic, actor, patient):
    from imsclinic.patients.schemas import ConsentIn
    from tests.factories import make_actor

    other_admin = make_actor(make_user(other_clinic, "b.admin", "admin"))
    actions.consent_text_add(actor=other_admin, version="elbow-1", text=WORDING)
    from imsclinic.core.errors import ValidationProblem

    with pytest.raises(ValidationProblem, match="Unknown consent text version"):
        actions.consent_record(
            actor=actor,
            patient=patient,
            data=ConsentIn(consented_on="2026-01-05", text_version="elbow-1"),
        )
