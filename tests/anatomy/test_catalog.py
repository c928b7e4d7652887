"""Catalog look-ups: exact ids, forgiving names, suggestions, type-ahead, chart regions."""

from __future__ import annotations

import pytest

from imsclinic.anatomy import (
    CHART_REGIONS,
    LEVELS,
    PARASPINAL_LEVELS,
    Catalog,
    LevelRequired,
    UnknownCondition,
    UnknownMuscle,
    get_catalog,
)


def test_levels_are_cranio_caudal_and_complete() -> None:
    assert len(LEVELS) == 30
    assert LEVELS[:2] == ("C1", "C2") and LEVELS[-1] == "S5"
    assert LEVELS.index("C8") + 1 == LEVELS.index("T1")
    assert PARASPINAL_LEVELS[0] == "C2" and PARASPINAL_LEVELS[-1] == "S2"
    assert len(PARASPINAL_LEVELS) == 7 + 12 + 5 + 2


def test_chart_region_ids_are_the_fixed_contract() -> None:
    front = {
        "head_front",
        "neck_front",
        "chest",
        "shoulder_front",
        "upper_arm_front",
        "forearm_front",
        "hand_palm",
        "abdomen",
        "hip_front",
        "thigh_front",
        "leg_front",
        "foot_dorsum",
    }
    back = {
        "head_back",
        "neck_back",
        "upper_back",
        "shoulder_back",
        "upper_arm_back",
        "forearm_back",
        "hand_dorsum",
        "mid_back",
        "lower_back",
        "buttock",
        "thigh_back",
        "leg_back",
        "foot_sole",
    }
    assert set(CHART_REGIONS) == front | back


def test_get_catalog_is_cached() -> None:
    assert get_catalog() is get_catalog()


def test_get_exact_id(catalog: Catalog) -> None:
    muscle = catalog.get("peroneus_longus")
    assert muscle.name == "Peroneus (fibularis) longus"
    assert [(r.level, r.predominant) for r in muscle.roots] == [("L5", True), ("S1", False)]


def test_get_requires_the_exact_id(catalog: Catalog) -> None:
    with pytest.raises(UnknownMuscle) as error:
        catalog.get("Deltoid")
    assert error.value.suggestions == ["Deltoid"]


@pytest.mark.parametrize(
    "typed",
    [
        "fibularis longus",
        "Peroneus-Longus",
        "peroneus_longus",
        "PERONEUS LONGUS",
        "Peroneus (fibularis) longus",
    ],
)
def test_resolve_is_forgiving_about_case_and_separators(catalog: Catalog, typed: str) -> None:
    assert catalog.resolve(typed).id == "peroneus_longus"


def test_resolve_synonyms(catalog: Catalog) -> None:
    assert catalog.resolve("TFL").id == "tensor_fasciae_latae"
    assert catalog.resolve("biceps").id == "biceps_brachii"


@pytest.mark.parametrize(
    ("typed", "muscle_id"),
    [
        # Abbreviations as EMG reports write them.
        ("APB", "abductor_pollicis_brevis"),
        ("ADM", "abductor_digiti_minimi_hand"),
        ("ADQ", "abductor_digiti_minimi_hand"),
        ("abductor digiti minimi", "abductor_digiti_minimi_hand"),
        ("ADQP", "abductor_digiti_minimi_foot"),
        ("FDI", "first_dorsal_interosseous"),
        ("EDB", "extensor_digitorum_brevis"),
        ("EHL", "extensor_hallucis_longus"),
        ("TA", "tibialis_anterior"),
        ("tib ant", "tibialis_anterior"),
        ("TP", "tibialis_posterior"),
        ("FCR", "flexor_carpi_radialis"),
        ("ECRL", "extensor_carpi_radialis_longus"),
        ("VL", "vastus_lateralis"),
        ("GMed", "gluteus_medius"),
        ("EIP", "extensor_indicis"),
        ("MG", "gastrocnemius"),
        # Heads of two- and three-headed muscles.
        ("biceps femoris short head", "biceps_femoris_short_head"),
        ("short head of biceps femoris", "biceps_femoris_short_head"),
        ("BFSH", "biceps_femoris_short_head"),
        ("Biceps femoris (long head)", "biceps_femoris_long_head"),
        ("BF-LH", "biceps_femoris_long_head"),
        ("medial gastrocnemius", "gastrocnemius"),
        ("lateral head of gastrocnemius", "gastrocnemius"),
        ("long head of triceps", "triceps_brachii"),
        ("triceps lateral head", "triceps_brachii"),
        ("posterior deltoid", "deltoid"),
        ("short head of biceps brachii", "biceps_brachii"),
        ("pectoralis major sternocostal head", "pectoralis_major_sternal"),
        # Names used in the published single-root EMG series [L96, T03].
        ("tensor fasciae latae", "tensor_fasciae_latae"),
        ("abductor digiti minimi (foot)", "abductor_digiti_minimi_foot"),
        ("peroneus longus", "peroneus_longus"),
    ],
)
def test_names_as_emg_reports_write_them(catalog: Catalog, typed: str, muscle_id: str) -> None:
    assert catalog.resolve(typed).id == muscle_id


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("PL", ["Palmaris longus", "Peroneus (fibularis) longus"]),  # ambiguous abbreviation
        ("biceps femoris", ["Biceps femoris, long head", "Biceps femoris, short head"]),
        ("quadriceps", ["Rectus femoris", "Vastus lateralis", "Vastus medialis"]),
        ("hamstrings", ["Semitendinosus", "Biceps femoris, long head"]),
    ],
)
def test_ambiguous_names_are_refused_with_suggestions(
    catalog: Catalog, typed: str, expected: list[str]
) -> None:
    with pytest.raises(UnknownMuscle) as error:
        catalog.resolve(typed)
    assert set(expected) <= set(error.value.suggestions), error.value.suggestions


