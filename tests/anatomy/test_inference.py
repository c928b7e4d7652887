"""Segmental inference: classic EMG patterns, transparency of the score, properties."""

from __future__ import annotations

import dataclasses
import itertools

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
    NEUROPATHY_SIGN_WEIGHT,
    NORMAL_WEIGHT,
    PARASPINAL_WEIGHT,
    ROOT_WEIGHT,
    NeuropathySign,
)

# Single-root patterns of the EMG series [L96, T03] (docs/clinical-references.md).
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
        "Paraspinal trophedema (strength 2) at C5 (right) (+4.0)",
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
    assert (
        "do not point clearly to one level: C6 and C7 explain as many findings and score "
        "within 10%" in result.message
    )
    assert "Tied with C7 on coverage and score: listed first (no rule separates them" in (
        " ".join(result.ranked[0].reasons)
    )
    assert "adjacent roots" in result.message
    assert [s.level for s in result.involved_levels("left")] == ["C6", "C7"]


def test_close_distant_levels_say_so() -> None:
    result = infer_levels(taut(["deltoid"]) + taut(["soleus"]))
    assert not result.clear
    assert "S1 and C5 explain as many findings and score within 10%" in result.message
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
    for side in ("left", "right"):
        ranked = result.for_side(side)  # type: ignore[arg-type]
        # positive scores first; among them coverage, then score, never increase
        keys = [(s.score <= 0, -s.coverage if s.score > 0 else 0) for s in ranked]
        assert keys == sorted(keys)
        for first, second in itertools.pairwise(ranked):
            if first.score > 0 and second.score > 0 and first.coverage == second.coverage:
                assert first.score >= second.score


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
    # A muscle counts once, at its strongest finding: the extra one adds only what it
    # exceeds the strongest already recorded for it.
    recorded = [
        KIND_WEIGHT[f.kind] * f.strength
        for f in findings
        if f.muscle_id == "suboccipitals" and f.side == "left" and f.kind != "normal"
    ]
    strongest = max(recorded, default=0.0)
    added = (max(strongest, strength * 1.0) - strongest) * ROOT_WEIGHT[False]
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


# ---- coverage before sum, and the rules of ranking (issue 10)


def test_coverage_ranks_before_score() -> None:
    # Quadriceps, tibialis anterior, adductors and L4 paraspinal tenderness: an
    # electromyographer localises L4, the one level they all share, although L3 collects
    # more weight from the quadriceps and adductors.
    findings = taut(["rectus_femoris", "vastus_lateralis", "adductor_longus", "tibialis_anterior"])
    result = infer_levels(findings, paraspinal=[ParaspinalFinding("L4", "left")])
    top = result.ranked[0]
    assert top.level == "L4"
    assert (top.coverage, top.total) == (5, 5)
    l3 = next(s for s in result.ranked if s.level == "L3")
    assert l3.coverage == 3
    assert top.reasons[0].startswith("Explains 5 of 5 abnormal findings on the left")
    assert "coverage ranks before score" in top.reasons[0]
    assert "point to L4 (explains 5 of 5" in result.message


def test_coverage_beats_a_higher_score() -> None:
    # Vastus lateralis (L3, L4 predominant) and vastus medialis give L3 and L4 8 each and
    # L2 4; tibialis anterior adds L4 1 and L5 2. L4 explains all three muscles.
    result = infer_levels(taut(["vastus_lateralis", "vastus_medialis", "tibialis_anterior"]))
    assert result.ranked[0].level == "L4"
    assert result.ranked[0].coverage == 3


