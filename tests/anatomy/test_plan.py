"""Needling plan: segmental order and the safety rules (the same as a charted session's)."""

from __future__ import annotations

import pytest

from imsclinic.anatomy import (
    Finding,
    NeedlingPlan,
    ParaspinalFinding,
    PatientPrecautions,
    build_plan,
    infer_levels,
)

C5_MUSCLES = ["supraspinatus", "infraspinatus", "deltoid", "biceps_brachii"]


def findings_for(muscles: list[str], side: str = "left") -> list[Finding]:
    return [Finding(m, side, "taut_band") for m in muscles]  # type: ignore[arg-type]


def plan_for(
    findings: list[Finding],
    precautions: PatientPrecautions | None = None,
    paraspinal: list[ParaspinalFinding] | None = None,
    max_levels: int = 2,
) -> NeedlingPlan:
    result = infer_levels(findings, paraspinal or [])
    return build_plan(result, findings, precautions or PatientPrecautions(), max_levels=max_levels)


def test_paraspinals_first_then_peripheral_muscles() -> None:
    plan = plan_for(findings_for(C5_MUSCLES))
    assert not plan.blocked and not plan.blocks
    # C5 scores 8 and C6 4 (half of the best): both segments are treated, as in
    # "deltoid and rotator cuff with C5-C6 paraspinals" [DOMAIN-1].
    paraspinal = [(s.muscle_id, s.side, s.level) for s in plan.sites[:2]]
    assert paraspinal == [
        ("cervical_paraspinals", "left", "C5"),
        ("cervical_paraspinals", "left", "C6"),
    ]
    assert "segment of the involved root C5 (best level, score 8)" in plan.sites[0].reason
    peripheral = plan.sites[2:]
    assert {s.muscle_id for s in peripheral} == set(C5_MUSCLES)
    assert all(s.level is None for s in peripheral)
    reasons = [s.reason for s in peripheral]
    assert "Taut band in Deltoid (left) -> C5 predominant, C6 contributing roots" in reasons
    single = plan_for(findings_for(C5_MUSCLES), max_levels=1)
    assert "Taut band in Deltoid (left) -> C5 predominant root" in [s.reason for s in single.sites]
    assert [lvl.level for lvl in plan.levels] == ["C5", "C6"]
    assert [lvl.level for lvl in plan_for(findings_for(C5_MUSCLES), max_levels=1).levels] == ["C5"]


def test_two_close_adjacent_levels_are_both_treated() -> None:
    findings = findings_for(["pronator_teres", "flexor_carpi_radialis"])
    plan = plan_for(findings)
    assert [(s.level, s.muscle_id) for s in plan.sites[:2]] == [
        ("C6", "cervical_paraspinals"),
        ("C7", "cervical_paraspinals"),
    ]
    assert any(w.startswith("Inference unclear") for w in plan.warnings)
    assert len(plan_for(findings, max_levels=1).levels) == 1


def test_muscles_off_the_involved_levels_are_reported_not_planned() -> None:
    plan = plan_for(findings_for([*C5_MUSCLES, "gastrocnemius", "masseter"]))
    planned = {s.muscle_id for s in plan.sites}
    assert "gastrocnemius" not in planned and "masseter" not in planned
    assert any("Not in the plan: Gastrocnemius (left)" in w for w in plan.warnings)
    assert any("Masseter" in w and "cranial" in w for w in plan.warnings)


def test_no_level_means_no_plan() -> None:
    plan = plan_for([Finding("deltoid", "left", "normal")])
    assert plan.sites == ()
    assert "Findings do not point to a level: no segmental plan." in plan.warnings


@pytest.mark.parametrize(
    "precautions",
    [PatientPrecautions(needle_phobia=True), PatientPrecautions(unable_to_consent=True)],
)
def test_absolute_contraindications_block_the_whole_plan(precautions: PatientPrecautions) -> None:
    plan = plan_for(findings_for(C5_MUSCLES), precautions)
    assert plan.blocked
    assert plan.sites and all(site.blocked for site in plan.sites)
    assert plan.needle_sites == ()
    assert all(site.block_reason == plan.blocks[0] for site in plan.sites)
    assert "[APTA-list]" in plan.blocks[0]