@pytest.mark.parametrize("typed", ["multifidus", "erector spinae", "paraspinals", "longissimus"])
def test_paraspinal_names_without_a_region_take_the_entry_of_the_level(
    catalog: Catalog, typed: str
) -> None:
    assert catalog.resolve(typed, "C5").id == "cervical_paraspinals"
    assert catalog.resolve(typed, "t5").id == "thoracic_paraspinals"
    assert catalog.resolve(typed, "L4").id == "lumbar_paraspinals"
    assert catalog.resolve(typed, "S1").id == "sacral_paraspinals"
    with pytest.raises(LevelRequired, match="give the spinal level"):
        catalog.resolve(typed)
    with pytest.raises(LevelRequired):
        catalog.resolve(typed, "S4")


def test_the_generic_entry_is_gone_and_its_stored_id_still_displays(catalog: Catalog) -> None:
    # Signed notes are immutable, so rows that stored "paraspinals" keep it: the catalog
    # reads them by their level and still names them.
    assert "paraspinals" not in {m.id for m in catalog.muscles}
    assert catalog.get("paraspinals", "T6").id == "thoracic_paraspinals"
    assert catalog.canonical_id("paraspinals", "L5") == "lumbar_paraspinals"
    assert catalog.canonical_id("deltoid", "") == "deltoid"
    assert catalog.display_names()["paraspinals"].startswith("Paraspinals")
    with pytest.raises(LevelRequired):
        catalog.get("paraspinals")


def test_unknown_name_suggests_closest(catalog: Catalog) -> None:
    with pytest.raises(UnknownMuscle) as error:
        catalog.resolve("deltiod")
    assert error.value.name == "deltiod"
    assert error.value.suggestions[0] == "Deltoid"
    assert str(error.value) == "Unknown muscle 'deltiod'. Did you mean: Deltoid?"


def test_ambiguous_name_lists_both_heads(catalog: Catalog) -> None:
    with pytest.raises(UnknownMuscle) as error:
        catalog.resolve("pectoralis major")
    assert error.value.suggestions[:2] == [
        "Pectoralis major, clavicular head",
        "Pectoralis major, sternocostal head",
    ]
    assert len(error.value.suggestions) <= 5


def test_nonsense_has_no_suggestions(catalog: Catalog) -> None:
    with pytest.raises(UnknownMuscle) as error:
        catalog.resolve("zzzzqqq")
    assert error.value.suggestions == []
    with pytest.raises(UnknownMuscle):
        catalog.resolve("  - ")


def test_search_prefix_first_then_substring(catalog: Catalog) -> None:
    ids = [m.id for m in catalog.search("tib")]
    assert ids == ["tibialis_anterior", "tibialis_posterior"]
    # "longus" is a word prefix in many names; "fibularis" only via a synonym.
    assert catalog.search("fibularis l")[0].id == "peroneus_longus"
    # substring inside a word comes after word-prefix matches
    names = [m.id for m in catalog.search("ceps", limit=20)]
    assert {"biceps_brachii", "triceps_brachii"} <= set(names)


def test_search_multi_word_prefixes(catalog: Catalog) -> None:
    assert [m.id for m in catalog.search("ext dig br")] == ["extensor_digitorum_brevis"]


def test_search_empty_and_limit(catalog: Catalog) -> None:
    assert catalog.search("") == []
    assert catalog.search("   ") == []
    assert len(catalog.search("e", limit=3)) == 3


def test_in_chart_region(catalog: Catalog) -> None:
    ids = {m.id for m in catalog.in_chart_region("foot_sole")}
    assert "abductor_digiti_minimi_foot" in ids
    assert "deltoid" not in ids
    with pytest.raises(ValueError, match="Unknown body-chart region"):
        catalog.in_chart_region("elbow")


def test_paraspinal_levels(catalog: Catalog) -> None:
    assert catalog.paraspinal_levels_for(catalog.get("cervical_paraspinals"))[0] == "C2"
    assert catalog.paraspinal_levels_for(catalog.get("cervical_paraspinals"))[-1] == "C8"
    assert catalog.paraspinal_levels_for(catalog.get("sacral_paraspinals")) == ("S1", "S2")
    assert catalog.paraspinal_levels_for(catalog.get("deltoid")) == ()


def test_paraspinal_site_for_every_level(catalog: Catalog) -> None:
    for level in PARASPINAL_LEVELS:
        site = catalog.paraspinal_site(level)
        assert site.level == level
        assert level in catalog.paraspinal_levels_for(catalog.get(site.muscle_id))
        assert site.lung_risk == level.startswith("T")
    with pytest.raises(ValueError):
        catalog.paraspinal_site("S4")


def test_conditions(catalog: Catalog) -> None:
    required = {"M54.3", "G56.0", "M77.1", "M76.6", "M51.3", "M17", "M54.2", "M54.5", "M79.1"}
    assert required <= {c.code for c in catalog.conditions}
    sciatica = catalog.condition("m54.3")
    assert sciatica.name == "Sciatica"
    assert "L5" in sciatica.typical_segments
    assert "gluteus_maximus" in sciatica.muscles
    with pytest.raises(UnknownCondition):
        catalog.condition("Z99.9")


def test_dermatomes(catalog: Catalog) -> None:
    assert catalog.dermatomes["L5"].key_sensory_point.startswith("Dorsum of the foot")
    assert "foot_dorsum" in catalog.dermatomes["L5"].chart_regions
    assert catalog.dermatomes["C6"].key_sensory_point.startswith("Thumb")
    assert "C1" not in catalog.dermatomes  # C1 has no dermatome
    assert all(not d.verified for d in catalog.dermatomes.values())
