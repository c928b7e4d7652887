"""Worked examples for each instrument, computed by hand from the published rule."""

from __future__ import annotations

import math

import pytest

from imsclinic.measures import MEASURES, ItemError, UnknownMeasure, score


class TestNprs:
    def test_the_rating_is_the_score(self) -> None:
        result = score("nprs", [7])

        assert result.score == 7
        assert result.band is not None and result.band.label == "Severe pain"
        assert (result.answered, result.missing) == (1, 0)

    @pytest.mark.parametrize(
        ("rating", "label"),
        [
            (0, "No pain"),
            (1, "Mild pain"),
            (3, "Mild pain"),
            (4, "Moderate pain"),
            (6, "Moderate pain"),
            (7, "Severe pain"),
            (10, "Severe pain"),
        ],
    )
    def test_band_edges(self, rating: int, label: str) -> None:
        band = score("nprs", [rating]).band

        assert band is not None and band.label == label

    def test_unanswered_single_item_cannot_be_scored(self) -> None:
        with pytest.raises(ItemError) as caught:
            score("nprs", [None])

        assert caught.value.code == "too_many_missing"
        assert "items 1" in caught.value.message


class TestPsfs:
    def test_mean_of_three_activities(self) -> None:
        # (3 + 5 + 8) / 3 = 16 / 3 = 5.333... -> 5.3
        result = score("psfs", [3, 5, 8])

        assert result.score == 5.3
        assert result.raw == pytest.approx(16 / 3)
        assert result.band is None

    def test_mean_of_five_activities(self) -> None:
        # (2 + 4 + 6 + 8 + 10) / 5 = 30 / 5 = 6.0
        assert score("psfs", [2, 4, 6, 8, 10]).score == 6.0

    def test_blank_activity_rows_are_left_out_of_the_mean(self) -> None:
        # Answered 4, 6, 8: (4 + 6 + 8) / 3 = 6.0, not (18 / 5) = 3.6
        result = score("psfs", [4, None, 6, 8, None])

        assert result.score == 6.0
        assert (result.answered, result.missing) == (3, 2)

    def test_fewer_than_three_rated_activities_is_refused(self) -> None:
        with pytest.raises(ItemError) as caught:
            score("psfs", [4, None, 6, None])

        assert caught.value.code == "too_many_missing"
        assert caught.value.item is None

    @pytest.mark.parametrize("count", [2, 6])
    def test_three_to_five_activities_only(self, count: int) -> None:
        with pytest.raises(ItemError) as caught:
            score("psfs", [5] * count)

        assert caught.value.code == "wrong_item_count"
        assert "3 to 5" in caught.value.message


