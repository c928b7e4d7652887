"""Signed notes are read-only in the database too; tampering shows on the page; archived
patients are hidden from search, restorable, and every step is audited."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from imsclinic.charting import actions as charting_actions
from imsclinic.charting.models import Insertion, TreatmentSession
from imsclinic.charting.schemas import AmendmentIn, AssessmentIn
from imsclinic.core.models import AuditEvent
from imsclinic.patients import actions as patient_actions
from imsclinic.patients.selectors import archived_patients, patient_search
from imsclinic.security.db_guards import installed_guard_names
from tests.factories import make_actor, make_patient, make_signed_session, make_user, today


def _execute(sql: str, params: list[object]) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_guards_are_installed(db):
    names = installed_guard_names(connection)
    assert "charting_treatmentsession_signed_readonly" in names
    assert "charting_assessment_signed_readonly" in names
    if connection.vendor == "postgresql":
        assert "auditevent_append_only" in names


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE charting_treatmentsession SET notes = 'rewritten' WHERE id = %s",
        "UPDATE charting_treatmentsession SET signed_at = NULL WHERE id = %s",
        "UPDATE charting_insertion SET needle_lot = 'OTHER' WHERE session_id = %s",
        "INSERT INTO charting_insertion (clinic_id, created_at, updated_at, session_id, position,"
        " muscle_id, side, level, needle_diameter_mm, needle_length_mm, needle_lot, twitch,"
        " sensation, notes) SELECT clinic_id, created_at, updated_at, session_id, 99, muscle_id,"
        " side, level, needle_diameter_mm, needle_length_mm, needle_lot, twitch, sensation, notes"
        " FROM charting_insertion WHERE session_id = %s LIMIT 1",
    ],
)
def test_database_refuses_changes_to_a_signed_session(actor, patient, episode, sql):
    session = make_signed_session(actor, patient, episode)
    with pytest.raises(DatabaseError, match="read-only"):
        _execute(sql, [session.pk])


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM charting_insertion WHERE session_id = %s",
        "DELETE FROM charting_treatmentsession WHERE id = %s",
    ],
)
def test_database_refuses_deleting_a_signed_session_or_its_children(actor, patient, episode, sql):
    # SECURITY.md said so for both databases; SQLite had no DELETE guard at all.
    session = make_signed_session(actor, patient, episode)
    with pytest.raises(DatabaseError, match="read-only"):
        _execute(sql, [session.pk])
    assert Insertion.objects.filter(session=session).exists()


def test_database_refuses_deleting_a_signed_assessments_findings(actor, patient, episode):
    assessment = charting_actions.assessment_sign(
        actor=actor,
        assessment=charting_actions.assessment_record(
            actor=actor,
            patient=patient,
            data=AssessmentIn(
                episode_id=episode.pk,
                assessed_on=today(),
                findings=[{"muscle": "deltoid", "side": "left", "taut_band": True}],
            ),
        ),
    )
    with pytest.raises(DatabaseError, match="read-only"):
        _execute("DELETE FROM charting_musclefinding WHERE assessment_id = %s", [assessment.pk])


def _amended(actor, patient, episode):
    session = make_signed_session(actor, patient, episode)
    return charting_actions.amendment_add(
        actor=actor, note=session, data=AmendmentIn(text="Lot was LOT-2", reason="typo")
    )


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE charting_amendment SET text = 'rewritten' WHERE id = %s",
        "UPDATE charting_amendment SET author_id = author_id WHERE id = %s",
        "DELETE FROM charting_amendment WHERE id = %s",
    ],
)
def test_database_refuses_changing_or_deleting_an_amendment(actor, patient, episode, sql):
    amendment = _amended(actor, patient, episode)
    with pytest.raises(DatabaseError, match="amendments are permanent"):
        _execute(sql, [amendment.pk])


def test_database_refuses_an_amendment_to_an_unsigned_note(actor, patient, episode):
    from tests.factories import make_session

    draft = make_session(actor, patient, episode)
    with pytest.raises(DatabaseError, match="amendments are permanent"):
        _execute(
            "INSERT INTO charting_amendment (clinic_id, created_at, updated_at, session_id,"
            " author_id, text, reason) SELECT clinic_id, created_at, updated_at, id,"
            " practitioner_id, 'x', 'y' FROM charting_treatmentsession WHERE id = %s",
            [draft.pk],
        )


def test_unsigned_sessions_stay_editable_in_the_database(actor, patient, episode):
    from tests.factories import make_session

    session = make_session(actor, patient, episode)
    _execute("UPDATE charting_treatmentsession SET notes = 'draft' WHERE id = %s", [session.pk])
    assert TreatmentSession.objects.get(pk=session.pk).notes == "draft"


def test_tampering_with_a_signed_note_shows_on_its_page(
    client, practitioner, actor, patient, episode
):
    # Given a signed session, changed behind the app's back by someone who can drop triggers
    session = make_signed_session(actor, patient, episode)
    client.force_login(practitioner)
    assert b"Integrity check failed" not in client.get(f"/sessions/{session.pk}/").content
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE charting_insertion DISABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER charting_insertion_session_id_signed_update")
        cursor.execute(
            "UPDATE charting_insertion SET needle_lot = 'SWAPPED' WHERE session_id = %s",
            [session.pk],
        )
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE charting_insertion ENABLE TRIGGER USER")
    assert Insertion.objects.filter(session=session, needle_lot="SWAPPED").exists()
    # Then the detail page says the content differs from what was signed
    page = client.get(f"/sessions/{session.pk}/")
    assert b"Integrity check failed" in page.content


def test_archive_hides_from_search_and_restore_brings_back(clinic, actor):
    admin = make_actor(make_user(clinic, "clinic.admin", "admin"))
    patient = make_patient(actor, family_name="Archivable")
    patient_actions.patient_archive(actor=admin, patient=patient, reason="duplicate record")
    assert patient_search(actor=actor, query="archivable") == []
    assert [p.pk for p in archived_patients(actor=actor)] == [patient.pk]
    patient_actions.patient_restore(actor=admin, patient=patient)
    assert [p.pk for p in patient_search(actor=actor, query="archivable")] == [patient.pk]
    actions = list(AuditEvent.objects.filter(patient_id=patient.pk).values_list("action", "detail"))
    assert ("archive", "duplicate record") in actions and ("restore", "") in actions


def test_archive_is_for_admins(clinic, actor):
    from imsclinic.core.errors import PermissionDenied

    patient = make_patient(actor)
    with pytest.raises(PermissionDenied):
        patient_actions.patient_archive(actor=actor, patient=patient)


def test_archive_pages_and_filter(client, clinic, actor):
    admin = make_user(clinic, "clinic.admin", "admin")
    patient = make_patient(actor, family_name="Filterable")
    client.force_login(admin)
    response = client.post(f"/patients/{patient.pk}/archive/", {"reason": "left the clinic"})
    assert response.status_code == 302
    assert b"Filterable" not in client.get("/patients/?q=filterable").content
    assert b"Filterable" in client.get("/patients/?archived=1").content
    client.post(f"/patients/{patient.pk}/restore/")
    assert b"Filterable" in client.get("/patients/?q=filterable").content
