"""Clinic outcome statistics against known values and a hand-worked example."""

from __future__ import annotations

import math

import pytest

from imsclinic.measures.statistics import (
    PUBLISHED,
    KMPoint,
    kaplan_meier,
    kaplan_meier_counts,
    median_time,
    rate_per_1000,
    wilson_interval,
)


class TestWilson:
    def test_eight_of_ten(self) -> None:
        # p = 0.8, z = 1.95996, z^2 = 3.8415; centre = (0.8 + 0.19207) / 1.38415 = 0.71674;
        # half = 1.95996 x sqrt(0.016 + 0.009604) / 1.38415 = 0.22658 -> (0.4902, 0.9433)
        low, high = wilson_interval(8, 10)

        assert low == pytest.approx(0.4902, abs=5e-5)
        assert high == pytest.approx(0.9433, abs=5e-5)

    def test_none_and_all(self) -> None:
        # 0/10: upper = z^2/n / (1 + z^2/n) = 0.38415 / 1.38415 = 0.2775
        assert wilson_interval(0, 10) == (0.0, pytest.approx(0.2775, abs=5e-5))
        assert wilson_interval(10, 10) == (pytest.approx(0.7225, abs=5e-5), 1.0)

    def test_higher_confidence_is_wider(self) -> None:
        low95, high95 = wilson_interval(8, 10)
        low99, high99 = wilson_interval(8, 10, confidence=0.99)

        assert low99 < low95 and high99 > high95

    @pytest.mark.parametrize(("successes", "n"), [(-1, 10), (11, 10), (0, 0)])
    def test_impossible_counts(self, successes: int, n: int) -> None:
        with pytest.raises(ValueError):
            wilson_interval(successes, n)

    def test_confidence_must_be_a_probability(self) -> None:
        with pytest.raises(ValueError, match="confidence"):
            wilson_interval(1, 2, confidence=95)


class TestKaplanMeier:
    # Sessions to reach MCID for 8 episodes; False = censored (still in care or discharged).
    DURATIONS = [2, 3, 3, 4, 5, 5, 6, 8]
    EVENTS = [True, True, False, True, False, True, True, False]

    def test_hand_worked_example(self) -> None:
        # t=2: 8 at risk, 1 event          S = 7/8            = 0.875
        # t=3: 7 at risk, 1 event, 1 cens  S = 0.875 x 6/7    = 0.75
        # t=4: 5 at risk, 1 event          S = 0.75 x 4/5     = 0.6
        # t=5: 4 at risk, 1 event, 1 cens  S = 0.6 x 3/4      = 0.45
        # t=6: 2 at risk, 1 event          S = 0.45 x 1/2     = 0.225
        # t=8: 1 at risk, 0 events, 1 cens S unchanged        = 0.225
        km = kaplan_meier(self.DURATIONS, self.EVENTS)

        assert [(p.time, p.at_risk, p.events, p.censored) for p in km] == [
            (2, 8, 1, 0),
            (3, 7, 1, 1),
            (4, 5, 1, 0),
            (5, 4, 1, 1),
            (6, 2, 1, 0),
            (8, 1, 0, 1),
        ]
        assert [p.survival for p in km] == pytest.approx([0.875, 0.75, 0.6, 0.45, 0.225, 0.225])

    def test_median_is_first_time_survival_reaches_half(self) -> None:
        # S falls from 0.6 to 0.45 at t=5.
        assert median_time(kaplan_meier(self.DURATIONS, self.EVENTS)) == 5

    def test_input_order_does_not_matter(self) -> None:
        reordered = kaplan_meier(self.DURATIONS[::-1], self.EVENTS[::-1])

        assert reordered == kaplan_meier(self.DURATIONS, self.EVENTS)

    def test_median_exactly_half(self) -> None:
        # 4 events at 1, 2, 3, 4: S = 0.75, 0.5, ... -> median 2 (first S <= 0.5)
        assert median_time(kaplan_meier([1, 2, 3, 4], [True] * 4)) == 2

    def test_median_not_reached(self) -> None:
        km = kaplan_meier([3, 4, 5, 6], [True, False, False, False])

        assert km[-1].survival == pytest.approx(0.75)
        assert median_time(km) is None

    def test_no_episodes(self) -> None:
        assert kaplan_meier([], []) == []
        assert median_time([]) is None

    def test_points_are_plain_data(self) -> None:
        assert kaplan_meier([1], [True]) == [KMPoint(1.0, 1, 1, 0, 0.0)]

    @pytest.mark.parametrize(
        ("durations", "events", "message"),
        [
            ([1, 2], [True], "same length"),
            ([-1], [True], "not negative"),
            ([math.nan], [True], "finite"),
            ([1], ["yes"], "True or False"),
        ],
    )
    def test_bad_input(self, durations: list[float], events: list[object], message: str) -> None:
        with pytest.raises(ValueError, match=message):
            kaplan_meier(durations, events)  # type: ignore[arg-type]


