"""Issue 10's safety rules, each through the one write path (charting.actions.session_record)
that pages and the API share; the thorax bypass is also driven through the API and the page.

Every test here failed before issue 10: the typed word decided the thorax rule, lung-risk
muscles were not counted, deep sites on anticoagulants needed only an acknowledgement,
lymphedema ignored the trunk, new precautions did not exist, pregnancy blocked nothing,
and a repeated session carried last week's twitch, sensation and needle lot.
"""

from __future__ import annotations

import datetime as dt

import pytest

from imsclinic.charting.models import TreatmentSession
from imsclinic.core.errors import AcknowledgementRequired, RuleViolation, ValidationProblem
from imsclinic.patients.actions import consent_record
from imsclinic.patients.schemas import ConsentIn
from tests.factories import (
    insertion,
    make_consented_patient,
    make_episode,
    make_session,
    today,
)


def _patient_with(actor, **precautions):
    patient = make_consented_patient(actor, **precautions)
    return patient, make_episode(actor, patient)


def _refused(actor, patient, episode, rows, acknowledged=()) -> RuleViolation:
    with pytest.raises(RuleViolation) as exc:
        make_session(actor, patient, episode, insertions=rows, acknowledged=list(acknowledged))
    return exc.value


# ---- 1. the thorax bypass: the level decides, whatever the name


@pytest.mark.parametrize(
    "rows",
    [
        [("multifidus", "left", "T4"), ("multifidus", "right", "T4")],
        [("erector spinae", "left", "T6"), ("erector spinae", "right", "T6")],
        [("rhomboids", "left", ""), ("multifidus", "right", "T5")],
        [("paraspinals", "left", "T8"), ("thoracic multifidus", "right", "T9")],
        [("Multifidus", "right", "t5"), ("rhomboid major", "left", "")],
    ],
)
def test_any_paraspinal_name_over_the_thorax_counts_for_both_sides(actor, patient, episode, rows):
    with pytest.raises(RuleViolation) as exc:
        make_session(actor, patient, episode, insertions=[insertion(*row) for row in rows])
    assert exc.value.code == "thorax_both_sides"
    assert "[AHPCSA-121]" in exc.value.message
    assert not TreatmentSession.objects.exists()


def test_generic_paraspinal_name_is_stored_as_the_regional_entry(actor, patient, episode):
    session = make_session(
        actor,
        patient,
        episode,
        insertions=[
            insertion("multifidus", "left", "L5"),
            insertion("erector spinae", "left", "T5"),
            insertion("multifidus", "right", "L4"),
        ],
    )
    stored = [(i.muscle_id, i.side, i.level) for i in session.insertions.order_by("position")]
    assert stored == [
        ("lumbar_paraspinals", "left", "L5"),
        ("thoracic_paraspinals", "left", "T5"),
        ("lumbar_paraspinals", "right", "L4"),
    ]


def test_generic_paraspinal_name_without_a_level_asks_for_it(actor, patient, episode):
    with pytest.raises(ValidationProblem) as exc:
        make_session(actor, patient, episode, insertions=[insertion("multifidus", "left", "")])
    problem = exc.value.problems[0]
    assert (problem.field, problem.code) == ("insertions.0.level", "required")
    assert "the level decides which entry and which safety rules apply" in problem.message


def test_cervical_paraspinals_on_both_sides_are_allowed(actor, patient, episode):
    session = make_session(
        actor,
        patient,
        episode,
        insertions=[insertion("multifidus", "left", "C6"), insertion("multifidus", "right", "C6")],
    )
    assert session.insertions.count() == 2


def test_the_api_refuses_the_bypass(api, patient, episode):
    body = {
        "episode_id": episode.pk,
        "session_date": today().isoformat(),
        "pain_before": 6,
        "insertions": [
            insertion("multifidus", "left", "T4"),
            insertion("multifidus", "right", "T4"),
        ],
    }
    response = api.post(f"/patients/{patient.pk}/sessions", body)
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "thorax_both_sides"
    assert response.json()["field"] == "insertions.1.muscle"


