"""Rows written before issue 10 may hold the retired generic id "paraspinals". Signed notes
are immutable, so the rows stay as they are; the catalog reads them by their level."""

from __future__ import annotations

from imsclinic.charting import actions, reasoning
from imsclinic.charting.integrity import check_note
from imsclinic.charting.models import Insertion, MuscleFinding
from imsclinic.charting.schemas import AssessmentIn
from imsclinic.outcomes.selectors import episode_progress
from tests.factories import PASSWORD, insertion, make_session, today


def _legacy_session(actor, patient, episode):
    session = make_session(
        actor,
        patient,
        episode,
        insertions=[
            insertion("lumbar_paraspinals", "left", "L5"),
            insertion("lumbar_paraspinals", "left", "L4", twitch="none"),
        ],
    )
    # As the app stored it before the generic entry was removed (not signed yet, so the
    # database guards allow the test to set it up).
    Insertion.objects.filter(session=session, level="L5").update(muscle_id="paraspinals")
    return actions.session_sign(actor=actor, session=session)


def test_signed_legacy_rows_display_and_stay_intact(client, practitioner, actor, patient, episode):
    session = _legacy_session(actor, patient, episode)
    check_note(session)
    assert session.integrity.state == "intact"
    client.login(username=practitioner.username, password=PASSWORD)
    page = client.get(f"/sessions/{session.pk}/").content.decode()
    assert "Paraspinals (multifidus / erector spinae)" in page


def test_legacy_rows_count_with_their_regional_entry(actor, patient, episode):
    _legacy_session(actor, patient, episode)
    progress = episode_progress(actor=actor, episode_id=episode.pk)
    assert [(row.muscle_id, row.insertions) for row in progress.twitch_by_muscle] == [
        ("lumbar_paraspinals", 2)
    ]
    assert progress.treated_muscles()[0][0].startswith("Lumbar paraspinals")


def test_legacy_findings_feed_the_reasoning_by_level(actor, patient, episode):
    assessment = actions.assessment_record(
        actor=actor,
        patient=patient,
        data=AssessmentIn(
            episode_id=episode.pk,
            assessed_on=today(),
            findings=[
                {"muscle": "multifidus", "side": "left", "level": "L5", "tender_motor_point": True},
                {"muscle": "gluteus medius", "side": "left", "taut_band": True},
            ],
        ),
    )
    assert [f.muscle_id for f in assessment.findings.all()] == [
        "lumbar_paraspinals",
        "gluteus_medius",
    ]
    MuscleFinding.objects.filter(assessment=assessment, level="L5").update(muscle_id="paraspinals")
    result, plan, skipped = reasoning.plan_for(patient, reasoning.rows_of_assessment(assessment))
    assert skipped == []
    assert result.top("left").level == "L5"  # type: ignore[union-attr]
    assert plan.sites[0].muscle_id == "lumbar_paraspinals" and plan.sites[0].level == "L5"
