"""Segmental inference: classic EMG patterns, transparency of the score, properties."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imsclinic.anatomy import (
    LEVELS,
    PARASPINAL_LEVELS,
    Catalog,
    DermatomalPain,
    Finding,
    InferenceResult,
    ParaspinalFinding,
    get_catalog,
    infer_levels,
)
from imsclinic.anatomy.inference import (
    CLOSE_FRACTION,
    KIND_WEIGHT,
    NORMAL_WEIGHT,
    PARASPINAL_WEIGHT,
    ROOT_WEIGHT,
)

# Single-root patterns from DOMAIN.md section 5 [L96, T03].
C5_PATTERN = [
    "supraspinatus",
    "infraspinatus",
    "deltoid",
    "biceps_brachii",
    "brachioradialis",
    "rhomboids",
]
L5_PATTERN = [
    "peroneus_longus",
    "tensor_fasciae_latae",
    "tibialis_posterior",
    "extensor_digitorum_brevis",
    "tibialis_anterior",
]
S1_PATTERN = [
    "biceps_femoris_long_head",
    "gastrocnemius",
    "gluteus_maximus",
    "abductor_digiti_minimi_foot",
]


def score_of(result: InferenceResult, side: str, level: str) -> float:
    for score in result.ranked:
        if score.side == side and score.level == level:
            return score.score
    return 0.0


def taut(muscles: list[str], side: str = "left") -> list[Finding]:
    return [Finding(m, side, "taut_band") for m in muscles]  # type: ignore[arg-type]


@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize(
    ("muscles", "normal", "expected"),
    [
        (C5_PATTERN, [], "C5"),
        (L5_PATTERN, ["biceps_femoris_short_head"], "L5"),
        (S1_PATTERN, [], "S1"),
    ],
)
def test_classic_single_root_patterns_rank_their_root_first(
    muscles: list[str], normal: list[str], expected: str, side: str
) -> None:
    findings = taut(muscles, side) + [Finding(m, side, "normal") for m in normal]  # type: ignore[arg-type]
    result = infer_levels(findings)
    assert result.ranked[0].level == expected
    assert result.ranked[0].side == side
    assert result.clear, result.message
    assert f"point to {expected}" in result.message


@pytest.mark.parametrize("muscles", [C5_PATTERN, L5_PATTERN, S1_PATTERN])
def test_each_pattern_muscle_alone_includes_its_root(muscles: list[str]) -> None:
    expected = {C5_PATTERN[0]: "C5", L5_PATTERN[0]: "L5", S1_PATTERN[0]: "S1"}[muscles[0]]
    for muscle in muscles:
        result = infer_levels(taut([muscle]))
        assert expected in {s.level for s in result.ranked}, muscle


def test_spared_muscle_counts_against_its_roots() -> None:
    with_normal = infer_levels(
        [*taut(L5_PATTERN), Finding("biceps_femoris_short_head", "left", "normal")]
    )
    without = infer_levels(taut(L5_PATTERN))
    assert score_of(with_normal, "left", "L5") == score_of(without, "left", "L5") - NORMAL_WEIGHT
    l5 = with_normal.ranked[0]
    assert [e.description for e in l5.against] == [
        "Normal Biceps femoris, short head (left): L5 contributing root (-0.75)"
    ]


def test_evidence_text_is_human_readable() -> None:
    result = infer_levels([Finding("deltoid", "left", "taut_band")])
    c5 = result.ranked[0]
    assert c5.level == "C5" and c5.score == 2.0
    assert c5.supporting[0].description == (
        "Taut band in Deltoid (left): C5 predominant root (+2.0)"
    )
    c6 = result.ranked[1]
    assert c6.supporting[0].description == (
        "Taut band in Deltoid (left): C6 contributing root (+1.0)"
    )


def test_weights_follow_the_documented_formula() -> None:
    result = infer_levels(
        [Finding("deltoid", "right", "local_twitch", strength=3)],
        paraspinal=[ParaspinalFinding("C5", "right", "trophedema", strength=2)],
        dermatomal=[DermatomalPain("C5", "right")],
    )
    c5 = result.ranked[0]
    assert (
        c5.score == KIND_WEIGHT["local_twitch"] * 3 * ROOT_WEIGHT[True] + PARASPINAL_WEIGHT * 2 + 1
    )
    assert sorted(e.description for e in c5.supporting) == [
        "Local twitch response (strength 3) in Deltoid (right): C5 predominant root (+3.0)",
        "Pain in the C5 dermatome (right) (+1.0)",
        "Paraspinal trophedema (strength 2) at C5 (right) (+3.0)",
    ]


def test_paraspinal_and_dermatome_findings_localise_alone() -> None:
    result = infer_levels([], paraspinal=[ParaspinalFinding("L4", "left")])
    assert [(s.level, s.side) for s in result.ranked] == [("L4", "left")]
    result = infer_levels([], dermatomal=[DermatomalPain("S3", "right")])
    assert result.ranked[0].level == "S3"


def test_paraspinal_signs_break_an_adjacent_tie() -> None:
    # Deltoid (C5 2, C6 1) + ECRL (C6 2, C7 1): C6 3, C5 2
    findings = taut(["deltoid", "extensor_carpi_radialis_longus"])
    assert infer_levels(findings).ranked[0].level == "C6"
    result = infer_levels(findings, paraspinal=[ParaspinalFinding("C5", "left", strength=2)])
    assert result.ranked[0].level == "C5"


def test_close_adjacent_levels_are_reported_together() -> None:
    # Pronator teres C6 2 C7 1 + FCR C6 1 C7 2 -> C6 3, C7 3
    result = infer_levels(taut(["pronator_teres", "flexor_carpi_radialis"]))
    assert [s.level for s in result.ranked[:2]] == ["C6", "C7"]  # cranio-caudal tie-break
    assert not result.clear
    assert "do not point clearly to one level: C6 and C7 score within 10%" in result.message
    assert "adjacent roots" in result.message
    assert [s.level for s in result.involved_levels("left")] == ["C6", "C7"]


def test_close_distant_levels_say_so() -> None:
    result = infer_levels(taut(["deltoid"]) + taut(["soleus"]))
    assert not result.clear
    assert "C5 and S1 score within 10%" in result.message
    assert "not adjacent" in result.message


def test_just_outside_the_close_margin_is_clear() -> None:
    # C5 at 12 vs C6 at 5 is clear; check the threshold itself is a 10% margin.
    assert CLOSE_FRACTION == 0.10
    result = infer_levels(taut(C5_PATTERN))
    assert result.clear


def test_sides_are_scored_separately() -> None:
    result = infer_levels(taut(C5_PATTERN, "left") + taut(S1_PATTERN, "right"))
    assert result.top("left").level == "C5"  # type: ignore[union-attr]
    assert result.top("right").level == "S1"  # type: ignore[union-attr]
    assert result.clear
    assert "left point to C5" in result.message and "right point to S1" in result.message
    assert all(s.side == "left" for s in result.for_side("left"))


def test_no_findings() -> None:
    result = infer_levels([])
    assert result.ranked == () and not result.clear and result.message == "No findings"


def test_only_normal_findings_point_nowhere() -> None:
    result = infer_levels([Finding("deltoid", "left", "normal")])
    assert not result.clear
    assert result.top("left") is None
    assert all(s.score < 0 for s in result.ranked)
    assert "Only normal findings on the left" in result.message


def test_normal_outweighing_findings_is_unclear() -> None:
    findings = [Finding("teres_minor", "left", "taut_band")] + [
        Finding(m, "left", "normal") for m in ("deltoid", "supraspinatus", "infraspinatus")
    ]
    result = infer_levels(findings)
    assert result.top("left") is None
    assert "normal muscles outweigh" in result.message


def test_cranial_nerve_muscles_are_noted_not_scored() -> None:
    result = infer_levels(taut(["masseter"]))
    assert result.ranked == ()
    assert result.message == "No scorable findings."
    assert result.notes == ("Masseter has no spinal root (cranial nerve supply): not scored.",)


def test_conflicting_findings_are_noted() -> None:
    result = infer_levels(
        [Finding("deltoid", "left", "taut_band"), Finding("deltoid", "left", "normal")]
    )
    assert any("both normal and abnormal" in note for note in result.notes)


def test_duplicate_findings_count_once() -> None:
    once = infer_levels(taut(["deltoid"]))
    twice = infer_levels(taut(["deltoid", "deltoid"]))
    assert once == twice


def test_invalid_input_is_rejected() -> None:
    with pytest.raises(ValueError, match="side"):
        Finding("deltoid", "both", "taut_band")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="kind"):
        Finding("deltoid", "left", "sore")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="strength"):
        Finding("deltoid", "left", "taut_band", strength=0)
    with pytest.raises(ValueError, match=r"C2\.\.S2"):
        ParaspinalFinding("C1", "left")
    with pytest.raises(ValueError, match="ParaspinalFinding"):
        infer_levels(taut(["lumbar_paraspinals"]))
    with pytest.raises(ValueError, match="No dermatome"):
        infer_levels([], dermatomal=[DermatomalPain("C1", "left")])
    with pytest.raises(ValueError, match="Unknown muscle"):
        infer_levels(taut(["deltiod"]))


# ---- properties

_CATALOG = get_catalog()
_SCORED = sorted(m.id for m in _CATALOG.muscles if m.roots and not m.is_paraspinal)

findings_strategy = st.builds(
    Finding,
    muscle_id=st.sampled_from(_SCORED),
    side=st.sampled_from(["left", "right"]),
    kind=st.sampled_from(
        ["taut_band", "tender_motor_point", "shortened", "local_twitch", "normal"]
    ),
    strength=st.integers(1, 3),
)
paraspinal_strategy = st.builds(
    ParaspinalFinding,
    level=st.sampled_from(PARASPINAL_LEVELS),
    side=st.sampled_from(["left", "right"]),
    kind=st.sampled_from(["tender", "trophedema"]),
    strength=st.integers(1, 3),
)
dermatomal_strategy = st.builds(
    DermatomalPain,
    level=st.sampled_from(LEVELS[1:]),
    side=st.sampled_from(["left", "right"]),
    strength=st.integers(1, 3),
)
PROPERTY_SETTINGS = settings(max_examples=60, deadline=None)


@PROPERTY_SETTINGS
@given(
    findings=st.lists(findings_strategy, max_size=12),
    paraspinal=st.lists(paraspinal_strategy, max_size=3),
    dermatomal=st.lists(dermatomal_strategy, max_size=3),
)
def test_score_is_exactly_supporting_minus_against(
    findings: list[Finding],
    paraspinal: list[ParaspinalFinding],
    dermatomal: list[DermatomalPain],
) -> None:
    result = infer_levels(findings, paraspinal, dermatomal)
    for score in result.ranked:
        shown = sum(e.weight for e in score.supporting) - sum(e.weight for e in score.against)
        assert score.score == shown
        # the weight printed in each description is the weight used
        for evidence in score.supporting + score.against:
            assert evidence.description.endswith(f"{evidence.weight:.2f}".rstrip("0") + "0)") or (
                evidence.description.endswith(f"{evidence.weight:.2f}".rstrip("0") + ")")
            )
            assert evidence.finding.side == score.side
    scores = [s.score for s in result.ranked]
    assert scores == sorted(scores, reverse=True)


@PROPERTY_SETTINGS
@given(
    findings=st.lists(findings_strategy, max_size=10),
    extra=findings_strategy.filter(lambda f: f.kind != "normal"),
)
def test_adding_a_finding_never_lowers_its_roots(findings: list[Finding], extra: Finding) -> None:
    before = infer_levels(findings)
    after = infer_levels([*findings, extra])
    for level in _CATALOG.get(extra.muscle_id).root_levels:
        assert score_of(after, extra.side, level) >= score_of(before, extra.side, level)


@PROPERTY_SETTINGS
@given(findings=st.lists(findings_strategy, max_size=10), strength=st.integers(1, 3))
def test_finding_in_a_single_root_muscle_raises_that_root(
    findings: list[Finding], strength: int
) -> None:
    # Suboccipitals are supplied by C1 alone.
    assert _CATALOG.get("suboccipitals").root_levels == ("C1",)
    extra = Finding("suboccipitals", "left", "taut_band", strength)
    before = score_of(infer_levels(findings), "left", "C1")
    after = score_of(infer_levels([*findings, extra]), "left", "C1")
    # an identical finding already recorded is not new evidence
    added = 0.0 if extra in findings else strength * ROOT_WEIGHT[False]
    assert after == before + added


def _mirror(item: Finding | ParaspinalFinding) -> Finding | ParaspinalFinding:
    return dataclasses.replace(item, side="right" if item.side == "left" else "left")


@PROPERTY_SETTINGS
@given(
    findings=st.lists(findings_strategy, max_size=12),
    paraspinal=st.lists(paraspinal_strategy, max_size=3),
)
def test_left_right_mirror_images(
    findings: list[Finding], paraspinal: list[ParaspinalFinding]
) -> None:
    result = infer_levels(findings, paraspinal)
    mirrored = infer_levels([_mirror(f) for f in findings], [_mirror(p) for p in paraspinal])  # type: ignore[misc]
    assert result.clear == mirrored.clear
    for side, other in (("left", "right"), ("right", "left")):
        original = [(s.level, s.score) for s in result.for_side(side)]  # type: ignore[arg-type]
        assert original == [(s.level, s.score) for s in mirrored.for_side(other)]  # type: ignore[arg-type]


@PROPERTY_SETTINGS
@given(
    findings=st.lists(findings_strategy, max_size=12),
    paraspinal=st.lists(paraspinal_strategy, max_size=3),
    dermatomal=st.lists(dermatomal_strategy, max_size=3),
    seed=st.randoms(use_true_random=False),
)
def test_order_of_findings_does_not_matter(
    findings: list[Finding],
    paraspinal: list[ParaspinalFinding],
    dermatomal: list[DermatomalPain],
    seed: object,
) -> None:
    shuffled = list(findings)
    seed.shuffle(shuffled)  # type: ignore[attr-defined]
    assert infer_levels(findings, paraspinal, dermatomal) == infer_levels(
        shuffled, list(reversed(paraspinal)), list(reversed(dermatomal))
    )


def test_catalog_argument_is_used(catalog: Catalog) -> None:
    assert infer_levels(taut(["deltoid"]), catalog=catalog).ranked[0].level == "C5"
