"""Duplicate patients: registration warns of a likely duplicate (same health number, or
same date of birth and a similar name) and lets the user open it or go on; an admin
merges two records, every row naming the duplicate moving to the kept one, unless a
signed note would have to change (refused, nothing changed)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from imsclinic.charting.integrity import check_note
from imsclinic.charting.models import Episode, TreatmentSession
from imsclinic.core.audit import audit_chain_verify
from imsclinic.core.errors import RuleViolation
from imsclinic.core.models import AuditEvent
from imsclinic.patients import actions, selectors
from imsclinic.patients.models import Consent, Patient
from tests.factories import (
    make_actor,
    make_consented_patient,
    make_episode,
    make_patient,
    make_session,
    make_signed_session,
    make_user,
)

DOB = dt.date(1979, 4, 2)


def _form(**overrides):
    data = {
        "family_name": "Núñez",
        "given_name": "Inés",
        "date_of_birth": DOB.isoformat(),
        "sex": "female",
        "health_number": "1234-56789",
    }
    data.update(overrides)
    return data


@pytest.fixture
def existing(actor):
    return make_patient(
        actor, family_name="Nuñez", given_name="Ines", date_of_birth=DOB, health_number="123456789"
    )


@pytest.fixture
def desk_client(clinic):
    client = Client()
    client.force_login(make_user(clinic, "fd.lee", "front_desk"))
    return client


def test_registration_warns_then_lets_the_user_go_on(desk_client, existing):
    response = desk_client.post("/patients/new/", _form())
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="duplicates"' in body and f'href="/patients/{existing.pk}/edit/"' in body
    assert Patient.objects.count() == 1
    # Going on registers the new record
    response = desk_client.post("/patients/new/", {**_form(), "confirm_new": "1"})
    assert response.status_code == 302
    assert Patient.objects.count() == 2


@pytest.mark.parametrize(
    ("overrides", "warned"),
    [
        ({"family_name": "Someone", "given_name": "Else"}, True),  # same health number
        ({"health_number": "", "family_name": "Nunez"}, True),  # same DOB, same name key
        ({"health_number": "", "family_name": "Nunes"}, True),  # same DOB, similar name
        ({"health_number": "", "family_name": "Garcia", "given_name": "Ines"}, False),
        ({"health_number": "", "date_of_birth": "1979-04-03"}, False),  # other DOB
    ],
)
def test_what_counts_as_a_likely_duplicate(desk_client, existing, overrides, warned):
    body = desk_client.post("/patients/new/", _form(**overrides)).content.decode()
    assert ('id="duplicates"' in body) is warned, overrides


def test_another_clinics_patient_is_never_a_duplicate(clinic, other_clinic, actor, existing):
    from tests.factories import make_practitioner

    other = make_actor(make_practitioner(other_clinic, "b.pt"))
    assert not selectors.likely_duplicates(
        actor=other,
        family_name="Nuñez",
        given_name="Ines",
        date_of_birth=DOB,
        health_number="123456789",
    )


@pytest.fixture
def admin(clinic):
    return make_actor(make_user(clinic, "ad.rivera", "admin"))


def test_merge_moves_every_row_and_keeps_every_precaution(admin, actor, existing):
    duplicate = make_consented_patient(
        actor,
        family_name="Nunez",
        given_name="Ines",
        date_of_birth=DOB,
        health_number="",
        phone="403-555-0199",
        anticoagulants=True,
    )
    episode = make_episode(actor, duplicate)
    draft = make_session(actor, duplicate, episode, acknowledged=["anticoagulants"])
    moved = actions.patient_merge(actor=admin, keep=existing, remove=duplicate)
    assert moved["patients.Consent"] == 1 and moved["charting.Episode"] == 1
    assert Consent.objects.get().patient_id == existing.pk
    assert Episode.objects.get().patient_id == existing.pk
    assert TreatmentSession.objects.get(pk=draft.pk).patient_id == existing.pk
    existing.refresh_from_db()
    duplicate.refresh_from_db()
    assert existing.anticoagulants and existing.phone == "403-555-0199"
    assert existing.health_number == "123456789"
    assert duplicate.archived_at is not None
    merge = AuditEvent.objects.get(action="merge")
    assert merge.patient_id == existing.pk and f"#{duplicate.pk} merged into" in merge.detail
    assert AuditEvent.objects.filter(action="archive", patient_id=duplicate.pk).exists()
    assert audit_chain_verify().ok


def test_a_signed_note_cannot_move_so_the_merge_is_refused(admin, actor, existing):
    duplicate = make_consented_patient(
        actor, family_name="Nunez", given_name="Ines", date_of_birth=DOB
    )
    episode = make_episode(actor, duplicate)
    signed = make_signed_session(actor, duplicate, episode)
    with pytest.raises(RuleViolation, match="Merge refused, nothing changed"):
        actions.patient_merge(actor=admin, keep=existing, remove=duplicate)
    signed.refresh_from_db()
    check_note(signed)
    assert signed.patient_id == duplicate.pk and signed.integrity.state == "intact"
    assert Episode.objects.get().patient_id == duplicate.pk  # rolled back too
    duplicate.refresh_from_db()
    assert duplicate.archived_at is None
    assert not AuditEvent.objects.filter(action="merge").exists()
    # The other way round works: the record with the signed note is kept.
    actions.patient_merge(actor=admin, keep=duplicate, remove=existing)
    stored = TreatmentSession.objects.get(pk=signed.pk)
    check_note(stored)
    assert stored.integrity.state == "intact"


def test_merge_page_is_the_admins(client, clinic, admin, actor, existing, practitioner):
    duplicate = make_patient(actor, family_name="Nunez", given_name="Ines", date_of_birth=DOB)
    client.force_login(practitioner)
    assert client.get(f"/patients/{duplicate.pk}/merge/").status_code == 403
    client.force_login(admin.user)
    page = client.get(f"/patients/{duplicate.pk}/merge/").content.decode()
    assert f'value="{existing.pk}"' in page
    unconfirmed = client.post(f"/patients/{duplicate.pk}/merge/", {"keep_id": existing.pk})
    assert unconfirmed.status_code == 422 and 'id="err-confirmed"' in unconfirmed.content.decode()
    done = client.post(
        f"/patients/{duplicate.pk}/merge/", {"keep_id": existing.pk, "confirmed": "1"}
    )
    assert done.status_code == 302 and done["Location"] == f"/patients/{existing.pk}/edit/"
    duplicate.refresh_from_db()
    assert duplicate.archived_at is not None


def test_the_audit_trail_is_never_rewritten_by_a_merge():
    from imsclinic.patients.actions import _patient_references

    references = {(model._meta.label, column) for model, column in _patient_references()}
    assert not [label for label, _ in references if label.startswith("core.")]
    assert ("charting.TreatmentSession", "patient_id") in references
    assert ("notifications.OutboxMessage", "patient_id") in references