class TestRatePer1000:
    @pytest.mark.parametrize(
        ("events", "low", "high"),
        # Exact Poisson 95% limits for the mean (Garwood 1936; standard tables):
        [(0, 0.0, 3.6889), (1, 0.0253, 5.5716), (5, 1.6235, 11.6683), (10, 4.7954, 18.3904)],
    )
    def test_known_exact_poisson_limits(self, events: int, low: float, high: float) -> None:
        # Over 1,000 sessions the rate per 1,000 equals the count, so the limits read directly.
        rate, lower, upper = rate_per_1000(events, 1000)

        assert rate == events
        assert lower == pytest.approx(low, abs=5e-4)
        assert upper == pytest.approx(high, abs=5e-4)

    def test_zero_events_upper_limit_is_minus_log_of_alpha_over_two(self) -> None:
        # P(X = 0 | m) = exp(-m) = 0.025  ->  m = -ln 0.025 = 3.6889 over 7,629 treatments
        _, low, high = rate_per_1000(0, 7629)

        assert low == 0
        assert high == pytest.approx(-math.log(0.025) / 7629 * 1000)

    def test_large_counts_match_byars_approximation(self) -> None:
        # Byar's approximation (accurate to well under 0.1% at k = 400), z = 1.95996:
        # low  = k (1 - 1/(9k) - z/(3 sqrt k))^3             = 400 x 0.967055^3 = 361.76
        # high = (k+1) (1 - 1/(9(k+1)) + z/(3 sqrt(k+1)))^3  = 401 x 1.032349^3 = 441.19
        k, z = 400, 1.959964
        byar_low = k * (1 - 1 / (9 * k) - z / (3 * math.sqrt(k))) ** 3
        byar_high = (k + 1) * (1 - 1 / (9 * (k + 1)) + z / (3 * math.sqrt(k + 1))) ** 3

        rate, low, high = rate_per_1000(k, 1000)

        assert rate == 400
        assert low == pytest.approx(byar_low, rel=1e-3)
        assert high == pytest.approx(byar_high, rel=1e-3)

    @pytest.mark.parametrize(("events", "sessions"), [(-1, 10), (1, 0), (1.5, 10), (True, 10)])
    def test_bad_input(self, events: int, sessions: float) -> None:
        with pytest.raises(ValueError):
            rate_per_1000(events, sessions)


class TestPublished:
    def test_brady_2014(self) -> None:
        brady = PUBLISHED.adverse_events["Brady 2014"]

        assert (brady.denominator, brady.denominator_unit) == (7629, "treatments")
        assert brady.rate("mild").proportion == 0.19
        assert brady.rate("bruising").proportion == 0.076
        assert brady.rate("bleeding").proportion == 0.047
        assert brady.rate("significant").proportion == 0
        assert "25125935" in brady.citation

    def test_boyce_2020(self) -> None:
        boyce = PUBLISHED.adverse_events["Boyce 2020"]

        assert (boyce.denominator, boyce.denominator_unit) == (20464, "sessions")
        assert boyce.rate("minor").proportion == 0.367
        assert boyce.rate("major").per_1000 == pytest.approx(1000 / 1024)
        assert boyce.rate("major").proportion < 0.001
        assert "32089962" in boyce.citation

    def test_unreported_category(self) -> None:
        with pytest.raises(KeyError, match="reports no 'fainting'"):
            PUBLISHED.adverse_events["Brady 2014"].rate("fainting")

    def test_course_lengths(self) -> None:
        courses = PUBLISHED.course_lengths

        assert (courses["Gunn 1980"].sessions, courses["Gunn 1980"].sessions_is_mean) == (7.9, True)
        assert (courses["Ga 2007"].sessions, courses["Ga 2007"].frequency) == (3, "weekly")
        assert (courses["Couto 2014"].sessions, courses["Couto 2014"].weeks) == (8, 4)

    def test_published_data_is_read_only(self) -> None:
        with pytest.raises(TypeError):
            PUBLISHED.course_lengths["Mine"] = PUBLISHED.course_lengths["Ga 2007"]  # type: ignore[index]


class TestKaplanMeierCounts:
    """Clinic outcomes run the histogram form; it must be the per-episode estimate."""

    def test_histogram_equals_one_row_per_episode(self):
        durations = [2, 3, 3, 4, 5, 5, 5, 8, 8, 10]
        events = [True, True, False, True, True, False, True, False, True, False]
        counts: dict[tuple[float, bool], int] = {}
        for key in zip(durations, events, strict=True):
            counts[key] = counts.get(key, 0) + 1
        assert kaplan_meier_counts(counts) == kaplan_meier(durations, events)

    def test_zero_counts_add_no_point_and_negative_counts_are_refused(self):
        assert kaplan_meier_counts({(3, True): 0, (4, True): 2}) == [KMPoint(4.0, 2, 2, 0, 0.0)]
        with pytest.raises(ValueError, match="must not be negative"):
            kaplan_meier_counts({(3, True): -1})