def test_the_page_refuses_the_bypass(client, practitioner, patient, episode):
    from tests.factories import PASSWORD

    client.login(username=practitioner.username, password=PASSWORD)
    form = {
        "episode_id": episode.pk,
        "session_date": today().isoformat(),
        "pain_before": 6,
        "draft": "1",
    }
    for index, (side, level) in enumerate((("left", "T6"), ("right", "T6"))):
        for key, value in insertion("erector spinae", side, level).items():
            form[f"insertions.{index}.{key}"] = value
    response = client.post(f"/patients/{patient.pk}/sessions/new/", form)
    assert response.status_code == 422
    assert "bilateral pneumothorax" in response.content.decode()
    assert not TreatmentSession.objects.exists()


# ---- 2. lung-risk muscles count for one side of the thorax


@pytest.mark.parametrize(
    "muscle",
    [
        "anterior_scalene",
        "middle_scalene",
        "posterior_scalene",
        "subscapularis",
        "levator_scapulae",
        "infraspinatus",
        "teres_major",
    ],
)
def test_lung_risk_muscles_are_one_side_per_session(actor, patient, episode, muscle):
    with pytest.raises(RuleViolation) as exc:
        make_session(
            actor,
            patient,
            episode,
            insertions=[insertion(muscle, "left"), insertion("multifidus", "right", "T3")],
        )
    assert exc.value.code == "thorax_both_sides"
    one_side = make_session(
        actor,
        patient,
        episode,
        insertions=[insertion(muscle, "left"), insertion("multifidus", "left", "T3")],
    )
    assert one_side.insertions.count() == 2


# ---- 3. deep, non-compressible sites on anticoagulants or a bleeding disorder


@pytest.mark.parametrize("precaution", ["anticoagulants", "bleeding_disorder"])
@pytest.mark.parametrize("muscle", ["psoas_major", "tibialis_posterior", "iliopsoas"])
def test_deep_sites_are_refused_even_when_acknowledged(actor, precaution, muscle):
    patient, episode = _patient_with(actor, **{precaution: True})
    rows = [insertion("gluteus_medius", "left"), insertion(muscle, "left")]
    refusal = _refused(actor, patient, episode, rows, acknowledged=[precaution])
    assert refusal.code == "noncompressible_site"
    assert refusal.field == "insertions.1.muscle"
    assert "pressure cannot stop bleeding" in refusal.message
    assert "[AHPCSA-121]" in refusal.message
    # superficial sites still go ahead with the acknowledgement
    session = make_session(
        actor,
        patient,
        episode,
        insertions=[insertion("gluteus_medius", "left")],
        acknowledged=[precaution],
    )
    assert session.pk


# ---- 4. lymphedema and node removal by trunk quadrant


def test_arm_lymphedema_needs_acknowledgement_for_the_trunk_quadrant(actor):
    patient = make_consented_patient(actor, lymphedema_sites=["left_upper"])
    episode = make_episode(actor, patient)
    for muscle in ("pectoralis_major_sternal", "latissimus_dorsi"):
        with pytest.raises(AcknowledgementRequired) as exc:
            make_session(actor, patient, episode, insertions=[insertion(muscle, "left")])
        assert [w.code for w in exc.value.warnings] == ["lymphedema_quadrant"]
        assert "left upper trunk quadrant" in exc.value.warnings[0].message
    session = make_session(
        actor,
        patient,
        episode,
        insertions=[insertion("pectoralis_major_sternal", "left")],
        acknowledged=["lymphedema_quadrant"],
    )
    assert session.acknowledged == ["lymphedema_quadrant"]
    # the other side and the lower quadrant are not affected
    assert make_session(
        actor, patient, episode, insertions=[insertion("pectoralis_major_sternal", "right")]
    ).pk