class TestOdi:
    def test_fairbank_example_all_sections(self) -> None:
        # Fairbank & Pynsent 2000: 16 scored of 50 possible -> 16 / 50 x 100 = 32 %
        result = score("odi", [3, 2, 1, 2, 3, 1, 2, 0, 1, 1])

        assert result.score == 32.0
        assert result.band is not None and result.band.label == "Moderate disability"

    def test_fairbank_example_one_section_missed(self) -> None:
        # Same 16 points over 9 sections: 16 / (5 x 9) x 100 = 16 / 45 x 100 = 35.555...
        # Fairbank prints 35.5 (truncated); we round half up to one decimal: 35.6.
        result = score("odi", [3, 2, 1, 2, 3, 1, 2, None, 1, 1])

        assert result.raw == pytest.approx(16 / 45 * 100)
        assert result.score == 35.6
        assert (result.answered, result.missing) == (9, 1)
        assert result.prorated

    def test_two_sections_missed_is_still_scored(self) -> None:
        # 3+2+1+2+3+1+2+1 = 15 over 8 sections: 15 / 40 x 100 = 37.5
        assert score("odi", [3, 2, 1, 2, 3, 1, 2, None, None, 1]).score == 37.5

    def test_three_sections_missed_is_refused_naming_them(self) -> None:
        with pytest.raises(ItemError) as caught:
            score("odi", [3, 2, 1, 2, 3, 1, 2, None, None, None])

        assert caught.value.code == "too_many_missing"
        assert "items 8, 9, 10" in caught.value.message

    @pytest.mark.parametrize(
        ("total", "label"),
        [
            (10, "Minimal disability"),  # 10 / 50 x 100 = 20 -> 0-20
            (11, "Moderate disability"),  # 22 -> 21-40
            (20, "Moderate disability"),  # 40
            (21, "Severe disability"),  # 42 -> 41-60
            (31, "Crippling back pain"),  # 62 -> 61-80
            (41, "Bed-bound or exaggerating symptoms"),
        ],  # 82 -> 81-100
    )
    def test_fairbank_bands(self, total: int, label: str) -> None:
        items = [5] * (total // 5) + [total % 5]
        items += [0] * (10 - len(items))

        band = score("odi", items).band

        assert band is not None and band.label == label


class TestNdi:
    def test_total_in_points_and_percent(self) -> None:
        # 1+2+3+1+0+2+1+1+2+1 = 14 points of 50 -> mild (5-14); percent = 14 x 2 = 28
        result = score("ndi", [1, 2, 3, 1, 0, 2, 1, 1, 2, 1])

        assert result.score == 14.0
        assert result.percent == 28.0
        assert result.band is not None and result.band.label == "Mild disability"

    def test_missing_item_takes_the_mean_of_the_others(self) -> None:
        # Item 7 blank: 13 points over 9 items; 13 / 9 x 10 = 14.444 -> 14.4 points,
        # percent 28.888 -> 28.9; band read at 14 (rounded) -> mild.
        result = score("ndi", [1, 2, 3, 1, 0, 2, None, 1, 2, 1])

        assert result.score == 14.4
        assert result.percent == 28.9
        assert result.band is not None and result.band.label == "Mild disability"

    def test_two_missing_items(self) -> None:
        # 1+2+3+1+0+2+1+2 = 12 over 8 items: 12 / 8 x 10 = 15.0 -> moderate (15-24)
        result = score("ndi", [1, 2, 3, 1, 0, 2, None, 1, 2, None])

        assert result.score == 15.0
        assert result.band is not None and result.band.label == "Moderate disability"

    def test_three_missing_items_is_refused(self) -> None:
        with pytest.raises(ItemError, match="items 2, 4, 6"):
            score("ndi", [1, None, 3, None, 0, None, 1, 1, 2, 1])

    @pytest.mark.parametrize(
        ("items", "label"),
        [
            ([0] * 10, "No disability"),
            ([1] * 4 + [0] * 6, "No disability"),  # 4
            ([1] * 5 + [0] * 5, "Mild disability"),  # 5
            ([3] * 8 + [0] * 2, "Moderate disability"),  # 24
            ([3] * 8 + [1] * 2, "Severe disability"),  # 26
            ([4] * 8 + [1, 2], "Complete disability"),
        ],  # 35
    )
    def test_vernon_bands(self, items: list[int], label: str) -> None:
        band = score("ndi", items).band

        assert band is not None and band.label == label


class TestQuickDash:
    def test_all_eleven_answered(self) -> None:
        # sum = 2+3+2+1+1+4+2+3+3+2+1 = 24; (24 / 11 - 1) x 25 = (2.1818 - 1) x 25 = 29.545 -> 29.5
        result = score("quickdash", [2, 3, 2, 1, 1, 4, 2, 3, 3, 2, 1])

        assert result.raw == pytest.approx((24 / 11 - 1) * 25)
        assert result.score == 29.5
        assert result.band is None

    def test_ten_of_eleven_answered(self) -> None:
        # sum of the 10 answered = 30; (30 / 10 - 1) x 25 = 2 x 25 = 50.0
        result = score("quickdash", [1, 2, 3, 4, 5, 1, 2, 3, 4, 5, None])

        assert result.score == 50.0
        assert result.missing == 1

    def test_two_unanswered_is_refused(self) -> None:
        with pytest.raises(ItemError) as caught:
            score("quickdash", [1, 2, 3, 4, 5, 1, 2, 3, 4, None, None])

        assert caught.value.code == "too_many_missing"
        assert "at least 10" in caught.value.message

    def test_range_ends(self) -> None:
        # all 1s: (11/11 - 1) x 25 = 0; all 5s: (55/11 - 1) x 25 = 100
        assert score("quickdash", [1] * 11).score == 0
        assert score("quickdash", [5] * 11).score == 100

    def test_item_scale_starts_at_one(self) -> None:
        with pytest.raises(ItemError) as caught:
            score("quickdash", [0] + [1] * 10)

        assert caught.value.item == 1
        assert caught.value.message == "Item 1 must be an integer from 1 to 5; got 0"


class TestLefs:
    def test_sum_of_twenty_items(self) -> None:
        # 10 x 3 + 10 x 2 = 50 of 80
        result = score("lefs", [3] * 10 + [2] * 10)

        assert result.score == 50.0
        assert result.band is None

    def test_two_blank_items_are_prorated(self) -> None:
        # answered: nine 4s and nine 2s = 54 over 18 items; 54 / 18 x 20 = 60.0
        result = score("lefs", [4] * 9 + [None] + [2] * 9 + [None])

        assert result.score == 60.0
        assert (result.answered, result.missing) == (18, 2)
        assert "18 of 20" in result.interpretation

    def test_three_blank_items_are_refused(self) -> None:
        with pytest.raises(ItemError, match="at least 18"):
            score("lefs", [4] * 17 + [None] * 3)


class TestItemErrors:
    def test_out_of_range_names_the_item(self) -> None:
        with pytest.raises(ItemError) as caught:
            score("odi", [0, 1, 7, 0, 0, 0, 0, 0, 0, 0])

        error = caught.value
        assert (error.item, error.code) == (3, "out_of_range")
        assert error.message == "Item 3 must be an integer from 0 to 5; got 7"
        assert str(error) == error.message
        assert error.as_dict() == {
            "field": "items.3",
            "code": "out_of_range",
            "message": error.message,
        }

    def test_negative_answer(self) -> None:
        with pytest.raises(ItemError) as caught:
            score("lefs", [4] * 19 + [-1])

        assert (caught.value.item, caught.value.code) == (20, "out_of_range")

    @pytest.mark.parametrize("bad", [2.5, math.nan, math.inf, "3", [3]])
    def test_non_integer_names_the_item(self, bad: object) -> None:
        items: list[object] = [1, 1, 1, 1, bad, 1, 1, 1, 1, 1]

        with pytest.raises(ItemError) as caught:
            score("ndi", items)  # type: ignore[arg-type]

        assert (caught.value.item, caught.value.code) == (5, "not_integer")
        assert caught.value.message.startswith("Item 5 must be an integer from 0 to 5; got ")

    @pytest.mark.parametrize("flag", [True, False])
    def test_yes_no_value_is_not_a_rating(self, flag: bool) -> None:
        # bool is an int subclass, so without a check True would score as 1.
        with pytest.raises(ItemError) as caught:
            score("psfs", [5, flag, 5])

        assert (caught.value.item, caught.value.code) == (2, "not_integer")
        assert "yes/no" in caught.value.message

    def test_whole_number_floats_are_accepted(self) -> None:
        assert score("nprs", [6.0]).score == 6

    @pytest.mark.parametrize(
        ("code", "count"),
        [("odi", 9), ("odi", 11), ("ndi", 0), ("quickdash", 30), ("lefs", 19), ("nprs", 2)],
    )
    def test_wrong_item_count_is_a_whole_form_error(self, code: str, count: int) -> None:
        with pytest.raises(ItemError) as caught:
            score(code, [1] * count)

        assert (caught.value.item, caught.value.code) == (None, "wrong_item_count")
        assert f"got {count}" in caught.value.message

    def test_a_string_is_not_a_list_of_answers(self) -> None:
        with pytest.raises(ItemError) as caught:
            score("psfs", "345")  # type: ignore[arg-type]

        assert caught.value.code == "not_a_list"

    def test_item_error_is_a_value_error(self) -> None:
        with pytest.raises(ValueError):
            score("nprs", [11])


class TestMeasureLookup:
    def test_unknown_code_is_both_value_and_key_error(self) -> None:
        with pytest.raises(UnknownMeasure) as caught:
            score("koos", [1])

        assert isinstance(caught.value, ValueError)
        assert isinstance(caught.value, KeyError)
        assert str(caught.value).startswith("Unknown outcome measure 'koos'; known measures: nprs")

    def test_codes_are_case_insensitive(self) -> None:
        assert score("ODI", [1] * 10).measure == "odi"

    def test_every_measure_scores_a_full_form(self) -> None:
        for code, measure in MEASURES.items():
            count = measure.item_count if isinstance(measure.item_count, int) else 3
            assert score(code, [measure.item_min] * count).measure == code
