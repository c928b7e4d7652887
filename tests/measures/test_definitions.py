"""The measure table: every shipped number has a source, and the bands leave no gaps."""

from __future__ import annotations

import pytest

from imsclinic.measures import MEASURES, Measure, get_measure

ALL = list(MEASURES.values())
IDS = list(MEASURES)


def test_the_six_measures_are_registered_by_code() -> None:
    assert set(MEASURES) == {"nprs", "psfs", "odi", "ndi", "quickdash", "lefs"}
    assert all(code == measure.code for code, measure in MEASURES.items())


@pytest.mark.parametrize("measure", ALL, ids=IDS)
def test_every_rule_names_its_source(measure: Measure) -> None:
    for text in (
        measure.mcid_source,
        measure.bands_source,
        measure.missing_rule_source,
        measure.scoring_source,
        measure.licence.note,
    ):
        assert text.strip()
    # A year in the MCID source means it points at a publication, not a guess.
    assert any(str(year) in measure.mcid_source for year in range(1990, 2030))


@pytest.mark.parametrize(
    ("code", "mcid", "higher_is_better", "score_range", "unit"),
    [
        ("nprs", 2.0, False, (0, 10), "points"),
        ("psfs", 2.0, True, (0, 10), "points"),
        ("odi", 10.0, False, (0, 100), "%"),
        ("ndi", 10.0, False, (0, 50), "points"),
        ("quickdash", 14.0, False, (0, 100), "points"),
        ("lefs", 9.0, True, (0, 80), "points"),
    ],
)
def test_published_properties(
    code: str, mcid: float, higher_is_better: bool, score_range: tuple[int, int], unit: str
) -> None:
    measure = MEASURES[code]

    assert measure.mcid == mcid
    assert measure.higher_is_better is higher_is_better
    assert (measure.score_min, measure.score_max) == score_range
    assert measure.unit == unit


def test_ndi_states_both_the_project_and_the_published_mcid() -> None:
    source = MEASURES["ndi"].mcid_source

    assert "10 points" in source and "7.5" in source and "Young 2009" in source


@pytest.mark.parametrize("measure", [m for m in ALL if m.bands], ids=lambda m: m.code)
def test_bands_cover_every_whole_score_exactly_once(measure: Measure) -> None:
    for value in range(int(measure.score_min), int(measure.score_max) + 1):
        holding = [band for band in measure.bands if band.contains(value)]
        assert len(holding) == 1, f"{measure.code} {value} is in {holding}"


def test_fractional_scores_take_the_band_of_the_rounded_score() -> None:
    ndi = MEASURES["ndi"]

    band_low = ndi.band_for(14.49)
    band_high = ndi.band_for(14.5)  # rounds half up to 15

    assert band_low is not None and band_low.label == "Mild disability"
    assert band_high is not None and band_high.label == "Moderate disability"


@pytest.mark.parametrize("measure", ALL, ids=IDS)
def test_section_labels_match_the_form_length(measure: Measure) -> None:
    expected = (
        measure.item_count.stop - 1 if isinstance(measure.item_count, range) else measure.item_count
    )
    assert len(measure.section_labels) == expected
    assert all(0 < len(label) <= 40 for label in measure.section_labels)


def test_licensed_instruments_do_not_ship_wording() -> None:
    shippable = {code for code, m in MEASURES.items() if m.licence.item_wording_shippable}

    assert shippable == {"nprs", "psfs"}


def test_missing_item_thresholds() -> None:
    assert {code: m.min_answered for code, m in MEASURES.items()} == {
        "nprs": 1,
        "psfs": 3,
        "odi": 8,
        "ndi": 8,
        "quickdash": 10,
        "lefs": 18,
    }


def test_get_measure_accepts_any_case_and_surrounding_space() -> None:
    assert get_measure(" QuickDASH ") is MEASURES["quickdash"]