def test_lymph_nodes_removed_by_side(actor):
    patient = make_consented_patient(actor, lymph_nodes_removed=["right_upper"])
    episode = make_episode(actor, patient)
    for muscle, level in (("deltoid", ""), ("pectoralis_minor", ""), ("multifidus", "T4")):
        with pytest.raises(AcknowledgementRequired) as exc:
            make_session(actor, patient, episode, insertions=[insertion(muscle, "right", level)])
        assert [w.code for w in exc.value.warnings] == ["lymph_nodes_removed"], muscle
    assert make_session(actor, patient, episode, insertions=[insertion("deltoid", "left")]).pk
    assert make_session(actor, patient, episode, insertions=[insertion("soleus", "right")]).pk


def test_unknown_lymph_node_site_is_refused(actor):
    with pytest.raises(ValidationProblem) as exc:
        make_consented_patient(actor, lymph_nodes_removed=["left_arm"])
    assert exc.value.problems[0].field == "lymph_nodes_removed.0"


# ---- 5. the new contraindications


def test_systemic_infection_blocks_needling(actor):
    patient = make_consented_patient(actor, systemic_infection=True)
    episode = make_episode(actor, patient)
    with pytest.raises(RuleViolation) as exc:
        make_session(actor, patient, episode)
    assert exc.value.code == "systemic_infection"
    # a visit without needling is still charted
    assert make_session(actor, patient, episode, insertions=[]).pk


@pytest.mark.parametrize(
    "precaution",
    [
        "local_infection",
        "recent_trauma_or_surgery",
        "vascular_disease",
        "abnormal_needling_reaction",
    ],
)
def test_relative_contraindications_need_the_acknowledgement(actor, precaution):
    patient = make_consented_patient(actor, **{precaution: True})
    episode = make_episode(actor, patient)
    with pytest.raises(AcknowledgementRequired) as exc:
        make_session(actor, patient, episode)
    assert [w.code for w in exc.value.warnings] == [precaution]
    assert make_session(actor, patient, episode, acknowledged=[precaution]).pk


def test_under_18_needs_a_guardians_consent(actor):
    birthday = today() - dt.timedelta(days=365 * 15)
    patient = make_consented_patient(actor, date_of_birth=birthday)  # the patient's own consent
    episode = make_episode(actor, patient)
    with pytest.raises(RuleViolation) as exc:
        make_session(actor, patient, episode)
    assert exc.value.code == "minor_without_guardian"
    assert "parent or guardian" in exc.value.message
    consent_record(
        actor=actor,
        patient=patient,
        data=ConsentIn(
            consented_on=today() - dt.timedelta(days=1),
            text_version="ims-2026.1",
            given_by="guardian",
            substitute_name="Synthetic Guardian",
        ),
    )
    with pytest.raises(AcknowledgementRequired) as ack:
        make_session(actor, patient, episode)
    assert [w.code for w in ack.value.warnings] == ["minor"]
    assert make_session(actor, patient, episode, acknowledged=["minor"]).pk


def test_adults_are_not_asked_for_a_guardian(actor, patient, episode):
    assert make_session(actor, patient, episode).pk


# ---- 6. pregnancy: abdominal and lumbosacral sites


@pytest.mark.parametrize(
    ("muscle", "level"),
    [
        ("lumbar_paraspinals", "L5"),
        ("multifidus", "L3"),
        ("sacral_paraspinals", "S1"),
        ("rectus_abdominis", ""),
        ("external_oblique", ""),
        ("quadratus_lumborum", ""),
        ("psoas_major", ""),
    ],
)
def test_pregnancy_refuses_abdominal_and_lumbosacral_sites(actor, muscle, level):
    patient, episode = _patient_with(actor, pregnancy=True)
    rows = [insertion(muscle, "left", level)]
    refusal = _refused(actor, patient, episode, rows, acknowledged=["pregnancy"])
    assert refusal.code == "pregnancy_site"
    assert "[GEMt-pregnancy]" in refusal.message


def test_pregnancy_allows_other_sites_with_acknowledgement(actor):
    patient = make_consented_patient(actor, pregnancy=True)
    episode = make_episode(actor, patient)
    session = make_session(
        actor,
        patient,
        episode,
        insertions=[insertion("upper trapezius", "left"), insertion("multifidus", "left", "T2")],
        acknowledged=["pregnancy"],
    )
    assert session.insertions.count() == 2
