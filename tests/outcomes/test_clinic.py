"""Clinic outcomes (responders, time to MCID, safety beside published rates) and the
de-identified research export."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from imsclinic.charting.actions import episode_close
from imsclinic.core.models import AuditEvent
from imsclinic.measures.statistics import wilson_interval
from imsclinic.outcomes import analytics
from imsclinic.outcomes.research_export import research_export_csv
from tests.factories import make_consented_patient, make_episode, make_practitioner, today
from tests.outcomes.builders import course, odi, respond


@pytest.fixture
def clinic_data(actor, clinic):
    """Three low-back episodes by pt.morgan, one neck episode by a colleague."""
    a = make_consented_patient(actor)
    ep_a = make_episode(actor, a)
    course(actor, a, ep_a, [(8, 5), (7, 4), (5, 3)])  # responder at session 3 (2 sessions given)
    b = make_consented_patient(actor)
    ep_b = make_episode(actor, b)
    course(
        actor,
        b,
        ep_b,
        [(6, 4), (6, 5), (5, 4), (5, 5)],
        adverse={1: [{"kind": "bruising", "severity": "mild"}]},
    )  # not a responder: censored at 3
    c = make_consented_patient(actor)
    ep_c = make_episode(actor, c)
    course(actor, c, ep_c, [(9, 6), (6, 3)])  # responder at session 2 (1 session given)
    episode_close(actor=actor, episode=ep_c, closed_on=today())
    colleague = make_practitioner(clinic, "pt.ng")
    from tests.factories import make_actor

    colleague_actor = make_actor(colleague)
    d = make_consented_patient(colleague_actor)
    ep_d = make_episode(colleague_actor, d, code="M54.2")
    course(colleague_actor, d, ep_d, [(7, 3)])  # baseline only: not evaluable
    return {"a": ep_a, "b": ep_b, "c": ep_c, "d": ep_d, "patients": (a, b, c, d)}


def test_responders_time_to_mcid_and_safety(actor, clinic_data):
    outcomes = analytics.clinic_outcomes(actor=actor)
    overall = outcomes.overall
    assert (overall.episodes, overall.evaluable, overall.responders) == (4, 3, 2)
    assert overall.responder_ci == pytest.approx(wilson_interval(2, 3))
    # Kaplan-Meier over sessions given: events at 1 and 2, one censored at 3.
    assert sorted(zip(overall.durations, overall.events, strict=True)) == [
        (1.0, True),
        (2.0, True),
        (3.0, False),
    ]
    assert overall.median_sessions_to_mcid == 2.0
    assert overall.sessions == 10
    # (3+3+2) + (2+1+1+0) + (3+3) + 4 = 22 drops over 10 sessions
    assert overall.immediate_effect == pytest.approx(2.2)
    assert overall.adverse == {"mild": 1}
    rate, low, high = overall.adverse_rate("mild")
    assert rate == pytest.approx(100.0) and low < rate < high
    assert overall.mean_course == 2.0  # only episode c is closed
    by_condition = {g.key: g for g in outcomes.by_condition}
    assert by_condition["M54.5"].responders == 2 and by_condition["M54.5"].evaluable == 3
    assert by_condition["M54.2"].evaluable == 0
    assert [g.label for g in outcomes.by_practitioner] == ["Test Pt.Morgan", "Test Pt.Ng"]


def test_questionnaire_outcomes_use_sessions_completed(actor, clinic_data):
    ep = clinic_data["a"]
    respond(actor, ep, "odi", odi(20), days_ago=9, sessions=0)
    respond(actor, ep, "odi", odi(17), days_ago=5, sessions=2)
    respond(actor, ep, "odi", odi(14), days_ago=1, sessions=4)
    outcomes = analytics.clinic_outcomes(actor=actor, measure_code="odi")
    assert (outcomes.overall.evaluable, outcomes.overall.responders) == (1, 1)
    assert outcomes.overall.durations == [4.0]
    assert outcomes.overall.events == [True]


def _outcome_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/outcomes/").status_code == 200
    return len(captured)


def test_clinic_outcomes_query_count_is_constant(client, practitioner, actor, clinic_data):
    client.force_login(practitioner)
    few = _outcome_queries(client)
    for _ in range(4):
        patient = make_consented_patient(actor)
        ep = make_episode(actor, patient, code="M54.3")
        course(actor, patient, ep, [(7, 5), (6, 3), (4, 2)])
    many = _outcome_queries(client)
    assert few == many
    assert many <= 10, many
    html = client.get("/outcomes/").content.decode()
    assert "Brady 2014" in html and "Boyce 2020" in html and "Gunn 1980" in html


def test_clinic_outcomes_need_a_clinical_role(client, front_desk):
    client.force_login(front_desk)
    assert client.get("/outcomes/").status_code == 403
    assert client.get("/outcomes/export.csv").status_code == 403


def test_research_export_is_de_identified(client, practitioner, actor, clinic_data):
    a, b, c, d = clinic_data["patients"]
    respond(actor, clinic_data["a"], "odi", odi(20), days_ago=3)
    client.force_login(practitioner)
    response = client.get("/outcomes/export.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode()
    for patient in (a, b, c, d):
        for identifier in (patient.family_name, patient.health_number, str(patient.date_of_birth)):
            assert identifier not in text
    rows = list(csv.DictReader(io.StringIO(text)))
    sessions = [r for r in rows if r["record"] == "session"]
    assert len(sessions) == 10 and len([r for r in rows if r["record"] == "questionnaire"]) == 1
    assert {r["patient"][:2] for r in rows} == {"P-"}
    # Dates move by one offset per patient: intervals within a patient stay true.
    by_patient: dict[str, list[dict[str, str]]] = {}
    for row in sessions:
        by_patient.setdefault(row["patient"], []).append(row)
    assert len(by_patient) == 4
    offsets = set()
    for rows_of_one in by_patient.values():
        shifts = {
            (dt.date.fromisoformat(r["date_shifted"]) - dt.timedelta(days=int(r["day_of_episode"])))
            for r in rows_of_one
        }
        assert len(shifts) == 1  # shifted opening date is the same on every row
        offsets.add(shifts.pop())
    assert str(today()) not in {r["date_shifted"] for r in sessions} or len(offsets) > 1
    assert AuditEvent.objects.filter(action="export", object_type="ResearchExport").count() == 1


def test_each_export_draws_new_pseudonyms(actor, clinic_data):
    first = {line.split(",")[1] for line in research_export_csv(actor=actor).splitlines()[1:]}
    second = {line.split(",")[1] for line in research_export_csv(actor=actor).splitlines()[1:]}
    assert len(first) == 4 and not first & second


def test_export_dictionary_lists_every_column(client, practitioner):
    from imsclinic.outcomes.research_export import COLUMNS

    client.force_login(practitioner)
    html = client.get("/outcomes/export-dictionary/").content.decode()
    for name in COLUMNS:
        assert f"<code>{name}</code>" in html
