"""Query counts of the patient list and the chart do not grow with history length."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from imsclinic.charting import actions, selectors
from imsclinic.charting.schemas import AmendmentIn
from imsclinic.patients.selectors import patient_search
from tests.factories import make_patient, make_session, today


def _chart_queries(actor, patient) -> int:
    with CaptureQueriesContext(connection) as captured:
        chart = selectors.patient_chart(actor=actor, patient_id=patient.pk)
        for _, _, item in chart.timeline():
            for relation in ("insertions", "adverse_events", "amendments", "findings", "signs"):
                manager = getattr(item, relation, None)
                if manager is not None:
                    list(manager.all())
        chart.pain_series()
    return len(captured)


def _add_sessions(actor, patient, episode, count: int, start: int) -> None:
    for offset in range(start, start + count):
        session = make_session(
            actor, patient, episode, session_date=today() - dt.timedelta(days=offset)
        )
        session = actions.session_sign(actor=actor, session=session)
        actions.amendment_add(
            actor=actor, note=session, data=AmendmentIn(text="fix", reason="typo")
        )


def test_chart_query_count_is_constant(actor, patient, episode):
    _add_sessions(actor, patient, episode, 2, start=0)
    small = _chart_queries(actor, patient)
    _add_sessions(actor, patient, episode, 10, start=2)
    large = _chart_queries(actor, patient)
    assert small == large
    # patient, consents, episodes, assessments (+4 child lists when there are any), sessions
    # +4 child lists. Was 14 while the selector wrote the view's audit event itself; the
    # page and the API route now record it (core.audit.audit_view). +1: the seals of the
    # patient's signed notes, read once to check every note against the audit trail.
    assert large <= 10


def test_patient_search_query_count_is_constant(actor):
    for _ in range(3):
        make_patient(actor)
    with CaptureQueriesContext(connection) as few:
        patient_search(actor=actor, query="synth")
    for _ in range(20):
        make_patient(actor)
    with CaptureQueriesContext(connection) as many:
        found = patient_search(actor=actor, query="synth")
    assert len(found) == 23
    assert len(few) == len(many) == 1


def test_patient_list_page_query_count_is_constant(client, actor, practitioner):
    client.force_login(practitioner)
    for _ in range(3):
        make_patient(actor)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/patients/?q=synth").status_code == 200
    for _ in range(15):
        make_patient(actor)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/patients/?q=synth")
    assert response.content.count(b"/patients/") >= 18
    assert len(few) == len(many)


def test_chart_page_query_count_is_constant(client, actor, practitioner, patient, episode):
    client.force_login(practitioner)
    _add_sessions(actor, patient, episode, 2, start=0)
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"/patients/{patient.pk}/").status_code == 200
    _add_sessions(actor, patient, episode, 8, start=2)
    with CaptureQueriesContext(connection) as many:
        assert client.get(f"/patients/{patient.pk}/").status_code == 200
    assert len(few) == len(many)
