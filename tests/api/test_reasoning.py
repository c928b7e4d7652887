"""Muscles, segmental inference and needling plans over the API and on the pages."""

from __future__ import annotations

import pytest

from imsclinic.charting import actions
from imsclinic.charting.schemas import AssessmentIn
from tests.factories import (
    make_actor,
    make_consented_patient,
    make_episode,
    make_practitioner,
    today,
)


def test_muscle_search_by_synonym(api):
    found = api.get("/muscles?q=fibularis").json()
    assert found[0]["id"] in {"peroneus_longus", "peroneus_brevis", "peroneus_tertius"}
    assert {"level": "L5", "predominant": True} in next(
        m for m in found if m["id"] == "peroneus_longus"
    )["roots"]


def test_infer_l5_pattern_with_reasons(api):
    body = {
        "findings": [
            {"muscle": m, "side": "right", "taut_band": True, "tender_motor_point": True}
            for m in (
                "peroneus longus",
                "tensor fasciae latae",
                "tibialis posterior",
                "tibialis anterior",
                "extensor digitorum brevis",
            )
        ]
        + [{"muscle": "biceps femoris short head", "side": "right", "normal": True}]
    }
    result = api.post("/segments/infer", body).json()
    top = result["levels"][0]
    assert (top["level"], top["side"]) == ("L5", "right")
    assert any("Tibialis anterior" in reason for reason in top["supporting"])


def test_infer_unknown_muscle_is_422_with_suggestion(api):
    response = api.post(
        "/segments/infer",
        {"findings": [{"muscle": "gastrocnemus", "side": "left", "taut_band": True}]},
    )
    assert response.status_code == 422
    field = response.json()["fields"][0]
    assert field["field"] == "findings.0.muscle"
    assert "Gastrocnemius" in field["suggestions"]


def test_plan_from_assessment_respects_precautions(api, actor):
    patient = make_consented_patient(actor, anticoagulants=True, lymphedema_sites=["left_lower"])
    episode = make_episode(actor, patient, code="M54.3")
    assessment = actions.assessment_record(
        actor=actor,
        patient=patient,
        data=AssessmentIn(
            episode_id=episode.pk,
            assessed_on=today(),
            findings=[
                {"muscle": m, "side": "left", "taut_band": True, "tender_motor_point": True}
                for m in ("gluteus maximus", "gastrocnemius", "biceps femoris long head")
            ],
        ),
    )
    response = api.post(f"/patients/{patient.pk}/plans", {"assessment_id": assessment.pk})
    assert response.status_code == 200, response.content
    plan = response.json()
    assert plan["levels"][0]["level"] == "S1"
    by_muscle = {site["muscle_id"]: site for site in plan["sites"]}
    assert by_muscle["gastrocnemius"]["blocked"]  # lymphedematous left leg
    assert any("nticoagul" in w for w in plan["warnings"])
    assert plan["sites"][0]["level"] is not None  # paraspinals first


def test_plan_for_other_clinics_patient_is_404(api, other_clinic):
    foreign_actor = make_actor(make_practitioner(other_clinic, "foreign"))
    foreign = make_consented_patient(foreign_actor)
    assert api.post(f"/patients/{foreign.pk}/plans", {"findings": []}).status_code == 404


@pytest.mark.django_db
def test_assessment_page_previews_levels_and_plan_prefills_session(
    client, actor, practitioner, patient, episode
):
    client.force_login(practitioner)
    preview = client.post(
        f"/patients/{patient.pk}/segments/preview/",
        {
            "episode_id": episode.pk,
            "assessed_on": str(today()),
            "findings.0.muscle": "Deltoid",
            "findings.0.side": "left",
            "findings.0.taut_band": "on",
            "findings.1.muscle": "Supraspinatus",
            "findings.1.side": "left",
            "findings.1.taut_band": "on",
            "findings.2.muscle": "Biceps brachii",
            "findings.2.side": "left",
            "findings.2.tender_motor_point": "on",
        },
    )
    assert preview.status_code == 200
    assert b"C5 left" in preview.content
    assessment = actions.assessment_record(
        actor=actor,
        patient=patient,
        data=AssessmentIn(
            episode_id=episode.pk,
            assessed_on=today(),
            findings=[
                {"muscle": m, "side": "left", "taut_band": True}
                for m in ("deltoid", "supraspinatus")
            ],
        ),
    )
    detail = client.get(f"/assessments/{assessment.pk}/")
    assert b"Suggested needling plan" in detail.content
    session_form = client.get(f"/patients/{patient.pk}/sessions/new/?plan={assessment.pk}")
    assert session_form.status_code == 200
    assert b'value="Deltoid"' in session_form.content
    assert (
        b"Cervical paraspinals" in session_form.content
        or b"cervical" in session_form.content.lower()
    )


def test_infer_reports_coverage_and_uses_gunn_signs(api):
    body = {
        "findings": [
            {"muscle": "RF", "side": "left", "taut_band": True},
            {"muscle": "VL", "side": "left", "taut_band": True},
            {"muscle": "adductor longus", "side": "left", "taut_band": True},
            {"muscle": "TA", "side": "left", "taut_band": True},
            {"muscle": "multifidus", "side": "left", "level": "L4", "tender_motor_point": True},
        ],
        "signs": [{"region": "leg_front", "side": "left", "kind": "vasomotor"}],
    }
    result = api.post("/segments/infer", body).json()
    top = result["levels"][0]
    assert (top["level"], top["coverage"], top["total"]) == ("L4", 5, 5)
    assert top["supporting"][0].startswith("Explains 5 of 5 abnormal findings on the left")
    assert any(line.startswith("Vasomotor sign (colder) in") for line in top["supporting"])


def test_infer_refuses_a_generic_paraspinal_name_without_a_level(api):
    response = api.post(
        "/segments/infer",
        {"findings": [{"muscle": "erector spinae", "side": "left", "tender_motor_point": True}]},
    )
    assert response.status_code == 422
    field = response.json()["fields"][0]
    assert field["field"] == "findings.0.level"
    assert "the level decides" in field["message"]


def test_infer_refuses_an_unknown_sign(api):
    response = api.post(
        "/segments/infer", {"signs": [{"region": "elbow", "side": "left", "kind": "itch"}]}
    )
    assert response.status_code == 422
    assert {f["field"] for f in response.json()["fields"]} == {"signs.0.region", "signs.0.kind"}


def test_muscles_carry_safety_flags_and_verification(api):
    psoas = next(m for m in api.get("/muscles?q=psoas").json() if m["id"] == "psoas_major")
    assert psoas["noncompressible"] and psoas["pregnancy_avoid"]
    assert psoas["status"] == "verified" and psoas["verified"]
    assert any("[DOMAIN-5]" in e for e in psoas["evidence"])
    ta = api.get("/muscles?q=TA").json()[0]
    assert ta["id"] == "tibialis_anterior" and ta["status"] == "disputed"
    assert ta["isncsci_level"] == "L4" and "convention" in ta["status_note"].lower()