@pytest.mark.parametrize(
    ("muscle", "level"),
    [
        ("biceps_brachii", "C5"),  # elbow flexors
        ("brachialis", "C5"),
        ("extensor_carpi_radialis_longus", "C6"),  # wrist extensors
        ("extensor_carpi_radialis_brevis", "C6"),
        ("triceps_brachii", "C7"),  # elbow extensors
        ("flexor_digitorum_profundus", "C8"),  # finger flexors
        ("abductor_digiti_minimi_hand", "T1"),  # small finger abductor
        ("psoas_major", "L2"),  # hip flexors
        ("iliacus", "L2"),
        ("rectus_femoris", "L3"),  # knee extensors
        ("vastus_lateralis", "L3"),
        ("extensor_hallucis_longus", "L5"),  # long toe extensors
        ("gastrocnemius", "S1"),  # ankle plantar flexors
        ("soleus", "S1"),
    ],
)
def test_isncsci_key_muscle_alone_returns_its_level(muscle: str, level: str) -> None:
    result = infer_levels(taut([muscle]))
    assert result.ranked[0].level == level, [(s.level, s.score) for s in result.ranked]
    assert result.notes == ()
    if len(result.ranked) > 1 and result.ranked[1].score == result.ranked[0].score:
        # a tie broken by the ISNCSCI convention says so
        assert "ISNCSCI key muscle" in " ".join(result.ranked[0].reasons)


def test_key_muscle_that_points_elsewhere_says_why() -> None:
    # Tibialis anterior is the ISNCSCI L4 key muscle; the catalog follows the EMG
    # convention (L5 predominant) and the result says so.
    result = infer_levels(taut(["tibialis_anterior"]))
    assert result.ranked[0].level == "L5"
    assert any(
        note.startswith("Tibialis anterior is the ISNCSCI key muscle for L4 [ISNCSCI]")
        and "point to L5" in note
        and "EMG" in note
        for note in result.notes
    ), result.notes


def test_one_muscle_counts_once_however_many_findings() -> None:
    # Ticking every finding of one muscle describes it; it is not more evidence, so it
    # cannot outweigh a paraspinal sign at another level by accident.
    every = [
        Finding("deltoid", "left", kind)  # type: ignore[arg-type]
        for kind in ("taut_band", "tender_motor_point", "shortened", "local_twitch")
    ]
    result = infer_levels(every)
    c5 = result.ranked[0]
    assert c5.score == 2.0
    assert [e.description for e in c5.supporting] == [
        "Taut band, tender motor point, shortened muscle, local twitch response in Deltoid "
        "(left): C5 predominant root (+2.0)"
    ]
    with_c6_sign = infer_levels(every, paraspinal=[ParaspinalFinding("C6", "left")])
    c6 = next(s for s in with_c6_sign.ranked if s.level == "C6")
    c5 = next(s for s in with_c6_sign.ranked if s.level == "C5")
    assert c6.score > c5.score  # deltoid (C6 1) + C6 paraspinal sign (2) beat deltoid C5 (2)
    assert ROOT_WEIGHT[True] * KIND_WEIGHT["taut_band"] == PARASPINAL_WEIGHT


def test_neuropathy_signs_count_by_the_dermatomes_of_their_region(catalog: Catalog) -> None:
    # Gunn's vasomotor, sudomotor, pilomotor and trophedema signs [GunnSigns] add a
    # documented weight to every dermatome whose area includes the region.
    signs = [NeuropathySign("foot_dorsum", "left", "sudomotor")]
    result = infer_levels([], signs=signs)
    levels = catalog.dermatomes_of_region("foot_dorsum")
    assert "L5" in levels
    assert {s.level for s in result.ranked} == set(levels)
    l5 = next(s for s in result.ranked if s.level == "L5")
    assert l5.score == NEUROPATHY_SIGN_WEIGHT
    assert l5.supporting[0].description == (
        "Sudomotor sign (sweating) in top of foot (left): L5 dermatome (+0.5)"
    )
    # they add to the muscle evidence without changing what coverage counts
    with_muscles = infer_levels(taut(L5_PATTERN), signs=signs)
    without = infer_levels(taut(L5_PATTERN))
    assert score_of(with_muscles, "left", "L5") == score_of(without, "left", "L5") + 0.5
    assert with_muscles.ranked[0].coverage == without.ranked[0].coverage


def test_invalid_neuropathy_sign_is_rejected() -> None:
    with pytest.raises(ValueError, match="kind"):
        NeuropathySign("foot_dorsum", "left", "itchy")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="body-chart region"):
        infer_levels([], signs=[NeuropathySign("elbow", "left", "vasomotor")])