def test_phobia_block_reason_names_phobia() -> None:
    plan = plan_for(findings_for(C5_MUSCLES), PatientPrecautions(needle_phobia=True))
    assert len(plan.blocks) == 1
    assert plan.blocks[0].startswith(
        "Needle phobia: absolute contraindication, no needling [APTA-list]."
    )


def test_lymphedematous_limb_blocks_only_that_limb_and_side() -> None:
    findings = findings_for(C5_MUSCLES, "left") + findings_for(C5_MUSCLES, "right")
    plan = plan_for(findings, PatientPrecautions(lymphedema_sites=("left_upper",)))
    assert not plan.blocked
    for site in plan.sites:
        limb_site = site.level is None  # all the C5 muscles here are upper-limb muscles
        should_block = limb_site and site.side == "left"
        assert site.blocked == should_block, site
        if should_block:
            assert "is in the lymphedematous left arm" in (site.block_reason or "")
    # paraspinals on the affected side are still needled
    assert any(s.side == "left" and s.level == "C5" and not s.blocked for s in plan.sites)
    assert any("Lymphedema (left upper)" in w for w in plan.warnings)


def test_lower_limb_lymphedema_does_not_touch_the_arm() -> None:
    plan = plan_for(findings_for(C5_MUSCLES), PatientPrecautions(lymphedema_sites=("left_lower",)))
    assert not any(site.blocked for site in plan.sites)


def test_lymphedema_sites_accept_a_list() -> None:
    precautions = PatientPrecautions(lymphedema_sites=["right_lower"])  # type: ignore[arg-type]
    assert precautions.lymphedema_sites == ("right_lower",)
    assert hash(precautions)


def test_invalid_lymphedema_site_is_rejected() -> None:
    with pytest.raises(ValueError, match="lymphedema_sites"):
        PatientPrecautions(lymphedema_sites=("left_arm",))


def test_never_both_sides_of_the_thorax() -> None:
    # Left: strong C5 with rhomboids (thorax); right: weaker, rhomboids and trapezius (thorax).
    findings = findings_for([*C5_MUSCLES, "rhomboids"], "left") + findings_for(
        ["rhomboids", "trapezius"], "right"
    )
    plan = plan_for(findings)
    left_thorax = [s for s in plan.sites if s.side == "left" and s.muscle_id == "rhomboids"]
    right_thorax = [
        s for s in plan.sites if s.side == "right" and s.muscle_id in ("rhomboids", "trapezius")
    ]
    assert left_thorax and not any(s.blocked for s in left_thorax)
    assert right_thorax and all(s.blocked for s in right_thorax)
    for site in right_thorax:
        assert "Never needle both sides of the thorax in one session [AHPCSA-121]" in (
            site.block_reason or ""
        )
        assert "the left side is treated today" in (site.block_reason or "")
    # right-side non-thorax sites (cervical paraspinals) are still allowed
    assert any(s.side == "right" and s.level is not None and not s.blocked for s in plan.sites)


def test_thoracic_paraspinals_count_as_thorax() -> None:
    findings = findings_for(["intercostals"], "left")
    plan = plan_for(
        findings,
        paraspinal=[ParaspinalFinding("T4", "left", strength=3), ParaspinalFinding("T4", "right")],
    )
    t4 = {s.side: s for s in plan.sites if s.level == "T4"}
    assert not t4["left"].blocked
    assert t4["right"].blocked
    assert any("Depth caution" in note for note in t4["left"].safety_notes)


def test_thorax_on_one_side_only_is_not_blocked() -> None:
    plan = plan_for(findings_for(["rhomboids"], "left") + findings_for(["deltoid"], "right"))
    assert not any(site.blocked for site in plan.sites)


def test_lung_risk_sites_carry_depth_caution_with_known_depth() -> None:
    plan = plan_for(findings_for(["rhomboids", "deltoid"]))
    rhomboids = next(s for s in plan.sites if s.muscle_id == "rhomboids")
    assert (
        "Depth caution: direct the needle away from the lung; no deeper than about 19 mm "
        "[AHPCSA-121]." in rhomboids.safety_notes
    )
    deltoid = next(s for s in plan.sites if s.muscle_id == "deltoid")
    assert not any("Depth caution" in note for note in deltoid.safety_notes)


