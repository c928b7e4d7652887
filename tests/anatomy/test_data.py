"""Consistency of the packaged data files and the schema validator's error messages."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from imsclinic.anatomy import (
    CHART_REGIONS,
    LEVELS,
    MUSCLE_REGIONS,
    PARASPINAL_LEVELS,
    Catalog,
    CatalogDataError,
    load_catalog,
)
from imsclinic.anatomy.names import normalize_name

# The pneumothorax notice's list [AHPCSA-121], and the muscles issue 10 added because they
# lie over the lung apex or chest wall (levator scapulae, infraspinatus, teres major).
LUNG_RISK_IDS = {
    "trapezius",
    "anterior_scalene",
    "middle_scalene",
    "posterior_scalene",
    "levator_scapulae",
    "rhomboids",
    "serratus_anterior",
    "subscapularis",
    "intercostals",
    "pectoralis_major_clavicular",
    "pectoralis_major_sternal",
    "pectoralis_minor",
    "thoracic_paraspinals",
    "latissimus_dorsi",
    "infraspinatus",
    "teres_major",
}

# The project table's rows [DOMAIN-5] (split) with their roots and predominant roots.
DOMAIN_ROWS = {
    "rhomboids": (("C4", "C5"), ("C5",)),
    "serratus_anterior": (("C5", "C6", "C7"), ()),
    "supraspinatus": (("C5", "C6"), ("C5",)),
    "infraspinatus": (("C5", "C6"), ("C5",)),
    "deltoid": (("C5", "C6"), ("C5",)),
    "biceps_brachii": (("C5", "C6"), ("C5",)),
    "brachioradialis": (("C5", "C6"), ("C5",)),
    "latissimus_dorsi": (("C6", "C7", "C8"), ()),
    "triceps_brachii": (("C6", "C7", "C8"), ("C7",)),
    "extensor_carpi_radialis_longus": (("C6", "C7"), ("C6",)),
    "pronator_teres": (("C6", "C7"), ("C6",)),
    "flexor_carpi_radialis": (("C6", "C7"), ("C7",)),
    "flexor_carpi_ulnaris": (("C7", "C8", "T1"), ("C8",)),
    "abductor_pollicis_brevis": (("C8", "T1"), ("T1",)),
    "psoas_major": (("L1", "L2", "L3"), ("L2", "L3")),
    "vastus_lateralis": (("L2", "L3", "L4"), ("L3", "L4")),
    "adductor_longus": (("L2", "L3", "L4"), ("L3",)),
    "gluteus_medius": (("L4", "L5", "S1"), ("L5",)),
    "tensor_fasciae_latae": (("L4", "L5", "S1"), ("L5",)),
    "gluteus_maximus": (("L5", "S1", "S2"), ("S1",)),
    "tibialis_anterior": (("L4", "L5"), ("L5",)),
    "peroneus_longus": (("L5", "S1"), ("L5",)),
    "tibialis_posterior": (("L4", "L5"), ("L5",)),
    "gastrocnemius": (("S1", "S2"), ("S1",)),
    "soleus": (("S1", "S2"), ("S1",)),
}


def test_size_and_regions(catalog: Catalog) -> None:
    assert len(catalog.muscles) >= 120
    assert {m.region for m in catalog.muscles} == set(MUSCLE_REGIONS)


def test_every_chart_region_has_muscles(catalog: Catalog) -> None:
    for region in CHART_REGIONS:
        assert catalog.in_chart_region(region), region


def test_every_muscle_chart_region_exists(catalog: Catalog) -> None:
    for muscle in catalog.muscles:
        assert set(muscle.chart_regions) <= set(CHART_REGIONS), muscle.id
        assert muscle.chart_regions, muscle.id


def test_roots_are_real_levels_in_order(catalog: Catalog) -> None:
    for muscle in catalog.muscles:
        indexes = [LEVELS.index(level) for level in muscle.root_levels]
        assert indexes == sorted(indexes), muscle.id
        assert len(set(indexes)) == len(indexes), muscle.id


def test_no_duplicate_ids_or_names(catalog: Catalog) -> None:
    ids = [m.id for m in catalog.muscles]
    assert len(ids) == len(set(ids))
    owner: dict[str, str] = {}
    for muscle in catalog.muscles:
        for name in {normalize_name(n) for n in (muscle.id, muscle.name, *muscle.synonyms)}:
            assert owner.setdefault(name, muscle.id) == muscle.id, name


def test_domain_rows_match_domain_table(catalog: Catalog) -> None:
    for muscle_id, (roots, predominant) in DOMAIN_ROWS.items():
        muscle = catalog.get(muscle_id)
        assert muscle.root_levels == roots, muscle_id
        assert muscle.predominant_levels == predominant, muscle_id
        assert muscle.status in ("verified", "disputed"), muscle_id
        assert any("[DOMAIN-5]" in text for text in muscle.evidence), muscle_id


def test_rows_the_review_found_wrong_follow_the_standard_tables(catalog: Catalog) -> None:
    fpl = catalog.get("flexor_pollicis_longus")
    assert fpl.root_levels == ("C7", "C8")
    supinator = catalog.get("supinator")
    assert supinator.root_levels == ("C5", "C6") and supinator.predominant_levels == ("C6",)
    assert supinator.status == "disputed" and "C7" in supinator.status_note
    assert catalog.get("iliacus").root_levels == ("L2", "L3", "L4")


@pytest.mark.parametrize(
    "muscle_id",
    [
        "tibialis_anterior",
        "tibialis_posterior",
        "supinator",
        "extensor_carpi_radialis_longus",
        "trapezius",
        "biceps_femoris_short_head",
        "abductor_hallucis",
        "flexor_digitorum_brevis",
    ],
)
def test_disputed_rows_state_their_convention_and_show_both_values(
    catalog: Catalog, muscle_id: str
) -> None:
    muscle = catalog.get(muscle_id)
    assert muscle.status == "disputed"
    assert muscle.alternative is not None
    assert (muscle.alternative.roots, muscle.alternative.predominant) != (
        muscle.root_levels,
        muscle.predominant_levels,
    )
    assert re.search(r"\[[A-Za-z0-9-]+\]", muscle.alternative.evidence)
    assert "onvention" in muscle.status_note


def test_emg_conventions_of_disputed_rows(catalog: Catalog) -> None:
    # Tibialis anterior: L5 predominant in EMG series, L4 as the ISNCSCI key muscle.
    ta = catalog.get("tibialis_anterior")
    assert ta.predominant_levels == ("L5",) and ta.isncsci_level == "L4"
    assert ta.alternative is not None and ta.alternative.predominant == ("L4",)
    # Biceps femoris short head: spared in L5 lesions, so S1 predominant [T03].
    assert catalog.get("biceps_femoris_short_head").predominant_levels == ("S1",)
    # Trapezius: accessory-nerve muscle; C3-C4 contribute but never predominate.
    trapezius = catalog.get("trapezius")
    assert trapezius.root_levels == ("C3", "C4") and trapezius.predominant_levels == ()


def test_every_row_has_a_status_and_its_grounds(catalog: Catalog) -> None:
    for muscle in catalog.muscles:
        assert muscle.status in ("verified", "disputed", "unverified"), muscle.id
        if muscle.status == "verified":
            assert muscle.evidence, muscle.id
            for text in muscle.evidence:
                assert re.search(r"\[[A-Za-z0-9-]+\]", text), (muscle.id, text)
        else:
            assert muscle.status_note, muscle.id


def test_readme_reports_the_status_counts(catalog: Catalog) -> None:
    readme = (Path(__file__).parents[2] / "src/imsclinic/anatomy/README.md").read_text()
    counts = {
        status: sum(1 for m in catalog.muscles if m.status == status)
        for status in ("verified", "disputed", "unverified")
    }
    assert (
        f"{len(catalog.muscles)} muscle rows: {counts['verified']} verified, "
        f"{counts['disputed']} disputed, {counts['unverified']} unverified"
    ) in readme


def test_sources_are_known(catalog: Catalog) -> None:
    for muscle in catalog.muscles:
        assert muscle.source in catalog.sources
        for note in muscle.safety_notes + muscle.notes:
            for key in re.findall(r"\[([A-Za-z0-9-]+)\]", note):
                assert key in catalog.sources, (muscle.id, key)


def test_lung_risk_flags_follow_the_notice(catalog: Catalog) -> None:
    flagged = {m.id for m in catalog.muscles if m.lung_risk}
    assert flagged >= LUNG_RISK_IDS
    for muscle_id in flagged - LUNG_RISK_IDS:
        # extra flags must explain themselves
        notes = catalog.get(muscle_id).safety_notes
        assert any("Not among the examples" in note for note in notes), muscle_id
    for muscle_id in LUNG_RISK_IDS - {"thoracic_paraspinals"}:
        # every lung-risk muscle says where the lung is, with its source
        notes = " ".join(catalog.get(muscle_id).safety_notes)
        assert "lung" in notes and "[AHPCSA-121]" in notes, muscle_id
    assert catalog.get("rhomboids").max_depth_mm == 19
    assert "[Valera-Calero]" in catalog.get("rhomboids").safety_notes[0]
    assert {m.id for m in catalog.muscles if m.max_depth_mm is not None} == {"rhomboids"}


def test_deep_sites_where_pressure_cannot_stop_bleeding(catalog: Catalog) -> None:
    deep = {m.id for m in catalog.muscles if m.noncompressible}
    assert {"psoas_major", "tibialis_posterior"} <= deep  # the notice's examples
    for muscle_id in deep:
        notes = " ".join(catalog.get(muscle_id).safety_notes)
        assert "pressure cannot stop bleeding" in notes and "[AHPCSA-121]" in notes, muscle_id


def test_pregnancy_sites_are_abdominal_or_lumbosacral(catalog: Catalog) -> None:
    avoid = {m.id for m in catalog.muscles if m.pregnancy_avoid}
    assert avoid == {
        "rectus_abdominis",
        "external_oblique",
        "internal_oblique",
        "transversus_abdominis",
        "psoas_major",
        "iliacus",
        "quadratus_lumborum",
    }
    for level in PARASPINAL_LEVELS:
        assert catalog.paraspinal_site(level).pregnancy_avoid == (level[0] in "LS"), level


def test_lymph_drainage(catalog: Catalog) -> None:
    # Limb muscles drain with their limb; trunk muscles by quadrant [Gray].
    assert catalog.get("deltoid").drains_to == ("axillary",)
    assert catalog.get("soleus").drains_to == ("inguinal",)
    assert catalog.get("pectoralis_major_sternal").drains_to == ("axillary",)
    assert catalog.get("latissimus_dorsi").drains_to == ("axillary", "inguinal")
    assert catalog.get("sternocleidomastoid").drains_to == ()
    assert catalog.paraspinal_site("T6").drains_to == ("axillary",)
    assert catalog.paraspinal_site("L5").drains_to == ("inguinal",)


def test_paraspinal_entries(catalog: Catalog) -> None:
    para = {m.id for m in catalog.muscles if m.is_paraspinal}
    assert para == {
        "cervical_paraspinals",
        "thoracic_paraspinals",
        "lumbar_paraspinals",
        "sacral_paraspinals",
    }
    assert catalog.get("thoracic_paraspinals").lung_risk
    covered = [
        level for m in sorted(para) for level in catalog.paraspinal_levels_for(catalog.get(m))
    ]
    assert sorted(covered, key=LEVELS.index) == list(PARASPINAL_LEVELS)


def test_limbs(catalog: Catalog) -> None:
    assert catalog.get("deltoid").limb == "upper"
    assert catalog.get("first_dorsal_interosseous").limb == "upper"
    assert catalog.get("soleus").limb == "lower"
    assert catalog.get("trapezius").limb is None
    for muscle in catalog.muscles:
        if muscle.region in ("arm", "forearm", "hand"):
            assert muscle.limb == "upper", muscle.id
        if muscle.region in ("thigh", "leg", "foot"):
            assert muscle.limb == "lower", muscle.id


def test_conditions_reference_real_muscles_and_levels(catalog: Catalog) -> None:
    ids = {m.id for m in catalog.muscles}
    for condition in catalog.conditions:
        assert set(condition.muscles) <= ids
        assert set(condition.typical_segments) <= set(LEVELS)


def test_dermatomes_cover_c2_to_s5(catalog: Catalog) -> None:
    assert list(catalog.dermatomes) == list(LEVELS[1:])
    for dermatome in catalog.dermatomes.values():
        assert dermatome.chart_regions and set(dermatome.chart_regions) <= set(CHART_REGIONS)


# ---- the validator rejects broken files with file, row and field in the message


def _edit(directory: Path, file_name: str, change: Any) -> None:
    path = directory / file_name
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))


def _muscle(document: dict[str, Any], muscle_id: str) -> dict[str, Any]:
    return next(row for row in document["muscles"] if row["id"] == muscle_id)


def test_copied_data_loads(data_copy: Path) -> None:
    assert len(load_catalog(data_copy).muscles) >= 120


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: _muscle(d, "deltoid").update(roots=["C5", "C9"]),
            "muscles.json: row 'deltoid' (index {i}), field 'roots': 'C9' is not a spinal level",
        ),
        (
            lambda d: _muscle(d, "deltoid").pop("nerve"),
            "muscles.json: row 'deltoid' (index {i}), field 'nerve': missing",
        ),
        (
            lambda d: _muscle(d, "deltoid").update(chart_regions=["elbow"]),
            "muscles.json: row 'deltoid' (index {i}), field 'chart_regions': 'elbow' is not",
        ),
        (
            lambda d: _muscle(d, "deltoid").update(predominant=["C7"]),
            "muscles.json: row 'deltoid' (index {i}), field 'predominant': C7 not among the roots",
        ),
        (
            lambda d: _muscle(d, "deltoid").update(status="yes"),
            "muscles.json: row 'deltoid' (index {i}), field 'status': 'yes' is not a known",
        ),
        (
            lambda d: _muscle(d, "deltoid").update(evidence=[]),
            "muscles.json: row 'deltoid' (index {i}), field 'evidence': a verified row cites",
        ),
        (
            lambda d: _muscle(d, "supinator").pop("alternative"),
            "muscles.json: row 'supinator' (index {i}), field 'alternative': a disputed row",
        ),
        (
            lambda d: _muscle(d, "deltoid").update(lung_risk="yes"),
            "muscles.json: row 'deltoid' (index {i}), field 'lung_risk': expected true or false",
        ),
        (
            lambda d: _muscle(d, "deltoid").update(max_depth_mm=True),
            "muscles.json: row 'deltoid' (index {i}), field 'max_depth_mm': expected an integer",
        ),
        (
            lambda d: _muscle(d, "deltoid").update(limb="arm"),
            "muscles.json: row 'deltoid' (index {i}), field 'limb': 'arm' is not a known limb",
        ),
        (
            lambda d: _muscle(d, "deltoid").update(source="Hearsay"),
            "muscles.json: row 'deltoid' (index {i}), field 'source': unknown source key",
        ),
        (
            lambda d: _muscle(d, "deltoid").update(safety_notes=["Careful [Nobody]."]),
            "muscles.json: row 'deltoid' (index {i}), field 'safety_notes': cites unknown source",
        ),
        (
            lambda d: _muscle(d, "deltoid").update(colour="red"),
            "muscles.json: row 'deltoid' (index {i}), field 'colour': unknown field",
        ),
    ],
)
def test_validator_names_file_row_and_field(data_copy: Path, change: Any, expected: str) -> None:
    document = json.loads((data_copy / "muscles.json").read_text())
    row_id = re.search(r"row '(\w+)'", expected).group(1)  # type: ignore[union-attr]
    index = next(i for i, row in enumerate(document["muscles"]) if row["id"] == row_id)
    _edit(data_copy, "muscles.json", change)
    with pytest.raises(CatalogDataError) as error:
        load_catalog(data_copy)
    assert expected.format(i=index) in str(error.value)


def test_validator_rejects_a_name_used_by_another_muscle(data_copy: Path) -> None:
    _edit(data_copy, "muscles.json", lambda d: _muscle(d, "soleus").update(synonyms=["Deltoid"]))
    with pytest.raises(CatalogDataError) as error:
        load_catalog(data_copy)
    assert "row 'soleus'" in str(error.value)
    assert "field 'synonyms': name 'Deltoid' already used by 'deltoid'" in str(error.value)


def test_validator_uses_index_when_id_is_missing(data_copy: Path) -> None:
    _edit(data_copy, "muscles.json", lambda d: d["muscles"][3].pop("id"))
    with pytest.raises(CatalogDataError, match=r"muscles.json: row index 3, field 'id': missing"):
        load_catalog(data_copy)


def test_validator_reports_every_problem(data_copy: Path) -> None:
    def break_two(document: dict[str, Any]) -> None:
        _muscle(document, "deltoid").update(roots=["X1"])
        _muscle(document, "soleus").update(region="calf")

    _edit(data_copy, "muscles.json", break_two)
    with pytest.raises(CatalogDataError) as error:
        load_catalog(data_copy)
    assert len(error.value.problems) == 2
    assert "'soleus'" in error.value.problems[1] and "field 'region'" in error.value.problems[1]


def test_validator_checks_other_files(data_copy: Path) -> None:
    _edit(data_copy, "paraspinal_sites.json", lambda d: d["sites"][0].update(muscle_id="deltoid"))
    _edit(data_copy, "conditions.json", lambda d: d["conditions"][0]["muscles"].append("calf"))
    _edit(data_copy, "dermatomes.json", lambda d: d["dermatomes"][0].update(level="C0"))
    with pytest.raises(CatalogDataError) as error:
        load_catalog(data_copy)
    message = str(error.value)
    assert "paraspinal_sites.json: row 'C2' (index 0), field 'muscle_id'" in message
    assert "conditions.json: row 'M54.3' (index 0), field 'muscles': unknown muscle ids" in message
    assert (
        "dermatomes.json: row 'C0' (index 0), field 'level': 'C0' is not a spinal level" in message
    )


def test_missing_paraspinal_level_is_reported(data_copy: Path) -> None:
    _edit(data_copy, "paraspinal_sites.json", lambda d: d["sites"].pop(5))
    with pytest.raises(CatalogDataError, match="no site for levels C7"):
        load_catalog(data_copy)


def test_version_is_required(data_copy: Path) -> None:
    _edit(data_copy, "muscles.json", lambda d: d.pop("version"))
    with pytest.raises(CatalogDataError, match=r"muscles\.json: field 'version'"):
        load_catalog(data_copy)


def test_invalid_json_names_file_and_line(data_copy: Path) -> None:
    (data_copy / "dermatomes.json").write_text('{"version": "1",\n "dermatomes": [,]}')
    with pytest.raises(CatalogDataError, match=r"dermatomes.json: not valid JSON \(line 2"):
        load_catalog(data_copy)


def test_missing_file(data_copy: Path) -> None:
    (data_copy / "conditions.json").unlink()
    with pytest.raises(CatalogDataError, match=r"conditions\.json: file not found"):
        load_catalog(data_copy)
