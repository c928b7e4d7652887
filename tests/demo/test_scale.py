"""The bulk generator behind `imsclinic demo --clinics N` and `make bench`: what it writes
must be as valid as what the application writes, or the benchmarks measure a different
database from the one a clinic has."""

from __future__ import annotations

import pytest
from django.db import connection

from imsclinic.charting import rollup
from imsclinic.charting.integrity import check_notes, content_hash, session_content
from imsclinic.charting.models import AdverseEvent, EpisodeSummary, TreatmentSession
from imsclinic.charting.selectors import session_rows
from imsclinic.core.audit import audit_chain_verify
from imsclinic.demo.scale import generate
from imsclinic.security.db_guards import installed_guard_names


@pytest.mark.django_db(transaction=True)
def test_generated_clinic_is_consistent():
    result = generate(clinics=2, patients=40, years=2, seed=7)
    assert result.clinics == 2 and result.patients == 80
    sessions = TreatmentSession.objects.all()
    assert sessions.count() == result.sessions > 80
    # Every session is signed, and its stored hash is the hash of what it contains.
    assert not sessions.filter(signed_at__isnull=True).exists()
    for session in sessions.prefetch_related("insertions", "adverse_events", "rom", "amendments")[
        :50
    ]:
        assert session.content_hash == content_hash(session_content(session))
    # Events sit under their session's episode; the outcomes rollup matches a rebuild.
    for event in AdverseEvent.objects.select_related("session"):
        assert event.episode_id == event.session.episode_id
    fields = ("episode_id", "sessions", "baseline", "latest", "first_mcid", "adverse_mild")
    stored = sorted(EpisodeSummary.objects.values_list(*fields))
    assert len(stored) == sessions.values("episode_id").distinct().count()
    rollup.rebuild(connection)
    assert sorted(EpisodeSummary.objects.values_list(*fields)) == stored
    # The rollup triggers, dropped for the bulk load, are back.
    assert set(rollup.TRIGGER_NAMES[connection.vendor]) <= installed_guard_names(connection)
    # Each signature is sealed in its clinic's audit chain, as signing in the app does, so
    # the chains verify and the read paths find every generated note intact.
    report = audit_chain_verify()
    assert report.ok, report.problems[:3]
    assert report.rows == result.sessions
    rows = session_rows(sessions[0].clinic_id, "s.patient_id = %s", [sessions[0].patient_id], "")
    check_notes(sessions[0].clinic_id, sessions[0].patient_id, rows)
    assert {row.integrity.state for row in rows} == {"intact"}