@pytest.mark.parametrize(
    ("flag", "expected"),
    [
        ("anticoagulants", "Anticoagulants: relative contraindication"),
        ("bleeding_disorder", "Bleeding disorder"),
        ("pregnancy", "Pregnancy"),
        ("diabetes", "Diabetes"),
        ("immunocompromised", "Immunocompromise"),
        ("epilepsy", "Epilepsy"),
        ("metal_allergy", "Metal allergy"),
        ("pacemaker_implant", "Pacemaker"),
        ("vascular_disease", "Vascular disease"),
        ("local_infection", "Local infection"),
        ("recent_trauma_or_surgery", "Acute trauma"),
        ("abnormal_needling_reaction", "Previous abnormal reaction"),
    ],
)
def test_relative_contraindications_warn_but_do_not_block(flag: str, expected: str) -> None:
    plan = plan_for(findings_for(C5_MUSCLES), PatientPrecautions(**{flag: True}))  # type: ignore[arg-type]
    assert not plan.blocked
    assert not any(site.blocked for site in plan.sites)
    assert any(w.startswith(expected) for w in plan.warnings)


def test_anticoagulant_warning_says_pressure_and_bruising() -> None:
    plan = plan_for(findings_for(C5_MUSCLES), PatientPrecautions(anticoagulants=True))
    warning = next(w for w in plan.warnings if w.startswith("Anticoagulants"))
    assert "firm pressure" in warning and "bruising" in warning and "[APTA-list]" in warning


def test_no_precautions_no_warnings() -> None:
    plan = plan_for(findings_for(C5_MUSCLES))
    assert plan.warnings == ()


# ---- the plan applies the session's site rules (issue 10)


def test_deep_sites_are_blocked_on_anticoagulants() -> None:
    findings = findings_for(["tibialis_posterior", "peroneus_longus", "tibialis_anterior"])
    for precautions in (
        PatientPrecautions(anticoagulants=True),
        PatientPrecautions(bleeding_disorder=True),
    ):
        plan = plan_for(findings, precautions)
        posterior = next(s for s in plan.sites if s.muscle_id == "tibialis_posterior")
        assert posterior.blocked
        assert "pressure cannot stop bleeding" in (posterior.block_reason or "")
        assert "[AHPCSA-121]" in (posterior.block_reason or "")
        assert not next(s for s in plan.sites if s.muscle_id == "peroneus_longus").blocked


def test_pregnancy_blocks_abdominal_and_lumbosacral_sites() -> None:
    findings = findings_for(["gluteus_medius", "tensor_fasciae_latae", "quadratus_lumborum"])
    plan = plan_for(findings, PatientPrecautions(pregnancy=True), [ParaspinalFinding("L5", "left")])
    l5 = next(s for s in plan.sites if s.level == "L5")
    assert l5.blocked and "pregnancy" in (l5.block_reason or "")
    assert not next(s for s in plan.sites if s.muscle_id == "gluteus_medius").blocked


def test_lymphedema_warns_for_the_trunk_quadrant_of_the_limb() -> None:
    findings = findings_for(["pectoralis_major_sternal", "latissimus_dorsi", "triceps_brachii"])
    plan = plan_for(findings, PatientPrecautions(lymphedema_sites=("left_upper",)))
    triceps = next(s for s in plan.sites if s.muscle_id == "triceps_brachii")
    assert triceps.blocked
    assert any("left upper trunk quadrant" in w and "Pectoralis" in w for w in plan.warnings)


@pytest.mark.parametrize(
    "muscle",
    ["anterior_scalene", "subscapularis", "levator_scapulae", "infraspinatus", "teres_major"],
)
def test_lung_risk_muscles_count_for_one_side_of_the_thorax(muscle: str) -> None:
    findings = findings_for([*C5_MUSCLES, "rhomboids"], "left") + findings_for([muscle], "right")
    plan = plan_for(findings)
    site = next(s for s in plan.sites if s.side == "right" and s.muscle_id == muscle)
    assert site.blocked and "both sides of the thorax" in (site.block_reason or "")
    assert any("Depth caution" in note for note in site.safety_notes)
