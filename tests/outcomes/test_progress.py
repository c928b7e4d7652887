"""Episode progress: responder logic, what is due, the tablet form and the page's queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from imsclinic.outcomes import actions, selectors
from imsclinic.outcomes.models import QuestionnaireResponse, QuestionnaireSchedule
from imsclinic.outcomes.schemas import ScheduleIn
from tests.factories import make_actor, make_clinic, make_practitioner
from tests.outcomes.builders import course, odi, respond


def test_pain_responder_from_the_first_session_reaching_the_mcid(actor, patient, episode):
    # Given pain before needling 8, 7, 5, 4 (baseline 8; MCID 2 points)
    course(actor, patient, episode, [(8, 5), (7, 4), (5, 3), (4, 2)])
    progress = selectors.episode_progress(actor=actor, episode_id=episode.pk)
    # Then the patient became a responder at session 3 (8 -> 5) and still is (8 -> 4)
    assert progress.pain.responder is True
    assert progress.pain.first_mcid.label == "#3"
    assert progress.pain.change.improvement == 4
    assert [row[1] for row in progress.session_rows()] == [None, 1, 3, 4]
    # And the immediate effect is the mean within-session drop (3 + 3 + 2 + 2) / 4
    assert progress.immediate_effect == 2.5


def test_change_just_below_the_mcid_is_not_a_responder(actor, patient, episode):
    course(actor, patient, episode, [(6, 4), (5, 4)])
    progress = selectors.episode_progress(actor=actor, episode_id=episode.pk)
    assert progress.pain.responder is False
    assert progress.pain.first_mcid is None


def test_questionnaire_responder_lower_is_better(actor, patient, episode):
    respond(actor, episode, "odi", odi(20), days_ago=20, sessions=0)  # 40 %
    respond(actor, episode, "odi", odi(17), days_ago=10, sessions=3)  # 34 %
    respond(actor, episode, "odi", odi(14), days_ago=1, sessions=6)  # 28 %: 12 points better
    [odi_course] = selectors.episode_progress(actor=actor, episode_id=episode.pk).questionnaires
    assert [p.score for p in odi_course.points] == [40.0, 34.0, 28.0]
    assert odi_course.responder is True
    assert odi_course.first_mcid.sessions_completed == 6


def test_questionnaire_responder_higher_is_better(actor, patient, episode):
    respond(actor, episode, "lefs", [1] * 20, days_ago=10)  # 20
    respond(actor, episode, "lefs", [1] * 11 + [2] * 9, days_ago=1)  # 29: +9 = MCID
    [lefs] = selectors.episode_progress(actor=actor, episode_id=episode.pk).questionnaires
    assert lefs.change.improvement == 9
    assert lefs.responder is True


def test_responder_can_be_lost_by_the_latest_score(actor, patient, episode):
    course(actor, patient, episode, [(8, 4), (5, 3), (8, 6)])
    pain = selectors.episode_progress(actor=actor, episode_id=episode.pk).pain
    assert pain.first_mcid.label == "#2"  # reached once
    assert pain.responder is False  # but not at the latest session


def _schedule(actor, episode, code, timing, every=None):
    return actions.schedule_add(
        actor=actor,
        episode=episode,
        data=ScheduleIn(measure_code=code, timing=timing, every_n_sessions=every),
    )


def test_due_questionnaires_follow_the_schedule(actor, patient, episode):
    _schedule(actor, episode, "odi", "intake")
    _schedule(actor, episode, "nprs", "every_n", every=3)
    _schedule(actor, episode, "lefs", "discharge")
    progress = selectors.episode_progress(actor=actor, episode_id=episode.pk)
    assert [(d.measure.code, d.reason) for d in progress.due] == [
        ("odi", "intake (baseline) not yet recorded")
    ]
    respond(actor, episode, "odi", odi(10), days_ago=5, sessions=0)
    course(actor, patient, episode, [(6, 3), (5, 3), (5, 2)])
    progress = selectors.episode_progress(actor=actor, episode_id=episode.pk)
    assert [d.measure.code for d in progress.due] == ["nprs"]
    from imsclinic.charting.actions import episode_close
    from tests.factories import today

    episode_close(actor=actor, episode=episode, closed_on=today())
    progress = selectors.episode_progress(actor=actor, episode_id=episode.pk)
    assert {d.measure.code for d in progress.due} == {"nprs", "lefs"}


def test_schedule_every_n_needs_a_number(actor, episode):
    from imsclinic.core.errors import ValidationProblem

    with pytest.raises(ValidationProblem) as caught:
        _schedule(actor, episode, "odi", "every_n")
    assert caught.value.problems[0].field == "every_n_sessions"


def test_tablet_form_records_the_score_on_the_episode(client, practitioner, episode):
    client.force_login(practitioner)
    page = client.get(f"/episodes/{episode.pk}/questionnaires/ndi/fill/")
    assert page.status_code == 200
    assert "Concentration" in page.content.decode()
    answers = {f"items.{n}": "1" for n in range(1, 11)}
    answers["items.5"] = ""  # one unanswered: prorated
    done = client.post(f"/episodes/{episode.pk}/questionnaires/ndi/fill/", answers)
    assert done.status_code == 200 and "hand the device back" in done.content.decode()
    response = QuestionnaireResponse.objects.get()
    assert (response.source, response.score, response.entered_by) == ("tablet", 10.0, practitioner)
    assert response.answers[4] is None
    progress = client.get(f"/episodes/{episode.pk}/progress/").content.decode()
    assert "Neck Disability Index" in progress and "scored from 9 of 10 items" in progress


def test_tablet_psfs_keeps_activity_names(client, practitioner, episode):
    client.force_login(practitioner)
    post = {
        "activities.1": "Sitting through a meeting",
        "items.1": "3",
        "activities.2": "Lifting a toddler",
        "items.2": "4",
        "activities.3": "Gardening",
        "items.3": "5",
    }
    assert client.post(f"/episodes/{episode.pk}/questionnaires/psfs/fill/", post).status_code == 200
    response = QuestionnaireResponse.objects.get()
    assert response.score == 4.0
    assert response.activities == ["Sitting through a meeting", "Lifting a toddler", "Gardening"]


def test_tablet_form_errors_sit_beside_the_item(client, practitioner, episode):
    client.force_login(practitioner)
    answers = {f"items.{n}": "2" for n in range(1, 12)}
    answers["items.7"] = "0"  # QuickDASH items run 1-5
    page = client.post(f"/episodes/{episode.pk}/questionnaires/quickdash/fill/", answers)
    assert page.status_code == 422
    html = page.content.decode()
    assert 'aria-describedby="err-items.7"' in html
    assert "Item 7 must be an integer from 1 to 5" in html
    assert not QuestionnaireResponse.objects.exists()


def test_progress_needs_a_clinical_role(client, front_desk, episode):
    client.force_login(front_desk)
    assert client.get(f"/episodes/{episode.pk}/progress/").status_code == 403


def test_another_clinics_episode_is_404(client, episode):
    other = make_practitioner(make_clinic("far-away"), "pt.other")
    client.force_login(other)
    assert client.get(f"/episodes/{episode.pk}/progress/").status_code == 404
    assert client.get(f"/episodes/{episode.pk}/questionnaires/odi/fill/").status_code == 404
    with pytest.raises(Exception, match="not found"):
        selectors.episode_progress(actor=make_actor(other), episode_id=episode.pk)


def _page_queries(client, episode) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/episodes/{episode.pk}/progress/")
    assert response.status_code == 200
    return len(captured), response.content.decode()


def test_progress_page_query_count_is_constant(client, practitioner, actor, patient, episode):
    client.force_login(practitioner)
    _schedule(actor, episode, "odi", "every_n", every=2)
    course(
        actor,
        patient,
        episode,
        [(7, 4), (6, 4)],
        adverse={1: [{"kind": "bruising", "severity": "mild"}]},
    )
    respond(actor, episode, "odi", odi(20), days_ago=3)
    few, _ = _page_queries(client, episode)
    course(actor, patient, episode, [(5, 3), (4, 2), (4, 1), (3, 1), (3, 0), (2, 0)])
    for days in (2, 1, 0):
        respond(actor, episode, "odi", odi(14 - days), days_ago=days)
    many, html = _page_queries(client, episode)
    assert few == many
    assert "Bruising" in html and "Oswestry" in html and "<svg" in html
    # Given a fixed set: session + auth + audit, episode, sessions + 3 prefetches (insertions,
    # range of motion, adverse events), the seals of the signed sessions (issue 11: each
    # session's integrity is checked, which also needs its range of motion), responses,
    # schedules, links, the clinic's uploaded questionnaire wording (which measures can be
    # sent to the patient); the count is pinned so a per-row query shows up here.
    assert many <= 18, many


def test_schedule_is_per_clinic_and_unique(actor, episode):
    _schedule(actor, episode, "odi", "intake")
    from imsclinic.core.errors import ValidationProblem

    with pytest.raises(ValidationProblem):
        _schedule(actor, episode, "odi", "intake")
    assert QuestionnaireSchedule.objects.filter(clinic=actor.clinic).count() == 1
