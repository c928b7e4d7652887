"""Tampering with signed notes and amendments, by someone with write access to the database
(triggers dropped), shows on every read path and in `imsclinic audit verify`.

Before: the content hash was re-checked on the session page only; the chart, the chart
API, the note API and the PDF served tampered notes unflagged; recomputing the plain
SHA-256 alongside a change was caught nowhere; and an amendment inserted by SQL appeared
as written by its "author" with no audit event. Now each sign and amend event seals the
hash in the audit chain (core/seals.py, charting/integrity.py).
"""

from __future__ import annotations

import contextlib
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from pypdf import PdfReader

from imsclinic.charting import actions
from imsclinic.charting.integrity import content_hash, session_content
from imsclinic.charting.models import TreatmentSession
from imsclinic.charting.schemas import AmendmentIn, AssessmentIn
from imsclinic.core.audit import audit_chain_verify
from imsclinic.core.models import AuditEvent
from imsclinic.reports.pdf import episode_report
from imsclinic.security.db_guards import drop_signed_note_guards, install_all_guards
from tests.factories import api_token, make_session, make_signed_session, today

FLAG = b"Integrity check failed"


@contextlib.contextmanager
def guards_off():
    """As someone who can drop the database's triggers."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    drop_signed_note_guards(connection)
    try:
        yield connection.cursor()
    finally:
        install_all_guards(connection)


def _swap_lot(session) -> None:
    with guards_off() as cursor:
        cursor.execute(
            "UPDATE charting_insertion SET needle_lot = 'SWAPPED' WHERE session_id = %s",
            [session.pk],
        )


def _recompute_hash(session_id: int) -> None:
    """What a careful tamperer does next: store the plain SHA-256 of the new content."""
    session = TreatmentSession.objects.prefetch_related("insertions", "rom", "adverse_events").get(
        pk=session_id
    )
    with guards_off() as cursor:
        cursor.execute(
            "UPDATE charting_treatmentsession SET content_hash = %s WHERE id = %s",
            [content_hash(session_content(session)), session_id],
        )


@pytest.fixture
def signed(actor, patient, episode):
    return make_signed_session(actor, patient, episode)


@pytest.fixture
def reader(client, practitioner):
    client.force_login(practitioner)
    token = api_token(type(client)(), practitioner.username)

    def read(path: str):
        return client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")

    return read


def _every_read_path(reader, actor, patient, episode, session) -> dict[str, bool]:
    """Whether each read path that shows the signed session flags it."""
    api_session = reader(f"/api/v1/sessions/{session.pk}").json()
    api_chart = reader(f"/api/v1/patients/{patient.pk}/chart").json()
    pdf = episode_report(actor=actor, episode_id=episode.pk, kind="progress", audience="physician")
    pdf_text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.pdf)).pages)
    return {
        "session page": FLAG in reader(f"/sessions/{session.pk}/").content,
        "chart page": FLAG in reader(f"/patients/{patient.pk}/").content,
        "progress page": FLAG in reader(f"/episodes/{episode.pk}/progress/").content,
        "session API": api_session["integrity"] == "altered",
        "chart API": [s["integrity"] for s in api_chart["sessions"]] == ["altered"],
        "PDF": "Integrity check failed" in pdf_text,
    }


def test_untouched_signed_notes_are_intact_everywhere(reader, actor, patient, episode, signed):
    assert not any(_every_read_path(reader, actor, patient, episode, signed).values())
    assert reader(f"/api/v1/sessions/{signed.pk}").json()["integrity"] == "intact"
    assert audit_chain_verify().ok


def test_changed_content_is_flagged_on_every_read_path(reader, actor, patient, episode, signed):
    _swap_lot(signed)
    flagged = _every_read_path(reader, actor, patient, episode, signed)
    assert flagged == dict.fromkeys(flagged, True)
    problem = reader(f"/api/v1/sessions/{signed.pk}").json()["integrity_problem"]
    assert "no longer matches the hash taken when it was signed" in problem
    assert [p.kind for p in audit_chain_verify().problems] == ["altered"]


def test_changed_content_with_a_recomputed_hash_is_caught_by_the_seal(
    reader, actor, patient, episode, signed
):
    _swap_lot(signed)
    _recompute_hash(signed.pk)
    flagged = _every_read_path(reader, actor, patient, episode, signed)
    assert flagged == dict.fromkeys(flagged, True)
    problem = reader(f"/api/v1/sessions/{signed.pk}").json()["integrity_problem"]
    assert "differs from the one sealed in the audit trail" in problem
    problems = audit_chain_verify().problems
    assert [(p.kind, p.chain) for p in problems] == [("altered", actor.clinic.slug)]
    assert f"Session {signed.pk}" in problems[0].message


def test_the_sign_event_seals_the_content_hash_in_the_chain(actor, signed):
    event = AuditEvent.objects.get(action="sign", object_id=signed.pk)
    assert event.detail == f"sha256={signed.content_hash}"
    # Rewriting the seal too means rewriting the chain: verify names the row
    with guards_off() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER auditevent_append_only")
        cursor.execute(
            "UPDATE core_auditevent SET detail = %s WHERE id = %s", ["sha256=" + "0" * 64, event.pk]
        )
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditevent ENABLE TRIGGER auditevent_append_only")
    kinds = sorted(p.kind for p in audit_chain_verify().problems)
    # the altered audit row, and the note it no longer vouches for
    assert kinds == ["altered", "inserted"]


def test_a_note_marked_signed_outside_the_app_has_no_signature(reader, actor, patient, episode):
    draft = make_session(actor, patient, episode)
    full = TreatmentSession.objects.prefetch_related("insertions", "rom", "adverse_events").get(
        pk=draft.pk
    )
    with guards_off() as cursor:
        cursor.execute(
            "UPDATE charting_treatmentsession SET signed_at = updated_at, content_hash = %s "
            "WHERE id = %s",
            [content_hash(session_content(full)), draft.pk],
        )
    body = reader(f"/api/v1/sessions/{draft.pk}").json()
    assert body["integrity"] == "altered"
    assert "No signature in the audit trail" in body["integrity_problem"]
    assert [p.kind for p in audit_chain_verify().problems] == ["inserted"]


def test_an_amendment_inserted_by_sql_is_flagged_and_reported(
    reader, actor, patient, episode, signed, clinic
):
    from tests.factories import make_practitioner

    colleague = make_practitioner(clinic, "pt.colleague")
    with guards_off() as cursor:
        cursor.execute(
            "INSERT INTO charting_amendment (clinic_id, created_at, updated_at, session_id,"
            " author_id, text, reason) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            [
                clinic.pk,
                signed.signed_at,
                signed.signed_at,
                signed.pk,
                colleague.pk,
                "Patient declined needling of the left side.",
                "late addition",
            ],
        )
    page = reader(f"/sessions/{signed.pk}/")
    assert b"this amendment was added outside the application" in page.content
    assert b"amendment failed the integrity check" in reader(f"/patients/{patient.pk}/").content
    amendment = reader(f"/api/v1/sessions/{signed.pk}").json()["amendments"][0]
    assert amendment["integrity"] == "altered"
    problems = audit_chain_verify().problems
    assert [p.kind for p in problems] == ["inserted"] and "Amendment" in problems[0].message


def test_a_rewritten_or_deleted_amendment_is_reported(reader, actor, patient, episode, signed):
    amendment = actions.amendment_add(
        actor=actor, note=signed, data=AmendmentIn(text="Lot was LOT-2", reason="typo")
    )
    event = AuditEvent.objects.get(action="amend")
    assert event.detail.startswith(f"amendment {amendment.pk} sha256=")
    body = reader(f"/api/v1/sessions/{signed.pk}").json()
    assert body["amendments"][0]["integrity"] == "intact"
    with guards_off() as cursor:
        cursor.execute(
            "UPDATE charting_amendment SET text = 'Lot was LOT-9' WHERE id = %s", [amendment.pk]
        )
    body = reader(f"/api/v1/sessions/{signed.pk}").json()
    assert body["amendments"][0]["integrity"] == "altered"
    assert [p.kind for p in audit_chain_verify().problems] == ["altered"]
    with guards_off() as cursor:
        cursor.execute("DELETE FROM charting_amendment WHERE id = %s", [amendment.pk])
    assert [p.kind for p in audit_chain_verify().problems] == ["deleted"]


def test_signed_assessments_are_checked_too(reader, actor, patient, episode):
    assessment = actions.assessment_sign(
        actor=actor,
        assessment=actions.assessment_record(
            actor=actor,
            patient=patient,
            data=AssessmentIn(episode_id=episode.pk, assessed_on=today(), history="Fell skiing."),
        ),
    )
    with guards_off() as cursor:
        cursor.execute(
            "UPDATE charting_assessment SET history = 'Lifting at work.' WHERE id = %s",
            [assessment.pk],
        )
    assert FLAG in reader(f"/assessments/{assessment.pk}/").content
    chart = reader(f"/api/v1/patients/{patient.pk}/chart").json()
    assert chart["assessments"][0]["integrity"] == "altered"
    assert [p.kind for p in audit_chain_verify().problems] == ["altered"]


def test_a_deleted_signed_note_is_reported(actor, signed):
    with guards_off() as cursor:
        # Everything that refers to the session goes with it, as an attacker's delete would
        # (signing proposed the visit's charge in billing).
        for table in ("charting_insertion", "charting_rommeasure", "charting_adverseevent"):
            cursor.execute(f"DELETE FROM {table} WHERE session_id = %s", [signed.pk])
        cursor.execute("DELETE FROM billing_visitcharge WHERE session_id = %s", [signed.pk])
        cursor.execute("DELETE FROM charting_treatmentsession WHERE id = %s", [signed.pk])
    problems = audit_chain_verify().problems
    assert [p.kind for p in problems] == ["deleted"]
    with pytest.raises(CommandError, match="BROKEN"):
        call_command("audit", "verify", stdout=io.StringIO(), stderr=io.StringIO())
