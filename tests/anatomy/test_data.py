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

# DOMAIN.md section 6: muscles flagged for pneumothorax.
LUNG_RISK_IDS = {
    "trapezius",
    "anterior_scalene",
    "middle_scalene",
    "posterior_scalene",
    "rhomboids",
    "serratus_anterior",
    "intercostals",
    "pectoralis_major_clavicular",
    "pectoralis_major_sternal",
    "pectoralis_minor",
    "thoracic_paraspinals",
    "latissimus_dorsi",
}

# DOMAIN.md section 5 rows (split) with their roots and predominant roots.
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
        if muscle.id != "paraspinals":
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
        assert muscle.source == "DOMAIN-5" and muscle.verified, muscle_id


def test_unverified_domain_rows_are_flagged(catalog: Catalog) -> None:
    for muscle_id in (
        "trapezius",
        "levator_scapulae",
        "supinator",
        "quadratus_lumborum",
        "piriformis",
    ):
        assert not catalog.get(muscle_id).verified, muscle_id


def test_only_domain_rows_are_verified(catalog: Catalog) -> None:
    for muscle in catalog.muscles:
        if muscle.verified:
            assert muscle.source == "DOMAIN-5", muscle.id


def test_sources_are_known(catalog: Catalog) -> None:
    for muscle in catalog.muscles:
        assert muscle.source in catalog.sources
        for note in muscle.safety_notes + muscle.notes:
            for key in re.findall(r"\[([A-Za-z0-9-]+)\]", note):
                assert key in catalog.sources, (muscle.id, key)


def test_lung_risk_flags_follow_domain_list(catalog: Catalog) -> None:
    flagged = {m.id for m in catalog.muscles if m.lung_risk}
    assert flagged >= LUNG_RISK_IDS
    for muscle_id in flagged - LUNG_RISK_IDS - {"paraspinals"}:
        # extra flags must explain themselves
        assert any("Not on the HPCSA" in note for note in catalog.get(muscle_id).safety_notes)
    assert catalog.get("rhomboids").max_depth_mm == 19
    assert {m.id for m in catalog.muscles if m.max_depth_mm is not None} == {"rhomboids"}


def test_paraspinal_entries(catalog: Catalog) -> None:
    para = {m.id for m in catalog.muscles if m.is_paraspinal}
    assert para == {
        "cervical_paraspinals",
        "thoracic_paraspinals",
        "lumbar_paraspinals",
        "sacral_paraspinals",
        "paraspinals",
    }
    thoracic = catalog.get("thoracic_paraspinals")
    assert thoracic.lung_risk and thoracic.thorax
    covered = [
        level
        for m in sorted(para)
        for level in catalog.paraspinal_levels_for(catalog.get(m))
        if m != "paraspinals"
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
            lambda d: _muscle(d, "deltoid").update(verified="yes"),
            "muscles.json: row 'deltoid' (index {i}), field 'verified': expected true or false",
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
            lambda d: _muscle(d, "deltoid").update(source="Wikipedia"),
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
    index = next(i for i, row in enumerate(document["muscles"]) if row["id"] == "deltoid")
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
