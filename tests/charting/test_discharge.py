"""Discharging an episode: date, reason and outcome on one page, audited; the discharge
summary is offered only once the episode is discharged, and prints the reason."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from imsclinic.charting.discharge import episode_discharge
from imsclinic.core.errors import ValidationProblem
from imsclinic.core.models import AuditEvent
from imsclinic.patients.models import EpisodeDischarge
from tests.factories import make_session, today


@pytest.fixture
def pt_client(practitioner):
    client = Client()
    client.force_login(practitioner)
    return client


def test_discharge_page_closes_the_episode_with_reason_and_outcome(
    pt_client, actor, patient, episode
):
    make_session(actor, patient, episode)
    progress = pt_client.get(f"/episodes/{episode.pk}/progress/").content.decode()
    assert "Discharge summary" not in progress  # not producible yet: not offered
    assert f'href="/episodes/{episode.pk}/discharge/"' in progress
    response = pt_client.post(
        f"/episodes/{episode.pk}/discharge/",
        {
            "closed_on": str(today()),
            "reason": "goals_met",
            "outcome": "improved",
            "note": "Back at work.",
        },
    )
    assert response.status_code == 302
    episode.refresh_from_db()
    assert episode.closed_on == today()
    discharge = EpisodeDischarge.objects.get(episode_id=episode.pk)
    assert (discharge.reason, discharge.outcome, discharge.patient_id) == (
        "goals_met",
        "improved",
        patient.pk,
    )
    assert AuditEvent.objects.filter(
        action="create", object_type="EpisodeDischarge", patient_id=patient.pk
    ).exists()
    progress = pt_client.get(f"/episodes/{episode.pk}/progress/").content.decode()
    assert '<option value="discharge" selected>Discharge summary' in progress
    assert "Goals met" in progress
    # The page of a discharged episode goes back to its progress.
    assert pt_client.get(f"/episodes/{episode.pk}/discharge/").status_code == 302


def test_every_problem_at_once_and_nothing_written(pt_client, episode):
    response = pt_client.post(
        f"/episodes/{episode.pk}/discharge/", {"closed_on": "not a date", "note": "x" * 2001}
    )
    assert response.status_code == 422
    body = response.content.decode()
    for field in ("closed_on", "reason", "outcome", "note"):
        assert f'id="err-{field}"' in body, field
    episode.refresh_from_db()
    assert episode.is_open and not EpisodeDischarge.objects.exists()


def test_no_discharge_in_the_future_or_before_the_start_or_twice(actor, episode):
    with pytest.raises(ValidationProblem, match="future"):
        episode_discharge(
            actor=actor,
            episode=episode,
            closed_on=today() + dt.timedelta(days=2),
            reason="plateau",
            outcome="unchanged",
        )
    with pytest.raises(ValidationProblem, match="precede"):
        episode_discharge(
            actor=actor,
            episode=episode,
            closed_on=episode.opened_on - dt.timedelta(days=1),
            reason="plateau",
            outcome="unchanged",
        )
    episode_discharge(
        actor=actor, episode=episode, closed_on=today(), reason="plateau", outcome="unchanged"
    )
    with pytest.raises(ValidationProblem, match="was discharged on"):
        episode_discharge(
            actor=actor, episode=episode, closed_on=today(), reason="other", outcome="worse"
        )
    assert EpisodeDischarge.objects.get().reason == "plateau"


def test_the_discharge_summary_prints_reason_and_outcome(pt_client, actor, patient, episode):
    make_session(actor, patient, episode)
    refused = pt_client.get(f"/episodes/{episode.pk}/report.pdf?kind=discharge&audience=physician")
    assert refused.status_code == 422
    episode_discharge(
        actor=actor, episode=episode, closed_on=today(), reason="referred", outcome="worse"
    )
    from django.template.loader import render_to_string

    from imsclinic.outcomes.selectors import episode_progress
    from imsclinic.reports.pdf import report_context

    progress = episode_progress(actor=actor, episode_id=episode.pk)
    html = render_to_string(
        "reports/episode_report.html",
        report_context(progress, kind="discharge", audience="physician", actor=actor),
    )
    assert "Referred on · outcome: worse" in html
    response = pt_client.get(f"/episodes/{episode.pk}/report.pdf?kind=discharge&audience=physician")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
