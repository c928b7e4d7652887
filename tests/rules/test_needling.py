"""The needling rules, called directly (the session write path and the plan both call them)."""

from __future__ import annotations

import dataclasses

import pytest

from imsclinic.rules.needling import (
    RELATIVE_PRECAUTIONS,
    Decision,
    PlannedInsertion,
    SiteFacts,
    check_needling,
    lung_sides,
    site_issues,
)
from imsclinic.rules.precautions import Precautions

AUTHORIZED = ("ims_certification", "restricted_activity")
GLUTEUS = SiteFacts("Gluteus medius", "left", "lower", False, False, False, ("inguinal",))
PSOAS = SiteFacts("Psoas major", "left", None, False, True, True, ("inguinal",))
PECTORAL = SiteFacts("Pectoralis major", "left", None, True, False, False, ("axillary",))
T4_RIGHT = SiteFacts("Thoracic paraspinals", "right", None, True, False, False, ("axillary",), "T4")
L5 = SiteFacts("Lumbar paraspinals", "left", None, False, False, True, ("inguinal",), "L5")
DELTOID = SiteFacts("Deltoid", "left", "upper", False, False, False, ("axillary",))


def decide(*sites: SiteFacts, precautions: Precautions | None = None, **kw: object) -> Decision:
    return check_needling(
        precautions=precautions or Precautions(),
        has_current_consent=kw.pop("consent", True),  # type: ignore[arg-type]
        current_authorizations=kw.pop("authorizations", AUTHORIZED),  # type: ignore[arg-type]
        insertions=[PlannedInsertion(f"insertions.{i}.muscle", s) for i, s in enumerate(sites)],
        **kw,  # type: ignore[arg-type]
    )


def codes(issues: tuple[object, ...]) -> list[str]:
    return [issue.code for issue in issues]  # type: ignore[attr-defined]


def test_a_plain_session_is_allowed() -> None:
    decision = decide(GLUTEUS, DELTOID)
    assert decision.allowed and decision.warnings == ()


def test_authorizations_and_consent() -> None:
    assert codes(decide(GLUTEUS, authorizations=()).blocks) == [
        "authorization_ims_certification",
        "authorization_restricted_activity",
    ]
    assert codes(decide(GLUTEUS, consent=False).blocks) == ["consent_missing"]
    unable = decide(GLUTEUS, precautions=Precautions(unable_to_consent=True), consent=True)
    assert codes(unable.blocks) == ["unable_to_consent"]


@pytest.mark.parametrize("code", ["needle_phobia", "systemic_infection"])
def test_absolute_precautions_block_needling_but_not_a_visit(code: str) -> None:
    precautions = Precautions(**{code: True})
    assert codes(decide(GLUTEUS, precautions=precautions).blocks) == [code]
    assert decide(precautions=precautions).allowed


def test_lung_risk_on_both_sides_whatever_the_muscle() -> None:
    decision = decide(PECTORAL, T4_RIGHT)
    assert codes(decision.blocks) == ["thorax_both_sides"]
    assert decision.blocks[0].field == "insertions.1.muscle"
    assert lung_sides([PECTORAL, T4_RIGHT, GLUTEUS]) == {"left", "right"}
    assert decide(PECTORAL, dataclasses.replace(T4_RIGHT, side="left")).allowed


def test_deep_sites_on_anticoagulants_or_a_bleeding_disorder() -> None:
    for flag in ("anticoagulants", "bleeding_disorder"):
        decision = decide(GLUTEUS, PSOAS, precautions=Precautions(**{flag: True}))
        assert codes(decision.blocks) == ["noncompressible_site"]
        assert decision.blocks[0].field == "insertions.1.muscle"
        assert codes(decision.warnings) == [flag]
    assert decide(PSOAS).allowed


def test_pregnancy_blocks_abdominal_and_lumbosacral_sites() -> None:
    blocks, _ = site_issues(Precautions(pregnancy=True), L5)
    assert codes(tuple(blocks)) == ["pregnancy_site"]
    assert "Lumbar paraspinals L5 (left)" in blocks[0].message
    assert site_issues(Precautions(pregnancy=True), GLUTEUS) == ([], [])


def test_lymphedema_blocks_the_limb_and_warns_for_its_trunk_quadrant() -> None:
    precautions = Precautions(lymphedema_sites=("left_upper",))
    blocks, _ = site_issues(precautions, DELTOID)
    assert codes(tuple(blocks)) == ["lymphedema_limb"]
    blocks, warnings = site_issues(precautions, PECTORAL)
    assert blocks == [] and codes(tuple(warnings)) == ["lymphedema_quadrant"]
    assert site_issues(precautions, GLUTEUS) == ([], [])  # lower quadrant
    assert site_issues(precautions, dataclasses.replace(PECTORAL, side="right")) == ([], [])


def test_nodes_removed_warn_for_the_limb_and_the_quadrant() -> None:
    precautions = Precautions(lymph_nodes_removed=("left_lower",))
    for site in (GLUTEUS, L5, PSOAS):
        _, warnings = site_issues(precautions, site)
        assert codes(tuple(warnings)) == ["lymph_nodes_removed"], site.muscle_name
    assert site_issues(precautions, DELTOID) == ([], [])


def test_one_acknowledgement_per_code() -> None:
    precautions = Precautions(lymphedema_sites=("left_upper",), diabetes=True)
    other = dataclasses.replace(PECTORAL, muscle_name="Pectoralis minor")
    decision = decide(PECTORAL, other, precautions=precautions)
    assert codes(decision.warnings) == ["diabetes", "lymphedema_quadrant"]
    assert "Pectoralis major (left)" in decision.warnings[1].message


def test_minors_need_a_guardian_then_an_acknowledgement() -> None:
    assert codes(decide(GLUTEUS, age_years=15).blocks) == ["minor_without_guardian"]
    decision = decide(GLUTEUS, age_years=15, guardian_consent=True)
    assert decision.allowed and codes(decision.warnings) == ["minor"]
    assert decide(GLUTEUS, age_years=18).warnings == ()


def test_relative_messages_come_from_the_table() -> None:
    assert set(RELATIVE_PRECAUTIONS) == set(
        Precautions(**dict.fromkeys(RELATIVE_PRECAUTIONS, True)).relative()
    )
