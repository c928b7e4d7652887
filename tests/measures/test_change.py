"""Change, responder status and sessions-to-MCID, in both score directions."""

from __future__ import annotations

import pytest

from imsclinic.measures import UnknownMeasure, change, first_responder_index, is_responder


class TestLowerIsBetter:
    def test_a_fall_of_the_mcid_is_an_improvement(self) -> None:
        # NPRS 7 -> 5: delta -2, improvement +2 = MCID (Childs 2005); 2 / 7 = 28.6 %
        result = change("nprs", 7, 5)

        assert result.delta == -2
        assert result.improvement == 2
        assert result.reached_mcid
        assert result.percent_change == pytest.approx(200 / 7)

    def test_a_fall_below_the_mcid_is_not_a_response(self) -> None:
        assert not is_responder("nprs", 7, 6)

    def test_a_rise_is_a_worsening_not_a_response(self) -> None:
        result = change("odi", 30, 44)

        assert result.improvement == -14
        assert not result.reached_mcid

    def test_ndi_uses_the_project_mcid_of_ten(self) -> None:
        assert not is_responder("ndi", 30, 22.5)  # 7.5 (Young 2009) is not enough here
        assert is_responder("ndi", 30, 20)


class TestHigherIsBetter:
    def test_a_rise_of_the_mcid_is_an_improvement(self) -> None:
        # LEFS 40 -> 49: +9 = MCID (Binkley 1999); 9 / 40 = 22.5 %
        result = change("lefs", 40, 49)

        assert (result.delta, result.improvement) == (9, 9)
        assert result.reached_mcid
        assert result.percent_change == pytest.approx(22.5)

    def test_one_point_short(self) -> None:
        assert not is_responder("lefs", 40, 48)

    def test_a_fall_is_a_worsening(self) -> None:
        result = change("lefs", 49, 40)

        assert result.improvement == -9
        assert not result.reached_mcid

    def test_float_means_that_equal_the_mcid_on_paper_count(self) -> None:
        # 6.6 - 4.6 is 1.9999999999999996 in floating point; on the form it is 2.0.
        assert is_responder("psfs", 4.6, 6.6)
        assert not is_responder("psfs", 4.6, 6.5)


def test_percent_change_is_undefined_from_a_zero_baseline() -> None:
    assert change("psfs", 0, 5).percent_change is None


@pytest.mark.parametrize(("baseline", "current"), [(-1, 5), (5, 11), (float("nan"), 5)])
def test_scores_outside_the_range_are_refused(baseline: float, current: float) -> None:
    with pytest.raises(ValueError, match="NPRS"):
        change("nprs", baseline, current)


def test_unknown_measure() -> None:
    with pytest.raises(UnknownMeasure):
        is_responder("vas", 7, 2)


class TestFirstResponderIndex:
    def test_lower_is_better(self) -> None:
        # baseline 8; 7 (1), 7 (1), 6 (2 = MCID) -> index 3
        assert first_responder_index("nprs", [8, 7, 7, 6, 5, 3]) == 3

    def test_higher_is_better(self) -> None:
        # baseline 30; +5, +8, +9 (= MCID) -> index 3
        assert first_responder_index("lefs", [30, 35, 38, 39, 45]) == 3

    def test_worsening_never_counts(self) -> None:
        assert first_responder_index("lefs", [30, 20, 25]) is None
        assert first_responder_index("nprs", [3, 6, 9]) is None

    def test_no_follow_up_yet(self) -> None:
        assert first_responder_index("odi", [40]) is None

    def test_compares_with_the_baseline_not_the_previous_score(self) -> None:
        # Each step is 1 point, but the third follow-up is 2 below baseline.
        assert first_responder_index("nprs", [6, 5, 4]) == 2

    def test_needs_a_baseline(self) -> None:
        with pytest.raises(ValueError, match="baseline"):
            first_responder_index("nprs", [])

    def test_bad_baseline_is_refused_even_without_follow_up(self) -> None:
        with pytest.raises(ValueError):
            first_responder_index("nprs", [12])


class TestNprsResponderFarrar2001:
    """NPRS responder: at least 2 points OR at least 30% of the baseline (Farrar 2001)."""

    @pytest.mark.parametrize(
        ("baseline", "current", "responder"),
        [
            (3, 2, True),  # 1 point is 33%: a responder, as 8 -> 6 is
            (8, 6, True),  # 2 points (25%)
            (10, 8, True),  # 2 points (20%)
            (10, 7, True),
            (4, 3, False),  # 25%
            (5, 4, False),  # 20%
            (7, 6, False),  # 14%
            (1, 0, True),  # 100%
            (0, 0, False),  # nothing to improve
            (2, 3, False),  # worse
        ],
    )
    def test_two_points_or_thirty_percent(
        self, baseline: int, current: int, responder: bool
    ) -> None:
        result = change("nprs", baseline, current)
        assert result.responder is responder
        assert is_responder("nprs", baseline, current) is responder
        # the MCID alone is still reported as such
        assert result.reached_mcid is (baseline - current >= 2)

    def test_first_responder_index_uses_the_percentage(self) -> None:
        assert first_responder_index("nprs", [3, 3, 2]) == 2

    def test_other_measures_keep_their_mcid_only(self) -> None:
        assert not is_responder("odi", 30, 22)  # 27% but 8 points < MCID 10


def test_the_sql_condition_agrees_with_python() -> None:
    # The database counts responders (charting.rollup, outcomes.analytics) with this SQL.
    import sqlite3

    from imsclinic.measures import MEASURES, responder_sql

    db = sqlite3.connect(":memory:")
    for code, values in (("nprs", range(11)), ("lefs", range(0, 81, 7)), ("psfs", range(11))):
        for baseline in values:
            for current in values:
                condition = responder_sql(MEASURES[code], str(baseline), str(current))
                (got,) = db.execute(f"SELECT {condition}").fetchone()
                assert bool(got) == is_responder(code, baseline, current), (code, baseline, current)
